// Store::WriteSync: the blocking form of Write(), for the CLI, jobs and tests. It lives in
// the core library because the use cases call it.
#include "core/ports/store.hpp"

#include <future>
#include <mutex>
#include <unordered_map>

#include "core/codec.hpp"

namespace redress::core {

struct Store::LocalJobs {
  std::mutex mu;
  std::unordered_map<std::string, Instant> last_run;                  // periodic jobs
  std::unordered_map<std::string, std::pair<Instant, int64_t>> hits;  // key -> (window start, hits)
};

Store::Store() : local_(std::make_unique<LocalJobs>()) {}

Store::~Store() = default;

bool Store::SetChangeListener(ChangeListener) { return false; }

Status Store::WriteComplaintsPage(const ListQuery& q, std::string& out) {
  auto page = ListComplaints(q);
  if (!page) return page.error();
  WriteListPage(out, *page);
  return {};
}

Result<std::vector<Reference>> Store::ClaimClockChecks(Instant now, int limit, const Claim&) {
  return DueForClockCheck(now, limit);
}

Result<std::vector<Notification>> Store::ClaimNotifications(Instant now, int limit, const Claim&) {
  return DueNotifications(now, limit);
}

Result<bool> Store::ClaimPeriodic(const std::string& name, Instant now,
                                  std::chrono::milliseconds every, const Claim&) {
  std::lock_guard lock(local_->mu);
  auto it = local_->last_run.find(name);
  return it == local_->last_run.end() || now - it->second >= every;
}

Status Store::EndPeriodic(const std::string& name, Instant now) {
  std::lock_guard lock(local_->mu);
  local_->last_run[name] = now;
  return {};
}

Result<int64_t> Store::AddHit(const std::string& key, Instant now,
                              std::chrono::milliseconds window) {
  std::lock_guard lock(local_->mu);
  if (local_->hits.size() > 100000) {  // bounded memory: drop the windows that ended
    std::erase_if(local_->hits, [&](const auto& kv) { return now - kv.second.first >= window; });
  }
  auto& [start, hits] = local_->hits[key];
  if (hits == 0 || now - start >= window) {
    start = now;
    hits = 0;
  }
  return ++hits;
}

Result<int64_t> Store::Hits(const std::string& key, Instant now, std::chrono::milliseconds window) {
  std::lock_guard lock(local_->mu);
  auto it = local_->hits.find(key);
  if (it == local_->hits.end() || now - it->second.first >= window) return 0;
  return it->second.second;
}

Result<std::optional<ComplaintFile>> Store::GetComplaintFile(const Reference& ref) {
  auto c = GetComplaint(ref);
  if (!c) return c.error();
  if (!c->has_value()) return std::optional<ComplaintFile>();
  std::optional<ComplaintFile> file(
      ComplaintFile{std::make_shared<const Complaint>(std::move(**c)), {}, {}, {}});
  const int64_t id = file->complaint().id;
  auto events = EventsOf(id);
  if (!events) return events.error();
  file->events = std::move(*events);
  auto notes = NotesOf(id);
  if (!notes) return notes.error();
  file->notes = std::move(*notes);
  auto atts = AttachmentsOf(id);
  if (!atts) return atts.error();
  file->attachments = std::move(*atts);
  return file;
}

Status Store::WriteSync(TxFn fn) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(fn), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

void Store::WaitUntilDurable() {
  if (AllDurable()) return;
  std::promise<void> promise;
  auto future = promise.get_future();
  WhenDurable([&promise] { promise.set_value(); });
  future.get();
}

Result<std::vector<FactRow>> Store::Facts(const FactQuery& q) {
  auto r = Facts(std::vector<FactQuery>{q});
  if (!r) return r.error();
  return std::move(r->front());
}

Status StoreTx::InsertComplaint(Complaint& c) { return InsertComplaint(c, EncodeStorage(c)); }

Status StoreTx::UpdateComplaint(const Complaint& c) { return UpdateComplaint(c, EncodeStorage(c)); }

}  // namespace redress::core
