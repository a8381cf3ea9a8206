#include "store/sqlite/sorter.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {

SorterSettings::SorterSettings(Conn& c) : c_(&c) {
  auto threads = PragmaInt(c.db(), "threads");
  auto temp_store = PragmaInt(c.db(), "temp_store");
  auto cache_size = PragmaInt(c.db(), "cache_size");
  read_ = threads && temp_store && cache_size;
  if (!read_) return;
  threads_ = *threads;
  temp_store_ = *temp_store;
  cache_size_ = *cache_size;
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
