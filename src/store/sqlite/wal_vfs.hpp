// A VFS over SQLite's default one that writes a transaction's WAL frames in one call.
//
// SQLite writes each WAL frame as two calls, its 24-byte header and its page: about 130
// pwrite calls for a commit of the writer at 64 connections, each paying the system call and
// the file system's per-call work (docs/performance.md). With combining on, the frames a
// transaction appends at the end of the WAL are kept in memory and written in one call when
// SQLite next does anything else with that file: syncs it (every commit, with synchronous =
// FULL), reads it, asks its size, truncates it, writes elsewhere in it or closes it; and when
// the connection gives up the WAL's write lock (a transaction that rolled back after spilling
// pages leaves no frame behind for another writer to overwrite).
// At most 8 MiB is kept before it is written anyway; a buffer grown past 2 MiB is given back
// once written.
//
// Only safe when every commit syncs the WAL: other connections read a commit's frames from
// the file as soon as the WAL index names them, which SQLite does after the commit's sync, not
// before. So combining is off until the connection asks for it (EnableWalCombining, after
// PRAGMA synchronous = FULL), and any later PRAGMA synchronous on it turns it off for good.
//
// Files other than a main database and its WAL (journals, temporary files) are SQLite's own,
// untouched; a main database's calls pass straight through but for two (the WAL's write-lock
// release and file controls).
#pragma once

#include <sqlite3.h>

#include <cstdint>

#include "core/duration_histogram.hpp"

namespace redress::store::sqlite {

// The VFS's name for sqlite3_open_v2's last argument (registered on first use, not default).
const char* CombiningVfs();

// Turns combining on for the WAL of `db`'s main database. False (and nothing changes) when
// `db` was not opened with CombiningVfs().
bool EnableWalCombining(sqlite3* db);

// Times every sync of the WAL of `db`'s main database (its flushes to the disk: each commit's,
// with synchronous = FULL, and a checkpoint's) into `into`, which must outlive the connection.
// False (and nothing changes) when `db` was not opened with CombiningVfs().
bool TimeWalFlushes(sqlite3* db, core::SharedDurationHistogram* into);

// Process-wide counts since start: the WAL writes SQLite asked for while combining was on, and
// the writes made to the file for them (tests; the ratio is the calls saved).
struct CombiningCounts {
  uint64_t asked = 0;
  uint64_t made = 0;
};
CombiningCounts WalCombiningCounts();

}  // namespace redress::store::sqlite
