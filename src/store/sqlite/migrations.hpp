// Versioned schema migrations for the SQLite store. The SQL of each is compiled into the
// binary from migrations/sqlite/NNNN_name.sql by the build; tests/contract checks that every
// file is there, in order, byte for byte.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct sqlite3;

namespace redress::store::sqlite {

struct Migration {
  int version;
  std::string_view file;  // "0001_init.sql"
  std::string_view sql;
};

// All migrations, ascending by version.
std::span<const Migration> Migrations();

// Told before (`done` false) and after (`done` true) each migration applied to a database that
// had a schema already: an upgrade, which on a large store may take minutes (0016).
using UpgradeProgress = std::function<void(std::string_view file, bool done)>;

// Creates schema_migrations if needed and applies, in order, each migration not yet recorded
// there, each in its own IMMEDIATE transaction. Fails with kUnavailable if the database was
// written by a newer binary (it records a version this binary does not know).
core::Status ApplyMigrations(sqlite3* db, const UpgradeProgress& on_upgrade = {});

// The highest applied version (0 if none), for read-only opens.
core::Result<int> SchemaVersion(sqlite3* db);

// What to tell of a database at schema `version`, not this binary's: `whose` ("the store's",
// "the source's") schema version, this binary's, and how to bring it up to date (older) or
// which binary reads it (newer).
std::string OtherSchemaMessage(std::string_view whose, int version);

}  // namespace redress::store::sqlite
