// The /api/v1 routes: a table where every route declares who may call it (start-up fails if a
// route has none), translation of requests to use cases, and of results to JSON/problem
// responses. No rule about complaints lives here: that is the core's.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/learning.hpp"
#include "app/service.hpp"
#include "core/json_writer.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/view_cache.hpp"
#include "util/versioned_cache.hpp"

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
  bool cookie_secure = false;           // served over TLS: Secure, __Host- session cookie
  // Mail intake (`redress mailgate`): the SHA-256 of the token it presents in
  // X-Mailgate-Token (empty: intake off), and the largest message taken.
  std::string mailgate_token_hash;
  size_t mail_max_bytes = 10 * 1024 * 1024;
  std::string mail_domain;       // right-hand side of outgoing Message-IDs (shown to staff)
  app::LearningConfig learning;  // clause 8: organisation, FCA groups, KPI objectives
  // The budget of the staff views kept for gets (http/view_cache.hpp); 0: none. Kept only
  // over a store that reports every change (SQLite).
  size_t view_cache_bytes = 64 * 1024 * 1024;
  // Threads that run store reads and file writes off the I/O threads (`redress serve
  // --read-threads`).
  int read_threads = 4;
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
  app::Learning& learning() { return *learning_; }
  const ApiOptions& options() const { return options_; }

  // Shared with the web pages (http/web.hpp), which act through the same rules.
  struct SignedIn {
    core::User user;
    std::string token;  // the session's secret token (the cookie or bearer value)
  };
  boost::asio::awaitable<core::Result<SignedIn>> SignIn(std::string username, std::string password);
  boost::asio::awaitable<core::Status> SignOut(std::string token);
  boost::asio::awaitable<core::Result<core::User>> UserOfSession(std::string token);
  // The complainant's view (as GET /api/v1/status/{reference}, with `messages`).
  boost::asio::awaitable<core::Result<nlohmann::json>> StatusView(std::string reference,
                                                                  std::string secret);
  // Adds information, or withdraws (`text` is then the reason), as the complainant.
  boost::asio::awaitable<core::Result<core::Complaint>> ComplainantChange(std::string reference,
                                                                          std::string secret,
                                                                          bool withdraw,
                                                                          std::string text);
  // These three count an unknown reference or wrong secret against StatusAttemptAllowed.
  boost::asio::awaitable<core::Result<core::Complaint>> AnswerSurvey(std::string reference,
                                                                     std::string secret,
                                                                     int handling, int outcome,
                                                                     std::string comment);
  boost::asio::awaitable<core::Result<core::Complaint>> OptOutOfSurvey(std::string reference,
                                                                       std::string secret);
  // The JSON body of a complainant's request about params[0], once its attempts are allowed.
  boost::asio::awaitable<core::Result<nlohmann::json>> StatusBody(const Request& req);
  // Failed reference+secret attempts, limited per reference and minute, counted in the store
  // (core::Store::AddHit), so the limit holds across nodes.
  static constexpr std::chrono::milliseconds kStatusWindow{60000};
  // How long a checked session is trusted without reading the store again (UserOfSession).
  static constexpr std::chrono::milliseconds kSessionCacheTtl{1000};
  boost::asio::awaitable<bool> StatusAttemptAllowed(std::string reference);
  boost::asio::awaitable<void> StatusAttemptFailed(std::string reference);
  boost::asio::thread_pool& blocking() { return blocking_; }
  boost::asio::thread_pool& hashing() { return hashing_; }

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
  boost::asio::awaitable<Response> FollowUp(Request&, const core::User*);
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
  boost::asio::awaitable<Response> ListViews(Request&, const core::User*);
  boost::asio::awaitable<Response> PutView(Request&, const core::User*);
  boost::asio::awaitable<Response> DeleteView(Request&, const core::User*);
  boost::asio::awaitable<Response> Dashboard(Request&, const core::User*);
  boost::asio::awaitable<Response> Roles(Request&, const core::User*);
  boost::asio::awaitable<Response> StatusSurvey(Request&, const core::User*);
  boost::asio::awaitable<Response> StatusSurveyOptOut(Request&, const core::User*);
  boost::asio::awaitable<Response> Notifications(Request&, const core::User*);
  boost::asio::awaitable<Response> MailInbound(Request&, const core::User*);
  // Clause 8 (http/learning_api.cpp).
  boost::asio::awaitable<Response> AnalyticsDashboard(Request&, const core::User*);
  boost::asio::awaitable<Response> AnalyticsBreakdown(Request&, const core::User*);
  boost::asio::awaitable<Response> AnalyticsOpen(Request&, const core::User*);
  boost::asio::awaitable<Response> AnalyticsSpikes(Request&, const core::User*);
  boost::asio::awaitable<Response> AnalyticsPareto(Request&, const core::User*);
  boost::asio::awaitable<Response> ListAnnotations(Request&, const core::User*);
  boost::asio::awaitable<Response> AddAnnotation(Request&, const core::User*);
  boost::asio::awaitable<Response> DeleteAnnotation(Request&, const core::User*);
  boost::asio::awaitable<Response> ListRootCauses(Request&, const core::User*);
  boost::asio::awaitable<Response> GetRootCause(Request&, const core::User*);
  boost::asio::awaitable<Response> SaveRootCause(Request&, const core::User*);
  boost::asio::awaitable<Response> ListActions(Request&, const core::User*);
  boost::asio::awaitable<Response> GetAction(Request&, const core::User*);
  boost::asio::awaitable<Response> SaveAction(Request&, const core::User*);
  boost::asio::awaitable<Response> CheckAction(Request&, const core::User*);
  boost::asio::awaitable<Response> ListAudits(Request&, const core::User*);
  boost::asio::awaitable<Response> GetAudit(Request&, const core::User*);
  boost::asio::awaitable<Response> CreateAudit(Request&, const core::User*);
  boost::asio::awaitable<Response> PutFinding(Request&, const core::User*);
  boost::asio::awaitable<Response> ReviewReport(Request&, const core::User*);
  boost::asio::awaitable<Response> ComplaintsReturn(Request&, const core::User*);

  boost::asio::awaitable<Response> Dispatch(Request& req, const Route& route);
  // Add information or withdraw, as the complainant (reference + secret).
  boost::asio::awaitable<Response> ComplainantUpdate(Request& req, bool withdraw);
  boost::asio::awaitable<Response> SetDisabled(Request& req, const core::User* user, bool disabled);
  // What the staff view adds to the record for this caller now, as members of the object `w`
  // is in: due, overdue, allowed_actions, my_actions, my_operations. Reads only the state,
  // clocks and follow-up of `c` (of a kept view's record, all there is: CachedView::Record).
  void WriteCallerMembers(core::JsonWriter& w, const core::Complaint& c,
                          const core::User& user) const;
  // core::ToStaffRecordJson(c) as text, kept by complaint id for its version (a get of an
  // unchanged complaint writes it once).
  std::shared_ptr<const std::string> StaffRecordText(const core::Complaint& c);
  // The staff view of `c` for `user`: its record's text without the closing brace, then the
  // caller's members; the caller appends any more members and the closing brace.
  std::string OpenStaffView(const core::Complaint& c, const core::User& user);
  Response ComplaintResponse(const core::Complaint& c, const core::User& user,
                             unsigned status = 200);
  // A get's view of a complaint file as read (see ViewCache), and the response it gives
  // `user`: the record, this caller's members now, then the notes, attachments and timeline,
  // the view's text sent as it is (Response::shared), not copied.
  std::shared_ptr<CachedView> MakeView(const core::ComplaintFile& file);
  // `c`: the view's complaint (whole, or as CachedView::Complaint() gives it).
  Response FileResponse(std::shared_ptr<const CachedView> view, const core::Complaint& c,
                        const core::User& user) const;
  // The session token of a request: the bearer token, else the session cookie.
  std::string SessionToken(const Request& req, bool* from_cookie) const;

  app::ComplaintService& service_;
  core::Store& store_;
  ApiOptions options_;
  std::unique_ptr<app::Learning> learning_;
  std::vector<Route> routes_;
  // The arrays of a staff view that depend only on the complaint's state, the caller's role
  // and whether the follow-up is open, as JSON text made once from the transition table and
  // the routes (WriteCallerMembers wrote them element by element at every get).
  static constexpr size_t kStateCount = static_cast<size_t>(core::State::kReferred) + 1;
  static constexpr size_t kRoleCount = static_cast<size_t>(core::Role::kAdmin) + 1;
  std::array<std::string, kStateCount> allowed_actions_;                     // by state
  std::array<std::array<std::string, kRoleCount>, kStateCount> my_actions_;  // by state, role
  std::array<std::array<std::string, 2>, kRoleCount> my_operations_;         // by role, follow-up
  boost::asio::thread_pool blocking_;  // store reads, file writes
  boost::asio::thread_pool hashing_;   // Argon2id: bounded to its thread count
  Metrics metrics_;
  struct RecordText {
    int64_t version;
    std::string text;
  };
  util::VersionedCache<RecordText> record_text_{4096};
  // Staff views for gets; null when off (ApiOptions::view_cache_bytes) or the store cannot
  // report every change. Shared with the store's change listener.
  std::shared_ptr<ViewCache> views_;

  // Users of recently checked sessions, by token hash, each valid for kSessionCacheTtl and
  // while service_.AuthGeneration() is what it was before the check read the store.
  struct CachedSession {
    core::User user;
    uint64_t generation;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex sessions_mu_;
  std::unordered_map<std::string, CachedSession> sessions_;  // GUARDED_BY(sessions_mu_)
};

}  // namespace redress::http
