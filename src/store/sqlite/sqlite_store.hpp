// The SQLite adapter of core::Store (contract in core/ports/store.hpp; conventions §4).
//
//  * One database file in WAL mode, synchronous=FULL, foreign_keys=ON, busy_timeout=5000,
//    all set explicitly at open; migrations (migrations.hpp) are applied at open.
//  * Writes: one writer thread owns the only read-write connection. It takes everything
//    queued (at most max_batch), runs BEGIN IMMEDIATE, each TxFn inside its own SAVEPOINT
//    (ROLLBACK TO + RELEASE when the fn fails, restoring the in-memory head of the event
//    chain), one COMMIT, and then calls each `done`, in queue order, with its own result.
//    A full queue fails a Write() at once with kOverloaded. A failed COMMIT (or an I/O,
//    full-disk or corruption error inside a batch) poisons the store: Healthy() turns false
//    and every later Write() fails with kUnavailable, until the process reopens the file.
//    The writer's connection runs on the WAL write-combining VFS (wal_vfs.hpp): a commit's
//    frames reach the WAL in one write, at the commit's sync.
//  * Reads: a pool of `readers` read-only connections, checked out per call; each call is one
//    statement (one implicit read transaction), so it sees one snapshot. ScanEvents holds its
//    connection while it calls `fn`.
//  * Every statement is prepared once per connection (SQLITE_PREPARE_PERSISTENT) and reused;
//    list queries are built from the filters present and cached per filter combination.
//  * Full text: the FTS5 table complaint_text (rowid = complaint id) holds the description and
//    the notes, kept in sync by InsertComplaint/UpdateComplaint/InsertNote.
// The destructor drains the queue (every queued Write() completes), then closes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/ports/store.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_pack.hpp"
#include "store/sqlite/wal_vfs.hpp"
#include "store/write_queue.hpp"
#include "util/versioned_cache.hpp"

namespace redress::store {

namespace sqlite {
class Conn;
class Stmt;
}  // namespace sqlite
}  // namespace redress::store

struct sqlite3;

namespace redress::store {

class SqliteStore final : public core::Store {
 public:
  struct Options {
    int readers = 4;
    size_t max_queue = 4096;
    int max_batch = 256;
    // Bytes of the database file the writer reads through a memory map instead of read(2)
    // (PRAGMA mmap_size; SQLite caps it, at 2 GB as Debian builds it). 0: none. A bulk load
    // sets it: its B-tree lookups then cost no copy (300,000 CFPB rows: 6,910 -> 8,713 rows/s).
    // An I/O error while reading the map is a signal, not an error code.
    int64_t writer_mmap_bytes = 0;
    // For a bulk loader (`redress import`): if no other connection has the database open, the
    // writer keeps a rollback journal (TRUNCATE) instead of the WAL while this store is open,
    // so each new page is written once, into the database file, instead of to the WAL and
    // again by a checkpoint (docs/performance.md). Every other Open() asks for WAL mode: a
    // process that opens the store meanwhile (`redress serve`) creates `<db>.wal-wanted`, and
    // this store's writer returns to WAL mode after its current batch (its other connections
    // follow); when this store closes it does the same. With another connection open at the
    // start, nothing changes.
    bool load_without_wal = false;
    // With load_without_wal, when the database file does not exist yet (the first import into
    // a new store): the writer's commits are not flushed to the disk (PRAGMA synchronous = OFF)
    // until the store returns to WAL mode, when the file is flushed once. A process that dies
    // meanwhile loses nothing it committed (the kernel holds its writes); a machine that stops
    // meanwhile may leave the file damaged, and the mark `<db>.unsynced-load` (the boot's id)
    // makes every later opening refuse the store, with how to start again. Nothing else was in
    // it, and the import puts everything back.
    bool skip_syncs_if_new = false;
    // The writer's commits flushed to the disk by a thread beside it, the writer going on to
    // its next batch meanwhile; each write is still told done only once its commit is on the
    // disk. False: the writer flushes each commit itself (tests compare the two).
    bool flush_beside_writer = true;
    // Tests: called on the syncer thread before each flush (it may block to hold flushes off).
    std::function<void()> before_flush;
    // Told before and after each migration an older store needs.
    sqlite::UpgradeProgress on_upgrade;
  };

  // Opens (creating if needed) and migrates the database at `path`, then starts the writer.
  static core::Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, Options options);
  // Which schema a read-only open accepts: any Redress schema (`audit verify`, `backup`, which
  // read what every version has), or only this binary's (commands that read complaints, whose
  // queries follow the latest migrations; an older store is refused, kInvalid, with how to
  // bring it up to date).
  enum class Schema { kAny, kCurrent };
  // Opens an existing database for reading only (e.g. `audit verify`, or a copy made by
  // Backup): no migrations, no writer thread; every Write() fails with kUnavailable.
  static core::Result<std::unique_ptr<SqliteStore>> OpenReadOnly(const std::string& path,
                                                                 int readers = 1,
                                                                 Schema schema = Schema::kAny);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Options::skip_syncs_if_new in force: the writer's commits are not flushed to the disk yet.
  bool SkipsSyncs() const { return unsynced_fd_.load() >= 0; }

  void Write(TxFn fn, Done done) override;
  void WriteRerunnable(TxFn fn, Done done) override;
  // Packs `record` (record_pack.hpp) once the store has a dictionary; until then returns it.
  std::string PackRecord(std::string record) const override;
  bool Healthy() const override;
  bool AllDurable() const override;
  void WhenDurable(std::function<void()> then) override;
  std::optional<core::WriterStats> WriterStatistics() const override;
  // Each batch's changed complaints after its commit; another process's commits, found by the
  // writer connection's data_version before each batch and every 10 ms while idle, as `all`.
  bool SetChangeListener(ChangeListener fn) override;

  core::Result<std::optional<core::Complaint>> GetComplaint(const core::Reference& ref) override;
  core::Result<core::ListPage> ListComplaints(const core::ListQuery& q) override;
  // Writes each row's text as it steps over it: no ComplaintSummary is built.
  core::Status WriteComplaintsPage(const core::ListQuery& q, std::string& out) override;
  core::Result<std::vector<core::Event>> EventsOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Note>> NotesOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Attachment>> AttachmentsOf(int64_t complaint_id) override;
  // The four reads in one read transaction on one connection: one snapshot, and one WAL
  // read lock taken and released instead of four.
  core::Result<std::optional<core::ComplaintFile>> GetComplaintFile(
      const core::Reference& ref) override;
  core::Result<std::optional<core::Attachment>> GetAttachment(int64_t complaint_id,
                                                              int64_t attachment_id) override;

  core::Result<std::optional<core::User>> FindUser(const std::string& username) override;
  core::Result<std::optional<core::User>> GetUser(int64_t id) override;
  core::Result<std::vector<core::User>> ListUsers() override;
  core::Result<std::optional<core::Session>> FindSession(const std::string& token_hash) override;

  core::Result<std::map<core::State, int64_t>> CountByState() override;
  core::Result<int64_t> CountOverdue(core::Instant now) override;
  core::Result<int64_t> CountComplaints() override;
  core::Result<std::vector<core::SavedView>> ViewsOf(int64_t user_id) override;
  core::Result<core::DashboardCounts> Dashboard(const core::DashboardQuery& q) override;
  using core::Store::Facts;
  core::Result<std::vector<std::pair<int64_t, std::string>>> ClosedIn(core::Instant from,
                                                                      core::Instant to) override;
  core::Result<std::optional<core::Record>> GetRecord(core::RecordKind kind, int64_t id) override;
  core::Result<std::vector<core::Record>> ListRecords(core::RecordKind kind) override;
  core::Result<std::vector<core::Record>> RecordsLinkedTo(core::RecordKind kind,
                                                          int64_t complaint_id) override;
  core::Result<std::vector<std::vector<core::FactRow>>> Facts(
      const std::vector<core::FactQuery>& qs) override;
  core::Result<std::vector<core::Notification>> DueNotifications(core::Instant now,
                                                                 int limit) override;
  core::Result<std::vector<core::Notification>> NotificationsOf(int64_t complaint_id) override;
  core::Result<std::optional<core::Notification>> GetNotification(int64_t id) override;
  core::Result<std::vector<core::Reference>> DueForClockCheck(core::Instant now,
                                                              int limit) override;
  core::Status ScanEvents(int64_t from_seq,
                          const std::function<bool(const core::Event&)>& fn) override;

  // `dest` is a file path that must not exist yet; the copy is one consistent snapshot.
  core::Status Backup(const std::string& dest) override;

  core::Status ScanComplaints(int64_t after_id,
                              const std::function<bool(const core::Complaint&)>& fn) override;

  // Beyond the port: PRAGMA integrity_check on a read connection (kInternal with the first
  // problems in the detail when it is not "ok").
  core::Status IntegrityCheck();

  // Beyond the port: a bulk load (`redress import` of many rows). Until EndBulkLoad, the
  // roll-ups' differences are summed in memory across batches instead of written with each, and
  // with `defer_indexes` most secondary indexes of the complaints, their events and their facts
  // are dropped, to be built again in one pass each (those whose upkeep costs less than a pass
  // over their table are kept). EndBulkLoad writes the sums and builds the indexes. If the
  // process dies first, the next Open() of the store by another process finds what is left
  // undone (migration 0010) and does it: it rebuilds the roll-ups from the facts and builds the
  // indexes. While a bulk load runs, other processes' dashboards lag it, and with
  // `defer_indexes` their queries scan; both run through Write(), in order with other writes.
  core::Status BeginBulkLoad(bool defer_indexes);
  // A step of EndBulkLoad: the roll-ups written, or the index-th of `of` deferred indexes
  // (named `name`) about to be built.
  struct BulkLoadStep {
    enum Kind { kRollups, kIndex } kind;
    int index;
    int of;
    std::string name;
  };
  // Called on the writer thread, before each step, while EndBulkLoad waits for them.
  using BulkLoadProgress = std::function<void(const BulkLoadStep&)>;
  core::Status EndBulkLoad(const BulkLoadProgress& on_step = {});

  // Beyond the port: packs what was written plain (`redress pack`): records and receipts (event
  // payloads of core::kPackedPayloadBytes or more) written before migrations 0020 and 0021, or
  // before the store had a dictionary, in writes queued like any other (beside a running
  // service), each over `rows` ids of records or sequence numbers of events. Makes the
  // dictionary first when the store has none and enough records.
  // A row is kept plain unless its packed form unpacks to the same text with the row's
  // reference. The file keeps its size: the pages freed take later writes.
  struct PackCounts {
    bool dictionary = false;  // false: fewer than sqlite::kDictRecords records, none packed
    int64_t records = 0;
    int64_t payloads = 0;
    int64_t kept_plain = 0;  // rows that would not unpack to their text
    int64_t bytes_before = 0;
    int64_t bytes_after = 0;
  };
  core::Result<PackCounts> PackPlain(int rows,
                                     const std::function<void(const PackCounts&)>& progress = {});
  // Beyond the port: VACUUM of the store at `path` on a connection of its own, which rewrites
  // the file without the space freed in it (by PackPlain: rows shrunk in place leave their
  // pages part empty, and the tables they sit in grow only at their end). Needs the store to
  // itself (a running service's writes would wait, then fail) and free disk of the file's size.
  static core::Status Vacuum(const std::string& path);

  class Tx;  // the StoreTx on the writer connection (sqlite_store.cpp)

 private:
  using Item = WriteQueue::Item;
  class ReaderLease;

  SqliteStore() = default;
  core::Status OpenReaders(const std::string& path, int readers);
  core::Status LoadChainHead();
  core::Status RebuildFactsIfBehind();
  // What a bulk load that did not end left undone (see BeginBulkLoad), unless another process's
  // bulk load is still running.
  core::Status FinishBulkLoadLeftUndone();
  core::Result<std::vector<core::Record>> ReadRecords(int stmt, core::RecordKind kind,
                                                      std::optional<int64_t> arg);
  void WriterLoop();
  // Options::load_without_wal: back to WAL mode, on the writer thread or when closing.
  void ReturnToWal();
  // Copies WAL pages into the database on its own thread and connection, so the writer never
  // pays for a checkpoint (or its fsync of the database file) inside a commit.
  void CheckpointLoop();
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages);
  void Queue(TxFn fn, Done done, bool rerunnable);
  void RunBatch(std::vector<Item>& batch, std::vector<core::Status>& results);
  void Poison();
  void Notify(const std::vector<int64_t>& complaint_ids, bool all);
  // On the writer: reports `all` to the listener if another process committed since the last
  // look.
  void NoticeOtherWriters();
  ReaderLease Reader();
  // The rows of a list page, each handed to `on_row` (its text valid during the call), in
  // order; returns the next page's cursor, "" when none follows.
  using RowSink = std::function<void(const core::ComplaintSummaryView&)>;
  core::Result<std::string> ListRows(const core::ListQuery& q, const RowSink& on_row);
  // The reads of GetComplaint, EventsOf, NotesOf and AttachmentsOf on a connection.
  core::Result<std::optional<core::Complaint>> ComplaintOn(sqlite::Conn& c,
                                                           const core::Reference& ref);
  // The same without a copy: the decoded record, shared with the cache (null: none).
  core::Result<std::shared_ptr<const core::Complaint>> SharedComplaintOn(
      sqlite::Conn& c, const core::Reference& ref);
  core::Result<std::vector<core::Event>> EventsOn(sqlite::Conn& c, int64_t complaint_id) const;
  static core::Result<std::vector<core::Note>> NotesOn(sqlite::Conn& c, int64_t complaint_id);
  static core::Result<std::vector<core::Attachment>> AttachmentsOn(sqlite::Conn& c,
                                                                   int64_t complaint_id);

  std::string path_;
  int bulk_lock_fd_ = -1;  // held (flock) by a process while its bulk load runs

  // The writer's WAL syncs, timed by its VFS (declared before writer_, which writes into it).
  core::SharedDurationHistogram wal_flushes_;
  // The writer's commits flushed to the disk beside it (declared before writer_, whose VFS
  // points at it): the syncer thread flushes the WAL while the writer runs the next batch,
  // and answers a batch's writes once a flush covers its commit.
  sqlite::DeferredWal deferred_;
  bool deferring_ = false;              // set by Open before the threads start
  std::function<void()> before_flush_;  // Options::before_flush
  struct Unflushed {
    uint64_t upto;  // deferred_.written after the batch's commit
    std::vector<WriteQueue::Item> batch;
    std::vector<core::Status> results;
  };
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::condition_variable flushed_cv_;
  std::deque<Unflushed> unflushed_;  // GUARDED_BY(sync_mu_), oldest first
  // WhenDurable()'s callers: deferred_.written when they asked, and what to call.
  std::vector<std::pair<uint64_t, std::function<void()>>> durable_waiters_;  // GUARDED_BY(sync_mu_)
  bool sync_stop_ = false;                                                   // GUARDED_BY(sync_mu_)
  std::thread sync_thread_;
  // The writer's hand-over of a batch that ran (WriteQueue::Deliver), and the syncer's loop.
  void Deliver(std::vector<WriteQueue::Item>&& batch, std::vector<core::Status>&& results);
  void SyncLoop();
  bool flushes_timed_ = false;                        // set by Open before the threads start
  core::SharedDurationHistogram checkpoints_;         // the checkpointer's
  core::SharedDurationHistogram writer_checkpoints_;  // the writer's own
  // Runs a checkpoint of `mode` on `c` and times it into `into`.
  static void TimedCheckpoint(sqlite::Conn& c, int mode, core::SharedDurationHistogram& into);
  // Writer side: touched only by the writer thread after Open().
  std::unique_ptr<sqlite::Conn> writer_;
  std::unique_ptr<Tx> tx_;
  int writer_wal_pages_ = 0;  // WAL size after the writer's last commit (set by OnWalCommit)
  // Set by a command: after its batch commits, the writer copies the whole WAL into the
  // database file and empties it (EndBulkLoad, before it builds the deferred indexes).
  bool empty_wal_after_batch_ = false;
  bool rollback_journal_ = false;    // without a WAL now (Options::load_without_wal); writer only
  bool opened_without_wal_ = false;  // set by Open before the threads start; read-only after
  // Options::skip_syncs_if_new in force while it holds the database file (opened by Open; the
  // writer starts each batch's writeback through it, and closes it in ReturnToWal). -1: not.
  std::atomic<int> unsynced_fd_{-1};
  int64_t data_version_ = -1;  // the writer connection's PRAGMA data_version when last read
                               // while listened to (-1: not yet)

  std::mutex listener_mu_;
  ChangeListener listener_;             // GUARDED_BY(listener_mu_)
  std::atomic<bool> listening_{false};  // listener_ is set

  std::unique_ptr<WriteQueue> queue_;  // none when opened read-only
  bool read_only_ = false;
  std::atomic<bool> poisoned_{false};
  std::thread thread_;

  // Checkpointer.
  std::unique_ptr<sqlite::Conn> checkpointer_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  int wal_pages_ = 0;  // GUARDED_BY(ckpt_mu_): WAL size after the last commit (checkpointer)

  bool ckpt_stop_ = false;  // GUARDED_BY(ckpt_mu_)
  std::thread ckpt_thread_;

  // Packed records (migration 0020, record_pack.hpp). The dictionaries, by id, for unpacking
  // (every connection's redress_record() function reads through them), and the one new
  // records are packed with: the newest in the store when it opened, or the one the writer
  // made once kDictRecords plain records were in the store (MaybeMakeDict), published only
  // after its commit, so no record packed with it can commit before it.
  mutable sqlite::PackDicts dicts_;
  mutable std::mutex packing_mu_;
  std::shared_ptr<const sqlite::PackDict> packing_;  // GUARDED_BY(packing_mu_); null: none yet
  std::shared_ptr<const sqlite::PackDict> PackingDict() const;
  // The complaint of a row read on `db` whose first columns are c.id, c.version, d.doc and
  // d.packed (complaint_docs), its record unpacked when it is packed; `reference` is the
  // complaint's (a packed record leaves it out).
  core::Result<std::optional<core::Complaint>> ParseStoredRow(sqlite3* db, const sqlite::Stmt& st,
                                                              std::string_view reference) const;
  // The event of a row of REDRESS_EVENT_COLS read on `db`, its `after` unpacked when packed.
  core::Result<core::Event> ReadEvent(sqlite3* db, const sqlite::Stmt& st) const;
  // Writer side: the newest dictionary taken at Open; then, after a batch that wrote plain
  // records while there was none, a dictionary made of them once there are enough.
  core::Status LoadPackingDict();
  void MaybeMakeDict();
  // On the writer: whether the store holds sqlite::kDictRecords plain records.
  core::Result<bool> EnoughForDict();
  // On the writer, in a write: a dictionary of the newest plain records, written to
  // record_dicts. Published (PublishDict) once that write has committed.
  core::Result<std::shared_ptr<const sqlite::PackDict>> WriteDict();
  void PublishDict(std::shared_ptr<const sqlite::PackDict> dict);
  bool dict_asked_ = false;    // a dictionary exists or was asked for (writer only)
  int64_t plain_written_ = 0;  // plain records written since the last look (writer only)

  // Complaints as last decoded by a reader, by id, each valid for its version: a get of an
  // unchanged complaint copies the record instead of parsing its JSON again. Readers only see
  // committed rows, and every change of a complaint raises its version, so an entry is never
  // stale; the writer neither reads nor fills it (it sees its batch's uncommitted rows).
  util::VersionedCache<core::Complaint> decoded_{4096};

  // Readers.
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<sqlite::Conn>> readers_;
  std::vector<sqlite::Conn*> free_readers_;  // GUARDED_BY(readers_mu_)
};

}  // namespace redress::store
