// Embedded copies of migrations/sqlite/*.sql. Edit the .sql file, then paste it here
// verbatim between the raw-string delimiters (tests/contract/migrations_test.cpp compares
// them byte for byte). Migrations are append-only: never change one that has shipped.
#include "store/sqlite/migrations.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <string>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {
namespace {

// migrations/sqlite/0001_init.sql
constexpr std::string_view kInit0001 =
    R"sql(-- Redress SQLite schema, version 1. Append-only: change the schema in a new numbered file.
-- This file is the readable source; src/store/sqlite/migrations.cpp embeds an identical copy
-- (a contract test compares them). schema_migrations is created by the migration runner.
-- Instants are INTEGER milliseconds since the Unix epoch, UTC.

-- One row per complaint. `doc` is the full record (core::ToStorageJson); the other columns
-- are copies of the fields that lists, filters, scope rules and the scheduler need.
CREATE TABLE complaints (
  id            INTEGER PRIMARY KEY,
  reference     TEXT    NOT NULL UNIQUE,
  prefix        TEXT    NOT NULL,
  year          INTEGER NOT NULL,
  seq           INTEGER NOT NULL,
  state         TEXT    NOT NULL,
  priority      INTEGER NOT NULL,
  category      TEXT    NOT NULL,
  product       TEXT    NOT NULL,
  channel       TEXT    NOT NULL,
  assignee      TEXT    NOT NULL,     -- '' = unassigned
  investigator  TEXT    NOT NULL,
  persons_named TEXT    NOT NULL,     -- ' name1 name2 ' lower-case, or '' (scope exclusion)
  received_at   INTEGER NOT NULL,
  next_due      INTEGER,              -- earliest due of running/paused clocks
  next_clock    INTEGER,              -- next warn/due instant the scheduler must evaluate
  is_open       INTEGER NOT NULL,     -- 0 when closed or withdrawn
  version       INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  doc           TEXT    NOT NULL
) STRICT;

-- Lists are keyset-paginated by (received_at DESC, id DESC); id is the rowid, which every
-- index ends with, so each index below serves one filter in that order.
CREATE INDEX complaints_received     ON complaints (received_at);
CREATE INDEX complaints_state        ON complaints (state, received_at);
CREATE INDEX complaints_category     ON complaints (category, received_at);
CREATE INDEX complaints_priority     ON complaints (priority, received_at);
CREATE INDEX complaints_assignee     ON complaints (assignee, received_at);
CREATE INDEX complaints_investigator ON complaints (investigator, received_at);
CREATE INDEX complaints_due          ON complaints (next_due)   WHERE is_open = 1;
CREATE INDEX complaints_clock        ON complaints (next_clock) WHERE is_open = 1;

-- Per-year reference sequences: `next` is the number the next NextSequence() returns.
CREATE TABLE sequences (
  year INTEGER PRIMARY KEY,
  next INTEGER NOT NULL
) STRICT;

-- The audit trail, a hash chain (core/event.hpp). complaint_id 0: not about a complaint.
CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,
  complaint_id   INTEGER NOT NULL,
  reference      TEXT    NOT NULL,
  at             INTEGER NOT NULL,
  actor          TEXT    NOT NULL,
  action         TEXT    NOT NULL,
  "before"       TEXT    NOT NULL,
  "after"        TEXT    NOT NULL,
  payload_digest TEXT    NOT NULL,
  prev_hash      TEXT    NOT NULL,
  hash           TEXT    NOT NULL
) STRICT;
CREATE INDEX events_complaint ON events (complaint_id, seq);

CREATE TABLE notes (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  at           INTEGER NOT NULL,
  author       TEXT    NOT NULL,
  visibility   TEXT    NOT NULL,     -- 'internal' | 'complainant'
  body         TEXT    NOT NULL
) STRICT;
CREATE INDEX notes_complaint ON notes (complaint_id, id);

CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  sha256       TEXT    NOT NULL,
  content_type TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  filename     TEXT    NOT NULL,
  uploaded_by  TEXT    NOT NULL,
  at           INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_complaint ON attachments (complaint_id, id);

CREATE TABLE users (
  id                   INTEGER PRIMARY KEY,
  username             TEXT    NOT NULL UNIQUE,
  display_name         TEXT    NOT NULL,
  role                 TEXT    NOT NULL,
  password_hash        TEXT    NOT NULL,
  disabled             INTEGER NOT NULL,
  must_change_password INTEGER NOT NULL,
  created_at           INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
  token_hash TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE idempotency (
  caller    TEXT    NOT NULL,
  key       TEXT    NOT NULL,
  body_hash TEXT    NOT NULL,
  status    INTEGER NOT NULL,
  response  TEXT    NOT NULL,
  at        INTEGER NOT NULL,
  PRIMARY KEY (caller, key)
) STRICT, WITHOUT ROWID;

-- Full-text index over each complaint's description and its notes; rowid = complaints.id.
-- A regular (not contentless) FTS5 table: it keeps its own copy of the text, so the store can
-- replace a description or append a note with a plain UPDATE (SQLite 3.40 has no
-- contentless_delete). The store keeps it in sync; there are no triggers.
CREATE VIRTUAL TABLE complaint_text USING fts5 (
  description,
  notes,
  tokenize = 'unicode61 remove_diacritics 2'
);
)sql";

// migrations/sqlite/0002_source_keys.sql
constexpr std::string_view kSourceKeys0002 =
    R"sql(-- Redress SQLite schema, version 2: keys of imported complaints (`redress import`).
-- Append-only, like 0001; src/store/sqlite/migrations.cpp embeds an identical copy.

-- One row per complaint taken over from another system: that system's own key, the complaint
-- it became, and a digest of the source row as last imported, so a second import of the same
-- file finds every row by key and tells unchanged rows from changed ones without reading the
-- complaint.
CREATE TABLE source_keys (
  system       TEXT    NOT NULL,     -- 'cfpb'
  external_id  TEXT    NOT NULL,     -- the source's key, e.g. the CFPB Complaint ID
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  row_hash     TEXT    NOT NULL,     -- hex digest of the source row
  PRIMARY KEY (system, external_id)
) STRICT, WITHOUT ROWID;
)sql";

// migrations/sqlite/0003_state_counts.sql
constexpr std::string_view kStateCounts0003 =
    R"sql(-- Redress SQLite schema, version 3: complaints counted by state, kept by triggers.
-- Append-only, like 0001; src/store/sqlite/migrations.cpp embeds an identical copy.

-- Queue counts (GET /metrics, dashboards) read these few rows instead of scanning an index
-- entry per complaint, which at a million complaints took a tenth of a second. A row's count
-- may reach 0; states never seen have no row.
CREATE TABLE state_counts (
  state TEXT    PRIMARY KEY,
  n     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO state_counts (state, n) SELECT state, count(*) FROM complaints GROUP BY state;

CREATE TRIGGER complaints_count_insert AFTER INSERT ON complaints BEGIN
  INSERT INTO state_counts (state, n) VALUES (new.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER complaints_count_update AFTER UPDATE OF state ON complaints
  WHEN old.state IS NOT new.state BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = old.state;
  INSERT INTO state_counts (state, n) VALUES (new.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER complaints_count_delete AFTER DELETE ON complaints BEGIN
  UPDATE state_counts SET n = n - 1 WHERE state = old.state;
END;
)sql";

constexpr std::array<Migration, 3> kMigrations{{
    {1, "0001_init.sql", kInit0001},
    {2, "0002_source_keys.sql", kSourceKeys0002},
    {3, "0003_state_counts.sql", kStateCounts0003},
}};

constexpr const char* kBootstrap =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, file TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT";

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

core::Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, what);
  return {};
}

// Step a one-shot statement; returns the sqlite result code (SQLITE_ROW/DONE or an error).
int StepOnce(sqlite3* db, const char* sql, int version, std::string_view file, bool* row) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int(st, 1, version);
    if (sqlite3_bind_parameter_count(st) >= 3) {
      sqlite3_bind_text(st, 2, file.data(), static_cast<int>(file.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, NowMillis());
    }
    rc = sqlite3_step(st);
    if (row != nullptr) *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

// Applies `m` unless schema_migrations already has it. The check runs inside the IMMEDIATE
// transaction, so two processes opening one new database cannot both apply it.
core::Status ApplyOne(sqlite3* db, const Migration& m) {
  if (auto s = Exec(db, "BEGIN IMMEDIATE", "begin migration"); !s) return s;
  core::Status s;
  bool applied = false;
  int rc =
      StepOnce(db, "SELECT 1 FROM schema_migrations WHERE version = ?", m.version, {}, &applied);
  if (rc != SQLITE_OK) s = SqliteError(db, rc, "check migration");
  if (s && !applied) {
    // sqlite3_exec needs a NUL-terminated string.
    std::string sql(m.sql);
    s = Exec(db, sql.c_str(), "apply migration");
    if (s) {
      rc =
          StepOnce(db, "INSERT INTO schema_migrations (version, file, applied_at) VALUES (?, ?, ?)",
                   m.version, m.file, nullptr);
      if (rc != SQLITE_OK) s = SqliteError(db, rc, "record migration");
    }
  }
  if (s) s = Exec(db, "COMMIT", "commit migration");
  if (!s) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    core::Error e = s.error();
    e.detail = "migration " + std::string(m.file) + ": " + e.detail;
    e.code = core::Errc::kUnavailable;
    return e;
  }
  return {};
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

core::Result<int> SchemaVersion(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                              &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    // No schema_migrations table: an empty (or foreign) database.
    return 0;
  }
  rc = sqlite3_step(st);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "read schema version");
  return version;
}

core::Status ApplyMigrations(sqlite3* db) {
  if (auto s = Exec(db, kBootstrap, "create schema_migrations"); !s) return s;
  auto current = SchemaVersion(db);
  if (!current) return current.error();
  const int latest = kMigrations.back().version;
  if (*current > latest) {
    return core::MakeError(core::Errc::kUnavailable,
                           "database schema version " + std::to_string(*current) +
                               " is newer than this binary's " + std::to_string(latest));
  }
  for (const Migration& m : kMigrations) {
    if (auto s = ApplyOne(db, m); !s) return s;
  }
  return {};
}

}  // namespace redress::store::sqlite
