#include "store/sqlite/wal_vfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {
namespace {

// A file control opcode of our own (SQLite's are below 100): int* arg, non-zero turns on.
constexpr int kFcntlCombine = 0x52444301;
// Another: core::SharedDurationHistogram* arg, where the WAL's syncs are timed (null: none).
constexpr int kFcntlTimeFlushes = 0x52444302;
// Another: DeferredWal* arg, which the WAL's commit syncs are left to (null: none).
constexpr int kFcntlDefer = 0x52444303;
// Frames kept at most before they are written anyway (a commit at 64 connections is about
// 530 KB; an import's batch a few MB).
constexpr size_t kMaxKept = size_t{8} << 20;
// The buffer a WAL keeps between transactions; a larger one, grown by a large transaction, is
// given back once written.
constexpr size_t kBufferKept = size_t{2} << 20;
// The lock SQLite's WAL takes to write (wal.c's WAL_WRITE_LOCK): the first of the shm locks.
constexpr int kWalWriteLock = 0;

std::atomic<uint64_t> g_asked{0};
std::atomic<uint64_t> g_made{0};

// Our part of a main database's or a WAL's file object; SQLite's own file follows it.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  File* peer;          // a WAL's main database, a main database's WAL (same connection)
  const char* key;     // a main database: its name as SQLite passed it (the registry's key)
  bool combine;        // a main database: its connection turned combining on
  bool was_combining;  // a main database: combining was on before a PRAGMA synchronous
  core::SharedDurationHistogram* flushes;  // a main database: where its WAL's syncs are timed
  DeferredWal* deferred;  // a main database: who flushes its WAL's commits; a WAL: the same,
                          // once a commit was left to it
  // A WAL: a descriptor of our own to write the frames kept (SQLite's unix VFS writes at most
  // 128 KiB a call), -1 when it could not be opened (no combining then); the frames kept,
  // `len` bytes meant for the file at `start`.
  int fd;
  char* buf;
  size_t len;
  size_t cap;
  sqlite3_int64 start;
};

constexpr size_t kRealOffset = (sizeof(File) + 15) / 16 * 16;

sqlite3_file* RealOf(File* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
}
File* Of(sqlite3_file* p) { return reinterpret_cast<File*>(p); }
const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

// Main databases open through this VFS by the name SQLite gave their xOpen: a WAL's name
// leads back to that same pointer (sqlite3_filename_database), which links the two.
std::mutex g_mu;
std::unordered_map<const char*, File*>& Mains() {
  static auto* m = new std::unordered_map<const char*, File*>();
  return *m;
}

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

bool Combining(const File* wal) {
  return wal->fd >= 0 && wal->peer != nullptr && wal->peer->combine;
}

// Writes what a WAL keeps; the frames are dropped either way (SQLite rewrites what a failed
// transaction needs).
int Flush(File* wal) {
  if (wal->len == 0) return SQLITE_OK;
  const char* p = wal->buf;
  size_t left = wal->len;
  off_t at = wal->start;
  wal->len = 0;
  g_made.fetch_add(1, std::memory_order_relaxed);
  while (left > 0) {
    const ssize_t n = ::pwrite(wal->fd, p, left, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    if (n == 0) return SQLITE_FULL;
    p += n;
    left -= static_cast<size_t>(n);
    at += n;
  }
  if (wal->cap > kBufferKept) {
    std::free(wal->buf);
    wal->buf = nullptr;
    wal->cap = 0;
  }
  return SQLITE_OK;
}

// FlushDeferredWal's work, with d.mu held (by it, or by the WAL's close).
int FlushLocked(DeferredWal& d) {
  const uint64_t upto = d.written.load(std::memory_order_acquire);
  if (upto == d.synced.load(std::memory_order_acquire)) return 0;
  // No descriptor with commits unflushed: the WAL was closed and its close could not flush
  // them (a commit is counted only once the descriptor is known, and a close flushes).
  if (d.fd < 0) return EIO;
  int err = 0;
  auto sync = [&] {
    err = ::fdatasync(d.fd) == 0 ? 0 : errno;
    return err;
  };
  if (d.flushes != nullptr) {
    (void)d.flushes->Time(sync);
  } else {
    (void)sync();
  }
  if (err != 0) return err;
  d.synced.store(upto, std::memory_order_release);
  return 0;
}

// --- The methods. Those that could see the file write what it keeps first; a main database
// keeps nothing (it never combines: no descriptor of its own), so for it they pass through.

int WalClose(sqlite3_file* p) {
  File* f = Of(p);
  const int flushed = Flush(f);
  if (f->deferred != nullptr) {
    // Commits left unflushed are flushed now; no flush of the DeferredWal's may use the
    // descriptor once it is closed.
    DeferredWal* d = f->deferred;
    std::lock_guard lock(d->mu);
    if (flushed == SQLITE_OK) (void)FlushLocked(*d);
    d->fd = -1;
    f->deferred = nullptr;
  }
  {
    std::lock_guard lock(g_mu);
    if (f->peer != nullptr) f->peer->peer = nullptr;
    f->peer = nullptr;
  }
  std::free(f->buf);
  f->buf = nullptr;
  // Our descriptor holds no lock (SQLite locks the database and its -shm file, never the WAL),
  // so closing it cannot drop one of SQLite's.
  if (f->fd >= 0) ::close(f->fd);
  f->fd = -1;
  const int rc = Real(f)->xClose(f->real);
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* p, void* out, int amt, sqlite3_int64 off) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xRead(f->real, out, amt, off);
}

int Write(sqlite3_file* p, const void* data, int amt, sqlite3_int64 off) {
  File* f = Of(p);
  const auto n = static_cast<size_t>(amt);
  if (f->len > 0 && (!Combining(f) || off != f->start + static_cast<sqlite3_int64>(f->len) ||
                     f->len + n > kMaxKept)) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (!Combining(f) || n > kMaxKept) return Real(f)->xWrite(f->real, data, amt, off);
  if (f->len + n > f->cap) {
    size_t cap = f->cap == 0 ? size_t{1} << 20 : f->cap;
    while (cap < f->len + n) cap *= 2;
    void* grown = std::realloc(f->buf, cap);
    if (grown == nullptr) {
      if (int rc = Flush(f); rc != SQLITE_OK) return rc;
      return Real(f)->xWrite(f->real, data, amt, off);
    }
    f->buf = static_cast<char*>(grown);
    f->cap = cap;
  }
  if (f->len == 0) f->start = off;
  std::memcpy(f->buf + f->len, data, n);
  f->len += n;
  g_asked.fetch_add(1, std::memory_order_relaxed);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* p, sqlite3_int64 size) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* p, int flags) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  // A commit's sync of a WAL whose connection left them to a DeferredWal: the frames are in the
  // file (readers may read them once the commit is published), and the flush to the disk is
  // the DeferredWal's. Only a commit's: the connection runs with checkpoint_fullfsync, so a
  // checkpoint's syncs and that of a new WAL's header come with SQLITE_SYNC_FULL and are real.
  if (f->key == nullptr && Combining(f) && f->peer->deferred != nullptr &&
      (flags & 0x0f) == SQLITE_SYNC_NORMAL) {
    DeferredWal* d = f->peer->deferred;
    if (f->deferred != d) {
      std::lock_guard lock(d->mu);
      d->fd = f->fd;
      d->flushes = f->peer->flushes;
      f->deferred = d;
    }
    d->written.fetch_add(1, std::memory_order_acq_rel);
    return SQLITE_OK;
  }
  // A WAL (no key of its own) whose main database asked for its syncs to be timed.
  core::SharedDurationHistogram* timed =
      f->key == nullptr && f->peer != nullptr ? f->peer->flushes : nullptr;
  if (timed == nullptr) return Real(f)->xSync(f->real, flags);
  return timed->Time([&] { return Real(f)->xSync(f->real, flags); });
}

int FileSize(sqlite3_file* p, sqlite3_int64* size) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileSize(f->real, size);
}

int WalFileControl(sqlite3_file* p, int op, void* arg) {
  File* f = Of(p);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileControl(f->real, op, arg);
}

int Fetch(sqlite3_file* p, sqlite3_int64 off, int amt, void** out) {
  File* f = Of(p);
  *out = nullptr;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFetch(f->real, off, amt, out);
}

// --- A main database's own: its close and its file controls.

int MainClose(sqlite3_file* p) {
  File* f = Of(p);
  {
    std::lock_guard lock(g_mu);
    if (f->key != nullptr) {
      auto it = Mains().find(f->key);
      if (it != Mains().end() && it->second == f) Mains().erase(it);
    }
    if (f->peer != nullptr) f->peer->peer = nullptr;
    f->peer = nullptr;
  }
  return Real(f)->xClose(f->real);
}

int MainFileControl(sqlite3_file* p, int op, void* arg) {
  File* f = Of(p);
  if (op == kFcntlCombine) {
    const bool on = *static_cast<int*>(arg) != 0;
    if (!on && f->peer != nullptr) (void)Flush(f->peer);
    // Once a PRAGMA synchronous has turned it off, it stays off: the connection no longer
    // promises to sync every commit.
    f->combine = on && !f->was_combining;
    if (on && !f->combine) return SQLITE_MISUSE;
    return SQLITE_OK;
  }
  if (op == kFcntlTimeFlushes) {
    f->flushes = static_cast<core::SharedDurationHistogram*>(arg);
    return SQLITE_OK;
  }
  if (op == kFcntlDefer) {
    if (!f->combine) return SQLITE_MISUSE;
    f->deferred = static_cast<DeferredWal*>(arg);
    return SQLITE_OK;
  }
  if (op == SQLITE_FCNTL_PRAGMA) {
    auto** words = static_cast<char**>(arg);
    if (words[1] != nullptr && words[2] != nullptr &&
        sqlite3_stricmp(words[1], "synchronous") == 0) {
      if (f->peer != nullptr) (void)Flush(f->peer);
      f->was_combining = f->was_combining || f->combine;
      f->combine = false;
    }
  }
  return Real(f)->xFileControl(f->real, op, arg);
}

int Lock(sqlite3_file* p, int level) { return Real(Of(p))->xLock(Of(p)->real, level); }
int Unlock(sqlite3_file* p, int level) { return Real(Of(p))->xUnlock(Of(p)->real, level); }
int CheckReservedLock(sqlite3_file* p, int* out) {
  return Real(Of(p))->xCheckReservedLock(Of(p)->real, out);
}
int SectorSize(sqlite3_file* p) { return Real(Of(p))->xSectorSize(Of(p)->real); }
int DeviceCharacteristics(sqlite3_file* p) {
  return Real(Of(p))->xDeviceCharacteristics(Of(p)->real);
}
int ShmMap(sqlite3_file* p, int region, int size, int extend, void volatile** out) {
  return Real(Of(p))->xShmMap(Of(p)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* p, int offset, int n, int flags) {
  File* f = Of(p);
  // Giving up the WAL's write lock: nothing of this connection's may reach the file after
  // another writer has taken it. (A commit's frames were written at its sync; what is left is
  // a rolled-back transaction's, which SQLite would have written by now.)
  if (f->peer != nullptr && (flags & SQLITE_SHM_UNLOCK) != 0 &&
      (flags & SQLITE_SHM_EXCLUSIVE) != 0 && offset <= kWalWriteLock &&
      kWalWriteLock < offset + n) {
    (void)Flush(f->peer);
  }
  return Real(f)->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* p) { Real(Of(p))->xShmBarrier(Of(p)->real); }
int ShmUnmap(sqlite3_file* p, int remove) { return Real(Of(p))->xShmUnmap(Of(p)->real, remove); }
int Unfetch(sqlite3_file* p, sqlite3_int64 off, void* page) {
  return Real(Of(p))->xUnfetch(Of(p)->real, off, page);
}

// The methods of a main database or a WAL: its own close and file controls, and the rest
// shared.
constexpr sqlite3_io_methods Methods(int (*close)(sqlite3_file*),
                                     int (*control)(sqlite3_file*, int, void*)) {
  return {3,
          close,
          Read,
          Write,
          Truncate,
          Sync,
          FileSize,
          Lock,
          Unlock,
          CheckReservedLock,
          control,
          SectorSize,
          DeviceCharacteristics,
          ShmMap,
          ShmLock,
          ShmBarrier,
          ShmUnmap,
          Fetch,
          Unfetch};
}

const sqlite3_io_methods kMainMethods = Methods(MainClose, MainFileControl);
const sqlite3_io_methods kWalMethods = Methods(WalClose, WalFileControl);

// --- The VFS: opens a main database or a WAL inside our File, anything else as SQLite would.

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  sqlite3_vfs* base = Base(vfs);
  const bool main = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  const bool wal = (flags & SQLITE_OPEN_WAL) != 0;
  if ((!main && !wal) || name == nullptr) return base->xOpen(base, name, p, flags, out_flags);
  File* f = new (p) File{};
  f->base.pMethods = nullptr;
  f->fd = -1;
  f->real = RealOf(f);
  f->real->pMethods = nullptr;
  const int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return rc;
  }
  if (f->real->pMethods == nullptr || f->real->pMethods->iVersion < 3) {
    // A base VFS without shared-memory methods: no WAL to combine; open it as SQLite would.
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return base->xOpen(base, name, p, flags, out_flags);
  }
  if (wal && (flags & SQLITE_OPEN_READWRITE) != 0) f->fd = ::open(name, O_WRONLY | O_CLOEXEC);
  std::lock_guard lock(g_mu);
  if (main) {
    f->key = name;
    Mains()[name] = f;
    f->base.pMethods = &kMainMethods;
  } else {
    auto it = Mains().find(sqlite3_filename_database(name));
    if (it != Mains().end()) {
      f->peer = it->second;
      it->second->peer = f;
    }
    f->base.pMethods = &kWalMethods;
  }
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Base(vfs)->xAccess(Base(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Base(vfs)->xFullPathname(Base(vfs), name, n, out);
}
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Base(vfs)->xRandomness(Base(vfs), n, out);
}
int Sleep(sqlite3_vfs* vfs, int us) { return Base(vfs)->xSleep(Base(vfs), us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Base(vfs)->xCurrentTime(Base(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Base(vfs)->xGetLastError(Base(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Base(vfs)->xCurrentTimeInt64(Base(vfs), out);
}

sqlite3_vfs* Register() {
  ConfigureLibrary();  // before sqlite3_vfs_find, which initialises SQLite
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr || base->iVersion < 2) return nullptr;
  auto* vfs = new sqlite3_vfs{};
  vfs->iVersion = 2;
  vfs->szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  vfs->mxPathname = base->mxPathname;
  vfs->zName = "redress-combining";
  vfs->pAppData = base;
  vfs->xOpen = Open;
  vfs->xDelete = Delete;
  vfs->xAccess = Access;
  vfs->xFullPathname = FullPathname;
  vfs->xRandomness = Randomness;
  vfs->xSleep = Sleep;
  vfs->xCurrentTime = CurrentTime;
  vfs->xGetLastError = GetLastError;
  vfs->xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(vfs, 0) != SQLITE_OK) return nullptr;
  return vfs;
}

}  // namespace

const char* CombiningVfs() {
  static sqlite3_vfs* vfs = Register();
  return vfs == nullptr ? nullptr : vfs->zName;
}

bool EnableWalCombining(sqlite3* db) {
  int on = 1;
  return sqlite3_file_control(db, "main", kFcntlCombine, &on) == SQLITE_OK;
}

bool TimeWalFlushes(sqlite3* db, core::SharedDurationHistogram* into) {
  return sqlite3_file_control(db, "main", kFcntlTimeFlushes, into) == SQLITE_OK;
}

bool DeferWalSyncs(sqlite3* db, DeferredWal* to) {
  if (sqlite3_exec(db, "PRAGMA checkpoint_fullfsync = ON", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return false;
  }
  return sqlite3_file_control(db, "main", kFcntlDefer, to) == SQLITE_OK;
}

int FlushDeferredWal(DeferredWal& d) {
  std::lock_guard lock(d.mu);
  return FlushLocked(d);
}

CombiningCounts WalCombiningCounts() {
  return {g_asked.load(std::memory_order_relaxed), g_made.load(std::memory_order_relaxed)};
}

}  // namespace redress::store::sqlite
