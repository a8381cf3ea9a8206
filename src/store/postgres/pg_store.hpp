// The PostgreSQL adapter of core::Store (contract in core/ports/store.hpp; conventions §4),
// over libpq (pg_conn.hpp: pipeline mode, named prepared statements, binary parameters).
//
//  * Open applies the migrations (migrations.hpp) in one transaction under an advisory lock,
//    so nodes starting together do not race.
//  * Writes: one writer thread owns the write connection (synchronous_commit = on). It takes
//    everything queued (at most max_batch) and runs one transaction: BEGIN, the advisory write
//    lock (every node's writer takes it, so event appends and reference reservations are
//    serialised across nodes) and the chain head, in one round trip; then each TxFn inside its
//    own SAVEPOINT (ROLLBACK TO when it fails, restoring the head of the event chain); one
//    COMMIT; then each `done`, in queue order, with its own result. Statements whose result a
//    TxFn does not need (events, state counts, facts, text) are pipelined and travel with the
//    next statement that needs an answer, or with the RELEASE of the savepoint. A full queue
//    fails a Write() at once with kOverloaded. A COMMIT that fails or whose outcome is unknown
//    (the connection dropped) poisons the store: Healthy() turns false and every later Write()
//    fails with kUnavailable. A connection lost before COMMIT fails that batch only; the next
//    batch connects again.
//  * Reads: a pool of connections (from the core count, bounded), checked out per call; a
//    read of several statements runs in one REPEATABLE READ READ ONLY transaction, so it sees
//    one snapshot. ScanEvents and ScanComplaints read in keyset pages inside one.
//  * Full text: complaint_text holds each complaint's description and notes; its tsvector
//    column (a GIN index), written by the node (TsVectorText), holds their terms as SearchTerms
//    makes them, and a query is the conjunction of its terms.
//  * Analytics (Facts) are computed from the facts table; the SQLite store's roll-ups have no
//    counterpart here yet. Backup is not supported (use PostgreSQL's own tools).
// The destructor drains the queue (every queued Write() completes), then closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/ports/store.hpp"
#include "store/write_queue.hpp"

namespace redress::store {

namespace pg {
class Conn;
}

// Whether `location` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view location);

class PgStore final : public core::Store {
 public:
  struct Options {
    int readers = 0;  // 0: twice the core count, between 2 and 16
    size_t max_queue = 4096;
    int max_batch = 256;
    // A streaming-replication standby of the same database (a libpq URL), or empty. Reads that
    // may be a little stale (lists, dashboards, analytics, audit samples) go to it, and to the
    // primary while it cannot be reached.
    std::string standby_url = {};
  };

  // Connects to `url` (postgresql://user@host:port/db), migrates, and starts the writer.
  static core::Result<std::unique_ptr<PgStore>> Open(const std::string& url, Options options);

  ~PgStore() override;
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  void Write(TxFn fn, Done done) override;
  void WriteRerunnable(TxFn fn, Done done) override;
  bool Healthy() const override;
  std::optional<core::WriterStats> WriterStatistics() const override;

  core::Result<std::optional<core::Complaint>> GetComplaint(const core::Reference& ref) override;
  core::Result<std::optional<core::ComplaintFile>> GetComplaintFile(
      const core::Reference& ref) override;
  core::Result<core::ListPage> ListComplaints(const core::ListQuery& q) override;
  core::Result<std::vector<core::Event>> EventsOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Note>> NotesOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Attachment>> AttachmentsOf(int64_t complaint_id) override;
  core::Result<std::optional<core::Attachment>> GetAttachment(int64_t complaint_id,
                                                              int64_t attachment_id) override;

  core::Result<std::optional<core::User>> FindUser(const std::string& username) override;
  core::Result<std::optional<core::User>> GetUser(int64_t id) override;
  core::Result<std::vector<core::User>> ListUsers() override;
  core::Result<std::optional<core::Session>> FindSession(const std::string& token_hash) override;
  core::Result<std::vector<core::SavedView>> ViewsOf(int64_t user_id) override;

  core::Result<std::map<core::State, int64_t>> CountByState() override;
  core::Result<int64_t> CountOverdue(core::Instant now) override;
  core::Result<int64_t> CountComplaints() override;
  core::Result<core::DashboardCounts> Dashboard(const core::DashboardQuery& q) override;
  using core::Store::Facts;
  core::Result<std::vector<std::vector<core::FactRow>>> Facts(
      const std::vector<core::FactQuery>& qs) override;
  core::Result<std::vector<std::pair<int64_t, std::string>>> ClosedIn(core::Instant from,
                                                                      core::Instant to) override;

  core::Result<std::optional<core::Record>> GetRecord(core::RecordKind kind, int64_t id) override;
  core::Result<std::vector<core::Record>> ListRecords(core::RecordKind kind) override;
  core::Result<std::vector<core::Record>> RecordsLinkedTo(core::RecordKind kind,
                                                          int64_t complaint_id) override;

  core::Result<std::vector<core::Notification>> DueNotifications(core::Instant now,
                                                                 int limit) override;
  core::Result<std::vector<core::Notification>> NotificationsOf(int64_t complaint_id) override;
  core::Result<std::optional<core::Notification>> GetNotification(int64_t id) override;
  core::Result<std::vector<core::Reference>> DueForClockCheck(core::Instant now,
                                                              int limit) override;
  core::Status ScanEvents(int64_t from_seq,
                          const std::function<bool(const core::Event&)>& fn) override;
  // Not supported: kInvalid (back up with pg_dump or pg_basebackup).
  core::Status Backup(const std::string& dest) override;
  core::Status ScanComplaints(int64_t after_id,
                              const std::function<bool(const core::Complaint&)>& fn) override;

  core::Result<std::vector<core::Reference>> ClaimClockChecks(core::Instant now, int limit,
                                                              const core::Claim& claim) override;
  core::Result<std::vector<core::Notification>> ClaimNotifications(
      core::Instant now, int limit, const core::Claim& claim) override;
  core::Result<bool> ClaimPeriodic(const std::string& name, core::Instant now,
                                   std::chrono::milliseconds every,
                                   const core::Claim& claim) override;
  core::Status EndPeriodic(const std::string& name, core::Instant now) override;
  core::Result<int64_t> AddHit(const std::string& key, core::Instant now,
                               std::chrono::milliseconds window) override;
  core::Result<int64_t> Hits(const std::string& key, core::Instant now,
                             std::chrono::milliseconds window) override;

  class Tx;  // the StoreTx on the writer connection (pg_store.cpp)

 private:
  using Item = WriteQueue::Item;
  class Pool;
  // A connection checked out of a Pool, given back when the lease ends.
  class Lease {
   public:
    Lease(Pool* pool, size_t index) : pool_(pool), index_(index) {}
    Lease(Lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), index_(o.index_) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pg::Conn& operator*() const;
    pg::Conn* operator->() const;

   private:
    Pool* pool_;
    size_t index_;
  };

  PgStore() = default;
  void Enqueue(TxFn fn, Done done, bool rerunnable);
  void WriterLoop();
  void RunBatch(std::vector<Item>& batch, std::vector<core::Status>& results);
  core::Status ConnectWriter();
  // Creates the reference sequence of `year` unless it exists, on a connection of its own.
  core::Status EnsureYear(int year);
  Lease Reader();  // the primary
  // Runs `read` on a connection to the standby if there is one, and again on the primary when
  // the standby cannot be reached.
  template <typename F>
  auto ReadStale(F read) -> std::invoke_result_t<F, Lease&>;
  core::Result<std::vector<core::Record>> ReadRecords(const char* name, const char* sql,
                                                      core::RecordKind kind,
                                                      std::optional<int64_t> arg);

  std::string url_;

  // Writer side: touched only by the writer thread after Open().
  std::unique_ptr<pg::Conn> writer_;
  std::unique_ptr<Tx> tx_;

  std::unique_ptr<WriteQueue> queue_;  // none when opened read-only
  std::atomic<bool> poisoned_{false};
  std::thread thread_;

  std::unique_ptr<Pool> readers_;  // the primary, read-only
  std::unique_ptr<Pool> standby_;  // the standby, read-only; none without one
  std::unique_ptr<Pool> jobs_;     // the primary, read-write: claims and rate limits
  std::atomic<uint64_t> hits_since_sweep_{0};
};

}  // namespace redress::store
