// Versioned migrations of the PostgreSQL store, compiled in from migrations/postgresql by the
// build (CMakeLists.txt generates migrations.inc). Append-only: never change one that shipped.
#include "store/postgres/migrations.hpp"

#include <chrono>
#include <string>

namespace redress::store::pg {
namespace {

constexpr Migration kMigrations[] = {
#include "store/postgres/migrations.inc"
};

core::Error Unavailable(std::string detail) {
  return core::MakeError(core::Errc::kUnavailable, std::move(detail));
}

// Runs `sql` (one or more statements, no parameters); the first row's first column in *out.
core::Status Exec(PGconn* c, const std::string& sql, std::string_view what,
                  std::string* out = nullptr) {
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  core::Status s;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    s = Unavailable("postgresql: " + std::string(what) + ": " +
                    (msg != nullptr ? msg : PQerrorMessage(c)));
  } else if (out != nullptr && PQntuples(r) > 0) {
    *out = PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  return s;
}

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

core::Status ApplyAll(PGconn* c) {
  if (auto s = Exec(c, "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")",
                    "lock migrations");
      !s) {
    return s;
  }
  if (auto s = Exec(c,
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, "
                    "file text NOT NULL, applied_at bigint NOT NULL)",
                    "create schema_migrations");
      !s) {
    return s;
  }
  std::string current_text;
  if (auto s = Exec(c, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                    "read schema version", &current_text);
      !s) {
    return s;
  }
  const int current = std::stoi(current_text.empty() ? "0" : current_text);
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  if (current > latest) {
    return Unavailable("database schema version " + std::to_string(current) +
                       " is newer than this binary's " + std::to_string(latest));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    if (auto s = Exec(c, std::string(m.sql), "migration " + std::string(m.file)); !s) return s;
    // The file name is ours; the values are digits: no quoting concerns.
    if (auto s = Exec(c,
                      "INSERT INTO schema_migrations (version, file, applied_at) VALUES (" +
                          std::to_string(m.version) + ", '" + std::string(m.file) + "', " +
                          std::to_string(NowMillis()) + ")",
                      "record migration");
        !s) {
      return s;
    }
  }
  return {};
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

core::Status ApplyMigrations(PGconn* c) {
  if (auto s = Exec(c, "BEGIN", "begin migrations"); !s) return s;
  core::Status s = ApplyAll(c);
  if (s) s = Exec(c, "COMMIT", "commit migrations");
  if (!s) (void)Exec(c, "ROLLBACK", "roll back migrations");
  return s;
}

}  // namespace redress::store::pg
