#include "http/api_util.hpp"

#include <algorithm>
#include <cctype>

#include "app/json_input.hpp"

namespace redress::http {

using core::Errc;
using core::MakeError;
using nlohmann::json;

Response ErrorOf(const core::Error& e, const Request& req) { return Problem(e, req.path); }

Response Json201(const json& j, const std::string& location) {
  Response r = Response::Json(201, j);
  r.headers.emplace_back("Location", location);
  return r;
}

std::string BearerToken(const Request& req) {
  std::string auth = req.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (auth.size() > kPrefix.size() &&
      std::equal(kPrefix.begin(), kPrefix.end(), auth.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return auth.substr(kPrefix.size());
  }
  return {};
}

bool IsJsonContentType(const Request& req) {
  std::string ct = req.Header("content-type");
  for (auto& ch : ct) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ct.rfind("application/json", 0) == 0 || ct.rfind("application/problem+json", 0) == 0;
}

core::Status JsonMediaType(const Request& req) {
  if (!req.body.empty() && !IsJsonContentType(req)) {
    return MakeError(Errc::kUnsupportedMedia, "The request body must be application/json.");
  }
  return {};
}

core::Result<json> JsonBody(const Request& req) {
  if (auto media = JsonMediaType(req); !media) return media.error();
  if (req.body.empty()) return json::object();
  return app::ParseJsonObject(req.body);
}

}  // namespace redress::http
