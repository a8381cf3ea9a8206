// The request and response values handlers see: parsed once by the server, independent of
// Beast so handlers stay easy to test.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace redress::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent, with the query
  std::string path;    // decoded path, no query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<std::string> params;  // path parameters captured by the router
  std::string request_id;

  std::string Header(std::string_view name) const;
  std::string Query(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // With `shared` set, the body sent is `before + body + after`: two views of text that
  // `shared` keeps alive (a kept view's JSON, see ViewCache) around the body of this response
  // alone, written to the socket as they are instead of copied into one string.
  std::shared_ptr<const void> shared;
  std::string_view before;
  std::string_view after;

  static Response Json(unsigned status, const nlohmann::json& j);
  static Response Text(unsigned status, std::string body, std::string content_type);
};

// RFC 9457 problem+json for an Error; `instance` is the request path.
Response Problem(const core::Error& e, const std::string& instance);
unsigned StatusOf(core::Errc code);

// Percent-decoding of a path or query component; false on a bad escape.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space);

}  // namespace redress::http
