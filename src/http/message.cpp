#include "http/message.hpp"

namespace redress::http {
namespace {

struct ProblemInfo {
  unsigned status;
  const char* type;
  const char* title;
};

ProblemInfo InfoOf(core::Errc code) {
  using core::Errc;
  switch (code) {
    case Errc::kMalformed:
      return {400, "malformed-request", "Malformed request"};
    case Errc::kInvalid:
      return {422, "invalid-field", "Invalid field"};
    case Errc::kUnauthenticated:
      return {401, "unauthenticated", "Authentication required"};
    case Errc::kForbidden:
      return {403, "forbidden", "Not allowed"};
    case Errc::kNotFound:
      return {404, "not-found", "Not found"};
    case Errc::kConflict:
      return {409, "conflict", "Conflict"};
    case Errc::kPreconditionFailed:
      return {412, "precondition-failed", "Precondition failed"};
    case Errc::kMethodNotAllowed:
      return {405, "method-not-allowed", "Method not allowed"};
    case Errc::kPayloadTooLarge:
      return {413, "payload-too-large", "Payload too large"};
    case Errc::kHeadersTooLarge:
      return {431, "headers-too-large", "Request headers too large"};
    case Errc::kUnsupportedMedia:
      return {415, "unsupported-media-type", "Unsupported media type"};
    case Errc::kRateLimited:
      return {429, "rate-limited", "Too many requests"};
    case Errc::kOverloaded:
      return {503, "overloaded", "Service overloaded"};
    case Errc::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
    case Errc::kInternal:
      return {500, "internal", "Internal error"};
  }
  return {500, "internal", "Internal error"};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string Request::Header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string() : it->second;
}

Response Response::Json(unsigned status, const nlohmann::json& j) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::Text(unsigned status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

unsigned StatusOf(core::Errc code) { return InfoOf(code).status; }

Response Problem(const core::Error& e, const std::string& instance) {
  const ProblemInfo info = InfoOf(e.code);
  const std::string type = e.type.empty() ? info.type : e.type;
  nlohmann::json j = {{"type", "https://redress.example/problems/" + type},
                      {"title", info.title},
                      {"status", info.status},
                      {"detail", e.detail},
                      {"instance", instance}};
  if (!e.fields.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& f : e.fields) {
      errors.push_back({{"pointer", f.pointer}, {"detail", f.message}});
    }
    j["errors"] = std::move(errors);
  }
  Response r = Response::Json(info.status, j);
  r.content_type = "application/problem+json";
  if (e.code == core::Errc::kOverloaded || e.code == core::Errc::kUnavailable ||
      e.code == core::Errc::kRateLimited) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char ch = in[i];
    if (ch == '%') {
      if (i + 2 >= in.size()) return false;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (ch == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(ch);
    }
  }
  return true;
}

}  // namespace redress::http
