#include "store/memory/memory_store.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <tuple>

#include "core/codec.hpp"
#include "core/lifecycle.hpp"
#include "store/list_support.hpp"
#include "util/crypto.hpp"

namespace redress::store {

using core::Errc;
using core::MakeError;
using core::Result;
using core::Status;

struct MemoryStore::Data {
  // Copied whole before each write (values are cheap: complaints are shared and immutable).
  struct Tables {
    std::map<int64_t, std::shared_ptr<const core::Complaint>> complaints;
    std::map<std::string, int64_t> by_reference;
    std::map<int, int64_t> next_sequence;
    std::map<int64_t, core::User> users;
    std::map<std::string, core::Session> sessions;
    std::map<std::pair<std::string, std::string>, core::IdempotencyRecord> idempotency;
    std::map<std::pair<std::string, std::string>, core::SourceKey> sources;
    std::map<std::pair<int64_t, std::string>, core::SavedView> views;  // (user id, name)
    std::map<int64_t, core::Notification> notifications;
    std::map<std::pair<core::RecordKind, int64_t>, core::Record> records;
    int64_t last_complaint_id = 0;
    int64_t last_note_id = 0;
    int64_t last_attachment_id = 0;
    int64_t last_user_id = 0;
    int64_t last_notification_id = 0;
  } t;
  // Append-only: a rollback truncates them to their earlier size.
  std::vector<core::Event> events;  // events[i].seq == i + 1
  std::vector<core::Note> notes;
  std::vector<core::Attachment> attachments;
};

namespace {

struct Snapshot {
  MemoryStore::Data::Tables t;
  size_t events = 0;
  size_t notes = 0;
  size_t attachments = 0;
};

std::string RefText(const core::Reference& r) { return r.ToString(); }

}  // namespace

class MemoryStore::Tx final : public core::StoreTx {
 public:
  explicit Tx(Data& d) : d_(d) {}
  using core::StoreTx::InsertComplaint;
  using core::StoreTx::UpdateComplaint;

  static Result<core::Complaint> Decode(const std::string& doc, int64_t version) {
    auto j = nlohmann::json::parse(doc, nullptr, false);
    if (j.is_discarded()) return MakeError(Errc::kInternal, "complaint encoding is not JSON");
    auto c = core::FromStorageJson(j);
    if (!c) return c.error();
    c->version = version;
    return c;
  }

  Result<int64_t> ReserveSequences(int year, int64_t count) override {
    if (count < 1) return MakeError(Errc::kInvalid, "reserve at least one sequence number");
    int64_t& next = d_.t.next_sequence[year];
    if (next == 0) next = 1;
    const int64_t first = next;
    next += count;
    return first;
  }

  Status InsertComplaint(core::Complaint& c, std::string doc) override {
    std::string ref = RefText(c.reference);
    if (d_.t.by_reference.count(ref) != 0) {
      return MakeError(Errc::kConflict, "reference already exists");
    }
    // Kept as decoded from `doc`, like a real store, so tests see what the encoding loses.
    auto decoded = Decode(doc, c.version);
    if (!decoded) return decoded.error();
    int64_t id = ++d_.t.last_complaint_id;
    decoded->id = id;
    d_.t.complaints[id] = std::make_shared<core::Complaint>(std::move(*decoded));
    d_.t.by_reference[ref] = id;
    c.id = id;
    return {};
  }

  Result<std::optional<core::Complaint>> LoadComplaint(const core::Reference& ref) override {
    return Find(d_, ref);
  }

  Status UpdateComplaint(const core::Complaint& c, std::string doc) override {
    auto it = d_.t.complaints.find(c.id);
    if (it == d_.t.complaints.end() || !(it->second->reference == c.reference)) {
      return MakeError(Errc::kNotFound, "complaint not found");
    }
    if (it->second->version != c.version - 1) {
      return MakeError(Errc::kConflict, "complaint was changed meanwhile");
    }
    auto decoded = Decode(doc, c.version);
    if (!decoded) return decoded.error();
    decoded->id = c.id;
    it->second = std::make_shared<const core::Complaint>(std::move(*decoded));
    return {};
  }

  Status AppendEvent(core::Event& e) override {
    e.seq = static_cast<int64_t>(d_.events.size()) + 1;
    if (e.payload_digest.empty()) e.payload_digest = util::Sha256Hex(core::PayloadBytes(e));
    e.prev_hash = d_.events.empty() ? std::string(core::kGenesisHash) : d_.events.back().hash;
    e.hash = util::Sha256Hex2(e.prev_hash, core::CanonicalEventBytes(e));
    d_.events.push_back(e);
    return {};
  }

  Status InsertNote(core::Note& n) override {
    if (d_.t.complaints.count(n.complaint_id) == 0) {
      return MakeError(Errc::kNotFound, "complaint not found");
    }
    n.id = ++d_.t.last_note_id;
    d_.notes.push_back(n);
    return {};
  }

  Status InsertAttachment(core::Attachment& a) override {
    if (d_.t.complaints.count(a.complaint_id) == 0) {
      return MakeError(Errc::kNotFound, "complaint not found");
    }
    a.id = ++d_.t.last_attachment_id;
    d_.attachments.push_back(a);
    return {};
  }

  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(const std::string& caller,
                                                                const std::string& key) override {
    auto it = d_.t.idempotency.find({caller, key});
    if (it == d_.t.idempotency.end()) return std::optional<core::IdempotencyRecord>();
    return std::optional<core::IdempotencyRecord>(it->second);
  }

  Status PutIdempotency(const core::IdempotencyRecord& r) override {
    d_.t.idempotency[{r.caller, r.key}] = r;
    return {};
  }

  Status InsertUser(core::User& u) override {
    for (const auto& [id, other] : d_.t.users) {
      if (other.username == u.username) {
        return MakeError(Errc::kConflict, "username already exists");
      }
    }
    u.id = ++d_.t.last_user_id;
    d_.t.users[u.id] = u;
    return {};
  }

  Result<std::optional<core::User>> LoadUser(const std::string& username) override {
    return FindUserIn(d_, username);
  }

  Status UpdateUser(const core::User& u) override {
    auto it = d_.t.users.find(u.id);
    if (it == d_.t.users.end()) return MakeError(Errc::kNotFound, "user not found");
    for (const auto& [id, other] : d_.t.users) {
      if (id != u.id && other.username == u.username) {
        return MakeError(Errc::kConflict, "username already exists");
      }
    }
    core::User updated = u;
    updated.created_at = it->second.created_at;  // as in SQL: not updatable
    it->second = std::move(updated);
    return {};
  }

  Status InsertSession(const core::Session& s) override {
    if (d_.t.users.count(s.user_id) == 0) return MakeError(Errc::kNotFound, "user not found");
    if (!d_.t.sessions.emplace(s.token_hash, s).second) {
      return MakeError(Errc::kConflict, "session already exists");
    }
    return {};
  }

  Status DeleteSession(const std::string& token_hash) override {
    d_.t.sessions.erase(token_hash);
    return {};
  }

  Status DeleteSessionsOf(int64_t user_id) override {
    std::erase_if(d_.t.sessions, [&](const auto& kv) { return kv.second.user_id == user_id; });
    return {};
  }

  Status PutView(int64_t user_id, const core::SavedView& v) override {
    if (d_.t.users.count(user_id) == 0) return MakeError(Errc::kNotFound, "user not found");
    d_.t.views[{user_id, v.name}] = v;
    return {};
  }

  Result<bool> DeleteView(int64_t user_id, const std::string& name) override {
    return d_.t.views.erase({user_id, name}) != 0;
  }

  Status InsertNotification(core::Notification& n) override {
    if (d_.t.complaints.count(n.complaint_id) == 0) {
      return MakeError(Errc::kNotFound, "complaint not found");
    }
    n.id = ++d_.t.last_notification_id;
    d_.t.notifications[n.id] = n;
    return {};
  }

  Result<int64_t> NextRecordId(core::RecordKind kind) override {
    int64_t last = 0;
    for (const auto& [key, r] : d_.t.records) {
      if (key.first == kind) last = std::max(last, key.second);
    }
    return last + 1;
  }

  Status PutRecord(const core::Record& r) override {
    if (r.id <= 0) return MakeError(Errc::kInvalid, "record id must be positive");
    for (int64_t id : r.complaint_ids) {
      if (d_.t.complaints.count(id) == 0) return MakeError(Errc::kNotFound, "complaint not found");
    }
    core::Record copy = r;
    std::sort(copy.complaint_ids.begin(), copy.complaint_ids.end());
    copy.complaint_ids.erase(std::unique(copy.complaint_ids.begin(), copy.complaint_ids.end()),
                             copy.complaint_ids.end());
    d_.t.records[{r.kind, r.id}] = std::move(copy);
    return {};
  }

  Status UpdateNotification(const core::Notification& n) override {
    auto it = d_.t.notifications.find(n.id);
    if (it == d_.t.notifications.end()) return MakeError(Errc::kNotFound, "notification not found");
    auto& row = it->second;
    row.state = n.state;
    row.attempts = n.attempts;
    row.next_attempt_at = n.next_attempt_at;
    row.sent_at = n.sent_at;
    row.last_error = n.last_error;
    row.vars = n.vars;
    return {};
  }

  Result<std::optional<core::SourceKey>> FindSource(const std::string& system,
                                                    const std::string& external_id) override {
    auto it = d_.t.sources.find({system, external_id});
    if (it == d_.t.sources.end()) return std::optional<core::SourceKey>();
    core::SourceKey k = it->second;
    k.reference = d_.t.complaints.at(k.complaint_id)->reference;
    return std::optional<core::SourceKey>(std::move(k));
  }

  Status PutSource(const core::SourceKey& k) override {
    if (d_.t.complaints.count(k.complaint_id) == 0) {
      return MakeError(Errc::kNotFound, "complaint not found");
    }
    core::SourceKey stored = k;
    stored.reference = {};
    d_.t.sources[{k.system, k.external_id}] = std::move(stored);
    return {};
  }

  static std::optional<core::Complaint> Find(const Data& d, const core::Reference& ref) {
    auto it = d.t.by_reference.find(RefText(ref));
    if (it == d.t.by_reference.end()) return std::nullopt;
    return *d.t.complaints.at(it->second);
  }

  static std::optional<core::User> FindUserIn(const Data& d, const std::string& username) {
    for (const auto& [id, u] : d.t.users) {
      if (u.username == username) return u;
    }
    return std::nullopt;
  }

 private:
  Data& d_;
};

MemoryStore::MemoryStore() : data_(std::make_unique<Data>()) { util::InitCrypto(); }
MemoryStore::~MemoryStore() = default;

void MemoryStore::Write(TxFn fn, Done done) {
  Status result;
  {
    std::lock_guard lock(mu_);
    Snapshot snap{data_->t, data_->events.size(), data_->notes.size(), data_->attachments.size()};
    Tx tx(*data_);
    try {
      result = fn(tx);
    } catch (const std::exception&) {
      result = MakeError(Errc::kInternal, "write function threw an exception");
    } catch (...) {
      result = MakeError(Errc::kInternal, "write function threw");
    }
    if (!result) {
      data_->t = std::move(snap.t);
      data_->events.resize(snap.events);
      data_->notes.resize(snap.notes);
      data_->attachments.resize(snap.attachments);
    }
  }
  done(std::move(result));
}

Result<std::optional<core::Complaint>> MemoryStore::GetComplaint(const core::Reference& ref) {
  std::lock_guard lock(mu_);
  return Tx::Find(*data_, ref);
}

namespace {

bool ContainsAllTerms(const core::Complaint& c, const std::vector<core::Note>& notes,
                      const std::vector<std::string>& terms) {
  std::set<std::string> words;
  for (auto& w : SearchTerms(c.description.value)) words.insert(std::move(w));
  for (const auto& n : notes) {
    if (n.complaint_id != c.id) continue;
    for (auto& w : SearchTerms(n.body.value)) words.insert(std::move(w));
  }
  return std::all_of(terms.begin(), terms.end(),
                     [&](const std::string& t) { return words.count(t) != 0; });
}

}  // namespace

Result<core::ListPage> MemoryStore::ListComplaints(const core::ListQuery& q) {
  core::ListPage page;
  const core::Scope& scope = q.scope;
  const std::optional<std::vector<std::string>> terms = ListSearchTerms(q);
  if (terms && terms->empty()) return page;  // only punctuation: matches nothing
  std::optional<CursorPos> after;
  if (!q.cursor.empty()) {
    after = DecodeCursor(q.cursor);
    const core::ListSort expected = terms ? core::ListSort::kNewest : q.sort;
    if (!after || after->sort != static_cast<int>(expected)) {
      return MakeError(Errc::kMalformed, "invalid cursor", {{"/cursor", "invalid"}});
    }
  }
  if (!scope.all && scope.assignee.empty() && scope.investigator.empty()) return page;
  const std::string named = PersonNeedle(scope.exclude_named);
  const int limit = ClampLimit(q.limit);

  std::lock_guard lock(mu_);
  std::vector<const core::Complaint*> hits;
  for (const auto& [id, ptr] : data_->t.complaints) {
    const core::Complaint& c = *ptr;
    const int64_t at = core::ToMillis(c.received_at);
    if (q.state && c.state != *q.state) continue;
    if (q.category && c.assessment.category != *q.category) continue;
    if (q.priority && c.priority != *q.priority) continue;
    if (q.assignee && c.assignee != *q.assignee) continue;
    if (q.overdue) {
      auto due = core::EarliestDue(c.clocks);
      if (!core::IsOpen(c.state) || !due || !(*due < q.now)) continue;
    }
    if (q.follow_up_due) {
      auto due = core::FollowUpDue(c);
      if (!due || *due > q.now) continue;
    }
    if (q.received_from && c.received_at < *q.received_from) continue;
    if (q.received_to && !(c.received_at < *q.received_to)) continue;
    const core::ListSort sort = terms ? core::ListSort::kNewest : q.sort;
    const auto due = core::EarliestDue(c.clocks);
    const int64_t due_ms = due ? core::ToMillis(*due) : 0;
    const int64_t prio = static_cast<int64_t>(c.priority);
    if (sort == core::ListSort::kDue && (!core::IsOpen(c.state) || !due)) continue;
    if (after) {
      bool beyond = false;
      if (terms) {
        beyond = id < after->id;
      } else if (sort == core::ListSort::kOldest) {
        beyond = std::tie(at, id) > std::tie(after->received_at_ms, after->id);
      } else if (sort == core::ListSort::kDue) {
        beyond = std::tie(due_ms, id) > std::tie(after->key, after->id);
      } else if (sort == core::ListSort::kPriority) {
        beyond =
            prio > after->key ||
            (prio == after->key && std::tie(at, id) < std::tie(after->received_at_ms, after->id));
      } else {
        beyond = std::tie(at, id) < std::tie(after->received_at_ms, after->id);
      }
      if (!beyond) continue;
    }
    if (!scope.all) {
      bool visible =
          (!scope.assignee.empty() && (c.assignee == scope.assignee || c.assignee.empty())) ||
          (!scope.investigator.empty() && c.investigator == scope.investigator);
      if (!visible) continue;
    }
    if (!named.empty() &&
        NormalizePersonsNamed(c.subject.persons_named.value).find(named) != std::string::npos) {
      continue;
    }
    if (terms && !ContainsAllTerms(c, data_->notes, *terms)) continue;
    hits.push_back(&c);
  }
  // Text searches come newest-recorded first (id order), as the SQLite store's index yields.
  const core::ListSort sort = terms ? core::ListSort::kNewest : q.sort;
  auto due_of = [](const core::Complaint* c) { return core::EarliestDue(c->clocks).value(); };
  std::sort(hits.begin(), hits.end(),
            [&, text = terms.has_value()](const core::Complaint* a, const core::Complaint* b) {
              if (text) return a->id > b->id;
              switch (sort) {
                case core::ListSort::kOldest:
                  return std::tie(a->received_at, a->id) < std::tie(b->received_at, b->id);
                case core::ListSort::kDue: {
                  const auto da = due_of(a);
                  const auto db = due_of(b);
                  return std::tie(da, a->id) < std::tie(db, b->id);
                }
                case core::ListSort::kPriority:
                  if (a->priority != b->priority) return a->priority < b->priority;
                  break;
                case core::ListSort::kNewest:
                  break;
              }
              return std::tie(a->received_at, a->id) > std::tie(b->received_at, b->id);
            });
  for (const core::Complaint* c : hits) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = CursorAfter(page.items.back(), sort);
      break;
    }
    core::ComplaintSummary s;
    s.id = c->id;
    s.reference = RefText(c->reference);
    s.state = c->state;
    s.priority = c->priority;
    s.category = c->assessment.category;
    s.product = c->subject.product;
    s.channel = c->channel;
    s.assignee = c->assignee;
    s.received_at = c->received_at;
    s.due = core::EarliestDue(c->clocks);
    s.overdue = core::IsOpen(c->state) && s.due && *s.due < q.now;
    page.items.push_back(std::move(s));
  }
  return page;
}

Result<std::vector<core::Event>> MemoryStore::EventsOf(int64_t complaint_id) {
  std::lock_guard lock(mu_);
  std::vector<core::Event> out;
  for (const auto& e : data_->events) {
    if (e.complaint_id == complaint_id) out.push_back(e);
  }
  return out;
}

Result<std::vector<core::Note>> MemoryStore::NotesOf(int64_t complaint_id) {
  std::lock_guard lock(mu_);
  std::vector<core::Note> out;
  for (const auto& n : data_->notes) {
    if (n.complaint_id == complaint_id) out.push_back(n);
  }
  return out;
}

Result<std::vector<core::Attachment>> MemoryStore::AttachmentsOf(int64_t complaint_id) {
  std::lock_guard lock(mu_);
  std::vector<core::Attachment> out;
  for (const auto& a : data_->attachments) {
    if (a.complaint_id == complaint_id) out.push_back(a);
  }
  return out;
}

Result<std::optional<core::Attachment>> MemoryStore::GetAttachment(int64_t complaint_id,
                                                                   int64_t attachment_id) {
  std::lock_guard lock(mu_);
  for (const auto& a : data_->attachments) {
    if (a.complaint_id == complaint_id && a.id == attachment_id) {
      return std::optional<core::Attachment>(a);
    }
  }
  return std::optional<core::Attachment>();
}

Result<std::optional<core::User>> MemoryStore::FindUser(const std::string& username) {
  std::lock_guard lock(mu_);
  return Tx::FindUserIn(*data_, username);
}

Result<std::optional<core::User>> MemoryStore::GetUser(int64_t id) {
  std::lock_guard lock(mu_);
  auto it = data_->t.users.find(id);
  if (it == data_->t.users.end()) return std::optional<core::User>();
  return std::optional<core::User>(it->second);
}

Result<std::vector<core::User>> MemoryStore::ListUsers() {
  std::lock_guard lock(mu_);
  std::vector<core::User> out;
  for (const auto& [id, u] : data_->t.users) out.push_back(u);
  std::sort(out.begin(), out.end(),
            [](const core::User& a, const core::User& b) { return a.username < b.username; });
  return out;
}

Result<std::optional<core::Session>> MemoryStore::FindSession(const std::string& token_hash) {
  std::lock_guard lock(mu_);
  auto it = data_->t.sessions.find(token_hash);
  if (it == data_->t.sessions.end()) return std::optional<core::Session>();
  return std::optional<core::Session>(it->second);
}

Result<std::vector<core::SavedView>> MemoryStore::ViewsOf(int64_t user_id) {
  std::lock_guard lock(mu_);
  std::vector<core::SavedView> out;
  for (auto it = data_->t.views.lower_bound({user_id, ""});
       it != data_->t.views.end() && it->first.first == user_id; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Result<std::vector<core::Notification>> MemoryStore::DueNotifications(core::Instant now,
                                                                      int limit) {
  std::lock_guard lock(mu_);
  std::vector<core::Notification> out;
  for (const auto& [id, n] : data_->t.notifications) {
    if (n.state == core::DeliveryState::kPending && n.next_attempt_at <= now) out.push_back(n);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  if (out.size() > static_cast<size_t>(std::max(limit, 0))) out.resize(std::max(limit, 0));
  return out;
}

Result<std::vector<core::Notification>> MemoryStore::NotificationsOf(int64_t complaint_id) {
  std::lock_guard lock(mu_);
  std::vector<core::Notification> out;
  for (const auto& [id, n] : data_->t.notifications) {
    if (n.complaint_id == complaint_id) out.push_back(n);
  }
  return out;
}

Result<std::optional<core::Notification>> MemoryStore::GetNotification(int64_t id) {
  std::lock_guard lock(mu_);
  auto it = data_->t.notifications.find(id);
  if (it == data_->t.notifications.end()) return std::optional<core::Notification>();
  return std::optional<core::Notification>(it->second);
}

Result<std::vector<std::vector<core::FactRow>>> MemoryStore::Facts(
    const std::vector<core::FactQuery>& qs) {
  for (const auto& q : qs) {
    if (auto s = core::ValidateFactQuery(q); !s) return s.error();
  }
  std::vector<core::ComplaintFacts> facts;
  {
    std::lock_guard lock(mu_);
    facts.reserve(data_->t.complaints.size());
    for (const auto& [id, c] : data_->t.complaints) facts.push_back(core::FactsOf(*c));
  }
  std::vector<std::vector<core::FactRow>> out;
  out.reserve(qs.size());
  for (const auto& q : qs) out.push_back(core::EvaluateFacts(q, facts));
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> MemoryStore::ClosedIn(core::Instant from,
                                                                           core::Instant to) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& [id, c] : data_->t.complaints) {
    const auto f = core::FactsOf(*c);
    if (f.closed_at && *f.closed_at >= from && *f.closed_at < to) {
      out.emplace_back(id, c->reference.ToString());
    }
  }
  return out;
}

Result<std::optional<core::Record>> MemoryStore::GetRecord(core::RecordKind kind, int64_t id) {
  std::lock_guard lock(mu_);
  auto it = data_->t.records.find({kind, id});
  if (it == data_->t.records.end()) return std::optional<core::Record>();
  return std::optional<core::Record>(it->second);
}

Result<std::vector<core::Record>> MemoryStore::ListRecords(core::RecordKind kind) {
  std::lock_guard lock(mu_);
  std::vector<core::Record> out;
  for (const auto& [key, r] : data_->t.records) {
    if (key.first == kind) out.push_back(r);
  }
  return out;
}

Result<std::vector<core::Record>> MemoryStore::RecordsLinkedTo(core::RecordKind kind,
                                                               int64_t complaint_id) {
  std::lock_guard lock(mu_);
  std::vector<core::Record> out;
  for (const auto& [key, r] : data_->t.records) {
    if (key.first == kind &&
        std::binary_search(r.complaint_ids.begin(), r.complaint_ids.end(), complaint_id)) {
      out.push_back(r);
    }
  }
  return out;
}

Result<core::DashboardCounts> MemoryStore::Dashboard(const core::DashboardQuery& q) {
  constexpr int64_t kWeekMs = 7 * 86400000LL;
  constexpr int64_t kFirstMondayMs = 4 * 86400000LL;  // 1970-01-05, a Monday
  core::DashboardCounts out;
  std::map<int64_t, int64_t> weeks;
  std::map<std::string, int64_t> categories;
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : data_->t.complaints) {
    if (core::IsOpen(c->state)) {
      size_t bucket = 3;
      for (size_t i = 0; i < 3; ++i) {
        if (c->received_at >= q.age_edges[i]) {
          bucket = i;
          break;
        }
      }
      ++out.open_by_age[bucket];
    }
    if (c->received_at < q.since) continue;
    ++weeks[(core::ToMillis(c->received_at) - kFirstMondayMs) / kWeekMs];
    ++categories[c->assessment.category];
    for (const auto& t : c->clocks) {
      auto& tally = out.clocks[t.name];
      if (t.breached || t.state == core::ClockState::kBreached) {
        ++tally.breached;
      } else if (t.state == core::ClockState::kMet) {
        ++tally.met;
      }
    }
  }
  for (const auto& [w, n] : weeks) {
    out.by_week.emplace_back(core::FromMillis(w * kWeekMs + kFirstMondayMs), n);
  }
  for (const auto& [cat, n] : categories) out.by_category.emplace_back(cat, n);
  std::stable_sort(out.by_category.begin(), out.by_category.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (out.by_category.size() > 20) out.by_category.resize(20);
  return out;
}

Result<std::map<core::State, int64_t>> MemoryStore::CountByState() {
  std::map<core::State, int64_t> out;
  for (core::State s : kAllStates) out[s] = 0;
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : data_->t.complaints) ++out[c->state];
  return out;
}

Result<int64_t> MemoryStore::CountOverdue(core::Instant now) {
  std::lock_guard lock(mu_);
  int64_t n = 0;
  for (const auto& [id, c] : data_->t.complaints) {
    auto due = core::EarliestDue(c->clocks);
    if (core::IsOpen(c->state) && due && *due < now) ++n;
  }
  return n;
}

Result<int64_t> MemoryStore::CountComplaints() {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(data_->t.complaints.size());
}

Result<std::vector<core::Reference>> MemoryStore::DueForClockCheck(core::Instant now, int limit) {
  std::vector<core::Reference> out;
  if (limit <= 0) return out;
  std::vector<std::tuple<core::Instant, int64_t, core::Reference>> due;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, c] : data_->t.complaints) {
      if (!core::IsOpen(c->state)) continue;
      auto next = core::NextClockInstant(c->clocks);
      if (next && *next <= now) due.emplace_back(*next, id, c->reference);
    }
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  for (auto& d : due) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(std::move(std::get<2>(d)));
  }
  return out;
}

Status MemoryStore::ScanEvents(int64_t from_seq,
                               const std::function<bool(const core::Event&)>& fn) {
  // Copy the tail first: `fn` may call other reads.
  std::vector<core::Event> tail;
  {
    std::lock_guard lock(mu_);
    size_t start = from_seq <= 1 ? 0 : static_cast<size_t>(from_seq - 1);
    if (start < data_->events.size()) {
      tail.assign(data_->events.begin() + static_cast<std::ptrdiff_t>(start), data_->events.end());
    }
  }
  for (const auto& e : tail) {
    if (!fn(e)) break;
  }
  return {};
}

Status MemoryStore::Backup(const std::string&) {
  return MakeError(Errc::kUnavailable, "the memory store has no backup");
}

Status MemoryStore::ScanComplaints(int64_t after_id,
                                   const std::function<bool(const core::Complaint&)>& fn) {
  // Copy first (complaints are shared immutable values): `fn` may call other reads.
  std::vector<std::shared_ptr<const core::Complaint>> rows;
  {
    std::lock_guard lock(mu_);
    for (auto it = data_->t.complaints.upper_bound(after_id); it != data_->t.complaints.end();
         ++it) {
      rows.push_back(it->second);
    }
  }
  for (const auto& c : rows) {
    if (!fn(*c)) break;
  }
  return {};
}

}  // namespace redress::store
