// Versioned migrations of the SQLite store. Their SQL is compiled in from
// migrations/sqlite/NNNN_name.sql by the build (CMakeLists.txt generates migrations.inc), so
// the files are the only copy. Migrations are append-only: never change one that has shipped.
#include "store/sqlite/migrations.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <set>
#include <string>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {
namespace {

constexpr Migration kMigrations[] = {
#include "store/sqlite/migrations.inc"
};

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
core::Status ApplyInTransaction(sqlite3* db, const Migration& m) {
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
    if (s) {
      bool broken = false;
      rc = StepOnce(db, "PRAGMA foreign_key_check", m.version, {}, &broken);
      if (rc != SQLITE_OK) {
        s = SqliteError(db, rc, "check foreign keys");
      } else if (broken) {
        s = core::MakeError(core::Errc::kInternal, "a row refers to a row the migration removed");
      }
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

// Two pragmas a transaction cannot change are set for the migration and put back after it:
// - foreign keys off, so that a migration may make a table again and drop the old one (0016),
//   and checked before it commits: SQLite's procedure for the changes ALTER TABLE cannot make
//   in place;
// - temporary files on disk, not in memory: a statement of a migration keeps the pages it
//   changes in its statement journal until it ends, and dropping a table overwrites each of
//   its pages with zeros (Debian's SQLite deletes securely), so 0016 at a million complaints
//   held 2.5 GB in memory with temp_store = MEMORY and 77 MB with FILE.
core::Status ApplyOne(sqlite3* db, const Migration& m) {
  auto fk = PragmaInt(db, "foreign_keys");
  if (!fk) return fk.error();
  auto temp = PragmaInt(db, "temp_store");
  if (!temp) return temp.error();
  if (auto s = Exec(db, "PRAGMA foreign_keys = OFF; PRAGMA temp_store = FILE", "migration pragmas");
      !s) {
    return s;
  }
  core::Status s = ApplyInTransaction(db, m);
  const std::string back = "PRAGMA foreign_keys = " + std::to_string(*fk) +
                           "; PRAGMA temp_store = " + std::to_string(*temp);
  if (auto restored = Exec(db, back.c_str(), "migration pragmas"); !restored && s) s = restored;
  return s;
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

std::string OtherSchemaMessage(std::string_view whose, int version) {
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  return std::string(whose) + " schema version is " + std::to_string(version) + ", this binary's " +
         std::to_string(latest) + ": " +
         (version < latest ? "open it once with this binary (for example with `redress user "
                             "list`) to bring it up to date"
                           : "use the binary that wrote it");
}

core::Status ApplyMigrations(sqlite3* db, const UpgradeProgress& on_upgrade) {
  if (auto s = Exec(db, kBootstrap, "create schema_migrations"); !s) return s;
  auto current = SchemaVersion(db);
  if (!current) return current.error();
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  if (*current > latest) {
    return core::MakeError(core::Errc::kUnavailable,
                           "database schema version " + std::to_string(*current) +
                               " is newer than this binary's " + std::to_string(latest));
  }
  // The versions applied already, read without a write lock: a store opening beside a busy
  // writer (another process's import or service) takes the lock only for what is missing.
  std::set<int> applied;
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations", -1, &st, nullptr);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    applied.insert(sqlite3_column_int(st, 0));
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return SqliteError(db, rc, "read applied migrations");
  for (const Migration& m : kMigrations) {
    if (applied.count(m.version) != 0) continue;
    const bool upgrade = *current > 0 && on_upgrade;
    if (upgrade) on_upgrade(m.file, false);
    if (auto s = ApplyOne(db, m); !s) return s;
    if (upgrade) on_upgrade(m.file, true);
  }
  return {};
}

}  // namespace redress::store::sqlite
