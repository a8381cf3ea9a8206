// The copy behind `redress migrate-store`: a SQLite store's database into an empty PostgreSQL
// database (docs/postgresql.md, "Moving an installation from SQLite").
//
//  * The source is opened read-only and read in one read transaction: one snapshot, however
//    long the copy takes and whatever a server still running on it writes meanwhile.
//  * The target is written in one transaction holding the writers' advisory lock
//    (pg::kWriteLock): no node writes while it runs, and a copy that fails leaves the target
//    as it was. Its schema must exist (open a PgStore on it first, which migrates it).
//  * Rows are copied as they are, ids, event sequence numbers and hashes byte for byte, with
//    COPY FROM STDIN in batches of a few MiB. What PostgreSQL derives is filled from the
//    copied rows as its writer would fill it: complaint_text (description and notes, hence the
//    search terms), facts, state_counts and open_due_days. The id sequences and the per-year
//    reference sequences are moved past the copied rows, so new rows and references never collide.
//  * Before COMMIT, every table is counted on the target, and each copied table is read back
//    (COPY TO, in key order) and must hash as what was sent; any difference rolls back.
//  * SQLite's own derived and bookkeeping tables are not copied: the FTS5 index, the facts
//    and their roll-ups (PostgreSQL keeps none), state_counts, open_due_days, sequences, the
//    bulk-load flags and deferred indexes. A source table or column this code does not know is
//    refused, so a new migration cannot be left out of the copy silently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::store::migrate {

struct TableReport {
  std::string table;
  int64_t source_rows = 0;  // rows read; for a derived table, the rows it must have
  int64_t target_rows = 0;  // counted on the target in the copy's transaction
  bool derived = false;     // filled from the copied rows rather than copied
};

struct CopyReport {
  int schema_version = 0;
  std::vector<TableReport> tables;  // in copy order, derived tables last
  int64_t events = 0;               // copied; the last one is the chain head
  int64_t head_seq = 0;
  std::string head_hash;
  // Year -> the last reference number the target's sequence for that year has handed out.
  std::map<int64_t, int64_t> references;
};

struct CopyHooks {
  // Each source event, in sequence order, before it is sent. An error stops the copy (rolled
  // back) and is Copy()'s error.
  std::function<core::Status(const core::Event&)> on_event;
  // Each attachment row, before it is sent; an error stops the copy likewise.
  std::function<core::Status(const core::Attachment&)> on_attachment;
  // What the copy is doing, after each batch ("events: 120000 rows"), for a progress line.
  std::function<void(std::string_view what)> on_progress;
};

class SqliteToPostgres {
 public:
  // Opens the SQLite database at `sqlite_path` read-only and connects to `pg_url`. Changes
  // nothing. Fails with kNotFound if the source is not a Redress database, kInvalid if its
  // schema version is not this binary's or the target's is newer, kConflict if the target
  // already holds rows, kUnavailable if either cannot be opened.
  static core::Result<std::unique_ptr<SqliteToPostgres>> Open(const std::string& sqlite_path,
                                                              const std::string& pg_url);
  ~SqliteToPostgres();
  SqliteToPostgres(const SqliteToPostgres&) = delete;
  SqliteToPostgres& operator=(const SqliteToPostgres&) = delete;

  int schema_version() const { return schema_version_; }

  // Copies and verifies, in one target transaction (see above); once. kConflict if the target
  // holds rows by now; kInternal if a verification failed.
  core::Result<CopyReport> Copy(const CopyHooks& hooks);

 private:
  struct State;
  explicit SqliteToPostgres(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  int schema_version_ = 0;
};

}  // namespace redress::store::migrate
