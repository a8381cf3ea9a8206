// Small helpers the API's handler files share: problem responses, JSON bodies, bearer tokens.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.hpp"
#include "http/message.hpp"

namespace redress::http {

Response ErrorOf(const core::Error& e, const Request& req);
Response Json201(const nlohmann::json& j, const std::string& location);
std::string BearerToken(const Request& req);
bool IsJsonContentType(const Request& req);
// kUnsupportedMedia when the request has a body that is not application/json.
core::Status JsonMediaType(const Request& req);
// The body as a JSON object ({} when empty); kUnsupportedMedia unless application/json.
core::Result<nlohmann::json> JsonBody(const Request& req);

}  // namespace redress::http
