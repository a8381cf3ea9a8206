// Versioned schema migrations for the PostgreSQL store. The SQL of each is compiled into the
// binary from migrations/postgresql/NNNN_name.sql by the build; versions follow the SQLite
// store's (migrations/sqlite), so one number names one schema on both.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace redress::store::pg {

struct Migration {
  int version;
  std::string_view file;  // "0001_init.sql"
  std::string_view sql;
};

// All migrations, ascending by version.
std::span<const Migration> Migrations();

// Transaction-scoped advisory lock keys ("REDRESS" and a number): one serialises migrations
// of nodes starting together, one the writers of every node (the event chain, references).
inline constexpr int64_t kMigrationLock = 0x5245445245535301;
inline constexpr int64_t kWriteLock = 0x5245445245535302;

// On a connection not in pipeline mode: in one transaction holding kMigrationLock, creates
// schema_migrations if needed and applies, in order, each migration not recorded there. Fails
// with kUnavailable if the database was written by a newer binary.
core::Status ApplyMigrations(PGconn* c);

}  // namespace redress::store::pg
