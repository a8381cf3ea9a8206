// The /api/v1 routes: a table where every route declares who may call it (start-up fails if a
// route has none), translation of requests to use cases, and of results to JSON/problem
// responses. No rule about complaints lives here: that is the core's.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>
#include <vector>

#include "app/service.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"

namespace redress::http {

// Who may call a route.
enum class Access {
  kPublic,  // anyone (complainant routes, health)
  kStaff,   // any signed-in user
  kRoles,   // signed-in users with one of `roles`
};

struct ApiOptions {
  std::string data_dir;  // attachments live under DATA/attachments
  size_t upload_limit = 10 * 1024 * 1024;
  int status_attempts_per_minute = 20;  // failed reference+secret lookups per reference
};

class Api {
 public:
  Api(app::ComplaintService& service, core::Store& store, ApiOptions options);
  ~Api();

  // Waits for the blocking pools to finish their work; call once the I/O threads stopped.
  void Shutdown();

  boost::asio::awaitable<Response> Handle(Request req);
  bool AllowsUpload(std::string_view path) const;

  // "METHOD /pattern" for every route, for `redress routes` and the OpenAPI check.
  std::vector<std::string> RouteList() const;

  Metrics& metrics() { return metrics_; }

  struct Route;
  using Fn = boost::asio::awaitable<Response> (Api::*)(Request&, const core::User*);

 private:
  // Handlers.
  boost::asio::awaitable<Response> Health(Request&, const core::User*);
  boost::asio::awaitable<Response> MetricsText(Request&, const core::User*);
  boost::asio::awaitable<Response> OpenApi(Request&, const core::User*);
  boost::asio::awaitable<Response> CreateComplaint(Request&, const core::User*);
  boost::asio::awaitable<Response> Status(Request&, const core::User*);
  boost::asio::awaitable<Response> StatusAddInformation(Request&, const core::User*);
  boost::asio::awaitable<Response> StatusWithdraw(Request&, const core::User*);
  boost::asio::awaitable<Response> Login(Request&, const core::User*);
  boost::asio::awaitable<Response> Logout(Request&, const core::User*);
  boost::asio::awaitable<Response> Me(Request&, const core::User*);
  boost::asio::awaitable<Response> ChangePassword(Request&, const core::User*);
  boost::asio::awaitable<Response> ListComplaints(Request&, const core::User*);
  boost::asio::awaitable<Response> GetComplaint(Request&, const core::User*);
  boost::asio::awaitable<Response> Events(Request&, const core::User*);
  boost::asio::awaitable<Response> Transition(Request&, const core::User*);
  boost::asio::awaitable<Response> AssignComplaint(Request&, const core::User*);
  boost::asio::awaitable<Response> EscalateComplaint(Request&, const core::User*);
  boost::asio::awaitable<Response> Notes(Request&, const core::User*);
  boost::asio::awaitable<Response> AddNote(Request&, const core::User*);
  boost::asio::awaitable<Response> UploadAttachment(Request&, const core::User*);
  boost::asio::awaitable<Response> DownloadAttachment(Request&, const core::User*);
  boost::asio::awaitable<Response> ListUsers(Request&, const core::User*);
  boost::asio::awaitable<Response> CreateUser(Request&, const core::User*);
  boost::asio::awaitable<Response> DisableUser(Request&, const core::User*);
  boost::asio::awaitable<Response> EnableUser(Request&, const core::User*);
  boost::asio::awaitable<Response> Policies(Request&, const core::User*);
  boost::asio::awaitable<Response> PolicyById(Request&, const core::User*);
  boost::asio::awaitable<Response> AuditVerify(Request&, const core::User*);

  boost::asio::awaitable<Response> Dispatch(Request& req, const Route& route);
  // Add information or withdraw, as the complainant (reference + secret).
  boost::asio::awaitable<Response> ComplainantUpdate(Request& req, bool withdraw);
  boost::asio::awaitable<Response> SetDisabled(Request& req, const core::User* user, bool disabled);
  nlohmann::json ComplaintJson(const core::Complaint& c) const;
  Response ComplaintResponse(const core::Complaint& c, unsigned status = 200) const;
  bool StatusAttemptAllowed(const std::string& reference);
  void StatusAttemptFailed(const std::string& reference);

  app::ComplaintService& service_;
  core::Store& store_;
  ApiOptions options_;
  std::vector<Route> routes_;
  boost::asio::thread_pool blocking_;  // store reads, file writes
  boost::asio::thread_pool hashing_;   // Argon2id: bounded to its thread count
  Metrics metrics_;
  struct RateState;
  std::unique_ptr<RateState> rate_;
};

}  // namespace redress::http
