#include "http/cookies.hpp"

#include <sodium.h>

#include "util/crypto.hpp"

namespace redress::http {

std::string CookieValue(const Request& req, std::string_view name) {
  const std::string header = req.Header("cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
  }
  return {};
}

std::string CookieHeader(std::string_view name, std::string_view value, bool secure, bool http_only,
                         std::optional<long> max_age_seconds) {
  std::string out;
  out.append(name).append("=").append(value).append("; Path=/; SameSite=Strict");
  if (http_only) out += "; HttpOnly";
  if (secure) out += "; Secure";
  if (max_age_seconds) out += "; Max-Age=" + std::to_string(*max_age_seconds);
  return out;
}

std::string_view SessionCookieName(bool secure) {
  return secure ? "__Host-redress_session" : "redress_session";
}

std::string CsrfTokenFor(std::string_view session_token) {
  std::string input = "redress-csrf:";
  input.append(session_token);
  return util::Sha256Hex(input);
}

bool TokenMatches(std::string_view presented, std::string_view expected) {
  return !expected.empty() && presented.size() == expected.size() &&
         sodium_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

bool SameOrigin(const Request& req) {
  const std::string site = req.Header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none") return false;
  const std::string origin = req.Header("origin");
  if (origin.empty()) return true;
  const std::string host = req.Header("host");
  return origin == "http://" + host || origin == "https://" + host;
}

}  // namespace redress::http
