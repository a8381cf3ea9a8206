// The OpenAPI 3.1 description of /api/v1, served at /openapi.json. tests/api checks that its
// paths and methods are exactly the routes the server has.
#pragma once

#include <string_view>

namespace redress::http {

std::string_view OpenApiDocument();

}  // namespace redress::http
