// What only the SQLite adapter promises beyond the shared contract: embedded migrations equal
// the readable .sql files, versioned migration, PRAGMAs, the bounded writer queue, read-only
// opens, integrity_check and index use of the hot queries.
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "app/service.hpp"
#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "core/event.hpp"
#include "store/sqlite/facts_sql.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_pack.hpp"
#include "store/sqlite/sorter.hpp"
#include "store/sqlite/statement.hpp"
#include "store_harness.hpp"
#include "util/crypto.hpp"

namespace redress::testing {
namespace {

using core::Errc;
using core::Status;
using core::StoreTx;
using store::SqliteStore;

// Complaint `i`, received `i` days after one fixed instant (the migration and rebuild tests'
// rows: a day each, so that roll-ups and lists see them apart).
core::Complaint ComplaintOnDay(int i) {
  return StoredComplaint(i, core::FromMillis(1'780'000'000'000 + i * 86'400'000LL));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `sql` on a separate raw connection and returns the first column of every row.
// Writes nothing until `s` packs records: the writer queues its dictionary after the batch that
// brought the store its kDictRecords-th plain record, behind writes queued before it, and
// publishes it when that write is done. False if it never does.
bool WaitForDictionary(SqliteStore& s) {
  const std::string sample = core::EncodeStorage(ComplaintOnDay(1));
  for (int i = 0; i < 100; ++i) {
    if (core::IsPackedRecord(s.PackRecord(sample))) return true;
    if (!s.WriteSync([](StoreTx&) { return Status{}; })) return false;
  }
  return false;
}

std::vector<std::string> Query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        int col = sqlite3_column_count(st) - 1;  // EXPLAIN QUERY PLAN: the detail column
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
        out.emplace_back(p != nullptr ? p : "");
      }
    } else {
      out.push_back(std::string("prepare failed: ") + sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

// Runs `sql` (several statements) on a separate raw connection: "" when it succeeded, else
// SQLite's message.
std::string Exec(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return error;
}

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path, SqliteStore::Options o = {}) {
  auto s = SqliteStore::Open(path, o);
  EXPECT_TRUE(s) << s.error().detail;
  return s ? std::move(*s) : nullptr;
}

// Options under which an open that migrates the store adds "FILE applying" and "FILE applied"
// to `steps` for each migration.
SqliteStore::Options RecordingUpgrades(std::vector<std::string>& steps) {
  SqliteStore::Options o;
  o.on_upgrade = [&steps](std::string_view file, bool done) {
    steps.push_back(std::string(file) + (done ? " applied" : " applying"));
  };
  return o;
}

TEST(SqliteMigrations, EmbeddedSqlEqualsTheFiles) {
  const std::string dir = std::string(REDRESS_SOURCE_DIR) + "/migrations/sqlite/";
  auto migrations = store::sqlite::Migrations();
  ASSERT_FALSE(migrations.empty());
  int previous = 0;
  for (const auto& m : migrations) {
    EXPECT_GT(m.version, previous) << m.file;
    previous = m.version;
    const std::string text = ReadFile(dir + std::string(m.file));
    ASSERT_FALSE(text.empty()) << "missing " << dir << m.file;
    EXPECT_EQ(text, m.sql) << m.file << " differs from the SQL compiled in";
    EXPECT_EQ(std::stoi(std::string(m.file.substr(0, 4))), m.version) << m.file;
  }
  // Every .sql file is embedded.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sql") ++files;
  }
  EXPECT_EQ(files, migrations.size());
}

TEST(SqliteMigrations, AppliedOnceAndRecorded) {
  TempDir dir;
  const std::string path = dir.File("m.db");
  { ASSERT_TRUE(OpenOrDie(path)); }
  { ASSERT_TRUE(OpenOrDie(path)); }  // second open applies nothing (would fail: tables exist)
  auto versions = Query(path, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), store::sqlite::Migrations().size());
  EXPECT_EQ(versions[0], "1");
}

TEST(SqliteStoreTest, UsesWalAndRefusesMemoryDatabases) {
  TempDir dir;
  const std::string path = dir.File("w.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Query(path, "PRAGMA journal_mode"), (std::vector<std::string>{"wal"}));
  auto mem = SqliteStore::Open(":memory:", {});
  EXPECT_FALSE(mem);
  auto bad = SqliteStore::Open(dir.File("no/such/dir/x.db"), {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kUnavailable);
}

TEST(SqliteStoreTest, TheCheckpointerRunsTenNiceLevelsBelowTheRest) {
  TempDir dir;
  errno = 0;
  const int own = getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  auto store = SqliteStore::Open(dir.File("redress.db"), {});
  ASSERT_TRUE(store);
  // The checkpointer thread, found by its name; it lowers its priority as it starts.
  std::optional<int> nice;
  for (int tries = 0; tries < 200; ++tries) {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      if (ReadFile(task.path().string() + "/comm") != "redress-ckpt\n") continue;
      const int n = getpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(task.path().filename())));
      if (n != own) nice = n;
    }
    if (nice) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(nice.has_value()) << "no checkpointer thread below the process's priority";
  EXPECT_EQ(*nice, std::min(own + 10, 19));
  // The calling thread (and so the writer, the readers and the I/O threads) keep theirs.
  EXPECT_EQ(getpriority(PRIO_PROCESS, 0), own);
}

TEST(SqliteStoreTest, NewStoresGetEightKibPagesAndOldOnesKeepTheirs) {
  TempDir dir;
  const std::string fresh = dir.File("new.db");
  ASSERT_TRUE(OpenOrDie(fresh));
  EXPECT_EQ(Query(fresh, "PRAGMA page_size"), (std::vector<std::string>{"8192"}));

  // A store made with 4 KiB pages (as before) opens, migrates and keeps them.
  const std::string old = dir.File("old.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; "
                         "CREATE TABLE earlier (x INTEGER)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto s = OpenOrDie(old);
    ASSERT_TRUE(s);
  }
  EXPECT_EQ(Query(old, "PRAGMA page_size"), (std::vector<std::string>{"4096"}));
  EXPECT_FALSE(Query(old, "SELECT 1 FROM sqlite_master WHERE name = 'complaints'").empty());
}

TEST(SqliteStoreTest, FullQueueIsOverloadedAtOnce) {
  TempDir dir;
  SqliteStore::Options o;
  o.max_queue = 2;
  auto s = OpenOrDie(dir.File("q.db"), o);
  ASSERT_TRUE(s);

  // Hold the writer inside a function so that later writes stay queued.
  WriterHold hold(*s);

  std::vector<std::promise<Status>> queued(2);
  for (auto& p : queued) {
    s->Write([](StoreTx&) -> Status { return {}; }, [&p](Status st) { p.set_value(st); });
  }
  std::promise<Status> rejected;
  s->Write([](StoreTx&) -> Status { return {}; }, [&](Status st) { rejected.set_value(st); });
  auto r = rejected.get_future();
  ASSERT_EQ(r.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  Status rs = r.get();
  ASSERT_FALSE(rs);
  EXPECT_EQ(rs.error().code, Errc::kOverloaded);

  EXPECT_TRUE(hold.Release());
  for (auto& p : queued) EXPECT_TRUE(p.get_future().get());
  EXPECT_TRUE(s->Healthy());
}

// The state and due-day counts are added up per batch: commands committed together count once
// each, and one that fails counts nothing, whatever it changed before it failed.
TEST(SqliteStoreTest, CountsOfABatchLeaveOutItsFailedCommands) {
  TempDir dir;
  auto s = OpenOrDie(dir.File("c.db"));
  ASSERT_TRUE(s);
  const core::Instant t0 = core::FromMillis(1'780'000'000'000);
  auto due_in = [&](int d) {
    core::ClockTrack t;
    t.name = "final_response";
    t.rule = "final_response";
    t.state = core::ClockState::kRunning;
    t.anchor = t0;
    t.due = t0 + std::chrono::days(d);
    t.warn = t.due;
    t.local_due = date::year_month_day(std::chrono::floor<std::chrono::days>(t.due));
    return t;
  };
  auto complaint = [&](int64_t seq, int due_days) {
    core::Complaint c = StoredComplaint(seq, t0);
    c.clocks.push_back(due_in(due_days));
    return c;
  };
  for (int64_t seq = 1; seq <= 3; ++seq) {
    auto c = complaint(seq, 10);
    ASSERT_TRUE(s->WriteSync([&c](StoreTx& tx) { return tx.InsertComplaint(c); }));
  }
  auto change = [](int64_t seq, auto&& edit, bool fail) {
    return [seq, edit, fail](StoreTx& tx) -> Status {
      auto c = tx.LoadComplaint(core::Reference{"CMP", 2026, seq});
      if (!c) return c.error();
      core::Complaint next = **c;
      edit(next);
      next.version += 1;
      if (auto st = tx.UpdateComplaint(next); !st) return st;
      return fail ? core::MakeError(Errc::kInvalid, "changed my mind") : Status{};
    };
  };
  auto close = [](core::Complaint& c) { c.state = core::State::kClosed; };
  auto later = [&](core::Complaint& c) { c.clocks.front() = due_in(40); };

  // Hold the writer so that the commands below queue and are committed as one batch.
  WriterHold hold(*s);
  std::vector<core::Store::TxFn> commands = {
      change(1, close, false),
      change(2, close, true),
      change(2, later, false),
      change(3, later, true),
      [&](StoreTx& tx) -> Status {
        auto c = complaint(4, 5);
        if (auto st = tx.InsertComplaint(c); !st) return st;
        return core::MakeError(Errc::kInvalid, "changed my mind");
      },
  };
  std::vector<std::promise<Status>> done(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    s->Write(commands[i], [&done, i](Status st) { done[i].set_value(st); });
  }
  EXPECT_TRUE(hold.Release());
  for (size_t i = 0; i < done.size(); ++i) {
    EXPECT_EQ(static_cast<bool>(done[i].get_future().get()), i == 0 || i == 2) << i;
  }

  // 1 closed, 2 due on day 40, 3 still on day 10; the failed insert left nothing.
  auto counts = s->CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(core::State::kClosed), 1);
  EXPECT_EQ(counts->at(core::State::kReceived), 2);
  EXPECT_EQ(*s->CountComplaints(), 3);
  EXPECT_EQ(*s->CountOverdue(t0 + std::chrono::days(6)), 0);
  EXPECT_EQ(*s->CountOverdue(t0 + std::chrono::days(11)), 1);
  EXPECT_EQ(*s->CountOverdue(t0 + std::chrono::days(41)), 2);
  EXPECT_EQ(Query(dir.File("c.db"),
                  "SELECT day || ':' || n FROM open_due_days WHERE n != 0 "
                  "ORDER BY day"),
            (std::vector<std::string>{
                std::to_string(core::ToMillis(t0 + std::chrono::days(10)) / 86'400'000) + ":1",
                std::to_string(core::ToMillis(t0 + std::chrono::days(40)) / 86'400'000) + ":1"}));
}

// A batch of WriteRerunnable functions runs without a savepoint per command; when one fails,
// the whole batch is rolled back and runs again with savepoints, so the others are stored once.
TEST(SqliteStoreTest, ABatchOfRerunnableWritesRunsAgainWhenOneFails) {
  TempDir dir;
  auto s = OpenOrDie(dir.File("r.db"));
  ASSERT_TRUE(s);
  // fail: 0 succeeds, 1 fails after writing, 2 fails before writing anything.
  auto insert = [](int64_t seq, std::vector<int>& runs, int fail) {
    return [seq, &runs, fail](StoreTx& tx) -> Status {
      ++runs[seq];
      if (fail == 2) return core::MakeError(Errc::kConflict, "refused before writing");
      core::Complaint c = StoredComplaint(seq, core::FromMillis(1'780'000'000'000));
      if (auto st = tx.InsertComplaint(c); !st) return st;
      core::Event e = CreatedEvent(c, c.received_at);
      if (auto st = tx.AppendEvent(e); !st) return st;
      return fail == 1 ? core::MakeError(Errc::kInvalid, "changed my mind") : Status{};
    };
  };
  // Runs `n` writes as one batch; `rerunnable` and `fail` pick each one's kind and outcome.
  auto batch = [&](std::vector<int>& runs, int64_t first, const std::vector<bool>& rerunnable,
                   const std::vector<int>& fail) {
    WriterHold hold(*s);
    std::vector<std::promise<Status>> done(fail.size());
    for (size_t i = 0; i < fail.size(); ++i) {
      auto fn = insert(first + static_cast<int64_t>(i), runs, fail[i]);
      auto cb = [&done, i](Status st) { done[i].set_value(st); };
      if (rerunnable[i]) {
        s->WriteRerunnable(fn, cb);
      } else {
        s->Write(fn, cb);
      }
    }
    EXPECT_TRUE(hold.Release());
    std::vector<bool> ok;
    for (auto& d : done) ok.push_back(static_cast<bool>(d.get_future().get()));
    return ok;
  };

  std::vector<int> runs(20, 0);
  // All succeed: each ran once.
  EXPECT_EQ(batch(runs, 1, {true, true, true}, {0, 0, 0}), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(runs[1] + runs[2] + runs[3], 3);
  // The third fails after writing: the first two ran again, the fourth once (the first run
  // stopped there).
  EXPECT_EQ(batch(runs, 4, {true, true, true, true}, {0, 0, 1, 0}),
            (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ((std::vector<int>{runs[4], runs[5], runs[6], runs[7]}), (std::vector<int>{2, 2, 2, 1}));
  // With one write that may not run twice, the batch uses savepoints from the start.
  EXPECT_EQ(batch(runs, 8, {true, false, true}, {0, 1, 0}), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((std::vector<int>{runs[8], runs[9], runs[10]}), (std::vector<int>{1, 1, 1}));
  // The second fails before writing anything: nothing to undo, each ran once.
  EXPECT_EQ(batch(runs, 11, {true, true, true}, {0, 2, 0}), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((std::vector<int>{runs[11], runs[12], runs[13]}), (std::vector<int>{1, 1, 1}));

  // Stored once each: 1-5, 7, 8, 10, 11 and 13; the events' chain unbroken.
  EXPECT_EQ(*s->CountComplaints(), 10);
  for (int64_t seq : {6, 9, 12}) {
    EXPECT_FALSE(s->GetComplaint(core::Reference{"CMP", 2026, seq})->has_value()) << seq;
  }
  EXPECT_EQ(ExpectChainValid(*s), 10);
}

// A rerunnable write that appends an event, then fails: its batch is rolled back and runs
// again with savepoints. Counts its runs in `runs`.
core::Store::TxFn FailsAfterWriting(int& runs) {
  return [&runs](StoreTx& tx) -> Status {
    ++runs;
    core::Event e;
    e.actor = "system";
    e.action = "probe";
    e.before = "{}";
    e.after = "{}";
    e.at = core::FromMillis(1'780'000'000'000);
    if (auto st = tx.AppendEvent(e); !st) return st;
    return core::MakeError(Errc::kInvalid, "changed my mind");
  };
}

// A SQLite store in a temporary directory with the complaint service over it, and the
// receipt of a complaint (received `years_back` years before the clock's year).
struct ServiceOnSqlite {
  explicit ServiceOnSqlite(const std::string& file) : s(OpenOrDie(dir.File(file))) {
    auto loaded = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
    EXPECT_TRUE(loaded) << loaded.error().detail;
    if (loaded && s) service.emplace(*s, clock, std::move(*loaded), app::ServiceConfig{});
  }
  static core::Complaint Receipt(int years_back = 0) {
    core::Complaint c;
    c.received_at = core::FromMillis(1'780'000'000'000) - std::chrono::days(366 * years_back);
    c.complainant.name = "Alice Example";
    c.complainant.email = "alice@example.org";
    c.description = "I was charged a fee twice.";
    return c;
  }
  TempDir dir;
  std::unique_ptr<SqliteStore> s;
  core::FakeClock clock{core::FromMillis(1'780'000'000'000)};
  std::optional<app::ComplaintService> service;
};

// The create use case is one such function: creates that share a batch with a refused one
// (an idempotency key used before with another body) and with a write that fails after
// changing a row (which sends the batch round again) are each stored once, under the
// reference and with the secret their 201 answered.
TEST(SqliteStoreTest, CreatesInABatchWithARefusedOneAreStoredOnce) {
  ServiceOnSqlite env("c.db");
  ASSERT_TRUE(env.service);
  auto& s = env.s;
  auto& service = *env.service;
  // Each year its own numbers: a create in a year with none handed out yet reserves a block
  // inside its transaction.
  auto receipt = [](int year = 2026) { return ServiceOnSqlite::Receipt(2026 - year); };
  std::promise<core::Result<app::CreateResult>> keyed;
  service.Create(receipt(), core::Actor::Complainant(), "public", "key-1", "hash-A",
                 [&](core::Result<app::CreateResult> r) { keyed.set_value(std::move(r)); });
  auto first = keyed.get_future().get();
  ASSERT_TRUE(first.ok()) << first.error().detail;

  std::vector<std::promise<core::Result<app::CreateResult>>> done(5);
  std::promise<Status> sunk;
  int sunk_runs = 0;
  {
    WriterHold hold(*s);
    for (size_t i = 0; i < done.size(); ++i) {
      const bool refused = i == 2;
      service.Create(receipt(i % 2 ? 2026 : 2020 + static_cast<int>(i)), core::Actor::Complainant(),
                     "public", refused ? "key-1" : "", refused ? "hash-B" : "",
                     [&done, i](core::Result<app::CreateResult> r) { done[i].set_value(r); });
      if (i == 3) {
        s->WriteRerunnable(FailsAfterWriting(sunk_runs),
                           [&sunk](Status st) { sunk.set_value(st); });
      }
    }
    EXPECT_TRUE(hold.Release());
  }
  EXPECT_FALSE(sunk.get_future().get());
  EXPECT_EQ(sunk_runs, 2);  // the batch ran again with savepoints
  std::set<std::string> refs{first->reference};
  for (size_t i = 0; i < done.size(); ++i) {
    auto r = done[i].get_future().get();
    if (i == 2) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().type, "idempotency-key-reused");
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().detail;
    EXPECT_TRUE(refs.insert(r->reference).second) << r->reference;
    auto stored = s->GetComplaint(*core::ParseReference(r->reference));
    ASSERT_TRUE(stored && stored->has_value()) << r->reference;
    EXPECT_EQ((*stored)->secret_hash, util::Sha256Hex(r->Body().value("secret", ""))) << i;
  }
  EXPECT_EQ(*s->CountComplaints(), 5);
  // Creates after them, in each of their years, are numbered after every one of them.
  for (int year : {2020, 2024, 2026}) {
    std::promise<core::Result<app::CreateResult>> later;
    service.Create(receipt(year), core::Actor::Complainant(), "public", "", "",
                   [&](core::Result<app::CreateResult> r) { later.set_value(std::move(r)); });
    auto after = later.get_future().get();
    ASSERT_TRUE(after.ok()) << year << ": " << after.error().detail;
    EXPECT_TRUE(refs.insert(after->reference).second) << after->reference;
  }
  EXPECT_EQ(*s->CountComplaints(), 8);
  ExpectChainValid(*s);
}

// Lifecycle actions are such functions too. In one batch: actions on three complaints, a
// second assessment of one of them (refused: the first left it assessed), an action its state
// does not allow, and a write that fails after changing a row, which sends the batch round
// again. Each allowed action is applied once, each refused one changes nothing.
TEST(SqliteStoreTest, ActionsInABatchWithRefusedOnesAreAppliedOnce) {
  ServiceOnSqlite env("a.db");
  ASSERT_TRUE(env.service);
  auto& s = env.s;
  auto& service = *env.service;
  std::vector<core::Reference> refs;
  for (int i = 0; i < 5; ++i) {
    std::promise<core::Result<app::CreateResult>> made;
    service.Create(ServiceOnSqlite::Receipt(), core::Actor::Complainant(), "public", "", "",
                   [&](core::Result<app::CreateResult> r) { made.set_value(std::move(r)); });
    auto r = made.get_future().get();
    ASSERT_TRUE(r.ok()) << r.error().detail;
    refs.push_back(*core::ParseReference(r->reference));
  }
  core::User handler;
  handler.username = "hana";
  handler.role = core::Role::kHandler;
  core::ActionInput assess;
  assess.assessment = core::Assessment{};
  assess.assessment->category = "banking/current-account/fees";
  assess.assessment->severity = 2;
  auto act = [&](size_t i, core::Action a) {
    auto p = std::make_shared<std::promise<core::Result<core::Complaint>>>();
    service.Act(refs[i].ToString(), a, assess, handler,
                [p](core::Result<core::Complaint> r) { p->set_value(std::move(r)); });
    return p->get_future();
  };
  // The last complaint, assessed on its own: what one assessment adds.
  auto alone = act(4, core::Action::kAssess).get();
  ASSERT_TRUE(alone.ok()) << alone.error().detail;
  const size_t events_of_one = s->EventsOf(alone->id)->size();

  std::vector<std::future<core::Result<core::Complaint>>> done;
  std::promise<Status> sunk;
  int sunk_runs = 0;
  {
    WriterHold hold(*s);
    done.push_back(act(0, core::Action::kAssess));
    done.push_back(act(1, core::Action::kAssess));
    done.push_back(act(1, core::Action::kAssess));               // refused: already assessed
    done.push_back(act(2, core::Action::kCommunicateDecision));  // refused: no decision yet
    s->WriteRerunnable(FailsAfterWriting(sunk_runs), [&sunk](Status st) { sunk.set_value(st); });
    done.push_back(act(3, core::Action::kAssess));
    EXPECT_TRUE(hold.Release());
  }
  EXPECT_FALSE(sunk.get_future().get());
  EXPECT_EQ(sunk_runs, 2);
  std::vector<bool> ok;
  for (auto& f : done) {
    auto r = f.get();
    ok.push_back(r.ok());
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::kConflict) << r.error().detail;
    }
  }
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false, false, true}));
  for (size_t i : {0, 1, 3}) {
    auto c = s->GetComplaint(refs[i]);
    ASSERT_TRUE(c && c->has_value());
    EXPECT_EQ((*c)->state, core::State::kAssessed) << i;
    EXPECT_EQ((*c)->version, alone->version) << i;  // one change each
    EXPECT_EQ(s->EventsOf((*c)->id)->size(), events_of_one) << i;
  }
  auto untouched = s->GetComplaint(refs[2]);
  ASSERT_TRUE(untouched && untouched->has_value());
  EXPECT_EQ((*untouched)->state, core::State::kAcknowledged);
  ExpectChainValid(*s);
}

TEST(SqliteStoreTest, ReadOnlyOpenReadsButRefusesWrites) {
  TempDir dir;
  const std::string path = dir.File("r.db");
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->WriteSync([](StoreTx& tx) -> Status {
      core::Event e;
      e.actor = "system";
      e.action = "init";
      e.before = "{}";
      e.after = "{}";
      return tx.AppendEvent(e);
    }));
  }
  auto ro = SqliteStore::OpenReadOnly(path);
  ASSERT_TRUE(ro) << ro.error().detail;
  EXPECT_FALSE((*ro)->Healthy());
  Status w = (*ro)->WriteSync([](StoreTx&) -> Status { return {}; });
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kUnavailable);
  int n = 0;
  ASSERT_TRUE((*ro)->ScanEvents(1, [&](const core::Event&) { return ++n, true; }));
  EXPECT_EQ(n, 1);
  EXPECT_TRUE((*ro)->IntegrityCheck());

  EXPECT_FALSE(SqliteStore::OpenReadOnly(dir.File("missing.db")));
}

TEST(SqliteStoreTest, IntegrityCheckPasses) {
  TempDir dir;
  auto s = OpenOrDie(dir.File("i.db"));
  ASSERT_TRUE(s);
  Status st = s->IntegrityCheck();
  EXPECT_TRUE(st) << st.error().detail;
}

// A database whose facts lag behind its complaints (written before migration 0006, or its
// facts deleted) gets them back, roll-up included, when the store opens it.
TEST(SqliteStoreTest, MissingFactsAreRebuiltOnOpen) {
  TempDir dir;
  const std::string path = dir.File("f.db");
  core::FactQuery by_category;
  by_category.group_by = {core::FactDim::kCategory};
  std::vector<core::FactRow> before;
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    for (int i = 1; i <= 5; ++i) {
      core::Complaint c = ComplaintOnDay(i);
      c.assessment.category = i % 2 ? "odd" : "even";
      ASSERT_TRUE(s->WriteSync([&c](StoreTx& tx) { return tx.InsertComplaint(c); }));
    }
    auto rows = s->Facts(by_category);
    ASSERT_TRUE(rows);
    before = *rows;
    ASSERT_EQ(before.size(), 2u);
    EXPECT_EQ(before[1].tally.received, 3);  // "odd"
  }
  ASSERT_EQ(Exec(path, "DELETE FROM facts; DELETE FROM facts_daily; DELETE FROM facts_monthly"),
            "");
  EXPECT_EQ(Query(path, "SELECT count(*) FROM facts"), std::vector<std::string>{"0"});
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Query(path, "SELECT count(*) FROM facts"), std::vector<std::string>{"5"});
  auto rows = s->Facts(by_category);
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, before);
  core::FactQuery by_state;  // answered from the facts table, not the roll-up
  by_state.group_by = {core::FactDim::kState};
  auto states = s->Facts(by_state);
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ(states->front().tally.received, 5);
}

// Migration 0016 moves each complaint's record out of the complaints table into complaint_docs:
// a store written before it reads the same complaints after it, and takes new writes.
TEST(SqliteStoreTest, RecordsMoveToTheirOwnTable) {
  TempDir dir;
  const std::string path = dir.File("d.db");
  std::vector<core::Complaint> written;
  {
    SqliteStore::Options told;  // a new store is made, not upgraded: nothing to tell
    bool upgraded = false;
    told.on_upgrade = [&upgraded](std::string_view, bool) { upgraded = true; };
    auto s = OpenOrDie(path, told);
    ASSERT_TRUE(s);
    EXPECT_FALSE(upgraded);
    for (int i = 1; i <= 4; ++i) {
      core::Complaint c = ComplaintOnDay(i);
      c.description.value = "record " + std::to_string(i);
      ASSERT_TRUE(s->WriteSync([&c](StoreTx& tx) -> Status {
        if (auto st = tx.InsertComplaint(c); !st) return st;
        core::Note n;  // a row that refers to the complaint's (foreign keys)
        n.complaint_id = c.id;
        n.at = c.received_at;
        n.author = "handler";
        n.body.value = "note " + std::to_string(c.reference.sequence);
        return tx.InsertNote(n);
      }));
      written.push_back(c);
    }
  }
  // Back to the schema of version 15: the record in the complaints row.
  ASSERT_EQ(Exec(path,
                 "ALTER TABLE complaints ADD COLUMN doc TEXT NOT NULL DEFAULT ''; "
                 "UPDATE complaints SET doc = (SELECT d.doc FROM complaint_docs d "
                 "WHERE d.id = complaints.id); DROP TABLE complaint_docs; "
                 "DROP TABLE record_dicts; ALTER TABLE events DROP COLUMN after_packed; "
                 "DELETE FROM schema_migrations WHERE version >= 16"),
            "");
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaints WHERE doc LIKE '%record %'"),
            std::vector<std::string>{"4"});
  {
    // Read-only opens migrate nothing: those that read complaints refuse the older schema.
    auto current = SqliteStore::OpenReadOnly(path, 1, SqliteStore::Schema::kCurrent);
    ASSERT_FALSE(current);
    EXPECT_EQ(current.error().code, Errc::kInvalid);
    EXPECT_NE(current.error().detail.find("schema version is 15, this binary's 21"),
              std::string::npos)
        << current.error().detail;
    EXPECT_TRUE(SqliteStore::OpenReadOnly(path, 1, SqliteStore::Schema::kAny));
  }
  std::vector<std::string> steps;
  auto s = OpenOrDie(path, RecordingUpgrades(steps));
  EXPECT_EQ(steps,
            (std::vector<std::string>{
                "0016_complaint_docs.sql applying", "0016_complaint_docs.sql applied",
                "0017_text_terms_by_node.sql applying", "0017_text_terms_by_node.sql applied",
                "0018_partial_category_investigator.sql applying",
                "0018_partial_category_investigator.sql applied",
                "0019_text_without_sizes.sql applying", "0019_text_without_sizes.sql applied",
                "0020_packed_records.sql applying", "0020_packed_records.sql applied",
                "0021_packed_receipts.sql applying", "0021_packed_receipts.sql applied"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(Query(path, "SELECT count(*) FROM pragma_table_info('complaints') WHERE name = 'doc'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_docs"), std::vector<std::string>{"4"});
  EXPECT_EQ(Query(path,
                  "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = "
                  "'complaints'"),
            std::vector<std::string>{"10"});  // nine made by migrations, and the reference's
  EXPECT_TRUE(Query(path, "PRAGMA foreign_key_check").empty());
  for (const core::Complaint& c : written) {
    auto got = s->GetComplaint(c.reference);
    ASSERT_TRUE(got && got->has_value()) << c.reference.ToString();
    EXPECT_EQ((*got)->description.value, c.description.value);
    EXPECT_EQ((*got)->version, c.version);
    auto notes = s->NotesOf(c.id);
    ASSERT_TRUE(notes);
    ASSERT_EQ(notes->size(), 1u);
    EXPECT_EQ(notes->front().body.value, "note " + std::to_string(c.reference.sequence));
  }
  // An update writes the record's new version in its own table.
  core::Complaint changed = written[1];
  changed.description.value = "record two, changed";
  changed.version += 1;
  ASSERT_TRUE(s->WriteSync([&changed](StoreTx& tx) { return tx.UpdateComplaint(changed); }));
  auto got = s->GetComplaint(changed.reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->description.value, "record two, changed");
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_docs WHERE doc LIKE '%record two%'"),
            std::vector<std::string>{"1"});
}

// Migration 0020: once kDictRecords plain records are in a store, the writer makes a dictionary
// of them, and every record written after it commits is packed (record_pack.hpp), off the
// writer (Store::PackRecord) or by the writer; each reads back as it was written, by every read
// that decodes records (get, scan, the dashboard's clocks), in this process and after a reopen.
TEST(SqliteStoreTest, RecordsArePackedOnceTheStoreHasADictionary) {
  TempDir dir;
  const std::string path = dir.File("d.db");
  auto on_day = [](int i) {
    core::Complaint c = ComplaintOnDay(i);
    c.description.value =
        "The branch charged a fee twice on my account, complaint " + std::to_string(i);
    c.complainant.name = "Zebediah Quux " + std::to_string(i);
    c.complainant.email = "zebediah" + std::to_string(i) + "@example.org";
    core::ClockTrack ack;
    ack.name = "acknowledge";
    ack.rule = "acknowledge";
    ack.state = core::ClockState::kMet;
    ack.anchor = c.received_at;
    ack.due = c.received_at + std::chrono::hours(72);
    ack.ended_at = c.received_at + std::chrono::hours(1);
    ack.breached = i % 2 == 0;
    c.clocks = {ack};
    return c;
  };
  auto same = [](const core::Complaint& want, const core::Complaint& got) {
    EXPECT_EQ(core::EncodeStorage(got), core::EncodeStorage(want)) << want.reference.ToString();
  };
  auto packed_count = [&path] {
    return Query(path, "SELECT count(*) FROM complaint_docs WHERE packed IS NOT NULL").at(0);
  };
  const int plain = store::sqlite::kDictRecords;
  std::vector<core::Complaint> written;
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    // Fewer plain records than a dictionary needs: none is made.
    ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
      for (int i = 1; i < plain; ++i) {
        written.push_back(on_day(i));
        if (auto st = tx.InsertComplaint(written.back()); !st) return st;
      }
      return {};
    }));
    ASSERT_TRUE(s->WriteSync([](StoreTx&) { return Status{}; }));
    EXPECT_EQ(Query(path, "SELECT count(*) FROM record_dicts"), std::vector<std::string>{"0"});
    EXPECT_FALSE(core::IsPackedRecord(s->PackRecord(core::EncodeStorage(written[0]))));
    // The last one it needs: the dictionary is written in a write of its own after that batch,
    // and used once that write is done.
    ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
      written.push_back(on_day(plain));
      return tx.InsertComplaint(written.back());
    }));
    ASSERT_TRUE(WaitForDictionary(*s));
    EXPECT_EQ(Query(path, "SELECT count(*) FROM record_dicts"), std::vector<std::string>{"1"});
    EXPECT_EQ(packed_count(), "0");
    // The dictionary keeps what records share, never a complainant's data (DictSample).
    auto in_dict = [&path](const std::string& text) {
      return Query(path, "SELECT instr(CAST(dict AS TEXT), '" + text + "') > 0 FROM record_dicts")
          .at(0);
    };
    EXPECT_EQ(in_dict("\"acknowledge\""), "1");
    EXPECT_EQ(in_dict("Zebediah"), "0");
    EXPECT_EQ(in_dict("zebediah"), "0");
    EXPECT_EQ(in_dict("charged a fee"), "0");
    // Packed off the writer, without its reference, and packed by the writer.
    core::Complaint off = on_day(plain + 1);
    const std::string doc = s->PackRecord(core::EncodeStorage(off));
    ASSERT_TRUE(core::IsPackedRecord(doc));
    EXPECT_EQ(doc.find(off.reference.ToString()), std::string::npos);
    EXPECT_LT(doc.size() * 2, core::EncodeStorage(off).size());
    core::Complaint on = on_day(plain + 2);
    ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
      if (auto st = tx.InsertComplaint(off, doc); !st) return st;
      return tx.InsertComplaint(on);
    }));
    written.push_back(off);
    written.push_back(on);
    EXPECT_EQ(packed_count(), "2");
    EXPECT_EQ(
        Query(path, "SELECT count(*) FROM complaint_docs WHERE packed IS NOT NULL AND doc = ''"),
        std::vector<std::string>{"2"});
    for (const core::Complaint& c : written) {
      auto got = s->GetComplaint(c.reference);
      ASSERT_TRUE(got && got->has_value()) << c.reference.ToString();
      same(c, **got);
    }
    // An update of a plain record packs it; one of a packed record keeps it packed.
    written[0].description.value = "Changed after the dictionary";
    written[0].version += 1;
    written[plain].description.value = "Changed while packed";
    written[plain].version += 1;
    ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
      if (auto st = tx.UpdateComplaint(written[0]); !st) return st;
      auto loaded = tx.LoadComplaint(written[plain].reference);  // the writer unpacks too
      if (!loaded || !loaded->has_value()) return core::MakeError(Errc::kInternal, "no load");
      EXPECT_EQ((*loaded)->description.value, off.description.value);
      return tx.UpdateComplaint(written[plain]);
    }));
    EXPECT_EQ(packed_count(), "3");
    for (size_t i : {size_t{0}, static_cast<size_t>(plain)}) {
      auto got = s->GetComplaint(written[i].reference);
      ASSERT_TRUE(got && got->has_value());
      same(written[i], **got);
    }
    core::DashboardQuery q;
    q.since = written[0].received_at;
    q.age_edges = {q.since, q.since, q.since};
    auto d = s->Dashboard(q);
    ASSERT_TRUE(d) << d.error().detail;
    const int64_t breached = (plain + 2) / 2;  // the even days
    EXPECT_EQ(d->clocks["acknowledge"].breached, breached);
    EXPECT_EQ(d->clocks["acknowledge"].met, plain + 2 - breached);
  }
  // Reopened: the same dictionary packs new records, and every record reads back, by a get
  // and by a scan.
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  core::Complaint later = on_day(plain + 3);
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(later); }));
  written.push_back(later);
  EXPECT_EQ(Query(path, "SELECT count(*) FROM record_dicts"), std::vector<std::string>{"1"});
  EXPECT_EQ(packed_count(), "4");
  size_t scanned = 0;
  ASSERT_TRUE(s->ScanComplaints(0, [&](const core::Complaint& c) {
    if (scanned < written.size()) same(written[scanned], c);
    ++scanned;
    return true;
  }));
  EXPECT_EQ(scanned, written.size());
  auto ro = SqliteStore::OpenReadOnly(path);
  ASSERT_TRUE(ro);
  auto got = (*ro)->GetComplaint(later.reference);
  ASSERT_TRUE(got && got->has_value());
  same(later, **got);
  // A broken packed record, or one naming a dictionary the store lacks, is an error, not a
  // wrong record.
  s.reset();
  ro->reset();
  ASSERT_EQ(Exec(path, ("UPDATE complaint_docs SET packed = substr(packed, 1, 8) WHERE id = " +
                        std::to_string(written[plain].id))
                           .c_str()),
            "");
  ASSERT_EQ(
      Exec(path, ("UPDATE complaint_docs SET packed = CAST(x'0107' || substr(packed, 3) AS BLOB) "
                  "WHERE id = " +
                  std::to_string(later.id))
                     .c_str()),
      "");
  // A size in the header far beyond what its block can hold (2 GiB) is refused before any
  // allocation.
  ASSERT_EQ(Exec(path, ("UPDATE complaint_docs SET packed = x'0101ffffffff070100' WHERE id = " +
                        std::to_string(written[0].id))
                           .c_str()),
            "");
  s = OpenOrDie(path);
  ASSERT_TRUE(s);
  auto huge = s->GetComplaint(written[0].reference);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, Errc::kInternal);
  EXPECT_NE(huge.error().detail.find("broken"), std::string::npos) << huge.error().detail;
  auto broken = s->GetComplaint(written[plain].reference);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::kInternal);
  auto missing = s->GetComplaint(later.reference);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("dictionary 7"), std::string::npos)
      << missing.error().detail;
}

// Migration 0021: an event handed to the store with its `after` packed (the receipt's copy of
// the record, packed off the writer as intake does) is stored packed, and every read of events
// (a complaint's, the scan the audit verifies) gives back the JSON whose digest was chained.
TEST(SqliteStoreTest, ReceiptsArePackedLikeRecords) {
  TempDir dir;
  const std::string path = dir.File("e.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  std::vector<core::Complaint> written;
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
    for (int i = 1; i <= store::sqlite::kDictRecords; ++i) {
      written.push_back(ComplaintOnDay(i));
      if (auto st = tx.InsertComplaint(written.back()); !st) return st;
    }
    return {};
  }));
  ASSERT_TRUE(WaitForDictionary(*s));
  const core::Complaint& c = written.back();
  auto event = [&c](std::string action, std::string after) {
    core::Event e;
    e.complaint_id = c.id;
    e.reference = c.reference.ToString();
    e.at = c.received_at;
    e.actor = "system";
    e.action = std::move(action);
    e.before = "{}";
    e.after = std::move(after);
    return e;
  };
  core::Event receipt = event("received", core::EncodeStorage(c));
  receipt.packed_after = s->PackRecord(receipt.after);
  ASSERT_TRUE(core::IsPackedRecord(receipt.packed_after));
  EXPECT_EQ(receipt.packed_after.find(c.reference.ToString()), std::string::npos);
  core::Event plain = event("acknowledged", R"({"state":"acknowledged"})");
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.AppendEvent(receipt); !st) return st;
    return tx.AppendEvent(plain);
  }));
  EXPECT_EQ(Query(path,
                  "SELECT action || '|' || length(\"after\") || '|' || (after_packed IS NULL) "
                  "FROM events ORDER BY seq"),
            (std::vector<std::string>{"received|0|0", "acknowledged|24|1"}));
  auto same = [&](const core::Event& got, const core::Event& want) {
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.after, want.after);
    EXPECT_TRUE(got.packed_after.empty());
    EXPECT_EQ(got.payload_digest, util::Sha256Hex(core::PayloadBytes(want)));
  };
  auto events = s->EventsOf(c.id);
  ASSERT_TRUE(events) << events.error().detail;
  ASSERT_EQ(events->size(), 2u);
  same((*events)[0], receipt);
  same((*events)[1], plain);
  std::vector<core::Event> scanned;
  ASSERT_TRUE(s->ScanEvents(0, [&](const core::Event& e) {
    scanned.push_back(e);
    return true;
  }));
  ASSERT_EQ(scanned.size(), 2u);
  same(scanned[0], receipt);
  // A broken one is an error, not a wrong payload.
  s.reset();
  ASSERT_EQ(Exec(path, "UPDATE events SET after_packed = substr(after_packed, 1, 8) WHERE seq = 1"),
            "");
  s = OpenOrDie(path);
  ASSERT_TRUE(s);
  auto broken = s->EventsOf(c.id);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::kInternal);
}

// `redress pack`: records and receipts written plain (by an older binary, or before the store
// had a dictionary) are packed in writes of a few rows each, and read back as they were; a
// payload that would not unpack to its text with its event's reference stays plain; VACUUM
// then gives the space back.
TEST(SqliteStoreTest, PackPlainPacksWhatWasWrittenPlain) {
  TempDir dir;
  const std::string path = dir.File("p.db");
  {
    auto few = OpenOrDie(path);
    ASSERT_TRUE(few);
    ASSERT_TRUE(few->WriteSync([](StoreTx& tx) {
      core::Complaint c = ComplaintOnDay(1);
      return tx.InsertComplaint(c);
    }));
    auto none = few->PackPlain(10);
    ASSERT_TRUE(none) << none.error().detail;
    EXPECT_FALSE(none->dictionary);
    EXPECT_EQ(none->records, 0);
  }
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  std::vector<core::Complaint> written;
  const int count = store::sqlite::kDictRecords + 10;
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {  // one batch: every record plain
    for (int i = 2; i <= count; ++i) {
      written.push_back(ComplaintOnDay(i));
      written.back().description.value = "A long enough description, " + std::string(400, 'x');
      if (auto st = tx.InsertComplaint(written.back()); !st) return st;
    }
    return {};
  }));
  const core::Complaint& first = written[0];
  auto receipt = [&first](const core::Complaint& of) {
    core::Event e;
    e.complaint_id = first.id;
    e.reference = first.reference.ToString();
    e.at = first.received_at;
    e.actor = "system";
    e.action = "received";
    e.before = "{}";
    e.after = core::EncodeStorage(of);
    return e;
  };
  core::Event own = receipt(first);
  core::Event other = receipt(written[1]);  // opens with another complaint's reference
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.AppendEvent(own); !st) return st;
    return tx.AppendEvent(other);
  }));
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_docs WHERE packed IS NULL"),
            std::vector<std::string>{std::to_string(count)});  // one from the first open
  std::vector<int64_t> seen;
  auto n =
      s->PackPlain(7, [&seen](const SqliteStore::PackCounts& k) { seen.push_back(k.records); });
  ASSERT_TRUE(n) << n.error().detail;
  EXPECT_TRUE(n->dictionary);
  EXPECT_EQ(n->records, count);
  EXPECT_EQ(n->payloads, 1);
  EXPECT_EQ(n->kept_plain, 1);
  EXPECT_LT(n->bytes_after * 3, n->bytes_before);
  EXPECT_GT(seen.size(), 8u);  // a write of 7 rows at a time, told as it goes
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_docs WHERE packed IS NULL OR doc <> ''"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT group_concat(after_packed IS NOT NULL) FROM events"),
            std::vector<std::string>{"1,0"});
  for (const core::Complaint& c : written) {
    auto got = s->GetComplaint(c.reference);
    ASSERT_TRUE(got && got->has_value()) << c.reference.ToString();
    EXPECT_EQ(core::EncodeStorage(**got), core::EncodeStorage(c));
  }
  auto events = s->EventsOf(first.id);
  ASSERT_TRUE(events) << events.error().detail;
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].after, own.after);
  EXPECT_EQ((*events)[1].after, other.after);
  for (const core::Event& e : *events) {
    EXPECT_EQ(e.payload_digest, util::Sha256Hex(core::PayloadBytes(e)));
  }
  auto again = s->PackPlain(7);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->records + again->payloads, 0);
  s.reset();
  const auto before = std::filesystem::file_size(path);
  ASSERT_TRUE(SqliteStore::Vacuum(path));
  EXPECT_LT(std::filesystem::file_size(path), before);
  s = OpenOrDie(path);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->IntegrityCheck());
  auto got = s->GetComplaint(written.back().reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(core::EncodeStorage(**got), core::EncodeStorage(written.back()));
}

// Migration 0019 makes the full-text index again without per-row column sizes: a store
// written before it finds the same complaints by description and by note after it, and its
// index keeps up with new notes and descriptions.
TEST(SqliteStoreTest, FullTextIndexWithoutSizes) {
  TempDir dir;
  const std::string path = dir.File("d.db");
  auto ids_of = [](SqliteStore& s, const std::string& text) {
    core::ListQuery q;
    q.scope.all = true;
    q.text = text;
    std::vector<int64_t> ids;
    auto page = s.ListComplaints(q);
    EXPECT_TRUE(page) << text;
    if (page) {
      for (const auto& row : page->items) ids.push_back(row.id);
    }
    return ids;
  };
  std::vector<core::Complaint> written;
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    for (int i = 1; i <= 3; ++i) {
      core::Complaint c = ComplaintOnDay(i);
      c.description.value = i == 2 ? "The branch refused my mortgage" : "A fee charged twice";
      ASSERT_TRUE(s->WriteSync([&c](StoreTx& tx) -> Status {
        if (auto st = tx.InsertComplaint(c); !st) return st;
        if (c.id != 3) return {};
        core::Note n;
        n.complaint_id = c.id;
        n.at = c.received_at;
        n.author = "handler";
        n.body.value = "Spoke to the ombudsman";
        return tx.InsertNote(n);
      }));
      written.push_back(c);
    }
  }
  // Back to version 18's index: the same content, with each row's column sizes.
  ASSERT_EQ(Exec(path,
                 "CREATE VIRTUAL TABLE text18 USING fts5 (description, notes, "
                 "tokenize = 'unicode61 remove_diacritics 2'); "
                 "INSERT INTO text18 (rowid, description, notes) "
                 "SELECT rowid, description, notes FROM complaint_text; "
                 "DROP TABLE complaint_text; ALTER TABLE text18 RENAME TO complaint_text; "
                 "DELETE FROM schema_migrations WHERE version = 19"),
            "");
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_text_docsize"),
            std::vector<std::string>{"3"});
  std::vector<std::string> steps;
  auto s = OpenOrDie(path, RecordingUpgrades(steps));
  ASSERT_TRUE(s);
  EXPECT_EQ(steps, (std::vector<std::string>{"0019_text_without_sizes.sql applying",
                                             "0019_text_without_sizes.sql applied"}));
  EXPECT_EQ(Query(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'complaint_text%'"),
            std::vector<std::string>{"5"});  // the table and four of its own, no sizes
  EXPECT_EQ(Query(path,
                  "SELECT count(*) FROM sqlite_schema WHERE name = "
                  "'complaint_text_docsize'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(ids_of(*s, "mortgage"), std::vector<int64_t>{written[1].id});
  EXPECT_EQ(ids_of(*s, "charged"), (std::vector<int64_t>{written[2].id, written[0].id}));
  EXPECT_EQ(ids_of(*s, "ombudsman"), std::vector<int64_t>{written[2].id});
  // New notes and a new description are found; the old description is not.
  core::Complaint changed = written[0];
  changed.description.value = "The cash machine kept my card";
  changed.version += 1;
  ASSERT_TRUE(s->WriteSync([&changed](StoreTx& tx) -> Status {
    if (auto st = tx.UpdateComplaint(changed); !st) return st;
    core::Note n;
    n.complaint_id = changed.id;
    n.at = changed.received_at;
    n.author = "handler";
    n.body.value = "Card returned by courier";
    return tx.InsertNote(n);
  }));
  EXPECT_EQ(ids_of(*s, "charged"), std::vector<int64_t>{written[2].id});
  EXPECT_EQ(ids_of(*s, "machine courier"), std::vector<int64_t>{written[0].id});
  EXPECT_EQ(Exec(path, "INSERT INTO complaint_text (complaint_text) VALUES ('integrity-check')"),
            "");
}

// Complaint i of the bulk-load tests: two categories, over several days and months.
core::Complaint BulkComplaint(int i) {
  core::Complaint c = StoredComplaint(
      i, core::FromMillis(1'780'000'000'000 + (i % 40) * 86'400'000LL),
      std::string(i % 2 ? "mortgage" : "overdraft") + " complaint number" + std::to_string(i));
  c.assessment.category = i % 3 ? "billing" : "service";
  c.subject.product = i % 2 ? "loan" : "card";
  return c;
}

// Writes complaints first..last, `per_write` to a Write().
void WriteBulk(SqliteStore& s, int first, int last, int per_write) {
  for (int i = first; i <= last; i += per_write) {
    ASSERT_TRUE(s.WriteSync([&](StoreTx& tx) -> Status {
      for (int j = i; j < i + per_write && j <= last; ++j) {
        core::Complaint c = BulkComplaint(j);
        if (auto st = tx.InsertComplaint(c); !st) return st;
        core::Event e = CreatedEvent(c, c.received_at);
        if (auto st = tx.AppendEvent(e); !st) return st;
      }
      return {};
    }));
  }
}

// Holds the syncer's flushes (SqliteStore::Options::before_flush) until Release(), or for ten
// seconds at most (a test that stops early does not hang closing its store).
class HeldFlushes {
 public:
  SqliteStore::Options Options() {
    SqliteStore::Options o;
    o.before_flush = [this, gate = gate_] {
      ++started_;
      gate.wait_for(std::chrono::seconds(10));
    };
    return o;
  }
  // Waits until a flush has started (five seconds at most); how many have.
  int AwaitStarted() {
    for (int i = 0; i < 1000 && started_.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return started_.load();
  }
  void Release() { let_go_.set_value(); }

 private:
  std::promise<void> let_go_;
  std::shared_future<void> gate_ = let_go_.get_future().share();
  std::atomic<int> started_{0};
};

// Queues complaint `i`'s creation (a rerunnable write); `done` gets its result.
void Create(SqliteStore& s, int i, std::promise<Status>& done) {
  s.WriteRerunnable(
      [i](StoreTx& tx) -> Status {
        core::Complaint c = BulkComplaint(i);
        if (auto st = tx.InsertComplaint(c); !st) return st;
        core::Event e = CreatedEvent(c, c.received_at);
        return tx.AppendEvent(e);
      },
      [&done](Status st) { done.set_value(st); });
}

// The writer's commits are flushed to the disk by a thread beside it while the writer goes on:
// a write is told done only once the flush that covers its commit is done. A reader may see the
// commit before (AllDurable() says so), and WhenDurable() calls back once it is on the disk.
TEST(SqliteStoreTest, AWriteIsDoneOnlyOnceItsCommitIsFlushed) {
  TempDir dir;
  const std::string path = dir.File("f.db");
  HeldFlushes held;
  auto s = OpenOrDie(path, held.Options());
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->AllDurable());

  std::promise<Status> done;
  auto written = done.get_future();
  Create(*s, 1, done);
  ASSERT_EQ(held.AwaitStarted(), 1) << "the syncer never took the commit";
  EXPECT_EQ(written.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "the write was told done before its commit was flushed";
  // Committed, so readable, and not yet durable.
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaints"), std::vector<std::string>{"1"});
  EXPECT_FALSE(s->AllDurable());
  std::atomic<bool> durable{false};
  s->WhenDurable([&durable] { durable = true; });
  EXPECT_FALSE(durable.load());

  held.Release();
  ASSERT_EQ(written.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(written.get());
  for (int i = 0; i < 1000 && !durable.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(durable.load());
  EXPECT_TRUE(s->AllDurable());
  // Nothing waits: called at once.
  bool at_once = false;
  s->WhenDurable([&at_once] { at_once = true; });
  EXPECT_TRUE(at_once);
  const std::optional<core::WriterStats> w = s->WriterStatistics();
  ASSERT_TRUE(w && w->wal);
  ASSERT_TRUE(w->wal->flush_seconds);
  EXPECT_GE(w->wal->flush_seconds->count, 1u);  // the syncer's flush, timed as the WAL's
}

// While a commit is being flushed, the writes queued meanwhile join the writer's next
// transaction, which commits once that flush is done: one commit for all of them.
TEST(SqliteStoreTest, WritesQueuedDuringAFlushShareTheNextCommit) {
  TempDir dir;
  const std::string path = dir.File("f.db");
  HeldFlushes held;
  auto s = OpenOrDie(path, held.Options());
  ASSERT_TRUE(s);
  std::vector<std::promise<Status>> done(4);
  Create(*s, 1, done[0]);
  ASSERT_EQ(held.AwaitStarted(), 1);
  const uint64_t batches_before = s->WriterStatistics()->batches;
  for (int i = 2; i <= 4; ++i) Create(*s, i, done[static_cast<size_t>(i - 1)]);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The three are in the writer's open transaction: not committed while the flush waits.
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaints"), std::vector<std::string>{"1"});
  held.Release();
  for (auto& d : done) EXPECT_TRUE(d.get_future().get());
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaints"), std::vector<std::string>{"4"});
  EXPECT_EQ(s->WriterStatistics()->batches, batches_before + 1);
}

// Without the flush beside the writer, each commit syncs before its write is done: nothing is
// ever readable before it is durable.
TEST(SqliteStoreTest, TheWriterCanFlushEachCommitItself) {
  TempDir dir;
  std::atomic<int> flushes{0};
  SqliteStore::Options o;
  o.flush_beside_writer = false;
  o.before_flush = [&flushes] { ++flushes; };
  auto s = OpenOrDie(dir.File("f.db"), o);
  ASSERT_TRUE(s);
  WriteBulk(*s, 1, 10, 1);
  EXPECT_TRUE(s->AllDurable());
  EXPECT_EQ(flushes.load(), 0);
  const std::optional<core::WriterStats> w = s->WriterStatistics();
  ASSERT_TRUE(w && w->wal);
  ASSERT_TRUE(w->wal->flush_seconds);
  EXPECT_GE(w->wal->flush_seconds->count, 10u);
}

// Pair roll-up rows only under a filter value: the bulk complaints have a category and a
// product but no department, location or handler (migration 0015).
TEST(SqliteStoreTest, PairRollupsOnlyUnderAFilterValue) {
  TempDir dir;
  const std::string path = dir.File("pairs.db");
  const char* const kEmptyFilterRows =
      "SELECT count(*) FROM facts_daily WHERE instr(kind, '+') > 0 AND substr(value, 1, 1) = "
      "char(31)";
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    WriteBulk(*s, 1, 30, 7);
  }
  EXPECT_EQ(Query(path, kEmptyFilterRows), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM facts_daily WHERE kind LIKE 'department+%'"),
            std::vector<std::string>{"0"});
  EXPECT_NE(Query(path, "SELECT count(*) FROM facts_daily WHERE kind = 'product+category'"),
            std::vector<std::string>{"0"});
  // A store written before version 15 held such rows; the migration removes them.
  ASSERT_EQ(Exec(path,
                 "INSERT INTO facts_daily SELECT 'department+category', day, char(31) || "
                 "value, received, open, closed, ack_met, ack_breached, final_met, "
                 "final_breached, upheld, partly_upheld, not_upheld, redress_minor, "
                 "redressed, reopened, referred, early, surveys, handling_sum, "
                 "outcome_sum FROM facts_daily WHERE kind = 'category'; "
                 "DELETE FROM schema_migrations WHERE version = 15"),
            "");
  ASSERT_NE(Query(path, kEmptyFilterRows), std::vector<std::string>{"0"});
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Query(path, kEmptyFilterRows), std::vector<std::string>{"0"});
  // A dashboard filtered by no department reads the facts, and counts every complaint.
  core::FactQuery q;
  q.where = {{core::FactDim::kDepartment, ""}};
  q.group_by = {core::FactDim::kCategory};
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
  auto rows = s->Facts(q);
  ASSERT_TRUE(rows);
  int64_t total = 0;
  for (const auto& r : *rows) total += r.tally.received;
  EXPECT_EQ(total, 30);
}

const char* const kRollupRows =
    "SELECT kind || '|' || day || '|' || value || '|' || received || '|' || open FROM facts_daily "
    "UNION ALL SELECT kind || '|m' || month || '|' || value || '|' || received FROM "
    "facts_monthly ORDER BY 1";
const char* const kIndexNames =
    "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name";
// What the full-text index finds (BulkComplaint's descriptions), and its own consistency check.
const char* const kTextFound =
    "SELECT 'mortgage ' || rowid FROM complaint_text WHERE complaint_text MATCH 'mortgage' UNION "
    "ALL SELECT 'number ' || rowid FROM complaint_text WHERE complaint_text MATCH 'number7*' "
    "ORDER BY 1";
const char* const kTextIntegrity =
    "INSERT INTO complaint_text (complaint_text) VALUES ('integrity-check')";

TEST(SqliteStoreTest, BulkLoadWritesRollupsAndIndexesAtTheEnd) {
  TempDir dir;
  // The reference: the same complaints written without a bulk load.
  const std::string plain = dir.File("plain.db");
  {
    auto s = OpenOrDie(plain);
    ASSERT_TRUE(s);
    WriteBulk(*s, 1, 120, 7);
  }
  const auto want_rollups = Query(plain, kRollupRows);
  const auto want_indexes = Query(plain, kIndexNames);
  const auto want_text = Query(plain, kTextFound);
  ASSERT_GT(want_rollups.size(), 100u);
  ASSERT_GT(want_indexes.size(), 15u);
  ASSERT_EQ(want_text.size(), 60u + 11u);  // the odd numbers; number7 and number70-79

  const std::string path = dir.File("bulk.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->BeginBulkLoad(true));
  // The complaints', events' and facts' secondary indexes are gone but for those kept in step
  // (the events by complaint, in order; the partial ones few imported rows enter); the
  // reference's unique index (no SQL of its own) stays, so duplicates are still refused.
  const std::vector<std::string> kept{
      "complaints_clock",    "complaints_due",   "complaints_follow_up", "events_complaint",
      "facts_by_department", "facts_by_handler", "facts_by_location",    "facts_open"};
  const auto during = Query(path, kIndexNames);
  EXPECT_LT(during.size(), want_indexes.size());
  for (const auto& name : kept) {
    EXPECT_NE(std::find(during.begin(), during.end(), name), during.end()) << name;
  }
  for (const auto& name : during) {
    if (std::find(kept.begin(), kept.end(), name) != kept.end()) continue;
    EXPECT_EQ(name.rfind("complaints_", 0), std::string::npos) << name;
    EXPECT_EQ(name.rfind("facts_", 0), std::string::npos) << name;
  }
  WriteBulk(*s, 1, 120, 7);
  // The indexes kept in step hold every row that belongs in them.
  ASSERT_TRUE(s->IntegrityCheck());
  core::Complaint dup = BulkComplaint(3);
  auto refused = s->WriteSync([&dup](StoreTx& tx) { return tx.InsertComplaint(dup); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kConflict);
  // Roll-ups wait for the end, and say so; so does the full-text index, whose table holds the
  // text meanwhile.
  EXPECT_EQ(Query(path, "SELECT count(*) FROM facts_daily"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT value FROM store_flags WHERE name = 'rollups_stale'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query(path, "SELECT value FROM store_flags WHERE name = 'text_index_stale'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query(path, kTextFound), std::vector<std::string>{});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaint_text"), std::vector<std::string>{"120"});
  // A second bulk load of the same store, from another opening of it, is refused.
  {
    auto other = OpenOrDie(path);
    ASSERT_TRUE(other);
    auto second = other->BeginBulkLoad(false);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::kConflict);
    // Opening it did not finish the running load's work either.
    EXPECT_EQ(Query(path, "SELECT count(*) FROM facts_daily"), std::vector<std::string>{"0"});
  }

  // The end says each step before it runs it: the roll-ups, then every dropped index once, in
  // name order, then the full-text index, counted.
  std::vector<std::string> steps;
  ASSERT_TRUE(s->EndBulkLoad([&steps](const SqliteStore::BulkLoadStep& step) {
    steps.push_back(step.kind == SqliteStore::BulkLoadStep::kRollups
                        ? "rollups"
                        : std::to_string(step.index) + "/" + std::to_string(step.of) + " " +
                              step.name);
  }));
  std::vector<std::string> want_steps{"rollups"};
  std::vector<std::string> dropped;
  for (const auto& name : want_indexes) {
    if (std::find(during.begin(), during.end(), name) == during.end()) dropped.push_back(name);
  }
  dropped.push_back("complaint_text");
  for (size_t i = 0; i < dropped.size(); ++i) {
    want_steps.push_back(std::to_string(i + 1) + "/" + std::to_string(dropped.size()) + " " +
                         dropped[i]);
  }
  EXPECT_EQ(steps, want_steps);
  EXPECT_EQ(Query(path, kRollupRows), want_rollups);
  EXPECT_EQ(Query(path, kIndexNames), want_indexes);
  EXPECT_EQ(Query(path, kTextFound), want_text);
  EXPECT_EQ(Exec(path, kTextIntegrity), "");
  // The large in-memory hash of the build is not left for ordinary writes.
  EXPECT_EQ(Query(path, "SELECT v FROM complaint_text_config WHERE k = 'hashsize'"),
            std::vector<std::string>{"1048576"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM store_flags"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM deferred_indexes"), std::vector<std::string>{"0"});
  // Writes after the end keep the roll-ups and the full-text index as before.
  WriteBulk(*s, 121, 130, 3);
  ASSERT_TRUE(s->IntegrityCheck());
  s.reset();
  auto p = OpenOrDie(plain);
  ASSERT_TRUE(p);
  WriteBulk(*p, 121, 130, 3);
  p.reset();
  EXPECT_EQ(Query(path, kRollupRows), Query(plain, kRollupRows));
  EXPECT_EQ(Query(path, kTextFound), Query(plain, kTextFound));
  EXPECT_EQ(Exec(path, kTextIntegrity), "");
}

// An index built under SorterSettings, its keys past one 2 MiB sorted run, on a connection set
// as the writer is (temporary storage in memory, a 64 MiB cache): helper threads and short
// runs while it builds, the connection's own settings after, and the same index either way.
TEST(SqliteStoreTest, IndexBuildsSortOnHelperThreadsAndPutTheSettingsBack) {
  TempDir dir;
  auto conn =
      store::sqlite::Conn::Open(dir.File("sort.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_TRUE(conn);
  store::sqlite::Conn& c = **conn;
  auto pragma = [&c](const char* name) -> int64_t {
    auto v = store::sqlite::PragmaInt(c.db(), name);
    return v ? *v : -1;
  };
  ASSERT_TRUE(c.Exec("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536", "test"));
  ASSERT_TRUE(
      c.Exec("CREATE TABLE t (k TEXT, n INTEGER);"
             "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 60000) "
             "INSERT INTO t SELECT printf('%08d-%s', (i * 7919) % 60000, "
             "'a category name of some length'), i FROM s",
             "test"));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  {
    store::sqlite::SorterSettings sorter(c);
    EXPECT_TRUE(sorter.active());
    EXPECT_EQ(pragma("temp_store"), 1);  // FILE
    EXPECT_EQ(pragma("threads"), std::min<int64_t>(cores, 8));
    EXPECT_EQ(pragma("cache_size"), -2048);
    EXPECT_TRUE(sorter.Restore(c.Exec("CREATE INDEX t_k ON t (k, n)", "test")));
  }
  EXPECT_EQ(pragma("temp_store"), 2);  // MEMORY
  EXPECT_EQ(pragma("threads"), 0);
  EXPECT_EQ(pragma("cache_size"), -65536);
  ASSERT_TRUE(c.Exec("CREATE INDEX t_k_plain ON t (k, n)", "test"));  // the writer's settings
  auto check = [&c](const char* index) {
    sqlite3_stmt* st = nullptr;
    const std::string sql =
        std::string("SELECT count(*), min(k), max(k) FROM t INDEXED BY ") + index;
    std::string out;
    if (sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < 3; ++i) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        out += std::string(p != nullptr ? p : "") + "|";
      }
    }
    sqlite3_finalize(st);
    return out;
  };
  EXPECT_EQ(check("t_k"),
            "60000|00000000-a category name of some length|"
            "00059999-a category name of some length|");
  EXPECT_EQ(check("t_k"), check("t_k_plain"));
  EXPECT_TRUE(c.Exec("PRAGMA integrity_check", "test"));

  // Where SQLite refuses them (a transaction that opened the temporary database), nothing
  // changes and the index is built all the same.
  ASSERT_TRUE(c.Exec("BEGIN; CREATE TEMP TABLE scratch (x)", "test"));
  {
    store::sqlite::SorterSettings sorter(c);
    EXPECT_FALSE(sorter.active());
    EXPECT_EQ(pragma("temp_store"), 2);
    EXPECT_EQ(pragma("threads"), 0);
    EXPECT_EQ(pragma("cache_size"), -65536);
    EXPECT_TRUE(sorter.Restore(c.Exec("CREATE INDEX t_n ON t (n)", "test")));
  }
  EXPECT_EQ(pragma("temp_store"), 2);
  EXPECT_EQ(pragma("threads"), 0);
  ASSERT_TRUE(c.Exec("COMMIT", "test"));
}

// The last connection to close checkpoints and removes the WAL: the next process starts from
// the database file alone.
TEST(SqliteStoreTest, ClosingLeavesNoWal) {
  TempDir dir;
  const std::string path = dir.File("w.db");
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    WriteBulk(*s, 1, 50, 10);
    auto got = s->GetComplaint(BulkComplaint(7).reference);  // a reader has been used
    ASSERT_TRUE(got && got->has_value());
    EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  }
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_EQ(Query(path, "SELECT count(*) FROM complaints"), std::vector<std::string>{"50"});
}

// SQLite takes SQLITE_CONFIG_MEMSTATUS only before its first use; the store's first call into
// it is the combining VFS's look-up, which initialises it. With the setting in force SQLite
// counts no memory at all, so its count stays 0 through an open, writes and a read.
TEST(SqliteStoreTest, MemoryStatisticsAreOffFromTheFirstOpen) {
  if (sqlite3_memory_used() != 0) {
    GTEST_SKIP() << "SQLite was initialised before this test (run it on its own, as ctest does)";
  }
  TempDir dir;
  auto s = OpenOrDie(dir.File("m.db"));
  ASSERT_TRUE(s);
  WriteBulk(*s, 1, 20, 10);
  auto got = s->GetComplaint(BulkComplaint(3).reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(sqlite3_memory_used(), 0);
  EXPECT_EQ(sqlite3_memory_highwater(0), 0);
}

// A write of complaints first..first+count-1 that says it started (if `started`), then holds
// the writer, inside its transaction, until `release`.
core::Store::TxFn HeldWrite(int first, int count, std::promise<void>* started,
                            std::shared_future<void> release) {
  return [=](StoreTx& tx) -> Status {
    for (int j = first; j < first + count; ++j) {
      core::Complaint c = BulkComplaint(j);
      if (auto st = tx.InsertComplaint(c); !st) return st;
    }
    if (started != nullptr) started->set_value();
    release.wait();
    return {};
  };
}

// /metrics shows the WAL's size and every checkpoint: the background checkpointer's once the
// WAL passes its threshold, the writer's own when a bulk load empties the WAL.
TEST(SqliteStoreTest, WriterStatisticsShowTheWalsSizeAndItsCheckpoints) {
  TempDir dir;
  const std::string path = dir.File("c.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  // Each read of the figures: the writer's, with the WAL's (a SQLite store always has them).
  auto wal = [&s] {
    const std::optional<core::WriterStats> w = s->WriterStatistics();
    EXPECT_TRUE(w && w->wal);
    return w && w->wal ? *w->wal : core::WalStats{};
  };
  const core::WalStats at_open = wal();
  EXPECT_EQ(at_open.checkpoint_seconds.count, 0u);
  EXPECT_EQ(at_open.writer_checkpoint_seconds.count, 0u);

  // One complaint a commit: each rewrites its indexes' last pages, so the WAL passes the
  // checkpointer's 4,000 pages within a few hundred commits.
  int written = 0;
  core::WalStats now = wal();
  while (now.checkpoint_seconds.count == 0 && written < 3000) {
    ++written;
    WriteBulk(*s, written, written, 1);
    if (written % 50 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the checkpointer's turn
      now = wal();
    }
  }
  EXPECT_GE(now.checkpoint_seconds.count, 1u) << written << " commits";
  EXPECT_GT(now.checkpoint_seconds.sum, 0);
  EXPECT_EQ(now.bytes, std::filesystem::file_size(path + "-wal"));
  EXPECT_GT(now.bytes, 4000u * 8192);  // a PASSIVE checkpoint leaves the file as it was
  EXPECT_EQ(now.writer_checkpoint_seconds.count, 0u);

  // A bulk load's end has the writer empty the WAL itself (TRUNCATE), once the batch that ends
  // it is done (EndBulkLoad may return first).
  ASSERT_TRUE(s->BeginBulkLoad(false));
  ASSERT_TRUE(s->EndBulkLoad());
  core::WalStats after = wal();
  for (int i = 0; i < 500 && after.writer_checkpoint_seconds.count == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    after = wal();
  }
  EXPECT_EQ(after.writer_checkpoint_seconds.count, 1u);
  EXPECT_EQ(after.bytes, 0u);
}

// A store opens beside another that is in the middle of a write (a service starting while an
// import or another service writes): with nothing to migrate or rebuild, opening reads only,
// and does not wait for the writer (its busy wait of 5 s would end in "database is locked").
TEST(SqliteStoreTest, OpensBesideAWriteInProgress) {
  TempDir dir;
  const std::string path = dir.File("busy.db");
  auto writer = OpenOrDie(path);
  ASSERT_TRUE(writer);
  WriteBulk(*writer, 1, 10, 5);
  std::promise<void> started;
  std::promise<void> release;
  std::promise<Status> done;
  writer->Write(HeldWrite(11, 1, &started, release.get_future().share()),
                [&done](Status st) { done.set_value(std::move(st)); });
  started.get_future().wait();
  auto opening = std::async(std::launch::async, [&path] { return OpenOrDie(path); });
  const bool opened = opening.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  release.set_value();
  auto other = opening.get();
  EXPECT_TRUE(opened);
  ASSERT_TRUE(other);
  ASSERT_TRUE(done.get_future().get());
  auto got = other->GetComplaint(BulkComplaint(11).reference);
  ASSERT_TRUE(got && got->has_value());
}

// Byte 18 of a database file's header: 1 in a rollback journal mode, 2 in WAL mode.
int FileFormatByte(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char header[20] = {};
  f.read(header, sizeof header);
  return header[18];
}

// A bulk loader's store alone on its database writes without a WAL, and leaves the database in
// WAL mode when it closes; one opened beside another connection keeps the WAL; and a store
// opened meanwhile (the service starting during an import) puts the WAL back, which the
// loader's store follows.
// The first load into a new store (Options::skip_syncs_if_new) skips the syncs under its mark,
// `<db>.unsynced-load`, until the store goes back to WAL mode: when it closes, or when another
// process asks for the WAL (`joined` below).
TEST(SqliteStoreTest, LoadWithoutWalWhenAlone) {
  TempDir dir;
  SqliteStore::Options load;
  load.load_without_wal = true;
  load.skip_syncs_if_new = true;
  const std::string alone = dir.File("alone.db");
  {
    auto s = OpenOrDie(alone, load);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->SkipsSyncs());
    EXPECT_EQ(ReadFile(alone + ".unsynced-load"), ReadFile("/proc/sys/kernel/random/boot_id"));
    ASSERT_TRUE(s->BeginBulkLoad(true));
    WriteBulk(*s, 1, 40, 8);
    EXPECT_EQ(FileFormatByte(alone), 1);
    EXPECT_FALSE(std::filesystem::exists(alone + "-wal"));
    ASSERT_TRUE(s->EndBulkLoad());
    EXPECT_EQ(FileFormatByte(alone), 1);
    ASSERT_TRUE(s->IntegrityCheck());
    EXPECT_TRUE(std::filesystem::exists(alone + ".unsynced-load"));
  }
  EXPECT_FALSE(std::filesystem::exists(alone + ".unsynced-load"));
  EXPECT_EQ(FileFormatByte(alone), 2);
  {
    auto again = OpenOrDie(alone, load);  // no longer new: synced as any store
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->SkipsSyncs());
    EXPECT_FALSE(std::filesystem::exists(alone + ".unsynced-load"));
    EXPECT_EQ(FileFormatByte(alone), 1);
  }
  EXPECT_EQ(Query(alone, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(Query(alone, "SELECT count(*) FROM complaints"), std::vector<std::string>{"40"});
  EXPECT_EQ(Query(alone, "SELECT count(*) FROM deferred_indexes"), std::vector<std::string>{"0"});

  const std::string shared = dir.File("shared.db");
  auto server = OpenOrDie(shared);
  ASSERT_TRUE(server);
  WriteBulk(*server, 1, 10, 5);
  {
    auto s = OpenOrDie(shared, load);  // at once, not after a busy wait: it is not an error
    ASSERT_TRUE(s);
    WriteBulk(*s, 11, 20, 5);
    EXPECT_EQ(FileFormatByte(shared), 2);
    EXPECT_TRUE(std::filesystem::exists(shared + "-wal"));
  }
  server.reset();

  // A store opening while the loader's writer goes from one batch straight into the next, as
  // an import's does (no busy wait finds the database free), asks the loader to return to WAL
  // mode, which it does between the two batches.
  const std::string joined = dir.File("joined.db");
  auto loader = OpenOrDie(joined, load);
  ASSERT_TRUE(loader);
  WriteBulk(*loader, 1, 10, 5);
  EXPECT_EQ(FileFormatByte(joined), 1);
  EXPECT_TRUE(loader->SkipsSyncs());
  std::promise<void> started1;
  std::promise<void> release1;
  std::promise<void> release2;
  std::promise<Status> done1;
  std::promise<Status> done2;
  loader->Write(HeldWrite(11, 5, &started1, release1.get_future().share()),
                [&done1](Status st) { done1.set_value(std::move(st)); });
  started1.get_future().wait();
  loader->Write(HeldWrite(16, 5, nullptr, release2.get_future().share()),  // the next batch
                [&done2](Status st) { done2.set_value(std::move(st)); });
  auto opening = std::async(std::launch::async, [&joined] { return OpenOrDie(joined); });
  auto wait_for = [](const std::function<bool()>& what) {
    for (int i = 0; i < 300 && !what(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return what();
  };
  EXPECT_TRUE(wait_for([&joined] { return std::filesystem::exists(joined + ".wal-wanted"); }));
  release1.set_value();
  // Back in WAL mode while the second batch still holds the writer.
  const bool switched = wait_for([&joined] { return FileFormatByte(joined) == 2; });
  EXPECT_TRUE(switched);
  release2.set_value();
  auto later = opening.get();
  ASSERT_TRUE(later);
  ASSERT_TRUE(done1.get_future().get());
  ASSERT_TRUE(done2.get_future().get());
  EXPECT_FALSE(std::filesystem::exists(joined + ".wal-wanted"));
  EXPECT_FALSE(loader->SkipsSyncs());  // flushed before the WAL took over
  EXPECT_FALSE(std::filesystem::exists(joined + ".unsynced-load"));
  const int n = 20;
  WriteBulk(*loader, n + 1, n + 5, 5);
  WriteBulk(*later, n + 6, n + 10, 5);
  auto got = later->GetComplaint(BulkComplaint(n + 3).reference);
  ASSERT_TRUE(got && got->has_value());
  loader.reset();
  later.reset();
  EXPECT_EQ(Query(joined, "SELECT count(*) FROM complaints"),
            std::vector<std::string>{std::to_string(n + 10)});
  EXPECT_EQ(FileFormatByte(joined), 2);
}

// A mark of a load without syncs (Options::skip_syncs_if_new) found by an opening: written in
// another boot, the machine stopped during the load, and the store is refused by every opening;
// written in this one, the loader's process died (or runs still): a read-only opening leaves the
// mark, the writer's flushes the file and removes it.
TEST(SqliteStoreTest, MarkOfALoadWithoutSyncs) {
  TempDir dir;
  const std::string db = dir.File("loaded.db");
  {
    auto s = OpenOrDie(db);
    ASSERT_TRUE(s);
    WriteBulk(*s, 1, 10, 5);
  }
  const auto mark = [&db](const std::string& boot_id) {
    std::ofstream(db + ".unsynced-load") << boot_id << "\n";
  };
  mark("00000000-0000-0000-0000-000000000000");
  auto refused = SqliteStore::Open(db, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  EXPECT_NE(refused.error().detail.find("run the import again"), std::string::npos)
      << refused.error().detail;
  auto refused_reading = SqliteStore::OpenReadOnly(db);
  ASSERT_FALSE(refused_reading);
  EXPECT_EQ(refused_reading.error().code, Errc::kUnavailable);
  EXPECT_TRUE(std::filesystem::exists(db + ".unsynced-load"));

  std::string boot_id = ReadFile("/proc/sys/kernel/random/boot_id");
  while (!boot_id.empty() && boot_id.back() == '\n') boot_id.pop_back();
  mark(boot_id);
  {
    auto reading = SqliteStore::OpenReadOnly(db);
    ASSERT_TRUE(reading) << reading.error().detail;
    EXPECT_TRUE(std::filesystem::exists(db + ".unsynced-load"));
  }
  auto s = SqliteStore::Open(db, {});
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_FALSE((*s)->SkipsSyncs());
  EXPECT_FALSE(std::filesystem::exists(db + ".unsynced-load"));
  EXPECT_EQ((*s)->CountComplaints().value(), 10);
}

TEST(SqliteStoreTest, BulkLoadThatDidNotEndIsFinishedOnOpen) {
  TempDir dir;
  const std::string plain = dir.File("plain.db");
  {
    auto s = OpenOrDie(plain);
    ASSERT_TRUE(s);
    WriteBulk(*s, 1, 60, 5);
  }
  const std::string path = dir.File("bulk.db");
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->BeginBulkLoad(true));
    WriteBulk(*s, 1, 60, 5);
    // Closed without EndBulkLoad, as when the import is killed: the lock goes with it.
  }
  EXPECT_EQ(Query(path, "SELECT count(*) FROM facts_daily"), std::vector<std::string>{"0"});
  EXPECT_NE(Query(path, "SELECT count(*) FROM deferred_indexes"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, kTextFound), std::vector<std::string>{});
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(Query(path, kRollupRows), Query(plain, kRollupRows));
  EXPECT_EQ(Query(path, kIndexNames), Query(plain, kIndexNames));
  EXPECT_EQ(Query(path, kTextFound), Query(plain, kTextFound));
  EXPECT_FALSE(Query(path, kTextFound).empty());
  EXPECT_EQ(Exec(path, kTextIntegrity), "");
  EXPECT_EQ(Query(path, "SELECT count(*) FROM store_flags"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(path, "SELECT count(*) FROM deferred_indexes"), std::vector<std::string>{"0"});
}

// Gets of an unchanged complaint copy the record decoded by the first; a change (a new
// version), also one written by another opening of the store, is read again.
TEST(SqliteStoreTest, DecodedComplaintsFollowTheirVersion) {
  TempDir dir;
  const std::string path = dir.File("d.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  core::Complaint c = BulkComplaint(1);
  ASSERT_TRUE(s->WriteSync([&c](StoreTx& tx) { return tx.InsertComplaint(c); }));
  auto first = s->GetComplaint(c.reference);
  ASSERT_TRUE(first && first->has_value());
  auto again = s->GetComplaint(c.reference);
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ(core::EncodeStorage(**again), core::EncodeStorage(**first));
  EXPECT_EQ((*again)->id, c.id);

  core::Complaint changed = **again;
  changed.description = "changed by another process";
  changed.version = 2;
  {
    auto other = OpenOrDie(path);
    ASSERT_TRUE(other);
    ASSERT_TRUE(other->WriteSync([&changed](StoreTx& tx) { return tx.UpdateComplaint(changed); }));
  }
  auto after = s->GetComplaint(c.reference);
  ASSERT_TRUE(after && after->has_value());
  EXPECT_EQ((*after)->version, 2);
  EXPECT_EQ((*after)->description.value, "changed by another process");
}

// The change listener hears, after each commit and before the write is told done, which
// complaints it changed (record, event, note, attachment); a commit by another opening of the
// database (another process) is reported as `all`, without any write of this store's own.
TEST(SqliteStoreTest, ChangeListenerNamesChangedComplaintsBeforeDone) {
  TempDir dir;
  const std::string path = dir.File("l.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  std::mutex mu;
  std::vector<std::pair<std::vector<int64_t>, bool>> heard;  // GUARDED_BY(mu)
  ASSERT_TRUE(s->SetChangeListener([&](const std::vector<int64_t>& ids, bool all) {
    std::lock_guard lock(mu);
    heard.emplace_back(ids, all);
  }));
  auto heard_now = [&] {
    std::lock_guard lock(mu);
    return heard;
  };
  // The writer's first look for other processes has nothing to compare with: it reports `all`
  // (a cache filled before it may be older than another process's commit).
  ASSERT_TRUE(s->WriteSync([](StoreTx&) -> Status { return {}; }));
  ASSERT_FALSE(heard_now().empty());
  EXPECT_TRUE(heard_now().front().second);
  {
    std::lock_guard lock(mu);
    heard.clear();
  }

  core::Complaint a = BulkComplaint(1);
  core::Complaint b = BulkComplaint(2);
  ASSERT_TRUE(s->WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.InsertComplaint(a); !st) return st;
    return tx.InsertComplaint(b);
  }));
  EXPECT_TRUE(heard_now().empty()) << "a new complaint changes no file anyone read";

  // Each kind of change, one write each: by the time `done` runs, the listener has heard.
  auto expect_heard = [&](const char* what, const core::Store::TxFn& fn, int64_t id) {
    const size_t before = heard_now().size();
    std::promise<size_t> told;
    s->Write(fn, [&](Status st) {
      EXPECT_TRUE(st) << what;
      told.set_value(heard_now().size());
    });
    EXPECT_EQ(told.get_future().get(), before + 1) << what;
    const auto last = heard_now().back();
    EXPECT_FALSE(last.second) << what;
    EXPECT_NE(std::find(last.first.begin(), last.first.end(), id), last.first.end()) << what;
  };
  core::Complaint a2 = a;
  a2.version = a.version + 1;
  a2.assignee = "handler";
  expect_heard(
      "update", [&a2](StoreTx& tx) { return tx.UpdateComplaint(a2); }, a.id);
  expect_heard(
      "event",
      [&b](StoreTx& tx) {
        core::Event e = CreatedEvent(b, b.received_at);
        return tx.AppendEvent(e);
      },
      b.id);
  expect_heard(
      "note",
      [&b](StoreTx& tx) {
        core::Note n;
        n.complaint_id = b.id;
        n.at = b.received_at;
        n.author = "handler";
        n.body = "a note";
        return tx.InsertNote(n);
      },
      b.id);
  expect_heard(
      "attachment",
      [&a](StoreTx& tx) {
        core::Attachment att;
        att.complaint_id = a.id;
        att.sha256 = std::string(64, 'a');
        att.content_type = "text/plain";
        att.size = 1;
        att.filename = "a.txt";
        att.uploaded_by = "handler";
        att.at = a.received_at;
        return tx.InsertAttachment(att);
      },
      a.id);

  // A write that fails changes nothing: nothing to hear.
  const size_t before_failed = heard_now().size();
  Status failed = s->WriteSync([&a2](StoreTx& tx) { return tx.UpdateComplaint(a2); });
  EXPECT_FALSE(failed);  // the same version again: a conflict
  EXPECT_EQ(heard_now().size(), before_failed);

  // Another opening of the file commits: reported as `all` while this store is idle.
  const size_t before_other = heard_now().size();
  {
    auto other = OpenOrDie(path);
    ASSERT_TRUE(other);
    core::Complaint a3 = a2;
    a3.version = a2.version + 1;
    a3.assignee = "handler2";
    ASSERT_TRUE(other->WriteSync([&a3](StoreTx& tx) { return tx.UpdateComplaint(a3); }));
  }
  bool all = false;
  for (int i = 0; i < 200 && !all; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto now = heard_now();
    for (size_t k = before_other; k < now.size(); ++k) all = all || now[k].second;
  }
  EXPECT_TRUE(all) << "another process's commit was not reported";

  // Quiet again: no report without a commit.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const size_t settled = heard_now().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(heard_now().size(), settled);

  // Read-only opens cannot see changes.
  auto ro = SqliteStore::OpenReadOnly(path);
  ASSERT_TRUE(ro);
  EXPECT_FALSE((*ro)->SetChangeListener([](const std::vector<int64_t>&, bool) {}));
  s->SetChangeListener({});
}

TEST(SqliteStoreTest, WhichFactQueriesReadTheRollups) {
  using core::FactDim;
  using core::FactPeriod;
  core::FactQuery q;
  q.where = {{FactDim::kProduct, "mortgage"}};
  EXPECT_TRUE(store::sqlite::UsesRollup(q));
  q.group_by = {FactDim::kCategory};
  EXPECT_TRUE(store::sqlite::UsesRollup(q));  // the pair product+category
  q.group_by = {FactPeriod::kWeek, FactDim::kCause};
  EXPECT_TRUE(store::sqlite::UsesRollup(q));
  q.group_by = {FactDim::kHandler};  // no such pair
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
  q.group_by = {FactDim::kResolveDays};  // resolve days are not paired
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
  q.group_by = {FactDim::kCategory, FactDim::kChannel};  // three dimensions
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
  q.where = {{FactDim::kDepartment, "retail"}};
  q.group_by = {FactDim::kCategory};
  EXPECT_TRUE(store::sqlite::UsesRollup(q));
  q.where = {{FactDim::kState, "closed"}};  // state is not a pair filter
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
  q.where = {{FactDim::kDepartment, "retail"}};
  q.where = {{FactDim::kChannel, "email"}};
  q.from = core::Instant(std::chrono::hours(5));  // not on a day boundary
  EXPECT_FALSE(store::sqlite::UsesRollup(q));
}

TEST(SqliteStoreTest, HotQueriesUseIndexes) {
  TempDir dir;
  const std::string path = dir.File("p.db");
  auto s = OpenOrDie(path);
  ASSERT_TRUE(s);
  auto plan = [&](const std::string& sql) {
    std::string all;
    for (const auto& line : Query(path, "EXPLAIN QUERY PLAN " + sql)) all += line + "\n";
    return all;
  };
  auto uses = [](const std::string& p, const std::string& index) {
    return p.find(index) != std::string::npos && p.find("SCAN complaints\n") == std::string::npos &&
           p.find("TEMP B-TREE") == std::string::npos;
  };
  const std::string order = " ORDER BY received_at DESC, id DESC LIMIT 51";
  std::string p = plan("SELECT id FROM complaints WHERE 1" + order);
  EXPECT_NE(p.find("complaints_received"), std::string::npos) << p;
  EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND state = 'received'" + order);
  EXPECT_TRUE(uses(p, "complaints_state")) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND assignee = 'bob'" + order);
  EXPECT_TRUE(uses(p, "complaints_assignee")) << p;
  // The indexes by category and investigator hold only complaints that name one (migration
  // 0018): the list statements say so, and then they serve; without it, they cannot.
  p = plan("SELECT id FROM complaints WHERE 1 AND category = ? AND category <> ''" + order);
  EXPECT_TRUE(uses(p, "complaints_category")) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND category = ?" + order);
  EXPECT_EQ(p.find("complaints_category"), std::string::npos) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND investigator = ? AND investigator <> ''" + order);
  EXPECT_TRUE(uses(p, "complaints_investigator")) << p;
  EXPECT_EQ(Query(path,
                  "SELECT count(*) FROM sqlite_schema WHERE name IN ('complaints_category', "
                  "'complaints_investigator') AND sql LIKE '%WHERE%<> ''''%'"),
            std::vector<std::string>{"2"});
  // A page after a cursor: the rows of the cursor's instant beyond its id, found by one seek
  // on both, then those received before it.
  p = plan("SELECT id FROM complaints WHERE 1 AND received_at = 5 AND id < 5" + order);
  EXPECT_NE(p.find("complaints_received (received_at=? AND rowid<?)"), std::string::npos) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND received_at < 5" + order);
  EXPECT_NE(p.find("complaints_received (received_at<?)"), std::string::npos) << p;
  p = plan("SELECT id FROM complaints WHERE 1 AND received_at = 5 AND id < 5 AND state = 'x'" +
           order);
  EXPECT_NE(p.find("(state=? AND received_at=? AND rowid<?)"), std::string::npos) << p;
  p = plan(
      "SELECT prefix, year, seq FROM complaints WHERE is_open = 1 AND next_clock <= 5 "
      "ORDER BY next_clock, id LIMIT 10");
  EXPECT_NE(p.find("complaints_clock"), std::string::npos) << p;
  p = plan("SELECT count(*) FROM complaints WHERE is_open = 1 AND next_due < 5");
  EXPECT_NE(p.find("complaints_due"), std::string::npos) << p;
  p = plan("SELECT seq FROM events WHERE complaint_id = 1 ORDER BY seq");
  EXPECT_NE(p.find("events_complaint"), std::string::npos) << p;
  // A complaint by reference, and its record by id (migration 0016): two seeks.
  p = plan(
      "SELECT c.id, c.version, d.doc FROM complaints c JOIN complaint_docs d ON d.id = c.id "
      "WHERE c.reference = 'x'");
  EXPECT_NE(p.find("SEARCH c USING INDEX sqlite_autoindex_complaints_1 (reference=?)"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("SEARCH d USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << p;
  // Analytics: a period of receipt reads the roll-up by its key; open complaints and closures
  // in a period use their partial indexes.
  p = plan(
      "SELECT value, sum(received) FROM facts_daily WHERE kind = 'category' AND day >= 5 "
      "AND day < 9 GROUP BY value");
  EXPECT_NE(p.find("SEARCH facts_daily USING PRIMARY KEY"), std::string::npos) << p;
  p = plan("SELECT state, count(*) FROM facts WHERE is_open = 1 GROUP BY state");
  EXPECT_NE(p.find("facts_open"), std::string::npos) << p;
  p = plan("SELECT count(*) FROM facts WHERE closed_at >= 5 AND closed_at < 9");
  EXPECT_NE(p.find("facts_closed"), std::string::npos) << p;
  // A filter by a value says the value is not '' (as QueryFacts writes it), which lets SQLite
  // use the dimension's index: it holds only the rows with a value (migration 0013).
  p = plan(
      "SELECT count(*) FROM facts WHERE category = 'x' AND category <> '' AND "
      "received_at >= 5");
  EXPECT_NE(p.find("facts_by_category"), std::string::npos) << p;
  p = plan("SELECT count(*) FROM facts WHERE category = 'x' AND received_at >= 5");
  EXPECT_EQ(p.find("facts_by_category"), std::string::npos) << p;
  // Open complaints of one product, category or channel: from the partial index alone.
  for (const char* dim : {"product", "category", "channel", "department", "location", "handler"}) {
    p = plan(std::string("SELECT state, count(*) FROM facts WHERE is_open = 1 AND ") + dim +
             " = 'x' AND " + dim + " <> '' GROUP BY state");
    EXPECT_NE(p.find(std::string("COVERING INDEX facts_by_") + dim), std::string::npos) << p;
  }
  // The SQL QueryFacts writes: the time to resolve of one product's complaints (not in a
  // roll-up) reads that product's entries of its index; a filter by no product cannot.
  core::FactQuery resolve;
  resolve.group_by = {core::FactDim::kResolveDays};
  resolve.where = {{core::FactDim::kProduct, "mortgage"}};
  ASSERT_FALSE(store::sqlite::UsesRollup(resolve));
  p = plan(store::sqlite::FactQuerySql(resolve));
  EXPECT_NE(p.find("USING INDEX facts_by_product (product=?)"), std::string::npos) << p;
  resolve.where = {{core::FactDim::kProduct, ""}};
  p = plan(store::sqlite::FactQuerySql(resolve));
  EXPECT_EQ(p.find("facts_by_product"), std::string::npos) << p;
  // The dashboard asks for closed complaints counted only: each dimension's index answers
  // alone, in a period or not, with no look-up of the facts rows (migration 0014).
  resolve.closed_only = true;
  for (const auto d :
       {core::FactDim::kProduct, core::FactDim::kCategory, core::FactDim::kChannel,
        core::FactDim::kDepartment, core::FactDim::kLocation, core::FactDim::kHandler}) {
    resolve.where = {{d, "x"}};
    // All time, and from an instant that is not a whole day (no roll-up either way).
    for (const auto from :
         {std::optional<core::Instant>{}, std::optional<core::Instant>{std::chrono::hours(5)}}) {
      resolve.from = from;
      ASSERT_FALSE(store::sqlite::UsesRollup(resolve));
      p = plan(store::sqlite::FactQuerySql(resolve));
      EXPECT_NE(p.find(std::string("COVERING INDEX facts_by_") + core::ToString(d)),
                std::string::npos)
          << p;
    }
  }
  core::FactQuery open;
  open.open_only = true;
  open.group_by = {core::FactDim::kState, core::FactDim::kAge};
  open.where = {{core::FactDim::kHandler, "alice"}};
  p = plan(store::sqlite::FactQuerySql(open));
  EXPECT_NE(p.find("COVERING INDEX facts_by_handler"), std::string::npos) << p;
  // A pair roll-up: one filter value's rows by the key's prefix.
  p = plan(
      "SELECT value, sum(received) FROM facts_monthly WHERE kind = 'product+category' AND "
      "value >= 'x' AND value < 'y' AND month >= 5 AND month < 9 GROUP BY value");
  EXPECT_NE(p.find("SEARCH facts_monthly USING PRIMARY KEY"), std::string::npos) << p;
  // Follow-ups due: the partial index, not a walk of every complaint in received order.
  p = plan("SELECT id FROM complaints WHERE 1 AND follow_up_at <= 5" + order);
  EXPECT_NE(p.find("complaints_follow_up"), std::string::npos) << p;
}

}  // namespace
}  // namespace redress::testing
