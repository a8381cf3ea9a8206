// The web pages served by the binary (issue: public portal and staff console).
//
//  * Public portal, server-rendered so it works without JavaScript: the complaint form
//    (GET / and /complaint, POST /complaint as urlencoded or multipart with attachments), the
//    confirmation page, the status page reached with reference + access code (GET/POST
//    /status) with its forms to add information, withdraw and answer the satisfaction survey.
//    Strings come from the message files (web/i18n/LANG.json); ?lang=xx switches and a cookie
//    keeps the choice. portal.js (web/src) only adds client-side checks.
//  * Staff console: GET /console/login and POST /console/login (session cookie, HttpOnly,
//    SameSite=Strict), POST /console/logout; /console and /console/... serve the console
//    single-page app (web/console.html, built by Vite) to a signed-in user.
//  * /assets/...: the Vite build's hashed files, cached for a year.
//
// Every form carries a CSRF token: on the portal and the login page a double-submit cookie,
// on console forms the session's token (http/cookies.hpp); a POST also needs a same-origin
// request. Pages send a Content-Security-Policy without inline scripts or styles, and all
// values are HTML-escaped by the templates (mustache {{...}}).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "app/service.hpp"
#include "http/api.hpp"
#include "http/message.hpp"

namespace redress::http {

class Web {
 public:
  Web(app::ComplaintService& service, Api& api);

  // True for the paths the pages own (everything but /api/, /healthz, /metrics, /openapi.json).
  static bool Owns(std::string_view path);
  // POST /complaint takes attachments, so the upload body limit applies.
  static bool AllowsUpload(std::string_view path) { return path == "/complaint"; }

  boost::asio::awaitable<Response> Handle(Request req);

 private:
  struct Page;
  boost::asio::awaitable<Response> Route(Request& req, Page& page);
  boost::asio::awaitable<Response> SubmitComplaint(Request& req, Page& page);
  boost::asio::awaitable<Response> ShowStatus(Request& req, Page& page, std::string action);
  boost::asio::awaitable<Response> Login(Request& req, Page& page);
  boost::asio::awaitable<Response> Logout(Request& req, Page& page);
  boost::asio::awaitable<Response> Console(Request& req, Page& page);

  app::ComplaintService& service_;
  Api& api_;
};

}  // namespace redress::http
