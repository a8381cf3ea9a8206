// What only the PostgreSQL adapter promises beyond the shared contract: embedded migrations
// equal the .sql files and follow SQLite's numbering, nodes starting together migrate once,
// two nodes on one database keep one event chain and unique references, reference numbers are
// never reused, a lost connection fails one batch only, and full text sees the terms the list
// query makes.
#include "store/postgres/pg_store.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "store/list_support.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_conn.hpp"
#include "store/sqlite/migrations.hpp"
#include "store_harness.hpp"
#include "util/crypto.hpp"

namespace redress::testing {
namespace {

using core::Errc;
using core::Status;
using core::StoreTx;
using store::PgStore;

const core::Instant kT0 = core::FromMillis(1'780'000'000'000);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `sql` on a connection of its own; the first column of every row (an error as one row).
std::vector<std::string> Query(const std::string& url, const std::string& sql) {
  std::vector<std::string> out;
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    out.push_back(std::string("connect failed: ") + PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    } else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      out.push_back(std::string("failed: ") + PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

core::Complaint MakeComplaint(int64_t seq, std::string description = "printer broke") {
  core::Complaint c = StoredComplaint(seq, kT0, std::move(description));
  c.subject.product = "current-account";
  c.assessment.category = "banking/fees";
  return c;
}

// A fresh database, dropped at the end.
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    util::InitCrypto();
    url_ = NewPostgresDatabase();
  }
  void TearDown() override { DropPostgresDatabase(url_); }

  std::unique_ptr<PgStore> OpenOrDie(PgStore::Options o = {}) {
    auto s = PgStore::Open(url_, o);
    EXPECT_TRUE(s) << s.error().detail;
    return s ? std::move(*s) : nullptr;
  }

  std::string url_;
};

TEST(PgMigrations, EmbeddedSqlEqualsTheFilesAndFollowsSqlite) {
  const auto migrations = store::pg::Migrations();
  const std::string dir = std::string(REDRESS_SOURCE_DIR) + "/migrations/postgresql";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), migrations.size());
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(migrations[i].file, files[i]);
    EXPECT_EQ(migrations[i].sql, ReadFile(dir + "/" + files[i])) << files[i];
  }
  // One version number names one schema on both stores: the same versions, in the same order.
  const auto sqlite = store::sqlite::Migrations();
  ASSERT_EQ(migrations.size(), sqlite.size()) << "a migration is missing for one of the stores";
  for (size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(migrations[i].version, sqlite[i].version);
  }
}

TEST_F(PgStoreTest, NodesStartingTogetherMigrateOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      if (PgStore::Open(url_, {.readers = 1})) ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 3);
  const auto versions = Query(url_, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), store::pg::Migrations().size());
  EXPECT_EQ(versions.front(), "1");
  // And a store opens a migrated database again without changing it.
  ASSERT_TRUE(OpenOrDie());
  EXPECT_EQ(Query(url_, "SELECT count(*) FROM schema_migrations")[0],
            std::to_string(store::pg::Migrations().size()));
}

TEST_F(PgStoreTest, TwoNodesKeepOneChainAndUniqueReferences) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  constexpr int kPerNode = 60;
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (PgStore* node : {a.get(), b.get()}) {
    threads.emplace_back([&, node] {
      for (int i = 0; i < kPerNode; ++i) {
        node->Write(
            [](StoreTx& tx) -> Status {
              auto seq = tx.NextSequence(2026);
              if (!seq) return seq.error();
              core::Complaint c = MakeComplaint(*seq);
              if (auto s = tx.InsertComplaint(c); !s) return s;
              core::Event e = CreatedEvent(c, kT0, "node");
              return tx.AppendEvent(e);
            },
            [&](Status s) {
              if (s) ++ok;
              std::lock_guard lock(mu);
              if (++finished == 2 * kPerNode) cv.notify_all();
            });
      }
    });
  }
  for (auto& t : threads) t.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(
        cv.wait_for(lock, std::chrono::seconds(60), [&] { return finished == 2 * kPerNode; }));
  }
  EXPECT_EQ(ok.load(), 2 * kPerNode);
  EXPECT_EQ(*a->CountComplaints(), 2 * kPerNode);
  EXPECT_EQ(Query(url_, "SELECT count(DISTINCT seq) FROM complaints")[0],
            std::to_string(2 * kPerNode));
  // One chain: seq 1..n without a gap, each event linked to the one before.
  EXPECT_EQ(ExpectChainValid(*b), 2 * kPerNode);
}

TEST_F(PgStoreTest, ReservedNumbersAreNeverReused) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  int64_t first = 0;
  Status s = store->WriteSync([&](StoreTx& tx) -> Status {
    auto n = tx.ReserveSequences(2026, 3);
    if (!n) return n.error();
    first = *n;
    return core::MakeError(Errc::kInvalid, "rolled back");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(first, 1);
  int64_t next = 0;
  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) -> Status {
    auto n = tx.NextSequence(2026);
    if (!n) return n.error();
    next = *n;
    return {};
  }));
  EXPECT_EQ(next, 4);  // 1..3 went with the rolled-back write
  s = store->WriteSync([](StoreTx& tx) -> Status { return tx.ReserveSequences(2026, 0).error(); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalid);
}

TEST_F(PgStoreTest, LostConnectionFailsOneBatchAndDoesNotPoison) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  core::Complaint first = MakeComplaint(1);
  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(first); }));
  const auto killed = Query(url_,
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "application_name = 'redress writer' AND datname = current_database()");
  ASSERT_EQ(killed, (std::vector<std::string>{"t"}));
  core::Complaint lost = MakeComplaint(2);
  Status s = store->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(lost); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_TRUE(store->Healthy());
  // The next write connects again.
  core::Complaint third = MakeComplaint(3);
  s = store->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(third); });
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(*store->CountComplaints(), 2);
  EXPECT_FALSE(store->GetComplaint(lost.reference)->has_value());
  // A reader whose connection is gone is replaced at its next checkout.
  ASSERT_EQ(Query(url_,
                  "SELECT bool_and(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                  "application_name = 'redress reader' AND datname = current_database()"),
            (std::vector<std::string>{"t"}));
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    if (!store->CountComplaints()) ++failures;
  }
  EXPECT_LE(failures, 16);  // at most once per pooled connection
  EXPECT_EQ(*store->CountComplaints(), 2);
}

// A batch made only of writes that may run twice runs without a savepoint and a round trip per
// write; when one fails (by returning an error, or by a statement the database refuses when
// the batch syncs), the batch runs again with savepoints, so each write succeeds or fails on
// its own and is stored once.
TEST_F(PgStoreTest, ABatchOfRerunnableWritesRunsAgainWhenOneFails) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  enum Kind { kOk, kFails, kRefused };  // kRefused: an event the database refuses (bad UTF-8)
  std::vector<int> runs(20, 0);
  auto write = [&](int64_t seq, Kind kind) {
    return [&runs, seq, kind](StoreTx& tx) -> Status {
      ++runs[static_cast<size_t>(seq)];
      core::Complaint c = MakeComplaint(seq);
      if (auto st = tx.InsertComplaint(c); !st) return st;
      core::Event e = CreatedEvent(c, kT0, kind == kRefused ? "\xff" : "alice");
      if (auto st = tx.AppendEvent(e); !st) return st;  // queued: checked at the next sync
      return kind == kFails ? core::MakeError(Errc::kInvalid, "changed my mind") : Status{};
    };
  };
  auto batch = [&](int64_t first, const std::vector<Kind>& kinds) {
    WriterHold hold(*store);
    std::vector<std::promise<Status>> done(kinds.size());
    for (size_t i = 0; i < kinds.size(); ++i) {
      store->WriteRerunnable(write(first + static_cast<int64_t>(i), kinds[i]),
                             [&done, i](Status st) { done[i].set_value(st); });
    }
    EXPECT_TRUE(hold.Release());
    std::vector<bool> ok;
    for (auto& d : done) ok.push_back(static_cast<bool>(d.get_future().get()));
    return ok;
  };
  // All succeed: each ran once.
  EXPECT_EQ(batch(1, {kOk, kOk, kOk}), (std::vector<bool>{true, true, true}));
  EXPECT_EQ((std::vector<int>{runs[1], runs[2], runs[3]}), (std::vector<int>{1, 1, 1}));
  // The third returns an error: the first three ran again, the fourth once.
  EXPECT_EQ(batch(4, {kOk, kOk, kFails, kOk}), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ((std::vector<int>{runs[4], runs[5], runs[6], runs[7]}), (std::vector<int>{2, 2, 2, 1}));
  // The database refuses the second's event at the batch's last sync (an insert waits for
  // nothing: its id comes from a block the batch's first insert reserved): each batch runs
  // again and only the refused write fails.
  EXPECT_EQ(batch(8, {kOk, kRefused, kOk}), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((std::vector<int>{runs[8], runs[9], runs[10]}), (std::vector<int>{2, 2, 2}));
  EXPECT_EQ(batch(11, {kOk, kRefused}), (std::vector<bool>{true, false}));
  EXPECT_EQ((std::vector<int>{runs[11], runs[12]}), (std::vector<int>{2, 2}));

  // Stored once each: 1-5, 7, 8, 10 and 11; the event chain unbroken.
  EXPECT_EQ(*store->CountComplaints(), 9);
  for (int64_t seq : {6, 9, 12}) {
    EXPECT_FALSE(store->GetComplaint(core::Reference{"CMP", 2026, seq})->has_value()) << seq;
  }
  EXPECT_EQ(ExpectChainValid(*store), 9);
}

// An insert takes its id from a block reserved under the batch's write lock and queues its
// statement: a reference that exists fails that write alone, with the conflict's own error,
// when the batch syncs, and the others of its batch commit.
TEST_F(PgStoreTest, ATakenReferenceFailsItsWriteAloneInABatch) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  core::Complaint first = MakeComplaint(1);
  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(first); }));
  WriterHold hold(*store);
  std::vector<std::promise<Status>> done(3);
  for (int64_t seq : {2, 1, 3}) {  // the second takes the reference of the first complaint
    const size_t i = seq == 2 ? 0 : seq == 1 ? 1 : 2;
    store->WriteRerunnable(
        [seq](StoreTx& tx) -> Status {
          core::Complaint c = MakeComplaint(seq, "text " + std::to_string(seq));
          if (auto st = tx.InsertComplaint(c); !st) return st;
          core::Event e = CreatedEvent(c, kT0, "alice");
          return tx.AppendEvent(e);
        },
        [&done, i](Status st) { done[i].set_value(st); });
  }
  EXPECT_TRUE(hold.Release());
  std::vector<Status> got;
  for (auto& d : done) got.push_back(d.get_future().get());
  EXPECT_TRUE(got[0]);
  ASSERT_FALSE(got[1]);
  EXPECT_EQ(got[1].error().code, Errc::kConflict);
  EXPECT_EQ(got[1].error().detail, "reference already exists");
  EXPECT_TRUE(got[2]);
  EXPECT_EQ(*store->CountComplaints(), 3);
  auto kept = store->GetComplaint(first.reference);
  ASSERT_TRUE(kept && kept->has_value());
  EXPECT_EQ((*kept)->id, first.id);
  EXPECT_EQ((*kept)->description.value, first.description.value);
  EXPECT_EQ(ExpectChainValid(*store), 2);
}

// Two nodes take turns: each insert's id is above every id committed before it, whichever node
// wrote that one (a node drops the ids its last batch left unused), so ids keep the order in
// which complaints were recorded, as the text search's pages assume.
TEST_F(PgStoreTest, IdsGrowInTheOrderBatchesCommitOnEveryNode) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  std::vector<int64_t> ids;
  for (int64_t seq = 1; seq <= 6; ++seq) {
    PgStore& node = seq % 2 == 1 ? *a : *b;
    core::Complaint c = MakeComplaint(seq);
    ASSERT_TRUE(node.WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(c); }));
    ids.push_back(c.id);
  }
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]) << i;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto got = a->GetComplaint(core::Reference{"CMP", 2026, static_cast<int64_t>(i + 1)});
    ASSERT_TRUE(got && got->has_value());
    EXPECT_EQ((*got)->id, ids[i]);
  }
}

// An update of a complaint the same batch loaded is sent without waiting for its answer, its
// count differences taken from what was loaded: two in one write, the counts by state right;
// and if the row changed behind the writer's back after the load (no writer of the store can:
// they hold the write lock), the update still fails as a conflict and nothing of it stays.
TEST_F(PgStoreTest, AnUpdateOfALoadedComplaintIsQueuedAndStillChecksItsVersion) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  core::Complaint c = MakeComplaint(1);
  c.state = core::State::kAcknowledged;
  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) { return tx.InsertComplaint(c); }));
  const core::Reference ref = c.reference;
  Status twice = store->WriteSync([&](StoreTx& tx) -> Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    core::Complaint next = **loaded;
    next.version += 1;
    next.state = core::State::kAssessed;
    if (auto s = tx.UpdateComplaint(next); !s) return s;
    next.version += 1;
    next.state = core::State::kUnderInvestigation;
    next.assignee = "carol";
    return tx.UpdateComplaint(next);
  });
  ASSERT_TRUE(twice) << twice.error().detail;
  auto got = store->GetComplaint(ref);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->version, c.version + 2);
  EXPECT_EQ((*got)->state, core::State::kUnderInvestigation);
  EXPECT_EQ((*got)->assignee, "carol");
  auto counts = store->CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(core::State::kAcknowledged), 0);
  EXPECT_EQ(counts->at(core::State::kAssessed), 0);
  EXPECT_EQ(counts->at(core::State::kUnderInvestigation), 1);

  // Changed by another connection between the load and the update.
  Status raced = store->WriteSync([&](StoreTx& tx) -> Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    Query(url_,
          "UPDATE complaints SET version = version + 1 WHERE reference = '" + ref.ToString() + "'");
    core::Complaint next = **loaded;
    next.version += 1;
    next.state = core::State::kClosed;
    return tx.UpdateComplaint(next);
  });
  ASSERT_FALSE(raced);
  EXPECT_EQ(raced.error().code, Errc::kConflict) << raced.error().detail;
  EXPECT_EQ(raced.error().detail, "complaint was changed meanwhile");
  got = store->GetComplaint(ref);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->state, core::State::kUnderInvestigation);
  counts = store->CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(core::State::kUnderInvestigation), 1);
  EXPECT_EQ(counts->at(core::State::kClosed), 0);
}

// Several reads in one round trip (GetComplaintFile sends its four so): each result comes back
// in the order sent; a failing one fails the whole segment, and the connection serves again
// once reset (as the reader pool does when a lease is returned).
TEST_F(PgStoreTest, FetchedReadsComeBackInOrderAndAFailureLeavesTheConnectionUsable) {
  auto opened = store::pg::Conn::Open(url_);
  ASSERT_TRUE(opened) << opened.error().detail;
  store::pg::Conn& c = **opened;
  store::pg::Params none;
  store::pg::Params two;
  two.Int(2);
  ASSERT_TRUE(c.QueueCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ASSERT_TRUE(c.Fetch("one", "SELECT 1 UNION ALL SELECT 10", none));
  ASSERT_TRUE(c.Fetch("times", "SELECT $1::int8 * 21", two));
  ASSERT_TRUE(c.QueueCommand("COMMIT"));
  auto got = c.Collect();
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 2u);
  ASSERT_EQ((*got)[0].rows(), 2);
  EXPECT_EQ((*got)[0].Int(1, 0), 10);
  EXPECT_EQ((*got)[1].Int(0, 0), 42);

  ASSERT_TRUE(c.QueueCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ASSERT_TRUE(c.Fetch("broken", "SELECT 1 / (SELECT 0)", none));
  ASSERT_TRUE(c.Fetch("times", "SELECT $1::int8 * 21", two));
  ASSERT_TRUE(c.QueueCommand("COMMIT"));
  auto failed = c.Collect();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().detail.find("division by zero"), std::string::npos)
      << failed.error().detail;
  EXPECT_EQ(c.LastState(), "22012");
  c.Reset();
  ASSERT_TRUE(c.Fetch("times", "SELECT $1::int8 * 21", two));
  auto again = c.Collect();
  ASSERT_TRUE(again) << again.error().detail;
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].Int(0, 0), 42);
}

TEST_F(PgStoreTest, AReadThatThrowsLeavesNoSnapshotBehind) {
  auto store = OpenOrDie({.readers = 1});
  ASSERT_TRUE(store);
  std::vector<int64_t> ids;
  auto insert = [&](int64_t seq) {
    core::Complaint c = MakeComplaint(seq);
    Status written = store->WriteSync([&](StoreTx& tx) -> Status {
      if (auto s = tx.InsertComplaint(c); !s) return s;
      core::Event e = CreatedEvent(c, kT0, "alice");
      return tx.AppendEvent(e);
    });
    ids.push_back(c.id);
    return written;
  };
  ASSERT_TRUE(insert(1));
  // The scan's snapshot transaction is open when its callback throws.
  EXPECT_THROW((void)store->ScanEvents(
                   1, [](const core::Event&) -> bool { throw std::runtime_error("caller bug"); }),
               std::runtime_error);
  ASSERT_TRUE(insert(2));
  // The one reader connection sees the second complaint: no stale snapshot was kept.
  EXPECT_EQ(*store->CountComplaints(), 2);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(store->EventsOf(ids[0])->size() + store->EventsOf(ids[1])->size(), 2u);
}

TEST_F(PgStoreTest, SearchTermsAreTheListQuerysTerms) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  for (const std::string text :
       {"The card-machine CHARGED twice", "e-mail ann@example.org, ref #12/3.5",
        "Caf\xc3\xa9 CAF\xc3\x89 na\xc3\xafve", "snake_case x--y", "\xe2\x80\x94 dash"}) {
    std::string quoted;
    for (char ch : text) {
      quoted += ch;
      if (ch == '\'') quoted += '\'';
    }
    const auto rows =
        Query(url_, "SELECT unnest(tsvector_to_array(search_terms('" + quoted + "')))");
    auto terms = store::SearchTerms(text);
    std::set<std::string> want(terms.begin(), terms.end());
    std::set<std::string> got(rows.begin(), rows.end());
    EXPECT_EQ(got, want) << text;
  }
}

// The node writes the terms (migration 0017): on insert the description's, on a note the
// note's joined to those held, on a description replaced search_terms() of the whole text. At
// every step they are what search_terms() makes of the description and the notes.
TEST_F(PgStoreTest, StoredTermsAreThoseOfTheWholeText) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  const std::string odd =
      "Caf\xc3\xa9 it's the card-machine, CHARGED twice; " + std::string(2050, 'x') + " end";
  std::vector<core::Complaint> written;
  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) -> Status {
    for (int64_t i = 1; i <= 3; ++i) {
      core::Complaint c = MakeComplaint(i, i == 1 ? odd : i == 2 ? "" : "Branch staff were rude");
      if (auto s = tx.InsertComplaint(c); !s) return s;
      written.push_back(c);
    }
    return {};
  }));
  const std::string differ =
      "SELECT count(*) FROM complaint_text WHERE terms <> search_terms(description || ' ' || "
      "notes)";
  EXPECT_EQ(Query(url_, differ), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(url_, "SELECT count(*) FROM complaint_text WHERE terms @@ 'charged'::tsquery"),
            std::vector<std::string>{"1"});

  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) -> Status {
    for (const auto& c : written) {
      for (const std::string body : {"Called the BRANCH again", "\xe2\x80\x94 no answer", ""}) {
        core::Note n;
        n.complaint_id = c.id;
        n.at = kT0;
        n.author = "alice";
        n.body.value = body;
        if (auto s = tx.InsertNote(n); !s) return s;
      }
    }
    return {};
  }));
  EXPECT_EQ(Query(url_, differ), std::vector<std::string>{"0"});

  ASSERT_TRUE(store->WriteSync([&](StoreTx& tx) -> Status {
    core::Complaint c = written[2];
    c.description.value = "The staff were helpful after all";
    c.version += 1;
    return tx.UpdateComplaint(c);
  }));
  EXPECT_EQ(Query(url_, differ), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(url_, "SELECT count(*) FROM complaint_text WHERE terms @@ 'rude'::tsquery"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Query(url_,
                  "SELECT count(*) FROM complaint_text WHERE terms @@ 'helpful & branch'"
                  "::tsquery"),
            std::vector<std::string>{"1"});
}

// Open complaints whose clocks are all due at kT0 + 1 day.
std::vector<core::Complaint> InsertDue(PgStore& store, int n) {
  std::vector<core::Complaint> out;
  EXPECT_TRUE(store.WriteSync([&](StoreTx& tx) -> Status {
    for (int i = 1; i <= n; ++i) {
      core::Complaint c = MakeComplaint(i);
      core::ClockTrack t;
      t.name = "acknowledge";
      t.rule = "acknowledge";
      t.state = core::ClockState::kRunning;
      t.anchor = kT0;
      t.due = kT0 + std::chrono::hours(24);
      t.warn = kT0 + std::chrono::hours(12);
      c.clocks.push_back(t);
      if (auto s = tx.InsertComplaint(c); !s) return s;
      out.push_back(c);
    }
    return Status{};
  }));
  return out;
}

// Several claimers on two nodes at once: together they claim every due item, none twice.
template <typename Claim>
std::vector<std::string> ClaimFromTwoNodes(Claim claim) {
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::thread> threads;
  for (int node = 0; node < 2; ++node) {
    for (int worker = 0; worker < 2; ++worker) {
      threads.emplace_back([&, node] {
        for (;;) {
          auto batch = claim(node);
          if (batch.empty()) break;
          std::lock_guard lock(mu);
          got.insert(got.end(), batch.begin(), batch.end());
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  std::sort(got.begin(), got.end());
  return got;
}

TEST_F(PgStoreTest, EachDueClockCheckIsClaimedByOneNodeUntilItsLeaseEnds) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  const auto due = InsertDue(*a, 40);
  const core::Instant now = kT0 + std::chrono::hours(30);
  const std::chrono::minutes lease(1);
  auto claim = [&](int node) {
    std::vector<std::string> refs;
    auto r = (node == 0 ? a : b)->ClaimClockChecks(now, 3, {"node-" + std::to_string(node), lease});
    EXPECT_TRUE(r) << r.error().detail;
    if (r) {
      for (const auto& ref : *r) refs.push_back(ref.ToString());
    }
    return refs;
  };
  std::vector<std::string> want;
  for (const auto& c : due) want.push_back(c.reference.ToString());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ClaimFromTwoNodes(claim), want);  // each once
  // While the claims last, nobody gets them again; after, another node does (its claimer died).
  EXPECT_TRUE(
      b->ClaimClockChecks(now + lease - std::chrono::milliseconds(1), 100, {"node-c", lease})
          ->empty());
  auto again = b->ClaimClockChecks(now + lease, 100, {"node-c", lease});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), due.size());
  EXPECT_EQ(Query(url_, "SELECT DISTINCT claim_node FROM complaints"),
            std::vector<std::string>{"node-c"});
}

TEST_F(PgStoreTest, EachDueMessageIsClaimedByOneNodeAndRecordingItEndsTheClaim) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  const auto complaints = InsertDue(*a, 2);
  ASSERT_TRUE(a->WriteSync([&](StoreTx& tx) -> Status {
    for (int i = 0; i < 30; ++i) {
      core::Notification n;
      n.complaint_id = complaints[static_cast<size_t>(i % 2)].id;
      n.reference = complaints[static_cast<size_t>(i % 2)].reference.ToString();
      n.kind = "acknowledgement";
      n.language = "en";
      n.recipient = "ann@example.org";
      n.vars = "{}";
      n.created_at = kT0;
      n.next_attempt_at = kT0 + std::chrono::seconds(i);
      if (auto s = tx.InsertNotification(n); !s) return s;
    }
    return Status{};
  }));
  const core::Instant now = kT0 + std::chrono::minutes(1);
  const std::chrono::minutes lease(5);
  std::mutex mu;
  std::map<std::string, core::Notification> by_id;
  auto claim = [&](int node) {
    std::vector<std::string> ids;
    auto r =
        (node == 0 ? a : b)->ClaimNotifications(now, 4, {"node-" + std::to_string(node), lease});
    EXPECT_TRUE(r) << r.error().detail;
    if (r) {
      std::lock_guard lock(mu);
      for (const auto& n : *r) {
        ids.push_back(std::to_string(n.id));
        by_id[ids.back()] = n;
      }
    }
    return ids;
  };
  const auto got = ClaimFromTwoNodes(claim);
  EXPECT_EQ(got.size(), 30u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 30u);  // none twice
  // A temporary failure, to be retried in a minute: recording it ends the claim, so the retry
  // is handed out at its time, not only when the lease would have ended.
  core::Notification retry = by_id.begin()->second;
  retry.attempts = 1;
  retry.next_attempt_at = now + std::chrono::minutes(1);
  retry.last_error = "Connection refused";
  ASSERT_TRUE(a->WriteSync([&](StoreTx& tx) { return tx.UpdateNotification(retry); }));
  auto later = b->ClaimNotifications(now + std::chrono::minutes(1), 100, {"node-b", lease});
  ASSERT_TRUE(later);
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].id, retry.id);
}

TEST_F(PgStoreTest, APeriodicJobRunsOnOneNodeAndAgainWhenItsNodeDied) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  const std::chrono::minutes lease(10);
  const std::chrono::hours every(1);
  EXPECT_TRUE(*a->ClaimPeriodic("checks", kT0, every, {"a", lease}));
  EXPECT_FALSE(*b->ClaimPeriodic("checks", kT0 + std::chrono::minutes(1), every, {"b", lease}));
  // a died during its run: once the lease has ended, b runs it.
  EXPECT_TRUE(*b->ClaimPeriodic("checks", kT0 + lease, every, {"b", lease}));
  ASSERT_TRUE(b->EndPeriodic("checks", kT0 + lease + std::chrono::minutes(1)));
  EXPECT_FALSE(*a->ClaimPeriodic("checks", kT0 + std::chrono::minutes(30), every, {"a", lease}));
  EXPECT_TRUE(
      *a->ClaimPeriodic("checks", kT0 + lease + std::chrono::minutes(61), every, {"a", lease}));
}

TEST_F(PgStoreTest, RateLimitsAreSharedByTheNodes) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_TRUE(a && b);
  const std::chrono::minutes window(1);
  EXPECT_EQ(*a->AddHit("status:X", kT0, window), 1);
  EXPECT_EQ(*b->AddHit("status:X", kT0 + std::chrono::seconds(1), window), 2);
  EXPECT_EQ(*a->AddHit("status:X", kT0 + std::chrono::seconds(2), window), 3);
  EXPECT_EQ(*b->Hits("status:X", kT0 + std::chrono::seconds(3), window), 3);
  EXPECT_EQ(*b->Hits("status:X", kT0 + window, window), 0);
}

// A standby of the test cluster, stopped by the destructor.
class Standby {
 public:
  explicit Standby(const std::string& primary_url) {
    const std::string cmd = Script() + " standby '" + dir_.path() + "/pg' '" + primary_url + "' " +
                            std::to_string(getpid()) + " 2>&1";
    FILE* out = popen(cmd.c_str(), "r");
    if (out == nullptr) return;
    char buf[512];
    while (fgets(buf, sizeof buf, out) != nullptr) url_ += buf;
    const int status = pclose(out);
    while (!url_.empty() && url_.back() == '\n') url_.pop_back();
    if (status != 0) url_ = "failed: " + url_;
  }
  ~Standby() { Stop(); }
  void Stop() {
    const std::string cmd = Script() + " stop '" + dir_.path() + "/pg' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot stop the standby";
  }
  const std::string& url() const { return url_; }

 private:
  static std::string Script() {
    return std::string(REDRESS_SOURCE_DIR) + "/scripts/pg-test-cluster.sh";
  }
  TempDir dir_;
  std::string url_;
};

TEST_F(PgStoreTest, ListsAndAnalyticsReadFromTheStandbyAndThePrimaryWhenItIsGone) {
  Standby standby(url_);
  ASSERT_EQ(standby.url().rfind("postgresql://", 0), 0u) << standby.url();
  PgStore::Options options;
  options.readers = 2;
  options.standby_url = standby.url();
  auto store = OpenOrDie(options);
  ASSERT_TRUE(store);
  InsertDue(*store, 3);
  // The standby replays the writes shortly after they commit: wait until it has replayed all.
  const std::string lsn = Query(url_, "SELECT pg_current_wal_lsn()").at(0);
  bool replayed = false;
  for (int i = 0; i < 400 && !replayed; ++i) {
    replayed = Query(standby.url(), "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'") ==
               std::vector<std::string>{"t"};
    if (!replayed) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(replayed);
  core::ListQuery q;
  q.scope.all = true;
  q.limit = 10;
  auto listed = store->ListComplaints(q);
  ASSERT_TRUE(listed) << listed.error().detail;
  EXPECT_EQ(listed->items.size(), 3u);
  // It was the standby that answered: its reader's last statement was the list's.
  EXPECT_EQ(Query(standby.url(), "SELECT pg_is_in_recovery()"), std::vector<std::string>{"t"});
  EXPECT_EQ(Query(standby.url(),
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                  "'redress standby reader' AND query LIKE '%FROM complaints c WHERE%'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query(url_,
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                  "'redress reader' AND query LIKE '%FROM complaints c WHERE%'"),
            std::vector<std::string>{"0"});
  core::FactQuery fq;
  fq.from = kT0 - std::chrono::hours(24);
  fq.to = kT0 + std::chrono::hours(24);
  auto facts = store->Facts(fq);
  ASSERT_TRUE(facts) << facts.error().detail;
  // The standby goes away: the same reads are answered by the primary, at once.
  standby.Stop();
  auto page = store->ListComplaints(q);
  ASSERT_TRUE(page) << page.error().detail;
  EXPECT_EQ(page->items.size(), 3u);
  auto again = store->Facts(fq);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(*again, *facts);
  // Writes and reads of the primary were never affected.
  EXPECT_EQ(*store->CountComplaints(), 3);
}

}  // namespace
}  // namespace redress::testing
