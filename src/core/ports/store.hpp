// The Store port: what the use cases need from persistence, and nothing more.
//
// Contract (every adapter; tests/contract runs it against each):
//  * Writes go through Write(): the function runs inside one transaction on the store's
//    writer, with exclusive access to the StoreTx. If it returns an error, everything it did
//    is rolled back and `done` gets that error. If it succeeds, `done` is called only after
//    the transaction is durable (fsync'd) — never before. Adapters may group several Write()s
//    into one commit; each still succeeds or fails on its own.
//  * `done` runs on the writer thread (or inline, in the memory store): it must be quick and
//    must not call Write() synchronously and wait.
//  * After a failed commit or sync the store is "poisoned": every later Write() fails with
//    kUnavailable, and Healthy() is false (the kernel may have dropped unsynced pages).
//  * Reads are synchronous, thread-safe, and see a consistent snapshot per call; they may be
//    called from any thread except inside a Write() function.
//  * Events appended in a transaction get consecutive `seq`, `payload_digest`, `prev_hash` and
//    `hash` (see core/event.hpp) assigned by the store at append time.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/complaint.hpp"
#include "core/duration_histogram.hpp"
#include "core/event.hpp"
#include "core/facts.hpp"
#include "core/learning.hpp"
#include "core/notification.hpp"
#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::core {

// Where an imported complaint came from (`redress import`): the source system's key, the
// complaint it became, and a digest of the source row as last imported (so a re-import can
// tell an unchanged row from a changed one without decoding the record).
struct SourceKey {
  std::string system;       // "cfpb"
  std::string external_id;  // the source's key, e.g. the CFPB Complaint ID
  int64_t complaint_id = 0;
  Reference reference;   // the complaint's reference (filled by FindSource; PutSource ignores it)
  std::string row_hash;  // hex digest of the source row
};

// A named list query a staff user keeps (the console's saved views): `query` is the list
// API's query string, kept as the user saved it.
struct SavedView {
  std::string name;
  std::string query;
  Instant updated_at{};
};

// What the staff dashboard counts, all in the store.
struct DashboardQuery {
  Instant since{};  // volumes, categories and on-time tallies: complaints received since
  // Open complaints by age: received at or after edges[0] -> bucket 0, else at or after
  // edges[1] -> 1, else at or after edges[2] -> 2, else 3 (edges descending).
  std::array<Instant, 3> age_edges{};
};

struct ClockTally {
  int64_t met = 0;       // ended on time
  int64_t breached = 0;  // passed its due instant (met late, or still running late)
};

struct DashboardCounts {
  std::array<int64_t, 4> open_by_age{};
  std::map<std::string, ClockTally> clocks;  // by clock name
  // Received per week since `since`: (Monday 00:00 UTC that starts the week, count), oldest
  // first; weeks with none are absent.
  std::vector<std::pair<Instant, int64_t>> by_week;
  std::vector<std::pair<std::string, int64_t>> by_category;  // most first, at most 20
};

// Operations available inside a write transaction.
class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // Reserves `count` (>= 1) consecutive per-year sequence numbers for references and returns
  // the first. Never reused, even if the tx rolls back in an adapter whose sequences are not
  // transactional; gaps are allowed.
  virtual Result<int64_t> ReserveSequences(int year, int64_t count) = 0;
  Result<int64_t> NextSequence(int year) { return ReserveSequences(year, 1); }

  // Inserts; assigns c.id. kConflict if the reference exists: from this call, or (an adapter
  // that sends its statements without waiting, PostgreSQL) as the result of the write function
  // that made it. `doc` must be EncodeStorage(c) (core/codec.hpp), or the store's
  // PackRecord() of it: callers that can compute it off the writer pass it in.
  virtual Status InsertComplaint(Complaint& c, std::string doc) = 0;
  Status InsertComplaint(Complaint& c);
  virtual Result<std::optional<Complaint>> LoadComplaint(const Reference& ref) = 0;
  // Replaces the stored record. kConflict if the stored version != c.version - 1 (callers
  // bump version before saving). `doc` as for InsertComplaint.
  virtual Status UpdateComplaint(const Complaint& c, std::string doc) = 0;
  Status UpdateComplaint(const Complaint& c);

  // Appends; fills e.seq, e.prev_hash, e.hash, and e.payload_digest unless the caller set it
  // (to the hex SHA-256 of PayloadBytes(e), e.g. off the writer); `redress audit verify`
  // recomputes every digest.
  virtual Status AppendEvent(Event& e) = 0;

  virtual Status InsertNote(Note& n) = 0;              // assigns n.id
  virtual Status InsertAttachment(Attachment& a) = 0;  // assigns a.id

  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& caller,
                                                                  const std::string& key) = 0;
  virtual Status PutIdempotency(const IdempotencyRecord& r) = 0;

  virtual Status InsertUser(User& u) = 0;  // assigns u.id; kConflict on duplicate username
  virtual Result<std::optional<User>> LoadUser(const std::string& username) = 0;
  virtual Status UpdateUser(const User& u) = 0;

  virtual Status InsertSession(const Session& s) = 0;
  virtual Status DeleteSession(const std::string& token_hash) = 0;
  virtual Status DeleteSessionsOf(int64_t user_id) = 0;

  // Saved views: insert or replace by (user, name); delete says whether there was one.
  virtual Status PutView(int64_t user_id, const SavedView& v) = 0;
  virtual Result<bool> DeleteView(int64_t user_id, const std::string& name) = 0;

  // Imports: the key `external_id` of `system` and the complaint it maps to, or nullopt.
  virtual Result<std::optional<SourceKey>> FindSource(const std::string& system,
                                                      const std::string& external_id) = 0;
  // FindSource of each of `external_ids`, in their order. An adapter whose every statement is a
  // round trip answers them in one.
  virtual Result<std::vector<std::optional<SourceKey>>> FindSources(
      const std::string& system, const std::vector<std::string_view>& external_ids) {
    std::vector<std::optional<SourceKey>> out;
    out.reserve(external_ids.size());
    for (std::string_view id : external_ids) {
      auto k = FindSource(system, std::string(id));
      if (!k) return k.error();
      out.push_back(std::move(*k));
    }
    return out;
  }
  // Records a source key, replacing the complaint id and row hash of an existing one;
  // kNotFound if k.complaint_id is no complaint.
  virtual Status PutSource(const SourceKey& k) = 0;
  // PutSource of each of `keys`, in order (of a key given twice, the last stands); kNotFound
  // if one names no complaint. An adapter whose every statement is a round trip records them
  // in one.
  virtual Status PutSources(const std::vector<SourceKey>& keys) {
    for (const auto& k : keys) {
      if (auto s = PutSource(k); !s) return s;
    }
    return {};
  }

  // The outbox. Insert assigns n.id; a notification commits with the event that caused it.
  virtual Status InsertNotification(Notification& n) = 0;
  // Records an attempt's outcome: state, attempts, next_attempt_at, sent_at, last_error and
  // vars of the row n.id (kNotFound if there is none).
  virtual Status UpdateNotification(const Notification& n) = 0;

  // Learning records (core/learning.hpp). NextRecordId gives an id not used by any record of
  // the kind; PutRecord inserts r (r.id > 0) or replaces the document and complaint links of
  // the record with that id. kNotFound if a linked complaint does not exist.
  virtual Result<int64_t> NextRecordId(RecordKind kind) = 0;
  virtual Status PutRecord(const Record& r) = 0;
};

// Whether `doc` is a record as Store::PackRecord packed it (not JSON): it holds no reference,
// so a caller cannot edit the reference inside it (the store writes the complaint's own).
inline bool IsPackedRecord(std::string_view doc) { return !doc.empty() && doc.front() != '{'; }

// An event's `after` of at least this many bytes (the receipt's copy of the record) is worth
// packing like a record (Event::packed_after); smaller ones are kept as they are.
inline constexpr size_t kPackedPayloadBytes = 512;

// Which complaints a caller may see: enforced in every list/get query.
struct Scope {
  bool all = false;           // manager, auditor: every complaint
  std::string assignee;       // handler: assigned to them, or unassigned
  std::string investigator;   // investigator: where they are the investigator
  std::string exclude_named;  // never complaints naming this username (persons_named)
};

// The order of a list. Every order is a keyset: pages follow a cursor, never an offset.
enum class ListSort {
  kNewest,    // received_at descending (the default)
  kOldest,    // received_at ascending
  kDue,       // open complaints only, earliest due first (next_due ascending)
  kPriority,  // P1 first, then newest first
};

struct ListQuery {
  std::optional<State> state;
  std::optional<std::string> category;
  std::optional<Priority> priority;
  std::optional<std::string> assignee;
  bool overdue = false;                  // some running clock's due < now
  bool follow_up_due = false;            // closed, follow-up not recorded, due <= now
  std::optional<Instant> received_from;  // inclusive
  std::optional<Instant> received_to;    // exclusive
  std::optional<std::string> text;       // full-text query over description and notes
  ListSort sort = ListSort::kNewest;     // not with `text` (those come by relevance of recency)
  std::string cursor;                    // opaque; empty = first page; made for `sort`
  int limit = 50;                        // 1..200
  Instant now{};                         // for `overdue`
  Scope scope;
};

// A list row: what a queue shows, no personal fields.
struct ComplaintSummary {
  int64_t id = 0;
  std::string reference;
  State state = State::kReceived;
  Priority priority = Priority::kP3;
  std::string category;
  std::string product;
  Channel channel = Channel::kWeb;
  std::string assignee;
  Instant received_at{};
  std::optional<Instant> due;  // earliest running due instant
  bool overdue = false;
};

// A list row as a store reads it: ComplaintSummary's members, its text viewing the store's
// own buffers (valid until the store reads its next row), for a page written straight to text.
struct ComplaintSummaryView {
  int64_t id = 0;
  std::string_view reference;
  State state = State::kReceived;
  Priority priority = Priority::kP3;
  std::string_view category;
  std::string_view product;
  Channel channel = Channel::kWeb;
  std::string_view assignee;
  Instant received_at{};
  std::optional<Instant> due;
  bool overdue = false;

  static ComplaintSummaryView Of(const ComplaintSummary& s) {
    return {s.id,      s.reference, s.state,       s.priority, s.category, s.product,
            s.channel, s.assignee,  s.received_at, s.due,      s.overdue};
  }
  ComplaintSummary Copy() const {
    return {id,
            std::string(reference),
            state,
            priority,
            std::string(category),
            std::string(product),
            channel,
            std::string(assignee),
            received_at,
            due,
            overdue};
  }
};

// A claim on background work (clock checks, outgoing messages, periodic jobs): the claiming
// node and how long the claim lasts. While it lasts, no other claimer is handed the item; a
// node that dies holding a claim loses it when the lease ends.
struct Claim {
  std::string node;
  std::chrono::milliseconds lease{60000};
};

// A complaint with its timeline (oldest first), notes and attachments. The record is shared,
// read-only: a store may hand out the decoded record it keeps for that version without a copy
// (a complaint is about fifty strings).
struct ComplaintFile {
  std::shared_ptr<const Complaint> record;  // never null
  const Complaint& complaint() const { return *record; }
  std::vector<Event> events;
  std::vector<Note> notes;
  std::vector<Attachment> attachments;
};

struct ListPage {
  std::vector<ComplaintSummary> items;
  std::string next_cursor;  // empty when no more
};

// SQLite's write-ahead log, as its writer sees it (/metrics).
struct WalStats {
  // Each fdatasync of the WAL, timed by the writer's VFS; none when the VFS could not time them.
  std::optional<DurationHistogram> flush_seconds;
  uint64_t bytes = 0;  // the WAL file's size on disk now (0: no WAL file)
  // Its checkpoints: the background checkpointer's, and the writer's own (whose writes wait).
  DurationHistogram checkpoint_seconds;
  DurationHistogram writer_checkpoint_seconds;
};

// What a store's one writer has done since the store opened (/metrics).
struct WriterStats {
  uint64_t batches = 0;             // transactions the writer ran (group commits)
  uint64_t writes = 0;              // the writes in them
  DurationHistogram batch_seconds;  // a batch from its start to the end of its commit
  std::optional<WalStats> wal;      // SQLite's log; none on a store without one (PostgreSQL)
};

class Store {
 public:
  using TxFn = std::function<Status(StoreTx&)>;
  using Done = std::function<void(Status)>;

  Store();
  virtual ~Store();

  // See the contract above.
  virtual void Write(TxFn fn, Done done) = 0;

  // As Write(), for a function that is safe to run more than once: every run starts from what
  // it captured and redoes all it computes (it moves nothing out of its captures and adds to
  // no count of its own). An adapter may roll back a batch holding it and run it again. By
  // default the same as Write().
  virtual void WriteRerunnable(TxFn fn, Done done) { Write(std::move(fn), std::move(done)); }

  // Blocking convenience for CLI and tests: runs Write() and waits for `done`.
  Status WriteSync(TxFn fn);

  // The form in which this store keeps `record` (EncodeStorage of a complaint), made by the
  // caller off the writer and handed to StoreTx::InsertComplaint as its `doc`. Thread-safe. By
  // default the record itself; the SQLite store packs it (store/sqlite/record_pack.hpp) once it
  // has a dictionary, leaving out the record's leading reference member, which it then takes
  // from the complaint it stores (IsPackedRecord).
  virtual std::string PackRecord(std::string record) const { return record; }

  virtual bool Healthy() const = 0;

  // Whether a commit can be read before it is on the disk. SQLite's writer goes on to its next
  // transaction while its last commit is flushed beside it (docs/architecture.md), so a read
  // may see a commit a flush (a few milliseconds) before it is durable, though no write is
  // told done before. Whatever shows a read outside the process (an HTTP answer, a message
  // sent) first waits with WhenDurable(). These defaults: a store whose commits are durable
  // before anyone can read them (PostgreSQL, the memory store).
  //
  // True when every commit so far is on the disk (a read made before this call needs no wait).
  virtual bool AllDurable() const { return true; }
  // Calls `then` once every commit made before this call is on the disk: at once, on the
  // calling thread, if it is; otherwise later on a thread of the store's. `then` must not block.
  virtual void WhenDurable(std::function<void()> then) { then(); }
  // The blocking form, for a thread of its own (never an I/O thread).
  void WaitUntilDurable();

  // The writer's batches and flushes so far; none (this default) from an adapter without a
  // writer of its own, or a store opened read-only.
  virtual std::optional<WriterStats> WriterStatistics() const { return std::nullopt; }

  // Changes to complaint files, for a cache of them above the store. `complaint_ids`: the
  // complaints whose record, events, notes or attachments one commit changed (in any order,
  // maybe repeated); `all`: some complaint may have changed that the store cannot name
  // (another process committed to the same database).
  using ChangeListener = std::function<void(const std::vector<int64_t>& complaint_ids, bool all)>;
  // Sets the listener (replacing any), called on the writer after each commit that changed a
  // complaint file and before that commit's writes are told done, so a caller that heard of a
  // write never reads the cache from before it. Another process's commit is reported within
  // about 10 ms, or before the next batch if sooner. Returns false when the store cannot see
  // every change (this default; PostgreSQL, which other nodes write too): then no cache of
  // complaint files may be kept above it.
  virtual bool SetChangeListener(ChangeListener fn);

  // Reads.
  virtual Result<std::optional<Complaint>> GetComplaint(const Reference& ref) = 0;
  virtual Result<ListPage> ListComplaints(const ListQuery& q) = 0;
  // The same page as GET /api/v1/complaints's 200 body (core::WriteListPage's text), appended
  // to `out`; on an error `out` is as it was. By default ListComplaints, then the text; a store
  // may write its rows' text as it reads them, without building the page first.
  virtual Status WriteComplaintsPage(const ListQuery& q, std::string& out);
  virtual Result<std::vector<Event>> EventsOf(int64_t complaint_id) = 0;
  virtual Result<std::vector<Note>> NotesOf(int64_t complaint_id) = 0;
  virtual Result<std::vector<Attachment>> AttachmentsOf(int64_t complaint_id) = 0;
  // GetComplaint with EventsOf, NotesOf and AttachmentsOf. An adapter that can reads them as
  // one snapshot; this default reads them one after another.
  virtual Result<std::optional<ComplaintFile>> GetComplaintFile(const Reference& ref);
  virtual Result<std::optional<Attachment>> GetAttachment(int64_t complaint_id,
                                                          int64_t attachment_id) = 0;

  virtual Result<std::optional<User>> FindUser(const std::string& username) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Result<std::optional<Session>> FindSession(const std::string& token_hash) = 0;
  virtual Result<std::vector<SavedView>> ViewsOf(int64_t user_id) = 0;  // by name

  // Counts by state (every state present, zero included) and open complaints overdue at now.
  virtual Result<std::map<State, int64_t>> CountByState() = 0;
  virtual Result<int64_t> CountOverdue(Instant now) = 0;
  virtual Result<int64_t> CountComplaints() = 0;
  virtual Result<DashboardCounts> Dashboard(const DashboardQuery& q) = 0;

  // Clause 8 analytics (core/facts.hpp): the rows of each query, all from one snapshot,
  // computed in the store. Each query is checked with core::ValidateFactQuery.
  virtual Result<std::vector<std::vector<FactRow>>> Facts(const std::vector<FactQuery>& qs) = 0;
  Result<std::vector<FactRow>> Facts(const FactQuery& q);

  // Complaints closed (or withdrawn) in [from, to), by id: (id, reference). For audit samples.
  virtual Result<std::vector<std::pair<int64_t, std::string>>> ClosedIn(Instant from,
                                                                        Instant to) = 0;

  // Learning records: one, every one of a kind (by id), or those linking a complaint (by id).
  virtual Result<std::optional<Record>> GetRecord(RecordKind kind, int64_t id) = 0;
  virtual Result<std::vector<Record>> ListRecords(RecordKind kind) = 0;
  virtual Result<std::vector<Record>> RecordsLinkedTo(RecordKind kind, int64_t complaint_id) = 0;

  // Pending notifications whose next attempt is due at `now`, by (next_attempt_at, id).
  virtual Result<std::vector<Notification>> DueNotifications(Instant now, int limit) = 0;
  // A complaint's notifications, oldest first.
  virtual Result<std::vector<Notification>> NotificationsOf(int64_t complaint_id) = 0;
  virtual Result<std::optional<Notification>> GetNotification(int64_t id) = 0;

  // Open complaints whose next clock instant is <= now, oldest first (scheduler).
  virtual Result<std::vector<Reference>> DueForClockCheck(Instant now, int limit) = 0;

  // Calls fn for every event in seq order from `from_seq` until fn returns false.
  virtual Status ScanEvents(int64_t from_seq, const std::function<bool(const Event&)>& fn) = 0;

  // Online copy of the whole store to `dest` (a path or URL the adapter understands).
  virtual Status Backup(const std::string& dest) = 0;

  // Calls fn for every complaint with id > after_id, in id order, until fn returns false
  // (export). One snapshot; fn must not write.
  virtual Status ScanComplaints(int64_t after_id,
                                const std::function<bool(const Complaint&)>& fn) = 0;

  // --- Work shared by several nodes ------------------------------------------------------
  // A store that several processes serve (PostgreSQL) hands each due item to one claimer
  // until its claim's lease ends (FOR UPDATE SKIP LOCKED). The defaults below are for stores
  // one process owns (SQLite, memory): they hand out what is due, and keep periodic runs and
  // rate limits in this process's memory.

  // DueForClockCheck, claimed. The claim ends with its lease; the check moves next_clock on.
  virtual Result<std::vector<Reference>> ClaimClockChecks(Instant now, int limit,
                                                          const Claim& claim);
  // DueNotifications, claimed. Recording the attempt (UpdateNotification) ends the claim.
  virtual Result<std::vector<Notification>> ClaimNotifications(Instant now, int limit,
                                                               const Claim& claim);
  // Whether the caller should run periodic job `name` now: true when no run of it ended in
  // the last `every` and no other claim on it lasts. The caller calls EndPeriodic when the run
  // ends; a run that never ends is claimed again after the lease.
  virtual Result<bool> ClaimPeriodic(const std::string& name, Instant now,
                                     std::chrono::milliseconds every, const Claim& claim);
  virtual Status EndPeriodic(const std::string& name, Instant now);

  // Rate limits: a fixed window of `window` per key. AddHit counts one hit (a new window
  // starts when the last one ended) and returns the hits of the current window; Hits returns
  // them without counting (0 when the window has ended).
  virtual Result<int64_t> AddHit(const std::string& key, Instant now,
                                 std::chrono::milliseconds window);
  virtual Result<int64_t> Hits(const std::string& key, Instant now,
                               std::chrono::milliseconds window);

 private:
  struct LocalJobs;  // the defaults' state
  std::unique_ptr<LocalJobs> local_;
};

}  // namespace redress::core
