// The sorter's settings while a connection builds an index (docs/performance.md, the import).
//
//  * SQLite sorts an index's keys on helper threads (PRAGMA threads) only when its sorted runs
//    go to temporary files: with temp_store = MEMORY, the writer's setting, it sorts on the
//    building thread alone.
//  * It sorts runs of cache_size bytes: 2 MiB runs, each sorted by a helper while the building
//    thread reads on through the table, then merged, instead of 64 MiB ones (the writer's cache).
// The eleven indexes an import of 1,000,000 CFPB rows defers, built again in the sqlite3 shell
// on its store, alternating: 16.9-22.3 s and 211 MB with the writer's settings, 8.8-10.4 s and
// 13 MB with these. The temporary files, at most the largest index's keys, go where SQLite
// puts them (SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp) and are unlinked when opened.
#pragma once

#include <cstdint>

#include "core/result.hpp"

namespace redress::store::sqlite {

class Conn;

class SorterSettings {
 public:
  // Sets them on `c`. When SQLite refuses (temp_store cannot change inside a transaction that
  // opened the temporary database), they stay as they were, and an index build still runs.
  explicit SorterSettings(Conn& c);
  SorterSettings(const SorterSettings&) = delete;
  SorterSettings& operator=(const SorterSettings&) = delete;
  ~SorterSettings() { (void)Restore({}); }

  // Whether they are in force.
  bool active() const { return active_; }
  // Puts the connection's own settings back; returns `built`, or the error of putting them back
  // when `built` is ok. Once.
  core::Status Restore(core::Status built);

 private:
  Conn* c_;
  bool read_ = false;  // the connection's settings were read: Restore writes them back
  bool active_ = false;
  int64_t threads_ = 0;
  int64_t temp_store_ = 0;
  int64_t cache_size_ = 0;
};

}  // namespace redress::store::sqlite
