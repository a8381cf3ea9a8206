#include "store/sqlite/statement.hpp"

#include <mutex>
#include <string>
#include <utility>

namespace redress::store::sqlite {

void ConfigureLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

core::Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string detail = "sqlite: ";
  detail += what;
  detail += ": ";
  detail += sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    // The message names constraints and columns, never bound values.
    detail += " (";
    detail += sqlite3_errmsg(db);
    detail += ")";
  }
  core::Errc code = core::Errc::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = core::Errc::kOverloaded;
      break;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      code = core::Errc::kUnavailable;
      break;
    default:
      break;
  }
  return core::MakeError(code, std::move(detail));
}

core::Result<int64_t> PragmaInt(sqlite3* db, const char* name) {
  const std::string sql = std::string("PRAGMA ") + name;
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  const int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return SqliteError(db, rc, sql);
  return value;
}

bool IsFatal(int rc) {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return true;
    default:
      return false;
  }
}

core::Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, int flags,
                                               const char* vfs) {
  ConfigureLibrary();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    core::Error e = SqliteError(db, rc, "open");
    sqlite3_close_v2(db);
    e.code = core::Errc::kUnavailable;
    return e;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Conn>(new Conn(db));
}

Conn::~Conn() {
  for (sqlite3_stmt* s : cache_) sqlite3_finalize(s);
  for (auto& [key, s] : dynamic_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* Conn::Prepare(const char* sql, int n) {
  sqlite3_stmt* s = nullptr;
  last_rc_ = sqlite3_prepare_v3(db_, sql, n, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (last_rc_ != SQLITE_OK) {
    sqlite3_finalize(s);
    return nullptr;
  }
  return s;
}

core::Result<Stmt> Conn::Cached(int id, const char* sql) {
  if (id >= static_cast<int>(cache_.size())) cache_.resize(static_cast<size_t>(id) + 1, nullptr);
  sqlite3_stmt*& slot = cache_[static_cast<size_t>(id)];
  if (slot == nullptr) {
    slot = Prepare(sql, -1);
    if (slot == nullptr) return SqliteError(db_, last_rc_, "prepare");
  }
  return Stmt(slot);
}

core::Result<Stmt> Conn::PrepareKeyed(uint64_t key, const std::string& sql) {
  sqlite3_stmt* s = Prepare(sql.c_str(), static_cast<int>(sql.size()) + 1);
  if (s == nullptr) return SqliteError(db_, last_rc_, "prepare");
  dynamic_.emplace(key, s);
  return Stmt(s);
}

core::Status Conn::Exec(const char* sql, std::string_view what) {
  last_rc_ = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (last_rc_ != SQLITE_OK) return SqliteError(db_, last_rc_, what);
  return {};
}

}  // namespace redress::store::sqlite
