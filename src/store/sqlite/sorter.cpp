#include "store/sqlite/sorter.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <thread>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {

namespace {

// The integer value of `PRAGMA name`, if it has one.
bool PragmaInt(sqlite3* db, const char* name, int64_t& out) {
  const std::string sql = std::string("PRAGMA ") + name;
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW;
}

}  // namespace

SorterSettings::SorterSettings(Conn& c) : c_(&c) {
  read_ = PragmaInt(c.db(), "threads", threads_) && PragmaInt(c.db(), "temp_store", temp_store_) &&
          PragmaInt(c.db(), "cache_size", cache_size_);
  if (!read_) return;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // temp_store first: the one SQLite may refuse, before anything has changed.
  const std::string sql =
      "PRAGMA temp_store = FILE; PRAGMA threads = " + std::to_string(std::min(cores, 8u)) +
      "; PRAGMA cache_size = -2048";
  active_ = static_cast<bool>(c.Exec(sql.c_str(), "index build settings"));
}

core::Status SorterSettings::Restore(core::Status built) {
  if (!read_) return built;
  read_ = false;
  active_ = false;
  // Setting temp_store to the value in force always succeeds.
  const std::string sql = "PRAGMA temp_store = " + std::to_string(temp_store_) +
                          "; PRAGMA threads = " + std::to_string(threads_) +
                          "; PRAGMA cache_size = " + std::to_string(cache_size_);
  core::Status back = c_->Exec(sql.c_str(), "index build settings");
  if (!built) return built;
  return back;
}

}  // namespace redress::store::sqlite
