// The WAL write-combining VFS (store/sqlite/wal_vfs.hpp): a commit's frames reach the file in
// one write, other connections see every commit at once, a rolled-back transaction's spilled
// frames never land on another writer's, and a PRAGMA synchronous turns combining off; a
// commit's flush left to a DeferredWal happens only there, a checkpoint's never.
#include "store/sqlite/wal_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/statement.hpp"
#include "store_harness.hpp"

namespace redress::testing {
namespace {

using store::sqlite::CombiningVfs;
using store::sqlite::Conn;
using store::sqlite::DeferredWal;
using store::sqlite::DeferWalSyncs;
using store::sqlite::EnableWalCombining;
using store::sqlite::FlushDeferredWal;
using store::sqlite::TimeWalFlushes;
using store::sqlite::WalCombiningCounts;

void Exec(Conn& c, const std::string& sql) {
  auto s = c.Exec(sql.c_str(), sql);
  ASSERT_TRUE(s) << s.error().detail;
}

int64_t Int(Conn& c, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}

std::string Text(Conn& c, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  std::string v;
  if (sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    v = p != nullptr ? p : "";
  }
  sqlite3_finalize(st);
  return v;
}

// A writer as the store opens it: on the combining VFS, WAL, synchronous = FULL, no automatic
// checkpoints (so every commit's frames stay in the WAL for the readers to read from it).
std::unique_ptr<Conn> OpenWriter(const std::string& path, bool combine) {
  auto c = Conn::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, CombiningVfs());
  EXPECT_TRUE(c);
  if (!c) return nullptr;
  auto w = std::move(*c);
  EXPECT_TRUE(w->Exec("PRAGMA journal_mode = WAL", "wal"));
  EXPECT_TRUE(w->Exec("PRAGMA synchronous = FULL", "synchronous"));
  EXPECT_TRUE(w->Exec("PRAGMA wal_autocheckpoint = 0", "autocheckpoint"));
  if (combine) {
    EXPECT_TRUE(EnableWalCombining(w->db()));
  }
  return w;
}

std::unique_ptr<Conn> OpenPlain(const std::string& path) {
  auto c = Conn::Open(path, SQLITE_OPEN_READWRITE);
  EXPECT_TRUE(c);
  return c ? std::move(*c) : nullptr;
}

TEST(WalVfsTest, ACommitsFramesAreWrittenInOneCallAndReadAtOnceByOthers) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  auto w = OpenWriter(path, true);
  ASSERT_NE(w, nullptr);
  Exec(*w, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  Exec(*w, "CREATE INDEX t_body ON t(body)");
  auto r = OpenPlain(path);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(Int(*r, "SELECT count(*) FROM t"), 0);

  const auto before = WalCombiningCounts();
  constexpr int kCommits = 40;
  int64_t rows = 0;
  for (int i = 0; i < kCommits; ++i) {
    // Several rows of 3,000 bytes each: a commit of many pages (frames) in the table and index.
    Exec(*w, "BEGIN");
    const int n = 1 + i % 7;
    for (int k = 0; k < n; ++k) {
      Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
    }
    Exec(*w, "COMMIT");
    rows += n;
    // Another connection reads the commit's pages from the WAL file right away.
    ASSERT_EQ(Int(*r, "SELECT count(*) FROM t"), rows) << "after commit " << i;
    ASSERT_EQ(Int(*r, "SELECT sum(length(body)) FROM t"), rows * 3000) << "after commit " << i;
  }
  const auto after = WalCombiningCounts();
  // Two writes a frame asked for, at least two frames a commit; one write made a commit.
  EXPECT_GE(after.asked - before.asked, uint64_t{4} * kCommits);
  EXPECT_LE(after.made - before.made, uint64_t{kCommits});
  EXPECT_GE(after.made - before.made, uint64_t{kCommits} - 1);
  EXPECT_EQ(Text(*r, "PRAGMA integrity_check"), "ok");
}

TEST(WalVfsTest, ARolledBackTransactionsSpilledFramesNeverLandOnAnotherWritersCommit) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  auto a = OpenWriter(path, true);
  ASSERT_NE(a, nullptr);
  Exec(*a, "CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT, body BLOB)");
  auto b = OpenPlain(path);
  ASSERT_NE(b, nullptr);
  Exec(*b, "PRAGMA synchronous = FULL");

  // A's cache holds ten pages: a transaction of 200 rows of 4,000 bytes spills its pages into
  // the WAL (kept by the VFS) before it ends, then rolls back.
  Exec(*a, "PRAGMA cache_size = 10");
  // An empty WAL: the rollback then reads nothing back from it (a read would write the frames
  // kept), and B starts the WAL again from its first frame, where A's frames went.
  Exec(*a, "PRAGMA wal_checkpoint(TRUNCATE)");
  const auto before = WalCombiningCounts();
  Exec(*a, "BEGIN");
  for (int k = 0; k < 200; ++k) Exec(*a, "INSERT INTO t(who, body) VALUES ('a', zeroblob(4000))");
  ASSERT_GT(WalCombiningCounts().asked, before.asked) << "the transaction did not spill";
  Exec(*a, "ROLLBACK");

  // B, another writer, commits where A's frames had gone; then A closes, which writes nothing
  // over B's commit, and the last connection's checkpoint copies B's pages into the database.
  Exec(*b, "BEGIN");
  for (int k = 0; k < 50; ++k) Exec(*b, "INSERT INTO t(who, body) VALUES ('b', randomblob(4000))");
  Exec(*b, "COMMIT");
  a.reset();
  b.reset();

  auto c = OpenPlain(path);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Text(*c, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t WHERE who = 'b'"), 50);
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t WHERE who = 'a'"), 0);
  EXPECT_EQ(Int(*c, "SELECT sum(length(body)) FROM t"), 50 * 4000);
}

TEST(WalVfsTest, APragmaSynchronousTurnsCombiningOffForGood) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  auto w = OpenWriter(path, true);
  ASSERT_NE(w, nullptr);
  Exec(*w, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  auto r = OpenPlain(path);
  ASSERT_NE(r, nullptr);

  // NORMAL does not sync a commit: its frames must reach the file before the readers look.
  Exec(*w, "PRAGMA synchronous = NORMAL");
  const auto before = WalCombiningCounts();
  for (int i = 1; i <= 5; ++i) {
    Exec(*w, "INSERT INTO t(body) VALUES (randomblob(5000))");
    ASSERT_EQ(Int(*r, "SELECT count(*) FROM t"), i);
  }
  EXPECT_EQ(WalCombiningCounts().asked, before.asked);
  // Asking again is refused: the connection no longer promises to sync each commit.
  EXPECT_FALSE(EnableWalCombining(w->db()));
  Exec(*w, "PRAGMA synchronous = FULL");
  EXPECT_FALSE(EnableWalCombining(w->db()));
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(5000))");
  EXPECT_EQ(WalCombiningCounts().asked, before.asked);
  EXPECT_EQ(Int(*r, "SELECT count(*) FROM t"), 6);
}

// With its commits' syncs left to a DeferredWal, a commit's frames are in the file at once
// (another connection reads them) but flushed to the disk only by FlushDeferredWal; a
// checkpoint, and the header of a WAL that starts over, still sync the WAL themselves; a
// PRAGMA synchronous ends it.
TEST(WalVfsTest, DeferredCommitsAreReadAtOnceAndFlushedApart) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  DeferredWal d;                        // outlives the connection, as it must
  core::SharedDurationHistogram syncs;  // every sync of the WAL, and FlushDeferredWal's
  auto w = OpenWriter(path, true);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(TimeWalFlushes(w->db(), &syncs));
  Exec(*w, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  ASSERT_GE(syncs.Snapshot().count, 1u);  // that commit synced the WAL itself
  ASSERT_TRUE(DeferWalSyncs(w->db(), &d));
  auto r = OpenPlain(path);
  ASSERT_NE(r, nullptr);

  const uint64_t at_start = syncs.Snapshot().count;
  for (int i = 1; i <= 5; ++i) {
    Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
    EXPECT_EQ(d.written.load(), static_cast<uint64_t>(i));
    EXPECT_EQ(Int(*r, "SELECT count(*) FROM t"), i);
  }
  EXPECT_EQ(d.synced.load(), 0u);
  EXPECT_EQ(syncs.Snapshot().count, at_start) << "a commit synced the WAL itself";
  ASSERT_EQ(FlushDeferredWal(d), 0);
  EXPECT_EQ(d.synced.load(), 5u);
  EXPECT_EQ(syncs.Snapshot().count, at_start + 1);  // one flush for the five
  ASSERT_EQ(FlushDeferredWal(d), 0);                // nothing new: no flush
  EXPECT_EQ(syncs.Snapshot().count, at_start + 1);

  // A checkpoint syncs the WAL before it copies the pages into the database.
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
  const uint64_t before_checkpoint = syncs.Snapshot().count;
  Exec(*w, "PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_GT(syncs.Snapshot().count, before_checkpoint);
  EXPECT_EQ(d.written.load(), 6u);
  // The WAL starts over: its new header is synced before the commit's frames follow it.
  const uint64_t before_restart = syncs.Snapshot().count;
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
  EXPECT_EQ(d.written.load(), 7u);
  EXPECT_EQ(syncs.Snapshot().count, before_restart + 1);
  EXPECT_EQ(Int(*r, "SELECT count(*) FROM t"), 7);

  // After a PRAGMA synchronous every commit syncs itself again.
  Exec(*w, "PRAGMA synchronous = FULL");
  const uint64_t before_pragma = syncs.Snapshot().count;
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
  EXPECT_EQ(d.written.load(), 7u);
  EXPECT_EQ(syncs.Snapshot().count, before_pragma + 1);
  ASSERT_EQ(FlushDeferredWal(d), 0);
  EXPECT_EQ(d.synced.load(), 7u);
  w.reset();  // closes the WAL: a flush after it has nothing to use and nothing to do
  EXPECT_EQ(FlushDeferredWal(d), 0);
  EXPECT_EQ(Int(*r, "SELECT count(*) FROM t"), 8);
  EXPECT_EQ(Text(*r, "PRAGMA integrity_check"), "ok");
}

// Closing the connection flushes what it left unflushed; a flush after that has nothing to do.
TEST(WalVfsTest, ClosingFlushesDeferredCommits) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  DeferredWal d;
  auto w = OpenWriter(path, true);
  ASSERT_NE(w, nullptr);
  Exec(*w, "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB)");
  ASSERT_TRUE(DeferWalSyncs(w->db(), &d));
  auto r = OpenPlain(path);  // another connection: the writer's close does not checkpoint
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(Int(*r, "SELECT count(*) FROM t"), 0);
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
  Exec(*w, "INSERT INTO t(body) VALUES (randomblob(3000))");
  ASSERT_EQ(d.written.load(), 2u);
  ASSERT_EQ(d.synced.load(), 0u);
  w.reset();
  EXPECT_EQ(d.synced.load(), 2u);
  EXPECT_EQ(FlushDeferredWal(d), 0);
  EXPECT_EQ(Int(*r, "SELECT count(*) FROM t"), 2);
}

TEST(WalVfsTest, OnlyACombiningConnectionDefersItsSyncs) {
  TempDir dir;
  DeferredWal d;
  auto w = OpenWriter(dir.File("t.db"), false);
  ASSERT_NE(w, nullptr);
  EXPECT_FALSE(DeferWalSyncs(w->db(), &d));
  auto plain = OpenPlain(dir.File("t.db"));
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(DeferWalSyncs(plain->db(), &d));
}

TEST(WalVfsTest, OnlyAConnectionOpenedOnTheVfsCanCombine) {
  TempDir dir;
  auto w = OpenWriter(dir.File("t.db"), false);
  ASSERT_NE(w, nullptr);
  auto plain = OpenPlain(dir.File("t.db"));
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(EnableWalCombining(plain->db()));
  EXPECT_TRUE(EnableWalCombining(w->db()));
}

TEST(WalVfsTest, TheStoresWriterCombines) {
  TempDir dir;
  const auto before = WalCombiningCounts();
  // Opening a new store commits its migrations on the writer.
  auto store = store::SqliteStore::Open(dir.File("redress.db"), {});
  ASSERT_TRUE(store) << store.error().detail;
  const auto after = WalCombiningCounts();
  EXPECT_GT(after.made, before.made);
  EXPECT_GT(after.asked - before.asked, after.made - before.made);
}

}  // namespace
}  // namespace redress::testing
