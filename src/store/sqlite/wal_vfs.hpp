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
// A connection with combining on may also leave its commits' flushes to the disk to a thread of
// the caller's (DeferWalSyncs): each commit's frames still reach the file at its sync, before
// SQLite publishes the commit, but without the fdatasync, which FlushDeferredWal makes.
//
// Files other than a main database and its WAL (journals, temporary files) are SQLite's own,
// untouched; a main database's calls pass straight through but for two (the WAL's write-lock
// release and file controls).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <mutex>

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

// Commits whose WAL frames are in the file but not yet flushed to the disk, and the flush
// that makes them durable, on a thread of the caller's (the store's syncer: the writer goes on
// to its next transaction meanwhile). Counts, not positions: `written` counts the commits
// left to it so far, `synced` those a finished flush covers. A commit is counted before SQLite
// publishes it to readers, so a reader that sees a commit and then reads `written` has a count
// that covers it.
struct DeferredWal {
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> synced{0};
  // Guarded by mu: the WAL's descriptor the flush uses (-1 before the first commit and once
  // the WAL is closed: its close flushes what is left), and where flushes are timed.
  std::mutex mu;
  int fd = -1;
  core::SharedDurationHistogram* flushes = nullptr;
};

// Leaves the commit syncs of `db`'s WAL to `to` (which must outlive the connection): each
// commit's frames are written to the file at its sync, which then returns without flushing
// them; FlushDeferredWal() flushes. Checkpoints, and the header of a WAL starting over, still
// sync as SQLite asks (the connection gets PRAGMA checkpoint_fullfsync = ON so that those
// syncs can be told from a commit's). Needs combining on (EnableWalCombining); false (and
// nothing changes) otherwise.
bool DeferWalSyncs(sqlite3* db, DeferredWal* to);

// Flushes to the disk every commit counted in `d.written` when it starts (fdatasync of the
// WAL), then marks them synced; from any thread. 0, or the errno of a failed flush (nothing
// is marked then: the commits' durability is unknown).
int FlushDeferredWal(DeferredWal& d);

// Process-wide counts since start: the WAL writes SQLite asked for while combining was on, and
// the writes made to the file for them (tests; the ratio is the calls saved).
struct CombiningCounts {
  uint64_t asked = 0;
  uint64_t made = 0;
};
CombiningCounts WalCombiningCounts();

}  // namespace redress::store::sqlite
