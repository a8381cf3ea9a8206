#include "http/api.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "app/audit.hpp"
#include "app/json_input.hpp"
#include "app/requests.hpp"
#include "core/codec.hpp"
#include "core/json_writer.hpp"
#include "http/api_util.hpp"
#include "http/async.hpp"
#include "http/attachment_files.hpp"
#include "http/cookies.hpp"
#include "http/mail_intake.hpp"
#include "http/openapi.hpp"
#include "store/list_support.hpp"
#include "util/crypto.hpp"

namespace redress::http {
namespace asio = boost::asio;
using core::Errc;
using core::MakeError;
using nlohmann::json;

struct Api::Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  Access access;
  std::vector<core::Role> roles;
  Fn fn;
  bool upload = false;
};

namespace {
bool RoleMayCall(const Api::Route& r, core::Role role) {
  return r.access != Access::kRoles ||
         std::find(r.roles.begin(), r.roles.end(), role) != r.roles.end();
}
}  // namespace

namespace {

using R = core::Role;

// The non-empty segments of a path, as views into it.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(std::string_view segment) { return !segment.empty() && segment.front() == '{'; }

// Whether `path` fits `pattern`: the same segments, a {parameter} standing for any one.
bool Fits(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!IsParam(pattern[i]) && pattern[i] != path[i]) return false;
  }
  return true;
}

// The segments of `path` standing for the {parameters} of `pattern`, which it fits.
std::vector<std::string> ParamsOf(const std::vector<std::string>& pattern,
                                  const std::vector<std::string_view>& path) {
  std::vector<std::string> out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) out.emplace_back(path[i]);
  }
  return out;
}

template <typename T>
using StartFn = std::function<void(std::function<void(core::Result<T>)>)>;

}  // namespace

Api::Api(app::ComplaintService& service, core::Store& store, ApiOptions options)
    : service_(service),
      store_(store),
      options_(std::move(options)),
      learning_(std::make_unique<app::Learning>(store, service, options_.learning)),
      blocking_(static_cast<size_t>(std::max(1, options_.read_threads))),
      hashing_(2) {
  if (options_.view_cache_bytes > 0) {
    views_ = std::make_shared<ViewCache>(options_.view_cache_bytes);
    auto listener = [views = views_](const std::vector<int64_t>& ids, bool all) {
      views->Changed(ids, all);
    };
    if (!store_.SetChangeListener(std::move(listener))) views_.reset();
  }
  const std::vector<R> kCaseWorkers = {R::kHandler, R::kInvestigator, R::kManager, R::kAuditor};
  auto add = [this](std::string method, std::string pattern, Access access, std::vector<R> roles,
                    Fn fn, bool upload = false) {
    if (access == Access::kRoles && roles.empty()) {
      throw std::logic_error("route without permission: " + pattern);
    }
    const auto segments = Split(pattern);
    Route r{std::move(method),
            pattern,
            std::vector<std::string>(segments.begin(), segments.end()),
            access,
            std::move(roles),
            fn,
            upload};
    routes_.push_back(std::move(r));
  };
  add("GET", "/healthz", Access::kPublic, {}, &Api::Health);
  add("GET", "/metrics", Access::kPublic, {}, &Api::MetricsText);
  add("GET", "/openapi.json", Access::kPublic, {}, &Api::OpenApi);
  add("POST", "/api/v1/complaints", Access::kPublic, {}, &Api::CreateComplaint);
  add("GET", "/api/v1/status/{reference}", Access::kPublic, {}, &Api::Status);
  add("POST", "/api/v1/status/{reference}/information", Access::kPublic, {},
      &Api::StatusAddInformation);
  add("POST", "/api/v1/status/{reference}/withdraw", Access::kPublic, {}, &Api::StatusWithdraw);
  add("POST", "/api/v1/status/{reference}/survey", Access::kPublic, {}, &Api::StatusSurvey);
  add("POST", "/api/v1/status/{reference}/survey/opt-out", Access::kPublic, {},
      &Api::StatusSurveyOptOut);
  add("POST", "/api/v1/session", Access::kPublic, {}, &Api::Login);
  add("DELETE", "/api/v1/session", Access::kStaff, {}, &Api::Logout);
  add("GET", "/api/v1/me", Access::kStaff, {}, &Api::Me);
  add("POST", "/api/v1/me/password", Access::kStaff, {}, &Api::ChangePassword);
  add("GET", "/api/v1/me/views", Access::kStaff, {}, &Api::ListViews);
  add("PUT", "/api/v1/me/views/{name}", Access::kStaff, {}, &Api::PutView);
  add("DELETE", "/api/v1/me/views/{name}", Access::kStaff, {}, &Api::DeleteView);
  add("GET", "/api/v1/dashboard", Access::kRoles, kCaseWorkers, &Api::Dashboard);
  add("GET", "/api/v1/roles", Access::kStaff, {}, &Api::Roles);
  add("GET", "/api/v1/complaints", Access::kRoles, kCaseWorkers, &Api::ListComplaints);
  add("GET", "/api/v1/complaints/{reference}", Access::kRoles, kCaseWorkers, &Api::GetComplaint);
  add("GET", "/api/v1/complaints/{reference}/events", Access::kRoles, kCaseWorkers, &Api::Events);
  for (const auto& rule : core::TransitionTable()) {
    std::vector<R> roles;
    for (auto kind : rule.by) {
      if (kind == core::ActorKind::kHandler) roles.push_back(R::kHandler);
      if (kind == core::ActorKind::kInvestigator) roles.push_back(R::kInvestigator);
      if (kind == core::ActorKind::kManager) roles.push_back(R::kManager);
    }
    const std::string pattern =
        fmt::format("/api/v1/complaints/{{reference}}/{}", core::ToString(rule.action));
    // Only staff actions get an endpoint; complainant actions go through /status.
    if (!roles.empty()) add("POST", pattern, Access::kRoles, roles, &Api::Transition);
  }
  add("POST", "/api/v1/complaints/{reference}/assign", Access::kRoles, {R::kHandler, R::kManager},
      &Api::AssignComplaint);
  add("POST", "/api/v1/complaints/{reference}/escalate", Access::kRoles,
      {R::kHandler, R::kInvestigator, R::kManager}, &Api::EscalateComplaint);
  add("POST", "/api/v1/complaints/{reference}/follow-up", Access::kRoles,
      {R::kHandler, R::kInvestigator, R::kManager}, &Api::FollowUp);
  add("GET", "/api/v1/complaints/{reference}/notes", Access::kRoles, kCaseWorkers, &Api::Notes);
  add("GET", "/api/v1/complaints/{reference}/notifications", Access::kRoles, kCaseWorkers,
      &Api::Notifications);
  add("POST", "/api/v1/complaints/{reference}/notes", Access::kRoles,
      {R::kHandler, R::kInvestigator, R::kManager}, &Api::AddNote);
  add("POST", "/api/v1/complaints/{reference}/attachments", Access::kRoles,
      {R::kHandler, R::kInvestigator, R::kManager}, &Api::UploadAttachment, true);
  add("GET", "/api/v1/complaints/{reference}/attachments/{id}", Access::kRoles, kCaseWorkers,
      &Api::DownloadAttachment);
  add("GET", "/api/v1/users", Access::kRoles, {R::kAdmin, R::kManager}, &Api::ListUsers);
  add("POST", "/api/v1/users", Access::kRoles, {R::kAdmin}, &Api::CreateUser);
  add("POST", "/api/v1/users/{username}/disable", Access::kRoles, {R::kAdmin}, &Api::DisableUser);
  add("POST", "/api/v1/users/{username}/enable", Access::kRoles, {R::kAdmin}, &Api::EnableUser);
  add("GET", "/api/v1/policies", Access::kStaff, {}, &Api::Policies);
  add("GET", "/api/v1/policies/{id}", Access::kStaff, {}, &Api::PolicyById);
  // `redress mailgate`: authenticated by its own token (X-Mailgate-Token), not a session.
  add("POST", "/api/v1/mail/inbound", Access::kPublic, {}, &Api::MailInbound, true);
  // Clause 8 (http/learning_api.cpp): analysts read; managers act; auditors audit.
  const std::vector<R> kAnalysts = {R::kManager, R::kAuditor};
  const std::vector<R> kCauseReaders = {R::kManager, R::kAuditor, R::kInvestigator};
  add("GET", "/api/v1/analytics/dashboard", Access::kRoles, kAnalysts, &Api::AnalyticsDashboard);
  add("GET", "/api/v1/analytics/breakdown", Access::kRoles, kAnalysts, &Api::AnalyticsBreakdown);
  add("GET", "/api/v1/analytics/open", Access::kRoles, kAnalysts, &Api::AnalyticsOpen);
  add("GET", "/api/v1/analytics/spikes", Access::kRoles, kAnalysts, &Api::AnalyticsSpikes);
  add("GET", "/api/v1/analytics/pareto", Access::kRoles, kAnalysts, &Api::AnalyticsPareto);
  add("GET", "/api/v1/analytics/annotations", Access::kRoles, kAnalysts, &Api::ListAnnotations);
  add("POST", "/api/v1/analytics/annotations", Access::kRoles, {R::kManager}, &Api::AddAnnotation);
  add("DELETE", "/api/v1/analytics/annotations/{id}", Access::kRoles, {R::kManager},
      &Api::DeleteAnnotation);
  add("GET", "/api/v1/root-causes", Access::kRoles, kCauseReaders, &Api::ListRootCauses);
  add("POST", "/api/v1/root-causes", Access::kRoles, {R::kManager, R::kInvestigator},
      &Api::SaveRootCause);
  add("GET", "/api/v1/root-causes/{id}", Access::kRoles, kCauseReaders, &Api::GetRootCause);
  add("PUT", "/api/v1/root-causes/{id}", Access::kRoles, {R::kManager, R::kInvestigator},
      &Api::SaveRootCause);
  add("GET", "/api/v1/actions", Access::kRoles, kCauseReaders, &Api::ListActions);
  add("POST", "/api/v1/actions", Access::kRoles, {R::kManager}, &Api::SaveAction);
  add("GET", "/api/v1/actions/{id}", Access::kRoles, kCauseReaders, &Api::GetAction);
  add("PUT", "/api/v1/actions/{id}", Access::kRoles, {R::kManager}, &Api::SaveAction);
  add("POST", "/api/v1/actions/{id}/check", Access::kRoles, {R::kManager}, &Api::CheckAction);
  add("GET", "/api/v1/audits", Access::kRoles, kAnalysts, &Api::ListAudits);
  add("POST", "/api/v1/audits", Access::kRoles, {R::kAuditor}, &Api::CreateAudit);
  add("GET", "/api/v1/audits/{id}", Access::kRoles, kAnalysts, &Api::GetAudit);
  add("PUT", "/api/v1/audits/{id}/items/{reference}", Access::kRoles, {R::kAuditor},
      &Api::PutFinding);
  add("GET", "/api/v1/reports/review", Access::kRoles, kAnalysts, &Api::ReviewReport);
  add("GET", "/api/v1/exports/complaints-return", Access::kRoles, kAnalysts,
      &Api::ComplaintsReturn);
  add("GET", "/api/v1/audit/verify", Access::kRoles, {R::kAuditor, R::kAdmin, R::kManager},
      &Api::AuditVerify);
  // The caller's arrays of a staff view (WriteCallerMembers), from the transition table and,
  // for my_operations, the routes above.
  auto array_text = [](const auto& names) {
    std::string text;
    core::JsonWriter w(text);
    w.BeginArray();
    for (const auto& n : names) w.String(n);
    w.EndArray();
    return text;
  };
  auto action_names = [](const std::vector<core::Action>& actions) {
    std::vector<std::string_view> names;
    for (auto a : actions) names.emplace_back(core::ToString(a));
    return names;
  };
  constexpr R kAllRoles[] = {R::kHandler, R::kInvestigator, R::kManager, R::kAuditor, R::kAdmin};
  static_assert(std::size(kAllRoles) == kRoleCount && store::kAllStates.size() == kStateCount);
  for (core::State state : store::kAllStates) {
    const auto s = static_cast<size_t>(state);
    allowed_actions_[s] = array_text(action_names(core::AllowedActions(state)));
    for (R role : kAllRoles) {
      const core::ActorKind kind = core::Actor::Staff(role, "").kind;
      my_actions_[s][static_cast<size_t>(role)] =
          array_text(action_names(core::AllowedActions(state, kind)));
    }
  }
  for (R role : kAllRoles) {
    std::vector<std::string_view> ops;
    for (const auto& [op, pattern] :
         {std::pair{"assign", "/api/v1/complaints/{reference}/assign"},
          {"escalate", "/api/v1/complaints/{reference}/escalate"},
          {"follow_up", "/api/v1/complaints/{reference}/follow-up"},
          {"note", "/api/v1/complaints/{reference}/notes"},
          {"attachment", "/api/v1/complaints/{reference}/attachments"}}) {
      for (const auto& r : routes_) {
        if (r.method == "POST" && r.pattern == pattern && RoleMayCall(r, role)) ops.push_back(op);
      }
    }
    auto& texts = my_operations_[static_cast<size_t>(role)];
    texts[1] = array_text(ops);
    std::erase(ops, std::string_view("follow_up"));
    texts[0] = array_text(ops);
  }
}

// The store's change listener holds the view cache, not the Api, and the store may be gone
// already (Serve closes it first): leave the listener as it is.
Api::~Api() { Shutdown(); }

void Api::Shutdown() {
  blocking_.join();
  hashing_.join();
}

std::vector<std::string> Api::RouteList() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

bool Api::AllowsUpload(std::string_view path) const {
  const auto segments = Split(path);
  for (const auto& r : routes_) {
    if (r.upload && Fits(r.segments, segments)) return true;
  }
  return false;
}

asio::awaitable<Response> Api::Handle(Request req) {
  const auto start = std::chrono::steady_clock::now();
  const auto segments = Split(req.path);
  const Route* found = nullptr;
  std::vector<std::string> allowed_methods;
  for (const auto& r : routes_) {
    if (!Fits(r.segments, segments)) continue;
    if (r.method != req.method) {
      allowed_methods.push_back(r.method);
      continue;
    }
    found = &r;
    req.params = ParamsOf(r.segments, segments);
    break;
  }
  Response res;
  std::string route_label = "unmatched";
  if (found == nullptr) {
    if (!allowed_methods.empty()) {
      res = ErrorOf(MakeError(Errc::kMethodNotAllowed, "This method is not allowed here."), req);
      std::string allow;
      for (const auto& m : allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      res.headers.emplace_back("Allow", allow);
    } else {
      res = ErrorOf(MakeError(Errc::kNotFound, "No such resource."), req);
    }
  } else {
    route_label = found->pattern;
    res = co_await Dispatch(req, *found);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Observe(route_label, req.method, res.status, seconds);
  co_return res;
}

asio::awaitable<Response> Api::Dispatch(Request& req, const Route& route) {
  std::optional<core::User> user;
  bool from_cookie = false;
  const std::string token = SessionToken(req, &from_cookie);
  if (from_cookie && req.method != "GET" && req.method != "HEAD") {
    // A browser sends the cookie whatever page made the request: a change needs proof that
    // the page was ours (the session's CSRF token, and a same-origin request).
    if (!SameOrigin(req) || !TokenMatches(req.Header("x-csrf-token"), CsrfTokenFor(token))) {
      co_return ErrorOf(MakeError(Errc::kForbidden,
                                  "A change made with the session cookie needs the session's "
                                  "X-CSRF-Token header and a same-origin request."),
                        req);
    }
  }
  if (route.access != Access::kPublic || !token.empty()) {
    auto authed = co_await UserOfSession(token);
    if (!authed) {
      if (route.access != Access::kPublic) co_return ErrorOf(authed.error(), req);
      // A bad bearer token is never public; a stale cookie on a public route is ignored.
      if (!from_cookie) co_return ErrorOf(authed.error(), req);
    } else {
      user = std::move(*authed);
    }
  }
  if (route.access == Access::kRoles && !RoleMayCall(route, user->role)) {
    co_return ErrorOf(MakeError(Errc::kForbidden, fmt::format("The {} role may not do this.",
                                                              core::ToString(user->role))),
                      req);
  }
  co_return co_await (this->*route.fn)(req, user ? &*user : nullptr);
}

std::shared_ptr<const std::string> Api::StaffRecordText(const core::Complaint& c) {
  auto kept = record_text_.Find(c.id, c.version);
  if (!kept) {
    RecordText made{c.version, {}};
    made.text.reserve(4096);
    core::JsonWriter w(made.text);
    core::WriteStaffRecord(w, c);
    kept = std::make_shared<const RecordText>(std::move(made));
    record_text_.Put(c.id, kept);
  }
  return {kept, &kept->text};
}

void Api::WriteCallerMembers(core::JsonWriter& w, const core::Complaint& c,
                             const core::User& user) const {
  core::WriteStaffTime(w, c, service_.clock().Now());
  // What this caller may do now: the lifecycle actions of their role in this state, and the
  // other operations their role's routes allow (the console shows exactly these buttons):
  // escalate and assign while open, follow_up while the follow-up after closure is open.
  const auto state = static_cast<size_t>(c.state);
  const auto role = static_cast<size_t>(user.role);
  w.Key("allowed_actions");
  w.Raw(allowed_actions_.at(state));
  w.Key("my_actions");
  w.Raw(my_actions_.at(state).at(role));
  w.Key("my_operations");
  w.Raw(my_operations_.at(role)[core::FollowUpOpen(c) ? 1 : 0]);
}

std::string Api::OpenStaffView(const core::Complaint& c, const core::User& user) {
  const auto record = StaffRecordText(c);
  std::string out;
  out.reserve(record->size() + 2048);
  out.append(*record, 0, record->size() - 1);  // without the record's closing brace
  core::JsonWriter w(out);
  w.ContinueAfterValue();
  WriteCallerMembers(w, c, user);
  return out;
}

Response Api::ComplaintResponse(const core::Complaint& c, const core::User& user, unsigned status) {
  std::string body = OpenStaffView(c, user);
  body += '}';
  return Response::Text(status, std::move(body), "application/json");
}

// --- Operational ------------------------------------------------------------------------------

asio::awaitable<Response> Api::Health(Request&, const core::User*) {
  const bool healthy = store_.Healthy();
  co_return Response::Json(healthy ? 200 : 503, {{"status", healthy ? "ok" : "store-failed"}});
}

asio::awaitable<Response> Api::MetricsText(Request&, const core::User*) {
  std::string out;
  metrics_.Render(out);
  if (views_) {
    const auto v = views_->stats();
    RenderHeader(out, "redress_view_cache_gets_total", "counter",
                 "Staff gets of a complaint, by whether its view was kept.");
    out += fmt::format("redress_view_cache_gets_total{{result=\"hit\"}} {}\n", v.hits);
    out += fmt::format("redress_view_cache_gets_total{{result=\"miss\"}} {}\n", v.misses);
    RenderValue(out, "redress_view_cache_refused_total", "counter",
                "Views not kept: the complaint changed while it was read.", v.refused);
    RenderValue(out, "redress_view_cache_flushes_total", "counter",
                "Every view dropped: another process wrote to the store.", v.all_changed);
    RenderValue(out, "redress_view_cache_views", "gauge", "Complaint views kept.", v.views);
    RenderValue(out, "redress_view_cache_bytes", "gauge", "About the memory the kept views take.",
                v.bytes);
  }
  auto job2 = [this] { return store_.CountByState(); };
  auto counts = co_await Offload(blocking_, std::move(job2));
  auto job3 = [this] { return store_.CountOverdue(service_.clock().Now()); };
  auto overdue = co_await Offload(blocking_, std::move(job3));
  if (counts) {
    RenderHeader(out, "redress_complaints", "gauge", "Complaints by lifecycle state.");
    for (const auto& [state, n] : *counts) {
      out += fmt::format("redress_complaints{{state=\"{}\"}} {}\n", core::ToString(state), n);
    }
  }
  if (overdue) {
    RenderValue(out, "redress_complaints_overdue", "gauge", "Open complaints past a due date.",
                static_cast<uint64_t>(*overdue));
  }
  RenderValue(out, "redress_store_healthy", "gauge",
              "1 while the store takes writes, 0 once a commit failed.", store_.Healthy() ? 1 : 0);
  if (const std::optional<core::WriterStats> stats = store_.WriterStatistics()) {
    const core::WriterStats& w = *stats;
    RenderValue(out, "redress_store_batches_total", "counter",
                "Transactions the store's writer ran (group commits).", w.batches);
    RenderValue(out, "redress_store_writes_total", "counter", "Writes in those transactions.",
                w.writes);
    RenderHeader(out, "redress_store_batch_duration_seconds", "histogram",
                 "A writer's transaction from its start to the end of its commit.");
    RenderHistogram(out, "redress_store_batch_duration_seconds", "", w.batch_seconds);
    if (const std::optional<core::WalStats>& wal = w.wal) {
      if (wal->flush_seconds) {
        RenderHeader(out, "redress_store_flush_duration_seconds", "histogram",
                     "Each flush of the writer's log to the disk (fdatasync of the WAL).");
        RenderHistogram(out, "redress_store_flush_duration_seconds", "", *wal->flush_seconds);
      }
      RenderValue(out, "redress_store_wal_bytes", "gauge",
                  "The write-ahead log's size on disk (its checkpoints copy it back and reuse it).",
                  wal->bytes);
      RenderHeader(out, "redress_store_checkpoint_duration_seconds", "histogram",
                   "Each checkpoint of the WAL, by the background checkpointer or by the writer "
                   "(whose writes wait for it).");
      RenderHistogram(out, "redress_store_checkpoint_duration_seconds", "by=\"checkpointer\"",
                      wal->checkpoint_seconds);
      RenderHistogram(out, "redress_store_checkpoint_duration_seconds", "by=\"writer\"",
                      wal->writer_checkpoint_seconds);
    }
  }
  co_return Response::Text(200, std::move(out), "text/plain; version=0.0.4");
}

asio::awaitable<Response> Api::OpenApi(Request&, const core::User*) {
  co_return Response::Text(200, std::string(OpenApiDocument()), "application/json");
}

// --- Public -----------------------------------------------------------------------------------

asio::awaitable<Response> Api::CreateComplaint(Request& req, const core::User* user) {
  if (auto media = JsonMediaType(req); !media) co_return ErrorOf(media.error(), req);
  const core::Instant now = service_.clock().Now();
  const bool staff = user != nullptr;
  if (staff &&
      (user->role == R::kAuditor || user->role == R::kAdmin || user->role == R::kInvestigator)) {
    co_return ErrorOf(MakeError(Errc::kForbidden, "This role may not log complaints."), req);
  }
  auto receipt =
      app::ParseNewComplaintText(req.body, staff ? app::Intake::kStaff : app::Intake::kPublic, now);
  if (!receipt) co_return ErrorOf(receipt.error(), req);
  std::string key = req.Header("idempotency-key");
  if (key.size() > 200) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "The Idempotency-Key is longer than 200 bytes."),
                      req);
  }
  const core::Actor actor =
      staff ? core::Actor::Staff(user->role, user->username) : core::Actor::Complainant();
  std::string caller = staff ? user->username : "public";
  std::string body_hash = key.empty() ? std::string() : util::Sha256Hex(req.body);
  // Held by pointer: a Complaint is large to move, and the callable is moved twice on its way.
  auto r = std::make_shared<core::Complaint>(std::move(*receipt));
  StartFn<app::CreateResult> start4 = [this, r = std::move(r), actor, caller, key,
                                       body_hash](auto done) mutable {
    service_.Create(std::move(*r), actor, caller, key, body_hash, std::move(done));
  };
  auto created = co_await AwaitCallback<app::CreateResult>(std::move(start4));
  if (!created) co_return ErrorOf(created.error(), req);
  // The body was written to text once, off the writer (it is also the idempotency record).
  Response res = Response::Text(static_cast<unsigned>(created->status),
                                std::move(created->body_text), "application/json");
  res.headers.emplace_back("Location", "/api/v1/status/" + created->reference);
  co_return res;
}

namespace {
// One rate-limit bucket per reference however it is spelled (case, hyphens).
std::string RateKey(const std::string& reference, const std::string& prefix) {
  if (auto ref = core::ParseReference(reference, prefix)) return ref->ToString();
  return "unparseable";
}
}  // namespace

asio::awaitable<bool> Api::StatusAttemptAllowed(std::string reference_text) {
  const std::string key = "status:" + RateKey(reference_text, service_.config().reference_prefix);
  auto job = [this, key] { return store_.Hits(key, service_.clock().Now(), kStatusWindow); };
  auto hits = co_await Offload(blocking_, std::move(job));
  if (!hits) {  // the lookup itself will fail the same way; do not lock complainants out
    spdlog::warn("status rate limit: cannot read: {}", hits.error().detail);
    co_return true;
  }
  co_return *hits < options_.status_attempts_per_minute;
}

asio::awaitable<void> Api::StatusAttemptFailed(std::string reference_text) {
  const std::string key = "status:" + RateKey(reference_text, service_.config().reference_prefix);
  auto job = [this, key] { return store_.AddHit(key, service_.clock().Now(), kStatusWindow); };
  auto hits = co_await Offload(blocking_, std::move(job));
  if (!hits) spdlog::warn("status rate limit: cannot count: {}", hits.error().detail);
}

asio::awaitable<Response> Api::Status(Request& req, const core::User*) {
  const std::string reference = req.params[0];
  const bool allowed = co_await StatusAttemptAllowed(reference);
  if (!allowed) {
    co_return ErrorOf(MakeError(Errc::kRateLimited, "Too many attempts; try again in a minute."),
                      req);
  }
  auto found = co_await StatusView(reference, req.Query("secret"));
  if (!found) co_return ErrorOf(found.error(), req);
  co_return Response::Json(200, *found);
}

asio::awaitable<core::Result<json>> Api::StatusView(std::string reference, std::string secret) {
  auto job5 = [this, reference, secret]() -> core::Result<json> {
    auto c = service_.ComplainantLookup(reference, secret);
    if (!c) return c.error();
    json j = core::ToComplainantJson(*c, service_.clock().Now());
    auto messages = service_.ComplainantMessages(*c);
    if (!messages) return messages.error();
    json list = json::array();
    for (const auto& n : *messages) {
      list.push_back({{"at", core::FormatInstant(n.at)},
                      {"from", n.author == "complainant" ? "you" : "organisation"},
                      {"body", n.body.value}});
    }
    j["messages"] = std::move(list);
    return j;
  };
  auto found = co_await Offload(blocking_, std::move(job5));
  if (!found && found.error().code == Errc::kNotFound) co_await StatusAttemptFailed(reference);
  co_return found;
}

asio::awaitable<Response> Api::ComplainantUpdate(Request& req, bool withdraw) {
  const std::string reference = req.params[0];
  const bool allowed = co_await StatusAttemptAllowed(reference);
  if (!allowed) {
    co_return ErrorOf(MakeError(Errc::kRateLimited, "Too many attempts; try again in a minute."),
                      req);
  }
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  const char* text_field = withdraw ? "reason" : "information";
  in.AllowOnly({"secret", text_field});
  std::string secret = in.String("secret", true, 100);
  std::string text = in.String(text_field, /*required=*/!withdraw, 20000);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  auto result = co_await ComplainantChange(reference, std::move(secret), withdraw, std::move(text));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return Response::Json(200, core::ToComplainantJson(*result, service_.clock().Now()));
}

asio::awaitable<core::Result<core::Complaint>> Api::ComplainantChange(std::string reference,
                                                                      std::string secret,
                                                                      bool withdraw,
                                                                      std::string text) {
  StartFn<core::Complaint> start = [this, withdraw, reference, secret, text](auto done) {
    if (withdraw) {
      service_.ComplainantWithdraw(reference, secret, text, std::move(done));
    } else {
      service_.ComplainantAddInformation(reference, secret, text, std::move(done));
    }
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start));
  if (!result && result.error().code == Errc::kNotFound) co_await StatusAttemptFailed(reference);
  co_return result;
}

asio::awaitable<Response> Api::StatusAddInformation(Request& req, const core::User*) {
  co_return co_await ComplainantUpdate(req, /*withdraw=*/false);
}

asio::awaitable<Response> Api::StatusWithdraw(Request& req, const core::User*) {
  co_return co_await ComplainantUpdate(req, /*withdraw=*/true);
}

// --- Sessions ---------------------------------------------------------------------------------

asio::awaitable<Response> Api::Login(Request& req, const core::User*) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"username", "password"});
  std::string username = in.String("username", true, 64);
  std::string password;
  if (auto it = body->find("password"); it != body->end() && it->is_string()) {
    password = it->get<std::string>();  // not trimmed: spaces may be part of it
    if (password.size() > 1024) in.Fail("password", "is too long");
  } else {
    in.Fail("password", "is required");
  }
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  auto opened = co_await SignIn(username, password);
  if (!opened) co_return ErrorOf(opened.error(), req);
  const core::User& user = opened->user;
  co_return Response::Json(200, {{"token", opened->token},
                                 {"username", user.username},
                                 {"role", core::ToString(user.role)},
                                 {"must_change_password", user.must_change_password},
                                 {"expires_in", service_.config().session_hours * 3600}});
}

asio::awaitable<core::Result<Api::SignedIn>> Api::SignIn(std::string username,
                                                         std::string password) {
  auto job8 = [this, username, password] { return service_.VerifyCredentials(username, password); };
  auto verified = co_await Offload(hashing_, std::move(job8));
  if (!verified) co_return verified.error();
  core::User user = *verified;
  StartFn<std::string> start9 = [this, user](auto done) {
    service_.OpenSession(user, std::move(done));
  };
  auto token = co_await AwaitCallback<std::string>(std::move(start9));
  if (!token) co_return token.error();
  co_return SignedIn{std::move(user), std::move(*token)};
}

asio::awaitable<core::Status> Api::SignOut(std::string token) {
  const std::string hash = util::Sha256Hex(token);
  StartFn<bool> start = [this, hash](auto cb) { service_.CloseSession(hash, std::move(cb)); };
  auto done = co_await AwaitCallback<bool>(std::move(start));
  if (!done) co_return done.error();
  co_return core::Status{};
}

asio::awaitable<core::Result<core::User>> Api::UserOfSession(std::string token) {
  if (token.empty()) co_return MakeError(Errc::kUnauthenticated, "Sign in first.");
  // A session checked in the last second is not read again: most requests of a signed-in
  // user skip the store and the hand-off to a blocking thread. A change this process made
  // (sign out, disable, password) takes effect at once; one made elsewhere (another node,
  // `redress user disable`) within kSessionCacheTtl.
  const std::string hash = util::Sha256Hex(token);
  const uint64_t generation = service_.AuthGeneration();
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(sessions_mu_);
    auto it = sessions_.find(hash);
    if (it != sessions_.end() && it->second.generation == generation && now < it->second.until) {
      co_return it->second.user;
    }
  }
  auto job = [this, token] { return service_.Authenticate(token); };
  auto user = co_await Offload(blocking_, std::move(job));
  if (user) {
    std::lock_guard lock(sessions_mu_);
    if (sessions_.size() >= 10000) sessions_.clear();  // bounded memory
    sessions_[hash] = CachedSession{*user, generation, now + kSessionCacheTtl};
  }
  co_return user;
}

std::string Api::SessionToken(const Request& req, bool* from_cookie) const {
  std::string token = BearerToken(req);
  *from_cookie = false;
  if (token.empty()) {
    token = CookieValue(req, SessionCookieName(options_.cookie_secure));
    *from_cookie = !token.empty();
  }
  return token;
}

asio::awaitable<Response> Api::Logout(Request& req, const core::User*) {
  bool from_cookie = false;
  const std::string token = SessionToken(req, &from_cookie);
  auto done = co_await SignOut(token);
  if (!done) co_return ErrorOf(done.error(), req);
  Response res = Response::Text(204, "", "application/json");
  if (from_cookie) {
    res.headers.emplace_back("Set-Cookie", CookieHeader(SessionCookieName(options_.cookie_secure),
                                                        "", options_.cookie_secure, true, 0));
  }
  co_return res;
}

asio::awaitable<Response> Api::Me(Request& req, const core::User* user) {
  json j = core::ToJson(*user);
  bool from_cookie = false;
  const std::string token = SessionToken(req, &from_cookie);
  if (from_cookie) j["csrf_token"] = CsrfTokenFor(token);
  co_return Response::Json(200, j);
}

asio::awaitable<Response> Api::ChangePassword(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  std::string current;
  std::string next;
  for (auto [key, target] : {std::pair{"current_password", &current}, {"new_password", &next}}) {
    auto it = body->find(key);
    if (it == body->end() || !it->is_string()) {
      errors.push_back({std::string("/") + key, "is required"});
    } else {
      *target = it->get<std::string>();
    }
  }
  for (auto it = body->begin(); it != body->end(); ++it) {
    if (it.key() != "current_password" && it.key() != "new_password") {
      errors.push_back({"/" + it.key(), "unknown field"});
    }
  }
  if (errors.empty() && (next.size() < 12 || next.size() > 1024)) {
    errors.push_back({"/new_password", "must be 12 to 1024 characters"});
  }
  if (errors.empty() && next == current) {
    errors.push_back({"/new_password", "must differ from the current password"});
  }
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  const std::string stored = user->password_hash;
  auto rehash = [stored, current, next]() -> core::Result<std::string> {
    if (!util::VerifyPassword(stored, current)) {
      return MakeError(Errc::kInvalid, "The current password is wrong.",
                       {{"/current_password", "is wrong"}});
    }
    auto hash = util::HashPassword(next);
    if (!hash) return MakeError(Errc::kOverloaded, "Password hashing is out of memory.");
    return *hash;
  };
  auto hash = co_await Offload(hashing_, std::move(rehash));
  if (!hash) co_return ErrorOf(hash.error(), req);
  StartFn<core::User> start = [this, name = user->username, h = *hash](auto done) {
    service_.SetPasswordHash(name, h, name, std::move(done));
  };
  auto updated = co_await AwaitCallback<core::User>(std::move(start));
  if (!updated) co_return ErrorOf(updated.error(), req);
  co_return Response::Json(200, core::ToJson(*updated));
}

// --- Complaints (staff) -----------------------------------------------------------------------

asio::awaitable<Response> Api::ListComplaints(Request& req, const core::User* user) {
  core::ListQuery q;
  std::vector<core::FieldError> errors;
  auto bad = [&](const char* name, const char* msg) {
    errors.push_back({std::string("/query/") + name, msg});
  };
  for (const auto& [k, v] : req.query) {
    if (k == "state") {
      if (auto s = core::ParseState(v))
        q.state = s;
      else
        bad("state", "is not a state");
    } else if (k == "category") {
      q.category = v;
    } else if (k == "priority") {
      if (auto p = core::ParsePriority(v))
        q.priority = p;
      else
        bad("priority", "must be P1..P4");
    } else if (k == "assignee") {
      q.assignee = v;
    } else if (k == "overdue") {
      if (v == "true" || v == "1")
        q.overdue = true;
      else if (v != "false" && v != "0")
        bad("overdue", "must be true or false");
    } else if (k == "follow_up_due") {
      if (v == "true" || v == "1")
        q.follow_up_due = true;
      else if (v != "false" && v != "0")
        bad("follow_up_due", "must be true or false");
    } else if (k == "received_from" || k == "received_to") {
      auto t = core::ParseInstant(v);
      if (!t)
        bad(k == "received_from" ? "received_from" : "received_to", "must be a date or date-time");
      else
        (k == "received_from" ? q.received_from : q.received_to) = t;
    } else if (k == "q") {
      if (v.size() > 200)
        bad("q", "is longer than 200 bytes");
      else
        q.text = v;
    } else if (k == "sort") {
      if (v == "newest")
        q.sort = core::ListSort::kNewest;
      else if (v == "oldest")
        q.sort = core::ListSort::kOldest;
      else if (v == "due")
        q.sort = core::ListSort::kDue;
      else if (v == "priority")
        q.sort = core::ListSort::kPriority;
      else
        bad("sort", "must be newest, oldest, due or priority");
    } else if (k == "cursor") {
      if (!store::DecodeCursor(v))
        bad("cursor", "is not a cursor this service returned");
      else
        q.cursor = v;
    } else if (k == "limit") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 200)
        bad("limit", "must be 1 to 200");
      else
        q.limit = static_cast<int>(n);
    } else {
      errors.push_back({"/query/" + k, "unknown parameter"});
    }
  }
  if (q.text && q.sort != core::ListSort::kNewest) {
    bad("sort", "cannot be combined with q: search results come most recently recorded first");
  }
  if (!q.cursor.empty() && errors.empty() &&
      store::DecodeCursor(q.cursor)->sort != static_cast<int>(q.sort)) {
    bad("cursor", "was made for another sort order");
  }
  if (!errors.empty()) {
    co_return ErrorOf(
        MakeError(Errc::kInvalid, "Some query parameters are invalid.", std::move(errors)), req);
  }
  const core::User u = *user;
  // Written straight out as the store reads the rows (conventions §6: big JSON lists are not
  // built as documents first), on the read pool.
  auto job10 = [this, q, u]() -> core::Result<std::string> {
    std::string body;
    if (auto s = service_.WriteList(q, u, body); !s) return s.error();
    return body;
  };
  auto body = co_await Offload(blocking_, std::move(job10));
  if (!body) co_return ErrorOf(body.error(), req);
  co_return Response::Text(200, std::move(*body), "application/json");
}

std::shared_ptr<CachedView> Api::MakeView(const core::ComplaintFile& file) {
  auto view = std::make_shared<CachedView>();
  view->record = CachedView::Keep(file.complaint());
  const auto record = StaffRecordText(file.complaint());
  view->head.assign(*record, 0, record->size() - 1);  // without the record's closing brace
  // The notes and attachments, then the timeline, whose before/after documents are stored as
  // JSON text and embedded as they are.
  std::string& tail = view->tail;
  core::JsonWriter w(tail);
  w.ContinueAfterValue();
  w.Key("notes");
  w.BeginArray();
  for (const auto& n : file.notes) core::WriteNote(w, n);
  w.EndArray();
  w.Key("attachments");
  w.BeginArray();
  for (const auto& a : file.attachments) core::WriteAttachment(w, a);
  w.EndArray();
  tail += ",\"timeline\":";
  core::AppendEventsJson(tail, file.events);
  tail += '}';
  tail.shrink_to_fit();  // kept long: no room to grow
  return view;
}

Response Api::FileResponse(std::shared_ptr<const CachedView> view, const core::Complaint& c,
                           const core::User& user) const {
  Response res = Response::Text(200, std::string(), "application/json");
  core::JsonWriter w(res.body);
  w.ContinueAfterValue();
  WriteCallerMembers(w, c, user);
  res.before = view->head;
  res.after = view->tail;
  res.shared = std::move(view);
  return res;
}

asio::awaitable<Response> Api::GetComplaint(Request& req, const core::User* user) {
  const std::string ref = req.params[0];
  // A view kept since the complaint last changed: no read, no hand-off to the blocking pool.
  // Out of the caller's scope, the read below answers (404, as for any complaint not theirs).
  if (views_) {
    if (auto kept = views_->Find(ref)) {
      const core::Complaint c = kept->Complaint();
      if (service_.MaySee(c, *user)) {
        co_return FileResponse(std::move(kept), c, *user);
      }
    }
  }
  const uint64_t generation = views_ ? views_->Generation() : 0;  // before the read begins
  const core::User u = *user;
  auto job11 = [this, ref, u] { return service_.GetFile(ref, u); };
  auto file = co_await Offload(blocking_, std::move(job11));
  if (!file) co_return ErrorOf(file.error(), req);
  std::shared_ptr<const CachedView> view = MakeView(*file);
  if (views_) views_->Put(generation, view);
  co_return FileResponse(std::move(view), file->complaint(), *user);
}

asio::awaitable<Response> Api::Events(Request& req, const core::User* user) {
  const core::User u = *user;
  const std::string ref = req.params[0];
  auto job12 = [this, ref, u] { return service_.GetFile(ref, u); };
  auto file = co_await Offload(blocking_, std::move(job12));
  if (!file) co_return ErrorOf(file.error(), req);
  Response res = Response::Text(200, "{\"items\":", "application/json");
  core::AppendEventsJson(res.body, file->events);
  res.body += '}';
  co_return res;
}

asio::awaitable<Response> Api::Transition(Request& req, const core::User* user) {
  const auto segments = Split(req.path);
  auto action = core::ParseAction(segments.back());
  if (!action) co_return ErrorOf(MakeError(Errc::kNotFound, "No such action."), req);
  if (auto media = JsonMediaType(req); !media) co_return ErrorOf(media.error(), req);
  auto input = app::ParseActionInputText(*action, req.body);
  if (!input) co_return ErrorOf(input.error(), req);
  const core::User u = *user;
  StartFn<core::Complaint> start13 = [this, ref = req.params[0], a = *action,
                                      in = std::move(*input), u](auto done) mutable {
    service_.Act(ref, a, std::move(in), u, std::move(done));
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start13));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return ComplaintResponse(*result, *user);
}

asio::awaitable<Response> Api::AssignComplaint(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"assignee"});
  std::string assignee = in.String("assignee", true, 64);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  const core::User u = *user;
  StartFn<core::Complaint> start14 = [this, ref = req.params[0], assignee, u](auto done) {
    service_.Assign(ref, assignee, u, std::move(done));
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start14));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return ComplaintResponse(*result, *user);
}

asio::awaitable<Response> Api::EscalateComplaint(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"reason"});
  std::string reason = in.String("reason", true, 20000);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  const core::User u = *user;
  StartFn<core::Complaint> start15 = [this, ref = req.params[0], reason, u](auto done) {
    service_.EscalateComplaint(ref, reason, u, std::move(done));
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start15));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return ComplaintResponse(*result, *user);
}

asio::awaitable<Response> Api::FollowUp(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"satisfied", "note"});
  const auto satisfied = in.Bool("satisfied");
  if (!satisfied && errors.empty()) errors.push_back({"/satisfied", "is required"});
  std::string note = in.String("note", false, 4000);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  const core::User u = *user;
  StartFn<core::Complaint> start = [this, ref = req.params[0], ok = *satisfied, note,
                                    u](auto done) {
    service_.RecordFollowUp(ref, ok, note, u, std::move(done));
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return ComplaintResponse(*result, *user);
}

asio::awaitable<Response> Api::Notes(Request& req, const core::User* user) {
  const core::User u = *user;
  const std::string ref = req.params[0];
  auto job16 = [this, ref, u] { return service_.GetFile(ref, u); };
  auto file = co_await Offload(blocking_, std::move(job16));
  if (!file) co_return ErrorOf(file.error(), req);
  json notes = json::array();
  for (const auto& n : file->notes) notes.push_back(core::ToJson(n));
  co_return Response::Json(200, {{"items", std::move(notes)}});
}

asio::awaitable<Response> Api::Notifications(Request& req, const core::User* user) {
  const core::User u = *user;
  const std::string ref = req.params[0];
  auto job = [this, ref, u]() -> core::Result<std::vector<core::Notification>> {
    auto file = service_.GetFile(ref, u);
    if (!file) return file.error();
    return store_.NotificationsOf(file->complaint().id);
  };
  auto list = co_await Offload(blocking_, std::move(job));
  if (!list) co_return ErrorOf(list.error(), req);
  json items = json::array();
  for (const auto& n : *list) {
    // Never the variables: an acknowledgement's hold the access code until it is sent.
    json j = {{"id", n.id},
              {"kind", n.kind},
              {"channel", "email"},
              {"language", n.language},
              {"recipient", n.recipient.value},
              {"state", core::ToString(n.state)},
              {"attempts", n.attempts},
              {"created_at", core::FormatInstant(n.created_at)},
              {"next_attempt_at", nullptr},
              {"sent_at", n.sent_at ? json(core::FormatInstant(*n.sent_at)) : json(nullptr)},
              {"last_error", n.last_error},
              {"message_id",
               options_.mail_domain.empty()
                   ? json(nullptr)
                   : json(fmt::format("n{}.{}@{}", n.id, n.reference, options_.mail_domain))}};
    if (n.state == core::DeliveryState::kPending) {
      j["next_attempt_at"] = core::FormatInstant(n.next_attempt_at);
    }
    items.push_back(std::move(j));
  }
  co_return Response::Json(200, {{"items", std::move(items)}});
}

asio::awaitable<Response> Api::MailInbound(Request& req, const core::User*) {
  if (options_.mailgate_token_hash.empty()) {
    co_return ErrorOf(MakeError(Errc::kNotFound, "Mail intake is not configured."), req);
  }
  if (!util::ConstantTimeEquals(util::Sha256Hex(req.Header("x-mailgate-token")),
                                options_.mailgate_token_hash)) {
    co_return ErrorOf(MakeError(Errc::kUnauthenticated, "The mailgate token is not valid."), req);
  }
  std::string ct = req.Header("content-type");
  for (auto& ch : ct) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ct.rfind("message/rfc822", 0) != 0) {
    co_return ErrorOf(
        MakeError(Errc::kUnsupportedMedia, "The request body must be message/rfc822."), req);
  }
  auto job = [this, raw = std::move(req.body)] {
    return PrepareInboundMail(raw, options_.data_dir, options_.mail_max_bytes);
  };
  auto prepared = co_await Offload(blocking_, std::move(job));
  if (!prepared) {
    // The reason only: never the sender, subject or text.
    spdlog::warn("mailgate: message refused: {}", prepared.error().detail);
    co_return ErrorOf(prepared.error(), req);
  }
  if (!prepared->ignored.empty()) {
    spdlog::info("mailgate: automatic message ignored ({})", prepared->ignored);
    co_return Response::Json(202, {{"outcome", "ignored"}, {"reason", prepared->ignored}});
  }
  StartFn<app::MailReceipt> start = [this, m = std::move(prepared->mail)](auto done) mutable {
    service_.ReceiveMail(std::move(m), std::move(done));
  };
  auto receipt = co_await AwaitCallback<app::MailReceipt>(std::move(start));
  if (!receipt) co_return ErrorOf(receipt.error(), req);
  spdlog::info("mailgate: message {} {}", receipt->outcome, receipt->reference);
  json body = {{"outcome", receipt->outcome},
               {"reference", receipt->reference},
               {"reopened", receipt->reopened}};
  if (receipt->outcome == "created") {
    co_return Json201(body, "/api/v1/complaints/" + receipt->reference);
  }
  co_return Response::Json(200, body);
}

asio::awaitable<Response> Api::AddNote(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  auto input = app::ParseNoteInput(*body);
  if (!input) co_return ErrorOf(input.error(), req);
  const core::User u = *user;
  StartFn<core::Note> start17 = [this, ref = req.params[0], in = *input, u](auto done) {
    service_.AddNote(ref, in.body, in.visibility, u, std::move(done));
  };
  auto note = co_await AwaitCallback<core::Note>(std::move(start17));
  if (!note) co_return ErrorOf(note.error(), req);
  co_return Json201(core::ToJson(*note), req.path);
}

asio::awaitable<Response> Api::UploadAttachment(Request& req, const core::User* user) {
  std::string type = req.Header("content-type");
  type = type.substr(0, type.find(';'));
  for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (req.body.empty()) {
    co_return ErrorOf(
        MakeError(Errc::kInvalid, "The attachment is empty.", {{"/body", "is empty"}}), req);
  }
  if (!ContentMatches(type, req.body)) {
    co_return ErrorOf(MakeError(Errc::kUnsupportedMedia,
                                "Attachments must be PDF, PNG, JPEG, GIF, DOCX or plain text, "
                                "and the content must match the Content-Type."),
                      req);
  }
  std::string filename = req.Query("filename");
  if (filename.size() > 255 || filename.find('/') != std::string::npos ||
      filename.find('\\') != std::string::npos) {
    co_return ErrorOf(
        MakeError(Errc::kInvalid, "The filename is not acceptable.",
                  {{"/query/filename", "must be a plain file name of at most 255 bytes"}}),
        req);
  }
  // Check scope before writing anything to disk.
  const core::User u = *user;
  const std::string ref = req.params[0];
  auto job18 = [this, ref, u] { return service_.GetFile(ref, u); };
  auto file = co_await Offload(blocking_, std::move(job18));
  if (!file) co_return ErrorOf(file.error(), req);
  core::Attachment meta;
  meta.content_type = type;
  meta.size = static_cast<int64_t>(req.body.size());
  meta.filename = filename;
  auto job19 = [this, data = std::move(req.body), &meta]() -> core::Status {
    return StoreAttachmentFile(options_.data_dir, data, meta);
  };
  auto stored = co_await Offload(blocking_, std::move(job19));
  if (!stored) co_return ErrorOf(stored.error(), req);
  StartFn<core::Attachment> start20 = [this, ref, meta, u](auto done) {
    service_.AddAttachment(ref, meta, u, std::move(done));
  };
  auto saved = co_await AwaitCallback<core::Attachment>(std::move(start20));
  if (!saved) co_return ErrorOf(saved.error(), req);
  co_return Json201(core::ToJson(*saved), fmt::format("{}/{}", req.path, saved->id));
}

asio::awaitable<Response> Api::DownloadAttachment(Request& req, const core::User* user) {
  const core::User u = *user;
  const std::string ref = req.params[0];
  char* end = nullptr;
  const long long id = std::strtoll(req.params[1].c_str(), &end, 10);
  if (*end != '\0' || id <= 0)
    co_return ErrorOf(MakeError(Errc::kNotFound, "No such attachment."), req);
  auto job21 = [this, ref, u, id]() -> core::Result<Response> {
    auto file = service_.GetFile(ref, u);
    if (!file) return file.error();
    auto att = store_.GetAttachment(file->complaint().id, id);
    if (!att) return att.error();
    if (!att->has_value()) return MakeError(Errc::kNotFound, "No such attachment.");
    const auto path = AttachmentPath(options_.data_dir, (*att)->sha256);
    std::ifstream in(path, std::ios::binary);
    if (!in) return MakeError(Errc::kInternal, "The attachment file is missing.");
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Response r = Response::Text(200, std::move(data), (*att)->content_type);
    r.headers.emplace_back("Content-Disposition", "attachment");
    return r;
  };
  auto result = co_await Offload(blocking_, std::move(job21));
  if (!result) co_return ErrorOf(result.error(), req);
  co_return std::move(*result);
}

// --- Users, policies, audit -------------------------------------------------------------------

asio::awaitable<Response> Api::ListUsers(Request& req, const core::User*) {
  auto job22 = [this] { return store_.ListUsers(); };
  auto users = co_await Offload(blocking_, std::move(job22));
  if (!users) co_return ErrorOf(users.error(), req);
  json items = json::array();
  for (const auto& u : *users) items.push_back(core::ToJson(u));
  co_return Response::Json(200, {{"items", std::move(items)}});
}

asio::awaitable<Response> Api::CreateUser(Request& req, const core::User* admin) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"username", "role", "password", "display_name"});
  core::User user;
  user.username = in.String("username", true, 64);
  if (!user.username.empty() &&
      !std::all_of(user.username.begin(), user.username.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
      })) {
    in.Fail("username", "may contain only letters, digits, '.', '_' and '-'");
  }
  user.display_name = in.String("display_name", false, 200);
  auto role =
      in.Enum("role", true, core::ParseRole, "handler, investigator, manager, auditor, admin");
  std::string password;
  if (auto it = body->find("password"); it != body->end() && it->is_string()) {
    password = it->get<std::string>();
    if (password.size() < 12 || password.size() > 1024)
      in.Fail("password", "must be 12 to 1024 characters");
  } else {
    in.Fail("password", "is required");
  }
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  user.role = *role;
  user.must_change_password = true;
  auto job23 = [password] { return util::HashPassword(password); };
  auto hash = co_await Offload(hashing_, std::move(job23));
  if (!hash)
    co_return ErrorOf(MakeError(Errc::kOverloaded, "Password hashing is out of memory."), req);
  user.password_hash = *hash;
  const std::string actor = admin->username;
  StartFn<core::User> start24 = [this, user, actor](auto done) {
    service_.CreateUser(user, actor, std::move(done));
  };
  auto created = co_await AwaitCallback<core::User>(std::move(start24));
  if (!created) co_return ErrorOf(created.error(), req);
  co_return Json201(core::ToJson(*created), "/api/v1/users/" + created->username);
}

asio::awaitable<Response> Api::SetDisabled(Request& req, const core::User* admin, bool disabled) {
  if (req.params[0] == admin->username && disabled) {
    co_return ErrorOf(MakeError(Errc::kConflict, "You cannot disable your own account."), req);
  }
  const std::string actor = admin->username;
  StartFn<core::User> start25 = [this, name = req.params[0], disabled, actor](auto done) {
    service_.SetUserDisabled(name, disabled, actor, std::move(done));
  };
  auto user = co_await AwaitCallback<core::User>(std::move(start25));
  if (!user) co_return ErrorOf(user.error(), req);
  co_return Response::Json(200, core::ToJson(*user));
}

asio::awaitable<Response> Api::DisableUser(Request& req, const core::User* admin) {
  co_return co_await SetDisabled(req, admin, true);
}

asio::awaitable<Response> Api::EnableUser(Request& req, const core::User* admin) {
  co_return co_await SetDisabled(req, admin, false);
}

namespace {
json PolicyJson(const core::Policy& p) {
  json clocks = json::array();
  for (const auto& r : p.clocks) {
    clocks.push_back({{"name", r.name},
                      {"when_flag", r.when_flag},
                      {"anchor", core::ToString(r.anchor)},
                      {"unit", core::ToString(r.unit)},
                      {"count", r.count},
                      {"citation", r.rule_citation}});
  }
  return {{"id", p.id},
          {"name", p.name},
          {"regime", p.regime},
          {"effective_from", p.effective_from},
          {"time_zone", p.calendar.time_zone_name},
          {"pause_allowed", p.pause_allowed},
          {"warn_fraction", p.warn_fraction},
          {"ombudsman",
           {{"name", p.ombudsman.name},
            {"url", p.ombudsman.url},
            {"time_limit", p.ombudsman.time_limit}}},
          {"clocks", std::move(clocks)}};
}
}  // namespace

asio::awaitable<Response> Api::Policies(Request&, const core::User*) {
  json items = json::array();
  for (const auto& p : service_.policies()) items.push_back(PolicyJson(p));
  co_return Response::Json(
      200, {{"items", std::move(items)}, {"default", service_.config().default_policy}});
}

asio::awaitable<Response> Api::PolicyById(Request& req, const core::User*) {
  const auto* p = service_.FindPolicy(req.params[0]);
  if (p == nullptr) co_return ErrorOf(MakeError(Errc::kNotFound, "No such policy."), req);
  co_return Response::Json(200, PolicyJson(*p));
}

asio::awaitable<Response> Api::AuditVerify(Request& req, const core::User*) {
  auto job26 = [this] { return app::VerifyAudit(store_); };
  auto report = co_await Offload(blocking_, std::move(job26));
  if (!report) co_return ErrorOf(report.error(), req);
  json j = {{"ok", report->ok}, {"events", report->events}, {"head_hash", report->head_hash}};
  if (!report->ok) {
    j["first_bad_seq"] = *report->first_bad_seq;
    j["problem"] = report->problem;
  }
  co_return Response::Json(200, j);
}

// --- Console support ---------------------------------------------------------------------

asio::awaitable<Response> Api::ListViews(Request& req, const core::User* user) {
  const core::User u = *user;
  auto job = [this, u] { return service_.Views(u); };
  auto views = co_await Offload(blocking_, std::move(job));
  if (!views) co_return ErrorOf(views.error(), req);
  json out = json::array();
  for (const auto& v : *views) {
    out.push_back(
        {{"name", v.name}, {"query", v.query}, {"updated_at", core::FormatInstant(v.updated_at)}});
  }
  co_return Response::Json(200, out);
}

asio::awaitable<Response> Api::PutView(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"query"});
  core::SavedView view;
  view.name = req.params[0];
  view.query = in.String("query", true, 2000);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  StartFn<core::SavedView> start = [this, u = *user, view](auto done) {
    service_.SaveView(u, view, std::move(done));
  };
  auto saved = co_await AwaitCallback<core::SavedView>(std::move(start));
  if (!saved) co_return ErrorOf(saved.error(), req);
  co_return Response::Json(200, {{"name", saved->name},
                                 {"query", saved->query},
                                 {"updated_at", core::FormatInstant(saved->updated_at)}});
}

asio::awaitable<Response> Api::DeleteView(Request& req, const core::User* user) {
  StartFn<bool> start = [this, u = *user, name = req.params[0]](auto done) {
    service_.DeleteView(u, name, std::move(done));
  };
  auto deleted = co_await AwaitCallback<bool>(std::move(start));
  if (!deleted) co_return ErrorOf(deleted.error(), req);
  co_return Response::Text(204, "", "application/json");
}

asio::awaitable<Response> Api::Dashboard(Request& req, const core::User*) {
  int weeks = 12;
  if (std::string w = req.Query("weeks"); !w.empty()) {
    char* end = nullptr;
    const long n = std::strtol(w.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 104) {
      co_return ErrorOf(MakeError(Errc::kInvalid, "weeks must be 1 to 104.",
                                  {{"/query/weeks", "must be 1 to 104"}}),
                        req);
    }
    weeks = static_cast<int>(n);
  }
  auto job = [this, weeks] { return service_.Dashboard(weeks); };
  auto counts = co_await Offload(blocking_, std::move(job));
  if (!counts) co_return ErrorOf(counts.error(), req);
  auto job2 = [this] { return store_.CountByState(); };
  auto states = co_await Offload(blocking_, std::move(job2));
  if (!states) co_return ErrorOf(states.error(), req);
  json out;
  out["weeks"] = weeks;
  json by_state = json::array();
  for (const auto& [state, n] : *states) {
    if (core::IsOpen(state)) by_state.push_back({{"state", core::ToString(state)}, {"count", n}});
  }
  out["open_by_state"] = std::move(by_state);
  static constexpr const char* kBuckets[] = {"le_3_business_days", "le_4_weeks", "le_8_weeks",
                                             "gt_8_weeks"};
  json ages = json::array();
  for (size_t i = 0; i < 4; ++i) {
    ages.push_back({{"bucket", kBuckets[i]}, {"count", counts->open_by_age[i]}});
  }
  out["open_by_age"] = std::move(ages);
  auto tally = [&](const char* clock) {
    auto it = counts->clocks.find(clock);
    const core::ClockTally t = it == counts->clocks.end() ? core::ClockTally{} : it->second;
    const int64_t total = t.met + t.breached;
    return json{{"met", t.met},
                {"breached", t.breached},
                {"rate", total == 0 ? json(nullptr) : json(static_cast<double>(t.met) / total)}};
  };
  out["on_time"] = {{"acknowledge", tally("acknowledge")}, {"resolve", tally("final_response")}};
  json by_week = json::array();
  for (const auto& [start, n] : counts->by_week) {
    // The Monday that starts the week (UTC).
    const auto day = date::year_month_day(std::chrono::floor<date::days>(start));
    by_week.push_back({{"week", core::FormatDate(day)}, {"count", n}});
  }
  out["volume_by_week"] = std::move(by_week);
  json cats = json::array();
  for (const auto& [cat, n] : counts->by_category) {
    cats.push_back({{"category", cat.empty() ? "unclassified" : cat}, {"count", n}});
  }
  out["by_category"] = std::move(cats);
  co_return Response::Json(200, out);
}

asio::awaitable<Response> Api::Roles(Request&, const core::User*) {
  static constexpr std::pair<R, const char*> kRoles[] = {
      {R::kHandler, "Takes in, assesses and resolves complaints assigned to them or unassigned."},
      {R::kInvestigator, "Investigates the complaints they are named investigator of."},
      {R::kManager, "Sees every complaint; approves, reopens, escalates, and reviews the figures."},
      {R::kAuditor, "Reads every complaint and the audit trail; changes nothing."},
      {R::kAdmin, "Manages users; sees no complaint."},
  };
  json out = json::array();
  for (const auto& [role, description] : kRoles) {
    json perms = json::array();
    for (const auto& r : routes_) {
      if (r.access != Access::kPublic && RoleMayCall(r, role)) {
        perms.push_back(r.method + " " + r.pattern);
      }
    }
    out.push_back({{"role", core::ToString(role)},
                   {"description", description},
                   {"permissions", std::move(perms)}});
  }
  co_return Response::Json(200, out);
}

asio::awaitable<core::Result<json>> Api::StatusBody(const Request& req) {
  std::string reference = req.params[0];
  const bool allowed = co_await StatusAttemptAllowed(std::move(reference));
  if (!allowed) {
    co_return MakeError(Errc::kRateLimited, "Too many attempts; try again in a minute.");
  }
  co_return JsonBody(req);
}

asio::awaitable<Response> Api::StatusSurvey(Request& req, const core::User*) {
  const std::string reference = req.params[0];
  auto body = co_await StatusBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"secret", "handling", "outcome", "comment"});
  const std::string secret = in.String("secret", true, 200);
  const auto handling = in.Integer("handling", true, 1, 5);
  const auto outcome = in.Integer("outcome", true, 1, 5);
  std::string comment = in.String("comment", false, 4000);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  auto answered = co_await AnswerSurvey(reference, secret, static_cast<int>(*handling),
                                        static_cast<int>(*outcome), std::move(comment));
  if (!answered) co_return ErrorOf(answered.error(), req);
  co_return Response::Json(200, core::ToComplainantJson(*answered, service_.clock().Now()));
}

asio::awaitable<Response> Api::StatusSurveyOptOut(Request& req, const core::User*) {
  const std::string reference = req.params[0];
  auto body = co_await StatusBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  std::vector<core::FieldError> errors;
  app::JsonInput in(*body, "", &errors);
  in.AllowOnly({"secret"});
  const std::string secret = in.String("secret", true, 200);
  if (!errors.empty()) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "Some fields are invalid.", std::move(errors)),
                      req);
  }
  auto done = co_await OptOutOfSurvey(reference, secret);
  if (!done) co_return ErrorOf(done.error(), req);
  co_return Response::Json(200, core::ToComplainantJson(*done, service_.clock().Now()));
}

asio::awaitable<core::Result<core::Complaint>> Api::OptOutOfSurvey(std::string reference,
                                                                   std::string secret) {
  StartFn<core::Complaint> start = [this, reference, secret](auto done) {
    service_.ComplainantSurveyOptOut(reference, secret, std::move(done));
  };
  auto result = co_await AwaitCallback<core::Complaint>(std::move(start));
  if (!result && result.error().code == Errc::kNotFound) co_await StatusAttemptFailed(reference);
  co_return result;
}

asio::awaitable<core::Result<core::Complaint>> Api::AnswerSurvey(std::string reference,
                                                                 std::string secret, int handling,
                                                                 int outcome, std::string comment) {
  StartFn<core::Complaint> start = [this, reference, secret, handling, outcome,
                                    comment = std::move(comment)](auto done) {
    service_.ComplainantSurvey(reference, secret, handling, outcome, comment, std::move(done));
  };
  auto answered = co_await AwaitCallback<core::Complaint>(std::move(start));
  if (!answered && answered.error().code == Errc::kNotFound)
    co_await StatusAttemptFailed(reference);
  co_return answered;
}

}  // namespace redress::http
