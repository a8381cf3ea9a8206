// Cookies of the web pages: the staff session (the same token the API's bearer scheme takes)
// and its CSRF token, the portal's CSRF token and the language choice.
//
// Session cookie: HttpOnly, SameSite=Strict, Path=/; with `secure` (served over TLS, directly
// or behind a proxy) also Secure and named with the __Host- prefix. A cookie-authenticated
// request that changes state must carry the session's CSRF token (X-CSRF-Token header or a
// `csrf` form field) and, when the browser sends Origin, a same-origin one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace redress::http {

// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const Request& req, std::string_view name);

// A Set-Cookie value; max_age 0 deletes the cookie, nullopt makes a session cookie.
std::string CookieHeader(std::string_view name, std::string_view value, bool secure, bool http_only,
                         std::optional<long> max_age_seconds);

std::string_view SessionCookieName(bool secure);

// The CSRF token of a session: derived from its secret token, so it needs no storage and
// cannot be computed without the cookie.
std::string CsrfTokenFor(std::string_view session_token);

// Constant-time comparison of a presented token with the expected one.
bool TokenMatches(std::string_view presented, std::string_view expected);

// False when the browser says the request came from another site (Origin not matching Host,
// or Sec-Fetch-Site cross-site); requests without either header pass.
bool SameOrigin(const Request& req);

}  // namespace redress::http
