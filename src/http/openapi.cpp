#include "http/openapi.hpp"

namespace redress::http {

std::string_view OpenApiDocument() {
  return R"({"openapi":"3.1.0","info":{"title":"Redress","version":"0.1.0"},"paths":{}})";
}

}  // namespace redress::http
