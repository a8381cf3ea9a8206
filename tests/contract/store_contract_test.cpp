// The Store contract (core/ports/store.hpp), run against every adapter in Adapters().
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "core/codec.hpp"
#include "core/event.hpp"
#include "store/memory/faulty_store.hpp"
#include "store_harness.hpp"
#include "util/crypto.hpp"

namespace redress::testing {
namespace {

using core::Complaint;
using core::Errc;
using core::Instant;
using core::State;
using core::Status;
using core::StoreTx;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const Instant kT0 = core::FromMillis(1'780'000'000'000);  // 2026-05-28

Complaint MakeComplaint(int64_t seq, Instant received, std::string description = "printer broke",
                        int year = 2026) {
  Complaint c;
  c.reference = core::Reference{"CMP", year, seq};
  c.state = State::kReceived;
  c.version = 1;
  c.received_at = received;
  c.logged_at = received;
  c.updated_at = received;
  c.received_by = "complainant";
  c.channel = core::Channel::kWeb;
  c.description = std::move(description);
  c.subject.product = "current-account";
  c.assessment.category = "banking/fees";
  return c;
}

core::ClockTrack RunningClock(Instant due) {
  core::ClockTrack t;
  t.name = "final_response";
  t.rule = "final_response";
  t.state = core::ClockState::kRunning;
  t.anchor = due - days(10);
  t.due = due;
  t.warn = due - days(2);
  t.local_due = date::year_month_day(std::chrono::floor<days>(due));
  return t;
}

core::Event MakeEvent(const Complaint& c, std::string action, Instant at) {
  core::Event e;
  e.complaint_id = c.id;
  e.reference = c.reference.ToString();
  e.at = at;
  e.actor = "alice";
  e.action = std::move(action);
  e.before = "{}";
  e.after = R"({"state":"received"})";
  return e;
}

class StoreContract : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override {
    util::InitCrypto();
    harness_ = GetParam().make();
  }
  core::Store& store() { return harness_->store(); }

  Status Write(const core::Store::TxFn& fn) { return store().WriteSync(fn); }

  // Inserts `c` (assigning its id) with a "created" event.
  void Insert(Complaint& c) {
    Complaint copy = c;
    Status s = Write([&](StoreTx& tx) -> Status {
      copy = c;
      if (auto st = tx.InsertComplaint(copy); !st) return st;
      core::Event e = MakeEvent(copy, "created", copy.received_at);
      return tx.AppendEvent(e);
    });
    ASSERT_TRUE(s) << s.error().detail;
    c = copy;
  }

  std::vector<core::Event> AllEvents() {
    std::vector<core::Event> out;
    Status s = store().ScanEvents(1, [&](const core::Event& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(s);
    return out;
  }

  // Every event's digest and hash recomputed; seq gap-free from 1; prev_hash links.
  void ExpectChainValid() { testing::ExpectChainValid(store()); }

  std::vector<std::string> Refs(const core::ListQuery& q) {
    auto page = store().ListComplaints(q);
    EXPECT_TRUE(page) << page.error().detail;
    std::vector<std::string> out;
    if (page) {
      for (const auto& s : page->items) out.push_back(s.reference);
    }
    return out;
  }

  std::unique_ptr<StoreHarness> harness_;
};

std::string Ref(int64_t seq, int year = 2026) {
  return core::Reference{"CMP", year, seq}.ToString();
}

// --- Complaints ------------------------------------------------------------------------------

TEST_P(StoreContract, InsertThenGetRoundTrips) {
  Complaint c = MakeComplaint(1, kT0);
  c.assignee = "bob";
  c.subject.persons_named = "Jane Doe";
  c.clocks.push_back(RunningClock(kT0 + days(56)));
  Insert(c);
  EXPECT_GT(c.id, 0);

  auto got = store().GetComplaint(c.reference);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_TRUE(got->has_value());
  const Complaint& g = **got;
  EXPECT_EQ(g.id, c.id);
  EXPECT_EQ(g.reference, c.reference);
  EXPECT_EQ(g.state, State::kReceived);
  EXPECT_EQ(g.version, 1);
  EXPECT_EQ(g.received_at, kT0);
  EXPECT_EQ(g.description.value, "printer broke");
  EXPECT_EQ(g.assignee, "bob");
  EXPECT_EQ(g.subject.persons_named.value, "Jane Doe");
  ASSERT_EQ(g.clocks.size(), 1u);
  EXPECT_EQ(g.clocks[0].due, kT0 + days(56));

  auto missing = store().GetComplaint(core::Reference{"CMP", 2026, 99});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(*store().CountComplaints(), 1);
}

TEST_P(StoreContract, LoadInsideTransactionSeesOwnWrites) {
  Status s = Write([](StoreTx& tx) -> Status {
    Complaint c = MakeComplaint(1, kT0);
    if (auto st = tx.InsertComplaint(c); !st) return st;
    auto loaded = tx.LoadComplaint(c.reference);
    if (!loaded) return loaded.error();
    if (!loaded->has_value() || (*loaded)->id != c.id) {
      return core::MakeError(Errc::kInternal, "not visible");
    }
    return {};
  });
  EXPECT_TRUE(s) << s.error().detail;
}

TEST_P(StoreContract, UpdateChecksVersion) {
  Complaint c = MakeComplaint(1, kT0);
  Insert(c);

  Complaint next = c;
  next.version = 2;
  next.state = State::kAcknowledged;
  next.assignee = "carol";
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.UpdateComplaint(next); }));

  // Stale: built from version 1 again.
  Complaint stale = c;
  stale.version = 2;
  stale.state = State::kWithdrawn;
  Status s = Write([&](StoreTx& tx) { return tx.UpdateComplaint(stale); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);

  // Skipping a version is a conflict too.
  Complaint ahead = next;
  ahead.version = 4;
  s = Write([&](StoreTx& tx) { return tx.UpdateComplaint(ahead); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);

  Complaint ghost = MakeComplaint(77, kT0);
  ghost.id = c.id + 1000;
  ghost.version = 2;
  s = Write([&](StoreTx& tx) { return tx.UpdateComplaint(ghost); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);

  auto got = store().GetComplaint(c.reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->state, State::kAcknowledged);
  EXPECT_EQ((*got)->assignee, "carol");
}

TEST_P(StoreContract, ReferenceIsUnique) {
  Complaint a = MakeComplaint(1, kT0);
  Insert(a);
  Complaint b = MakeComplaint(1, kT0 + hours(1), "another");
  Status s = Write([&](StoreTx& tx) { return tx.InsertComplaint(b); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);
  EXPECT_EQ(*store().CountComplaints(), 1);
  auto got = store().GetComplaint(a.reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->description.value, "printer broke");
}

TEST_P(StoreContract, NextSequenceCountsPerYear) {
  std::vector<int64_t> seen;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    for (int year : {2026, 2026, 2027, 2026, 2027}) {
      auto n = tx.NextSequence(year);
      if (!n) return n.error();
      seen.push_back(*n);
    }
    return {};
  }));
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 1, 3, 2}));
  int64_t next = 0;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    auto n = tx.NextSequence(2026);
    if (!n) return n.error();
    next = *n;
    return {};
  }));
  EXPECT_EQ(next, 4);
}

// --- Events ----------------------------------------------------------------------------------

TEST_P(StoreContract, EventsAreChained) {
  Complaint a = MakeComplaint(1, kT0);
  Complaint b = MakeComplaint(2, kT0 + hours(1));
  Insert(a);
  Insert(b);
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    for (int i = 0; i < 3; ++i) {
      core::Event e = MakeEvent(i % 2 ? a : b, "note", kT0 + hours(2 + i));
      e.after = R"({"n":)" + std::to_string(i) + "}";
      if (auto s = tx.AppendEvent(e); !s) return s;
      if (e.seq == 0 || e.hash.size() != 64) return core::MakeError(Errc::kInternal, "unset");
    }
    core::Event system;
    system.at = kT0;
    system.actor = "system";
    system.action = "user:created";
    system.before = "{}";
    system.after = "{}";
    return tx.AppendEvent(system);
  }));
  auto all = AllEvents();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all.front().prev_hash, core::kGenesisHash);
  ExpectChainValid();

  auto of_a = store().EventsOf(a.id);
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].action, "created");
  EXPECT_EQ((*of_a)[1].after, R"({"n":1})");
  EXPECT_LT((*of_a)[0].seq, (*of_a)[1].seq);
}

TEST_P(StoreContract, ScanEventsInOrderFromSeqAndStops) {
  for (int i = 1; i <= 5; ++i) {
    Complaint c = MakeComplaint(i, kT0 + hours(i));
    Insert(c);
  }
  std::vector<int64_t> seqs;
  ASSERT_TRUE(store().ScanEvents(3, [&](const core::Event& e) {
    seqs.push_back(e.seq);
    return true;
  }));
  EXPECT_EQ(seqs, (std::vector<int64_t>{3, 4, 5}));
  seqs.clear();
  ASSERT_TRUE(store().ScanEvents(0, [&](const core::Event& e) {
    seqs.push_back(e.seq);
    return seqs.size() < 2;
  }));
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2}));
}

// --- Atomicity -------------------------------------------------------------------------------

TEST_P(StoreContract, FailedWriteChangesNothing) {
  Complaint first = MakeComplaint(1, kT0);
  Insert(first);
  const std::string head = AllEvents().back().hash;

  int64_t user_id = 0;
  Status s = Write([&](StoreTx& tx) -> Status {
    auto seq = tx.NextSequence(2026);
    if (!seq) return seq.error();
    Complaint c = MakeComplaint(2, kT0 + hours(1), "should vanish");
    if (auto st = tx.InsertComplaint(c); !st) return st;
    core::Event e = MakeEvent(c, "created", kT0);
    if (auto st = tx.AppendEvent(e); !st) return st;
    core::Note n;
    n.complaint_id = first.id;
    n.at = kT0;
    n.author = "alice";
    n.body = "vanishing note";
    if (auto st = tx.InsertNote(n); !st) return st;
    core::User u;
    u.username = "ghost";
    u.role = core::Role::kHandler;
    if (auto st = tx.InsertUser(u); !st) return st;
    user_id = u.id;
    if (auto st = tx.InsertSession({"tok", u.id, kT0, kT0 + hours(1)}); !st) return st;
    if (auto st = tx.PutIdempotency({"k1", "public", "h", 201, "{}", kT0}); !st) return st;
    Complaint upd = first;
    upd.version = 2;
    upd.state = State::kWithdrawn;
    if (auto st = tx.UpdateComplaint(upd); !st) return st;
    return core::MakeError(Errc::kInvalid, "changed my mind");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalid);
  EXPECT_EQ(s.error().detail, "changed my mind");

  EXPECT_EQ(*store().CountComplaints(), 1);
  EXPECT_FALSE(store().GetComplaint(core::Reference{"CMP", 2026, 2})->has_value());
  EXPECT_EQ((*store().GetComplaint(first.reference))->state, State::kReceived);
  EXPECT_EQ((*store().GetComplaint(first.reference))->version, 1);
  EXPECT_TRUE(store().NotesOf(first.id)->empty());
  EXPECT_FALSE(store().FindUser("ghost")->has_value());
  EXPECT_FALSE(store().GetUser(user_id)->has_value());
  EXPECT_FALSE(store().FindSession("tok")->has_value());
  EXPECT_EQ(AllEvents().size(), 1u);
  core::ListQuery q;
  q.scope.all = true;
  q.text = "vanish";
  EXPECT_TRUE(Refs(q).empty());
  ASSERT_TRUE(Write([](StoreTx& tx) -> Status {
    auto r = tx.GetIdempotency("public", "k1");
    if (!r) return r.error();
    return r->has_value() ? core::MakeError(Errc::kInternal, "kept") : Status{};
  }));

  // The chain continues from the last committed event.
  Complaint second = MakeComplaint(2, kT0 + hours(2));
  Insert(second);
  auto events = AllEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, 2);
  EXPECT_EQ(events[1].prev_hash, head);
  ExpectChainValid();
}

// Writes queued together commit together (a group commit): the state and due-day counts of
// those that succeed are kept, those of one that fails between them are not, whichever way an
// adapter keeps its counts (per statement, or summed per batch).
TEST_P(StoreContract, CountsOfAFailedWriteInAGroupAreDropped) {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Status> results(4);
  auto finish = [&](int i) {
    return [&, i](Status s) {
      std::lock_guard lock(mu);
      results[static_cast<size_t>(i)] = std::move(s);
      if (++done == 4) cv.notify_all();
    };
  };
  auto insert = [](int64_t seq, bool fail) {
    return [seq, fail](StoreTx& tx) -> Status {
      Complaint c = MakeComplaint(seq, kT0 + hours(seq));
      c.clocks.push_back(RunningClock(kT0 + days(seq)));
      if (auto s = tx.InsertComplaint(c); !s) return s;
      if (fail) return core::MakeError(Errc::kInvalid, "changed my mind");
      Complaint acked = c;
      acked.state = State::kAcknowledged;
      acked.version = 2;
      return tx.UpdateComplaint(acked);
    };
  };
  // The first write holds the writer a moment, so the three after it queue up behind it and
  // commit as one group.
  store().Write(
      [](StoreTx&) -> Status {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return {};
      },
      finish(0));
  store().Write(insert(1, false), finish(1));
  store().Write(insert(2, true), finish(2));
  store().Write(insert(3, false), finish(3));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return done == 4; }));
  }
  EXPECT_TRUE(results[0] && results[1] && results[3]);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().detail, "changed my mind");

  auto counts = store().CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(State::kReceived), 0);
  EXPECT_EQ(counts->at(State::kAcknowledged), 2);
  EXPECT_EQ(*store().CountComplaints(), 2);
  // Due on days 1 and 3: the failed write's day 2 counts nothing.
  EXPECT_EQ(*store().CountOverdue(kT0 + days(1) + hours(12)), 1);
  EXPECT_EQ(*store().CountOverdue(kT0 + days(2) + hours(12)), 1);
  EXPECT_EQ(*store().CountOverdue(kT0 + days(3) + hours(12)), 2);
}

TEST_P(StoreContract, ThrowingWriteIsAnInternalErrorAndChangesNothing) {
  Status s = Write([](StoreTx& tx) -> Status {
    Complaint c = MakeComplaint(1, kT0);
    if (auto st = tx.InsertComplaint(c); !st) return st;
    throw std::runtime_error("bug");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInternal);
  EXPECT_EQ(*store().CountComplaints(), 0);
  Complaint c = MakeComplaint(1, kT0);
  Insert(c);  // the store still works
  EXPECT_EQ(*store().CountComplaints(), 1);
}

// Buckets count every duration up to their bound, so they never fall from one to the next,
// and the last holds no more than all of them.
void ExpectCumulative(const core::DurationHistogram& h) {
  for (size_t i = 1; i < h.buckets.size(); ++i) EXPECT_LE(h.buckets[i - 1], h.buckets[i]) << i;
  EXPECT_LE(h.buckets.back(), h.count);
}

// /metrics reports these: one batch per group commit, every write counted once, and (SQLite)
// each flush of the WAL. Writes queued while the writer is held go in together.
TEST_P(StoreContract, WriterStatisticsCountBatchesWritesAndFlushes) {
  const bool sqlite = GetParam().name == "Sqlite";
  // Only an adapter with a writer of its own reports one (SQLite, PostgreSQL; not memory).
  const std::optional<core::WriterStats> at_start = store().WriterStatistics();
  EXPECT_EQ(at_start.has_value(), GetParam().name != "Memory");
  if (!at_start) return;
  const core::WriterStats& before = *at_start;
  // SQLite's WAL, with its flushes timed; PostgreSQL's flushes happen inside its commits.
  EXPECT_EQ(before.wal.has_value(), sqlite);
  EXPECT_EQ(before.wal && before.wal->flush_seconds, sqlite);
  auto insert = [](int64_t seq) {
    return [seq](StoreTx& tx) -> Status {
      Complaint c = MakeComplaint(seq, kT0 + milliseconds(seq));
      return tx.InsertComplaint(c);
    };
  };
  for (int64_t seq = 1; seq <= 3; ++seq) ASSERT_TRUE(store().WriteSync(insert(seq)));
  const core::WriterStats one_by_one = store().WriterStatistics().value();
  EXPECT_EQ(one_by_one.writes - before.writes, 3u);
  EXPECT_EQ(one_by_one.batches - before.batches, 3u);  // each waited for the one before
  EXPECT_EQ(one_by_one.batch_seconds.count, one_by_one.batches);
  EXPECT_GT(one_by_one.batch_seconds.sum, before.batch_seconds.sum);
  ExpectCumulative(one_by_one.batch_seconds);
  if (sqlite) {
    const core::DurationHistogram& flushes = one_by_one.wal.value().flush_seconds.value();
    EXPECT_GE(flushes.count - before.wal.value().flush_seconds.value().count, 3u);
    ExpectCumulative(flushes);
  }

  constexpr int kQueued = 20;
  std::atomic<int> done{0};
  {
    WriterHold hold(store());
    for (int64_t seq = 10; seq < 10 + kQueued; ++seq) {
      store().Write(insert(seq), [&](Status s) {
        EXPECT_TRUE(s);
        ++done;
      });
    }
    ASSERT_TRUE(hold.Release());
  }
  while (done.load() < kQueued) std::this_thread::sleep_for(milliseconds(1));
  const core::WriterStats grouped = store().WriterStatistics().value();
  EXPECT_EQ(grouped.writes - one_by_one.writes, 1u + kQueued);  // the hold's own write too
  const uint64_t batches = grouped.batches - one_by_one.batches;
  EXPECT_GE(batches, 2u);  // the hold's batch, then the queued writes'
  EXPECT_LT(batches, 1u + kQueued);
  EXPECT_EQ(grouped.batch_seconds.count, grouped.batches);
}

TEST_P(StoreContract, ConcurrentWritesAreAllDurableAndCompletedOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  constexpr int kTotal = kThreads * kPerThread;
  std::vector<std::atomic<int>> calls(kTotal);
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  std::mutex mu;
  std::condition_variable cv;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        auto fn = [n](StoreTx& tx) -> Status {
          auto seq = tx.NextSequence(2026);
          if (!seq) return seq.error();
          Complaint c = MakeComplaint(*seq, kT0 + milliseconds(n), "load " + std::to_string(n));
          if (auto s = tx.InsertComplaint(c); !s) return s;
          core::Event e = MakeEvent(c, "created", c.received_at);
          return tx.AppendEvent(e);
        };
        store().Write(fn, [&, n](Status s) {
          if (s) ++ok;
          ++calls[n];
          // Under the lock, so the waiter cannot return (and destroy mu/cv) before we are done.
          std::lock_guard lock(mu);
          if (++finished == kTotal) cv.notify_all();
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return finished == kTotal; }));
  }
  EXPECT_EQ(ok.load(), kTotal);
  for (int n = 0; n < kTotal; ++n) EXPECT_EQ(calls[n].load(), 1) << n;

  EXPECT_EQ(*store().CountComplaints(), kTotal);
  EXPECT_EQ(AllEvents().size(), static_cast<size_t>(kTotal));
  ExpectChainValid();
  if (harness_->Reopen()) {
    EXPECT_EQ(*store().CountComplaints(), kTotal);
    ExpectChainValid();
  }
}

// --- Lists -----------------------------------------------------------------------------------

class ListContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    // 1: received, P3, unassigned, fees
    Complaint c1 = MakeComplaint(1, kT0, "The card machine charged twice");
    // 2: acknowledged, P1, bob, overdue at kT0 + 30d
    Complaint c2 = MakeComplaint(2, kT0 + hours(1), "Branch staff were rude");
    c2.state = State::kAcknowledged;
    c2.priority = core::Priority::kP1;
    c2.assignee = "bob";
    c2.clocks.push_back(RunningClock(kT0 + days(10)));
    c2.subject.persons_named = "JSmith, Mary Jones";
    // 3: investigation, P2, carol, investigator ivan, mortgages, due later
    Complaint c3 = MakeComplaint(3, kT0 + hours(2), "Mortgage offer delayed");
    c3.state = State::kUnderInvestigation;
    c3.priority = core::Priority::kP2;
    c3.assignee = "carol";
    c3.investigator = "ivan";
    c3.assessment.category = "banking/mortgages";
    c3.clocks.push_back(RunningClock(kT0 + days(60)));
    c3.subject.persons_named = "joanne";
    // 4: closed (not open) with a past due clock that is stopped; bob
    Complaint c4 = MakeComplaint(4, kT0 + hours(3), "Fees were refunded late");
    c4.state = State::kClosed;
    c4.assignee = "bob";
    core::ClockTrack stopped = RunningClock(kT0 + days(5));
    stopped.state = core::ClockState::kStopped;
    c4.clocks.push_back(stopped);
    // 5: received, unassigned, not yet classified, overdue at kT0 + 30d, paused clock
    Complaint c5 = MakeComplaint(5, kT0 + hours(4), "The website was down");
    c5.assessment.category = "";
    core::ClockTrack paused = RunningClock(kT0 + days(20));
    paused.state = core::ClockState::kPaused;
    paused.paused_at = kT0 + days(1);
    c5.clocks.push_back(paused);
    for (Complaint* c : {&c1, &c2, &c3, &c4, &c5}) Insert(*c);
    ids_ = {c1.id, c2.id, c3.id, c4.id, c5.id};
  }

  core::ListQuery All() {
    core::ListQuery q;
    q.scope.all = true;
    return q;
  }

  std::vector<int64_t> ids_;
};

TEST_P(ListContract, NewestFirstWithSummaryFields) {
  auto page = store().ListComplaints(All());
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 5u);
  EXPECT_TRUE(page->next_cursor.empty());
  EXPECT_EQ(page->items[0].reference, Ref(5));
  EXPECT_EQ(page->items[4].reference, Ref(1));
  const auto& s2 = page->items[3];
  EXPECT_EQ(s2.id, ids_[1]);
  EXPECT_EQ(s2.state, State::kAcknowledged);
  EXPECT_EQ(s2.priority, core::Priority::kP1);
  EXPECT_EQ(s2.assignee, "bob");
  EXPECT_EQ(s2.category, "banking/fees");
  EXPECT_EQ(s2.product, "current-account");
  EXPECT_EQ(s2.channel, core::Channel::kWeb);
  EXPECT_EQ(s2.received_at, kT0 + hours(1));
  ASSERT_TRUE(s2.due.has_value());
  EXPECT_EQ(*s2.due, kT0 + days(10));
  EXPECT_FALSE(s2.overdue);  // q.now is the epoch
  EXPECT_FALSE(page->items[4].due.has_value());
}

// Every order pages by cursor, two rows at a time, to the same sequence as one long page.
TEST_P(ListContract, EachSortOrderPagesByCursor) {
  const std::vector<std::pair<core::ListSort, std::vector<int>>> cases = {
      {core::ListSort::kNewest, {5, 4, 3, 2, 1}},
      {core::ListSort::kOldest, {1, 2, 3, 4, 5}},
      {core::ListSort::kDue, {2, 5, 3}},             // open with a due date, earliest first
      {core::ListSort::kPriority, {2, 3, 5, 4, 1}},  // P1, P2, then P3 newest first
  };
  for (const auto& [sort, expected] : cases) {
    std::vector<std::string> want;
    for (int seq : expected) want.push_back(Ref(seq));
    core::ListQuery q = All();
    q.sort = sort;
    q.limit = 2;
    std::vector<std::string> got;
    for (int pages = 0; pages < 5; ++pages) {
      auto page = store().ListComplaints(q);
      ASSERT_TRUE(page) << page.error().detail;
      for (const auto& item : page->items) got.push_back(item.reference);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    EXPECT_EQ(got, want) << "sort " << static_cast<int>(sort);
    // A cursor of one order is refused by another.
    core::ListQuery first = All();
    first.sort = sort;
    first.limit = 1;
    auto page = store().ListComplaints(first);
    ASSERT_TRUE(page);
    core::ListQuery other = All();
    other.sort =
        sort == core::ListSort::kOldest ? core::ListSort::kNewest : core::ListSort::kOldest;
    other.cursor = page->next_cursor;
    auto refused = store().ListComplaints(other);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::kMalformed);
  }
}

TEST_P(ListContract, FiltersEachNarrowTheList) {
  auto q = All();
  q.state = State::kReceived;
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(1)}));

  q = All();
  q.category = "banking/mortgages";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(3)}));
  q.category = "banking/fees";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(4), Ref(2), Ref(1)}));
  // Not yet classified: the SQL stores' index by category holds no such complaint, and the
  // list must still find them.
  q.category = "";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5)}));
  q.scope = {};
  q.scope.assignee = "bob";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5)}));
  q.category = "banking/fees";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(4), Ref(2), Ref(1)}));

  q = All();
  q.priority = core::Priority::kP1;
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(2)}));

  q = All();
  q.assignee = "bob";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(4), Ref(2)}));
  q.assignee = "";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(1)}));

  q = All();
  q.received_from = kT0 + hours(1);
  q.received_to = kT0 + hours(3);
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(3), Ref(2)}));

  q = All();
  q.overdue = true;
  q.now = kT0 + days(30);
  auto page = store().ListComplaints(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);  // 2 running, 5 paused; 4 is closed, 3 not yet due
  EXPECT_EQ(page->items[0].reference, Ref(5));
  EXPECT_EQ(page->items[1].reference, Ref(2));
  EXPECT_TRUE(page->items[0].overdue);
  EXPECT_TRUE(page->items[1].overdue);

  // Combined.
  q = All();
  q.state = State::kAcknowledged;
  q.assignee = "bob";
  q.priority = core::Priority::kP1;
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(2)}));
  q.priority = core::Priority::kP4;
  EXPECT_TRUE(Refs(q).empty());
}

TEST_P(ListContract, FollowUpDueListsClosedComplaintsWhoseFollowUpDayHasCome) {
  auto loaded = store().GetComplaint(*core::ParseReference(Ref(4)));
  ASSERT_TRUE(loaded && loaded->has_value());
  Complaint c4 = **loaded;
  c4.closure.follow_up_on = core::ParseDate("2026-03-15");
  c4.closure.follow_up_due = kT0 + days(14);
  c4.version += 1;
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.UpdateComplaint(c4); }));
  auto q = All();
  q.follow_up_due = true;
  q.now = kT0 + days(14) - std::chrono::milliseconds(1);
  EXPECT_TRUE(Refs(q).empty());
  q.now = kT0 + days(14);
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(4)}));
  q.assignee = "carol";  // combines with the other filters
  EXPECT_TRUE(Refs(q).empty());
  // Recorded: no longer due.
  c4.closure.followed_up_at = kT0 + days(15);
  c4.closure.follow_up_satisfied = true;
  c4.version += 1;
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.UpdateComplaint(c4); }));
  q = All();
  q.follow_up_due = true;
  q.now = kT0 + days(20);
  EXPECT_TRUE(Refs(q).empty());
}

TEST_P(ListContract, ScopeRules) {
  core::ListQuery q;  // no scope at all: sees nothing
  EXPECT_TRUE(Refs(q).empty());

  q.scope.assignee = "bob";  // own and unassigned
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(2), Ref(1)}));

  q.scope = {};
  q.scope.investigator = "ivan";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(3)}));
  q.scope.investigator = "nobody";
  EXPECT_TRUE(Refs(q).empty());
  q.scope.assignee = "bob";  // own, unassigned, and where they investigate
  q.scope.investigator = "ivan";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(3), Ref(2), Ref(1)}));
  q.scope.investigator = "nobody";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(2), Ref(1)}));

  // Exclusion by whole name, case-insensitive: "JSmith" names jsmith; "joanne" is not "ann".
  q.scope = {};
  q.scope.all = true;
  q.scope.exclude_named = "jsmith";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(3), Ref(1)}));
  q.scope.exclude_named = "ann";
  EXPECT_EQ(Refs(q).size(), 5u);
  q.scope.exclude_named = "Joanne";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(2), Ref(1)}));
  q.scope.exclude_named = "mary";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(3), Ref(1)}));

  q.scope = {};
  q.scope.assignee = "bob";
  q.scope.exclude_named = "jsmith";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(4), Ref(1)}));
}

// A text search comes newest-recorded first (by id), whatever the received dates (imports
// record old complaints late), and its cursor pages through every match exactly once.
TEST_P(ListContract, TextSearchPagesNewestRecordedFirst) {
  std::vector<std::string> want;
  for (int i = 0; i < 7; ++i) {
    // Received ever earlier, recorded ever later.
    Complaint c = MakeComplaint(10 + i, kT0 - days(i + 1), "Duplicate standing order paid");
    Insert(c);
    want.insert(want.begin(), c.reference.ToString());
  }
  auto q = All();
  q.text = "standing order";
  q.limit = 3;
  std::vector<std::string> got;
  for (int page = 0; page < 5; ++page) {
    auto r = store().ListComplaints(q);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    for (const auto& item : r->items) got.push_back(item.reference);
    if (r->next_cursor.empty()) break;
    q.cursor = r->next_cursor;
  }
  EXPECT_EQ(got, want);
}

TEST_P(ListContract, FullTextSearchesDescriptionAndNotes) {
  auto q = All();
  q.text = "mortgage";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(3)}));
  q.text = "FEES";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(4)}));
  q.text = "the";  // 1 and 5
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5), Ref(1)}));
  q.text = "the website";  // every term
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(5)}));
  q.text = "website charged";
  EXPECT_TRUE(Refs(q).empty());
  q.text = "  ";  // blank: no text filter
  EXPECT_EQ(Refs(q).size(), 5u);

  ASSERT_TRUE(Write([&](StoreTx& tx) {
    core::Note n;
    n.complaint_id = ids_[1];
    n.at = kT0 + days(1);
    n.author = "bob";
    n.body = "Called the branch manager about CCTV";
    return tx.InsertNote(n);
  }));
  q.text = "cctv";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(2)}));
  q.text = "rude cctv";  // one term in the description, one in a note
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(2)}));

  // Changing the description re-indexes it.
  auto c1 = store().GetComplaint(core::Reference{"CMP", 2026, 1});
  ASSERT_TRUE(c1 && c1->has_value());
  Complaint edited = **c1;
  edited.version += 1;
  edited.description = "Terminal double charge";
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.UpdateComplaint(edited); }));
  q.text = "machine";
  EXPECT_TRUE(Refs(q).empty());
  q.text = "terminal";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(1)}));

  // Scope still applies to search results.
  q.scope = {};
  q.scope.investigator = "ivan";
  q.text = "cctv";
  EXPECT_TRUE(Refs(q).empty());
}

TEST_P(ListContract, SearchInputCannotInjectSyntax) {
  auto q = All();
  for (const char* text : {"!!!",
                           "\"",
                           "\"\"",
                           "*",
                           "-",
                           "(",
                           ")",
                           "^",
                           ":",
                           "...",
                           "NEAR(",
                           "a AND",
                           "OR",
                           "NOT rude",
                           "\"rude",
                           "rude\" OR \"fees",
                           "description:rude",
                           "{notes}: x",
                           "rude*",
                           "+",
                           "\\",
                           "'",
                           ";--",
                           "\xff\xfe",
                           "caf\xc3\xa9",
                           "\xe2\x80\x94"}) {
    q.text = text;
    auto page = store().ListComplaints(q);
    ASSERT_TRUE(page) << "query [" << text << "]: " << page.error().detail;
  }
  for (const char* text : {"!!!", "\"", "*", "-", "(", "...", ";--", ":"}) {
    q.text = text;
    EXPECT_TRUE(Refs(q).empty()) << text;
  }
  q.text = "\"rude";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(2)}));
  q.text = "description:rude";  // not a column filter: two terms
  EXPECT_TRUE(Refs(q).empty());
  q.text = "NOT rude";  // "not" is a plain term
  EXPECT_TRUE(Refs(q).empty());
}

TEST_P(ListContract, CursorErrorsAndLimitClamp) {
  auto q = All();
  q.cursor = "not-a-cursor";
  auto page = store().ListComplaints(q);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, Errc::kMalformed);
  q.cursor = "zz";
  EXPECT_FALSE(store().ListComplaints(q));

  q = All();
  q.limit = 0;  // clamped to 1
  page = store().ListComplaints(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_cursor.empty());
  q.limit = -5;
  EXPECT_EQ(store().ListComplaints(q)->items.size(), 1u);
  q.limit = 100000;  // clamped to 200
  EXPECT_EQ(store().ListComplaints(q)->items.size(), 5u);
}

TEST_P(ListContract, CountsByStateAndOverdue) {
  auto counts = store().CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->size(), 11u);  // every state present
  EXPECT_EQ(counts->at(State::kReceived), 2);
  EXPECT_EQ(counts->at(State::kAcknowledged), 1);
  EXPECT_EQ(counts->at(State::kUnderInvestigation), 1);
  EXPECT_EQ(counts->at(State::kClosed), 1);
  EXPECT_EQ(counts->at(State::kWithdrawn), 0);
  EXPECT_EQ(counts->at(State::kReferred), 0);

  EXPECT_EQ(*store().CountOverdue(kT0), 0);
  EXPECT_EQ(*store().CountOverdue(kT0 + days(10)), 0);  // due is not overdue
  EXPECT_EQ(*store().CountOverdue(kT0 + days(10) + milliseconds(1)), 1);
  EXPECT_EQ(*store().CountOverdue(kT0 + days(30)), 2);
  EXPECT_EQ(*store().CountOverdue(kT0 + days(365)), 3);  // the closed one never counts
  EXPECT_EQ(*store().CountComplaints(), 5);

  // Counts follow state changes, and only state changes.
  for (State to : {State::kWithdrawn, State::kWithdrawn}) {
    ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
      auto c = tx.LoadComplaint(core::Reference{"CMP", 2026, 1});
      if (!c) return c.error();
      Complaint next = **c;
      next.state = to;
      next.version += 1;
      return tx.UpdateComplaint(next);
    }));
  }
  counts = store().CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(State::kReceived), 1);
  EXPECT_EQ(counts->at(State::kWithdrawn), 1);
  EXPECT_EQ(*store().CountComplaints(), 5);
}

// The overdue count at every few hours over the stored complaints' due instants, against a
// count of the complaints read back one by one (open, earliest due before `at`).
void ExpectOverdueCountsAsRead(core::Store& store, Instant from, Instant to) {
  std::vector<Complaint> all;
  for (int64_t seq = 1; seq <= 5; ++seq) {
    auto c = store.GetComplaint(core::Reference{"CMP", 2026, seq});
    ASSERT_TRUE(c && c->has_value());
    all.push_back(**c);
  }
  for (Instant at = from; at <= to; at += hours(7)) {
    int64_t want = 0;
    for (const auto& c : all) {
      auto due = core::EarliestDue(c.clocks);
      if (core::IsOpen(c.state) && due && *due < at) ++want;
    }
    auto got = store.CountOverdue(at);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, want) << core::FormatInstant(at);
  }
}

TEST_P(ListContract, OverdueCountFollowsClosingReopeningAndDueChanges) {
  ExpectOverdueCountsAsRead(store(), kT0 - days(1), kT0 + days(70));
  auto update = [&](int64_t seq, auto&& change) {
    ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
      auto c = tx.LoadComplaint(core::Reference{"CMP", 2026, seq});
      if (!c) return c.error();
      Complaint next = **c;
      change(next);
      next.version += 1;
      return tx.UpdateComplaint(next);
    }));
  };
  // 2 closed: its day no longer counts.
  update(2, [](Complaint& c) { c.state = State::kClosed; });
  EXPECT_EQ(*store().CountOverdue(kT0 + days(30)), 1);
  // 3 falls due earlier, within a day of 5's old day, then 5 is given no clock at all.
  update(3, [](Complaint& c) { c.clocks.front().due = kT0 + days(20) + hours(5); });
  update(5, [](Complaint& c) { c.clocks.clear(); });
  ExpectOverdueCountsAsRead(store(), kT0 - days(1), kT0 + days(70));
  // 4 reopened with a running clock; 1 gets one that falls due later the same day as 3's.
  update(4, [](Complaint& c) {
    c.state = State::kReopened;
    c.clocks.front().state = core::ClockState::kRunning;
  });
  update(1, [](Complaint& c) { c.clocks.push_back(RunningClock(kT0 + days(20) + hours(9))); });
  ExpectOverdueCountsAsRead(store(), kT0 - days(1), kT0 + days(70));
  EXPECT_EQ(*store().CountOverdue(kT0 + days(20) + hours(7)), 2);  // 4, and 3 of that day
  EXPECT_EQ(*store().CountOverdue(kT0 + days(21)), 3);
  // An update that changes nothing due keeps the count.
  update(3, [](Complaint& c) { c.assignee = "dave"; });
  ExpectOverdueCountsAsRead(store(), kT0 - days(1), kT0 + days(70));
}

TEST_P(ListContract, DueForClockCheckOldestFirst) {
  // Expected order from the core's own NextClockInstant of each stored complaint.
  std::vector<std::pair<Instant, std::string>> expected;
  for (int64_t seq = 1; seq <= 5; ++seq) {
    auto c = store().GetComplaint(core::Reference{"CMP", 2026, seq});
    ASSERT_TRUE(c && c->has_value());
    if (!core::IsOpen((*c)->state)) continue;
    if (auto next = core::NextClockInstant((*c)->clocks)) expected.emplace_back(*next, Ref(seq));
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());

  auto none = store().DueForClockCheck(expected.front().first - milliseconds(1), 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto refs = [](const std::vector<core::Reference>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r.ToString());
    return out;
  };
  auto all = store().DueForClockCheck(kT0 + days(400), 10);
  ASSERT_TRUE(all);
  std::vector<std::string> want;
  for (const auto& [at, ref] : expected) want.push_back(ref);
  EXPECT_EQ(refs(*all), want);

  auto first = store().DueForClockCheck(expected.front().first, 10);
  ASSERT_TRUE(first);
  ASSERT_GE(first->size(), 1u);
  EXPECT_EQ(first->front().ToString(), expected.front().second);

  auto limited = store().DueForClockCheck(kT0 + days(400), 1);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->size(), 1u);
  EXPECT_TRUE(store().DueForClockCheck(kT0 + days(400), 0)->empty());
}

TEST_P(StoreContract, KeysetPaginationVisitsEveryRowOnce) {
  // 45 complaints; groups of three share a receipt instant, so ties are broken by id.
  for (int i = 0; i < 45; ++i) {
    Complaint c = MakeComplaint(i + 1, kT0 + hours(i / 3));
    c.assignee = i % 2 ? "bob" : "";
    Insert(c);
  }
  for (auto sort : {core::ListSort::kNewest, core::ListSort::kOldest}) {
    for (int limit : {1, 2, 3, 4, 7, 15, 45, 50}) {
      core::ListQuery q;
      q.scope.all = true;
      q.sort = sort;
      q.limit = limit;
      std::vector<core::ComplaintSummary> seen;
      std::set<int64_t> ids;
      int pages = 0;
      for (;;) {
        auto page = store().ListComplaints(q);
        ASSERT_TRUE(page) << page.error().detail;
        ASSERT_LE(static_cast<int>(page->items.size()), limit);
        for (auto& s : page->items) {
          EXPECT_TRUE(ids.insert(s.id).second) << "duplicate " << s.reference;
          seen.push_back(s);
        }
        ++pages;
        if (page->next_cursor.empty()) break;
        q.cursor = page->next_cursor;
        ASSERT_LT(pages, 100);
      }
      EXPECT_EQ(seen.size(), 45u) << "limit " << limit;
      for (size_t i = 1; i < seen.size(); ++i) {
        const auto before = std::tie(seen[i - 1].received_at, seen[i - 1].id);
        const auto here = std::tie(seen[i].received_at, seen[i].id);
        EXPECT_TRUE(sort == core::ListSort::kNewest ? before > here : before < here)
            << "limit " << limit << " at " << i;
      }
    }
  }
  // With a filter and a scope, pages stay within them.
  core::ListQuery q;
  q.scope.assignee = "carol";  // sees the unassigned ones only
  q.limit = 4;
  size_t total = 0;
  for (;;) {
    auto page = store().ListComplaints(q);
    ASSERT_TRUE(page);
    for (auto& s : page->items) EXPECT_EQ(s.assignee, "");
    total += page->items.size();
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(total, 23u);
}

// GET /api/v1/complaints's body as the store writes it (WriteComplaintsPage: the SQLite store
// writes each row's text as it reads it) is the text of the page ListComplaints returns, page
// after page, in every order, scope and with a search; on an error nothing is written.
TEST_P(StoreContract, AWrittenPageIsTheListedPageAsText) {
  const std::vector<std::string> categories = {"", "banking/fees", "Says \"no\"\ttwice",
                                               "Caf\xc3\xa9 " + std::string(90, 'c')};
  for (int i = 0; i < 30; ++i) {
    Complaint c = MakeComplaint(i + 1, kT0 + hours(i / 3), i % 2 ? "mortgage arrears" : "fees");
    c.assignee = i % 3 == 0 ? "bob" : "";
    c.priority = static_cast<core::Priority>(1 + i % 4);
    c.channel = i % 2 ? core::Channel::kEmail : core::Channel::kInPerson;
    c.assessment.category = categories[i % categories.size()];
    if (i % 5 != 0) c.clocks.push_back(RunningClock(kT0 + days(i % 7)));
    Insert(c);
  }
  auto pages_agree = [&](core::ListQuery q, const std::string& what) {
    q.now = kT0 + days(3);  // some due instants passed: overdue both ways
    for (int pages = 0; pages < 40; ++pages) {
      auto page = store().ListComplaints(q);
      ASSERT_TRUE(page) << what << ": " << page.error().detail;
      std::string want = "before:";
      core::WriteListPage(want, *page);
      std::string text = "before:";
      auto s = store().WriteComplaintsPage(q, text);
      ASSERT_TRUE(s) << what << ": " << s.error().detail;
      ASSERT_EQ(text, want) << what << ", page " << pages;
      if (page->next_cursor.empty()) return;
      q.cursor = page->next_cursor;
    }
    FAIL() << what << ": more than 40 pages";
  };
  for (auto sort : {core::ListSort::kNewest, core::ListSort::kOldest, core::ListSort::kDue,
                    core::ListSort::kPriority}) {
    core::ListQuery q;
    q.scope.all = true;
    q.sort = sort;
    q.limit = 7;
    pages_agree(q, "sort " + std::to_string(static_cast<int>(sort)));
  }
  core::ListQuery queue;
  queue.scope.assignee = "bob";  // theirs and the unassigned: two walks merged in SQLite
  queue.limit = 4;
  pages_agree(queue, "a handler's queue");
  core::ListQuery search;
  search.scope.all = true;
  search.text = "mortgage";
  search.limit = 5;
  pages_agree(search, "a search");
  core::ListQuery nothing;
  nothing.scope.all = true;
  nothing.text = "!!";  // only punctuation: no page at all
  pages_agree(nothing, "no terms");

  core::ListQuery bad;
  bad.scope.all = true;
  bad.cursor = "not a cursor";
  std::string text = "before:";
  EXPECT_FALSE(store().WriteComplaintsPage(bad, text));
  EXPECT_EQ(text, "before:");
}

// A handler's queue (their complaints and the unassigned ones, no other filter) pages through
// exactly those rows in received order, ties by id, whatever the page size: the SQLite store
// serves it as two index walks merged (BuildListSql), the rows of the two interleaved here.
TEST_P(StoreContract, AHandlersQueueMergesTheirOwnAndUnassignedInOrder) {
  std::vector<std::pair<core::Instant, int64_t>> want;
  for (int i = 0; i < 60; ++i) {
    Complaint c = MakeComplaint(i + 1, kT0 + hours(i / 3));
    c.assignee = i % 3 == 0 ? "bob" : (i % 3 == 1 ? "" : "carol");
    Insert(c);
    if (c.assignee != "carol") want.emplace_back(c.received_at, c.id);
  }
  for (auto sort : {core::ListSort::kNewest, core::ListSort::kOldest}) {
    auto ordered = want;
    std::sort(ordered.begin(), ordered.end());
    if (sort == core::ListSort::kNewest) std::reverse(ordered.begin(), ordered.end());
    for (int limit : {1, 2, 3, 5, 7, 40, 50}) {
      core::ListQuery q;
      q.scope.assignee = "bob";
      q.sort = sort;
      q.limit = limit;
      std::vector<std::pair<core::Instant, int64_t>> seen;
      for (int pages = 0;; ++pages) {
        ASSERT_LT(pages, 100);
        auto page = store().ListComplaints(q);
        ASSERT_TRUE(page) << page.error().detail;
        ASSERT_LE(static_cast<int>(page->items.size()), limit);
        for (auto& s : page->items) {
          EXPECT_NE(s.assignee, "carol");
          seen.emplace_back(s.received_at, s.id);
        }
        if (page->next_cursor.empty()) break;
        q.cursor = page->next_cursor;
      }
      EXPECT_EQ(seen, ordered) << "limit " << limit;
    }
  }
}

// --- Notes, attachments, users, sessions, idempotency -----------------------------------------

TEST_P(StoreContract, ComplaintFileHoldsTheComplaintsOwnRecordsAndSeesLaterWrites) {
  Complaint c = MakeComplaint(1, kT0);
  Complaint other = MakeComplaint(2, kT0);
  Insert(c);
  Insert(other);
  auto note = [&](const Complaint& of, const char* body) {
    core::Note n;
    n.complaint_id = of.id;
    n.at = kT0 + hours(1);
    n.author = "bob";
    n.body = body;
    return n;
  };
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    core::Event e = MakeEvent(c, "created", kT0);
    if (auto s = tx.AppendEvent(e); !s) return s;
    core::Event f = MakeEvent(other, "created", kT0);
    if (auto s = tx.AppendEvent(f); !s) return s;
    core::Note n = note(c, "first");
    if (auto s = tx.InsertNote(n); !s) return s;
    core::Note m = note(other, "not this one");
    if (auto s = tx.InsertNote(m); !s) return s;
    core::Attachment a;
    a.complaint_id = c.id;
    a.sha256 = std::string(64, 'b');
    a.content_type = "text/plain";
    a.size = 3;
    a.filename = "a.txt";
    a.uploaded_by = "bob";
    a.at = kT0;
    return tx.InsertAttachment(a);
  }));

  auto file = store().GetComplaintFile(c.reference);
  ASSERT_TRUE(file && file->has_value());
  EXPECT_EQ((*file)->complaint().id, c.id);
  auto events = store().EventsOf(c.id);
  ASSERT_TRUE(events);
  ASSERT_EQ((*file)->events.size(), events->size());  // Insert's event and the one above
  ASSERT_EQ(events->size(), 2u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*file)->events[i].complaint_id, c.id);
    EXPECT_EQ((*file)->events[i].seq, (*events)[i].seq);
  }
  ASSERT_EQ((*file)->notes.size(), 1u);
  EXPECT_EQ((*file)->notes[0].body.value, "first");
  ASSERT_EQ((*file)->attachments.size(), 1u);
  EXPECT_EQ((*file)->attachments[0].filename.value, "a.txt");
  EXPECT_FALSE(store().GetComplaintFile(MakeComplaint(3, kT0).reference)->has_value());

  // A read ends its snapshot: a write after it is seen by the next read (repeated, so every
  // reader connection of a pooled adapter is reused at least once).
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
      core::Note n = note(c, "more");
      return tx.InsertNote(n);
    }));
    auto again = store().GetComplaintFile(c.reference);
    ASSERT_TRUE(again && again->has_value());
    EXPECT_EQ((*again)->notes.size(), static_cast<size_t>(2 + i));
  }
}

TEST_P(StoreContract, NotesAndAttachmentsRoundTrip) {
  Complaint c = MakeComplaint(1, kT0);
  Insert(c);
  core::Note n;
  n.complaint_id = c.id;
  n.at = kT0 + hours(1);
  n.author = "bob";
  n.visibility = core::NoteVisibility::kComplainant;
  n.body = "We have your letter";
  core::Attachment a;
  a.complaint_id = c.id;
  a.sha256 = std::string(64, 'a');
  a.content_type = "application/pdf";
  a.size = 1234;
  a.filename = "letter.pdf";
  a.uploaded_by = "bob";
  a.at = kT0 + hours(2);
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.InsertNote(n); !s) return s;
    return tx.InsertAttachment(a);
  }));
  EXPECT_GT(n.id, 0);
  EXPECT_GT(a.id, 0);

  auto notes = store().NotesOf(c.id);
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].id, n.id);
  EXPECT_EQ((*notes)[0].body.value, "We have your letter");
  EXPECT_EQ((*notes)[0].visibility, core::NoteVisibility::kComplainant);
  EXPECT_EQ((*notes)[0].at, kT0 + hours(1));
  EXPECT_EQ((*notes)[0].author, "bob");

  auto atts = store().AttachmentsOf(c.id);
  ASSERT_TRUE(atts);
  ASSERT_EQ(atts->size(), 1u);
  EXPECT_EQ((*atts)[0].filename.value, "letter.pdf");
  EXPECT_EQ((*atts)[0].size, 1234);
  auto one = store().GetAttachment(c.id, a.id);
  ASSERT_TRUE(one && one->has_value());
  EXPECT_EQ((*one)->sha256, a.sha256);
  EXPECT_EQ((*one)->content_type, "application/pdf");
  EXPECT_FALSE(store().GetAttachment(c.id + 1, a.id)->has_value());  // wrong complaint

  core::Note orphan = n;
  orphan.complaint_id = c.id + 100;
  Status s = Write([&](StoreTx& tx) { return tx.InsertNote(orphan); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
}

TEST_P(StoreContract, UsersAndSessionsRoundTrip) {
  core::User alice;
  alice.username = "alice";
  alice.display_name = "Alice A.";
  alice.role = core::Role::kManager;
  alice.password_hash = "$argon2id$v=19$...";
  alice.must_change_password = true;
  alice.created_at = kT0;
  core::User bob = alice;
  bob.username = "bob";
  bob.role = core::Role::kHandler;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.InsertUser(bob); !s) return s;
    return tx.InsertUser(alice);
  }));
  EXPECT_GT(alice.id, 0);
  EXPECT_NE(alice.id, bob.id);

  core::User dup = alice;
  Status s = Write([&](StoreTx& tx) { return tx.InsertUser(dup); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);

  auto found = store().FindUser("alice");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->id, alice.id);
  EXPECT_EQ((*found)->display_name.value, "Alice A.");
  EXPECT_EQ((*found)->role, core::Role::kManager);
  EXPECT_EQ((*found)->password_hash, alice.password_hash);
  EXPECT_TRUE((*found)->must_change_password);
  EXPECT_FALSE((*found)->disabled);
  EXPECT_EQ((*found)->created_at, kT0);
  EXPECT_EQ((*store().GetUser(bob.id))->username, "bob");
  EXPECT_FALSE(store().FindUser("carol")->has_value());
  auto users = store().ListUsers();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].username, "alice");
  EXPECT_EQ((*users)[1].username, "bob");

  core::User changed = alice;
  changed.disabled = true;
  changed.must_change_password = false;
  changed.role = core::Role::kAuditor;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    auto loaded = tx.LoadUser("alice");
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return core::MakeError(Errc::kNotFound, "alice");
    return tx.UpdateUser(changed);
  }));
  EXPECT_TRUE((*store().GetUser(alice.id))->disabled);
  EXPECT_EQ((*store().GetUser(alice.id))->role, core::Role::kAuditor);
  core::User clash = changed;
  clash.username = "bob";
  s = Write([&](StoreTx& tx) { return tx.UpdateUser(clash); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);
  core::User nobody = changed;
  nobody.id = 999;
  nobody.username = "nobody";
  s = Write([&](StoreTx& tx) { return tx.UpdateUser(nobody); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);

  // Sessions.
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    for (const char* t : {"t1", "t2"}) {
      if (auto st = tx.InsertSession({t, alice.id, kT0, kT0 + hours(8)}); !st) return st;
    }
    return tx.InsertSession({"t3", bob.id, kT0, kT0 + hours(8)});
  }));
  auto sess = store().FindSession("t1");
  ASSERT_TRUE(sess && sess->has_value());
  EXPECT_EQ((*sess)->user_id, alice.id);
  EXPECT_EQ((*sess)->created_at, kT0);
  EXPECT_EQ((*sess)->expires_at, kT0 + hours(8));
  s = Write([&](StoreTx& tx) { return tx.InsertSession({"t1", bob.id, kT0, kT0}); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kConflict);
  s = Write([&](StoreTx& tx) { return tx.InsertSession({"t9", 4242, kT0, kT0}); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);

  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.DeleteSession("t3"); }));
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.DeleteSession("never-existed"); }));
  EXPECT_FALSE(store().FindSession("t3")->has_value());
  EXPECT_TRUE(store().FindSession("t2")->has_value());
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.DeleteSessionsOf(alice.id); }));
  EXPECT_FALSE(store().FindSession("t1")->has_value());
  EXPECT_FALSE(store().FindSession("t2")->has_value());
}

TEST_P(StoreContract, IdempotencyRecordsRoundTrip) {
  core::IdempotencyRecord r{
      "key-1", "public", std::string(64, 'b'), 201, R"({"reference":"CMP-2026-000001-X"})", kT0};
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.PutIdempotency(r); }));
  std::optional<core::IdempotencyRecord> got;
  auto get = [&](const std::string& caller, const std::string& key) {
    return Write([&, caller, key](StoreTx& tx) -> Status {
      auto g = tx.GetIdempotency(caller, key);
      if (!g) return g.error();
      got = *g;
      return {};
    });
  };
  ASSERT_TRUE(get("public", "key-1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body_hash, r.body_hash);
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->response, r.response);
  EXPECT_EQ(got->at, kT0);
  ASSERT_TRUE(get("alice", "key-1"));  // keys are per caller
  EXPECT_FALSE(got.has_value());

  r.status = 422;
  r.response = "{}";
  ASSERT_TRUE(Write([&](StoreTx& tx) { return tx.PutIdempotency(r); }));  // replaces
  ASSERT_TRUE(get("public", "key-1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, 422);
}

// --- Durability, backup, faults --------------------------------------------------------------

TEST_P(StoreContract, DataSurvivesReopen) {
  Complaint c = MakeComplaint(1, kT0, "persist me");
  Insert(c);
  if (!harness_->Reopen()) GTEST_SKIP() << GetParam().name << " keeps nothing across a close";
  auto got = store().GetComplaint(c.reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->description.value, "persist me");
  // The chain head and sequences are recovered.
  Complaint d = MakeComplaint(2, kT0);
  Insert(d);
  ExpectChainValid();
  EXPECT_EQ(AllEvents().size(), 2u);
  core::ListQuery q;
  q.scope.all = true;
  q.text = "persist";
  EXPECT_EQ(Refs(q), (std::vector<std::string>{Ref(1)}));
}

TEST_P(StoreContract, BackupIsAConsistentOpenableCopy) {
  Complaint c = MakeComplaint(1, kT0, "backed up");
  Insert(c);
  ASSERT_TRUE(Write([&](StoreTx& tx) {
    core::Note n;
    n.complaint_id = c.id;
    n.at = kT0;
    n.author = "bob";
    n.body = "note in backup";
    return tx.InsertNote(n);
  }));
  const std::string dest = harness_->BackupDest();
  if (dest.empty()) {
    EXPECT_FALSE(store().Backup("/nonexistent/backup"));
    GTEST_SKIP() << GetParam().name << " has no backup";
  }
  ASSERT_TRUE(store().Backup(dest));
  EXPECT_FALSE(store().Backup(dest)) << "must not overwrite";

  auto copy = harness_->OpenBackup(dest);
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy->CountComplaints(), 1);
  auto got = copy->GetComplaint(c.reference);
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->description.value, "backed up");
  EXPECT_EQ(copy->NotesOf(c.id)->size(), 1u);
  std::vector<core::Event> events;
  ASSERT_TRUE(copy->ScanEvents(1, [&](const core::Event& e) {
    events.push_back(e);
    return true;
  }));
  auto original = AllEvents();
  ASSERT_EQ(events.size(), original.size());
  EXPECT_EQ(events.back().hash, original.back().hash);
  core::ListQuery q;
  q.scope.all = true;
  q.text = "backup";
  auto page = copy->ListComplaints(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_P(StoreContract, FailedCommitPoisonsAndChangesNothing) {
  Complaint first = MakeComplaint(1, kT0);
  Insert(first);
  const auto events_before = AllEvents();

  store::FaultyStore faulty(store(), {.fail_nth_write = 2});
  ASSERT_TRUE(faulty.Healthy());
  auto insert_one = [](int64_t seq) {
    return [seq](StoreTx& tx) -> Status {
      Complaint c = MakeComplaint(seq, kT0 + hours(seq));
      if (auto s = tx.InsertComplaint(c); !s) return s;
      core::Event e = MakeEvent(c, "created", c.received_at);
      return tx.AppendEvent(e);
    };
  };
  ASSERT_TRUE(faulty.WriteSync(insert_one(2)));
  Status s = faulty.WriteSync(insert_one(3));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_FALSE(faulty.Healthy());

  // Nothing of the failed write is visible; the acknowledged one is.
  EXPECT_EQ(*faulty.CountComplaints(), 2);
  EXPECT_FALSE(faulty.GetComplaint(core::Reference{"CMP", 2026, 3})->has_value());
  EXPECT_TRUE(faulty.GetComplaint(core::Reference{"CMP", 2026, 2})->has_value());
  EXPECT_EQ(AllEvents().size(), events_before.size() + 1);

  // Later writes are refused without running.
  bool ran = false;
  s = faulty.WriteSync([&](StoreTx&) -> Status {
    ran = true;
    return {};
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_FALSE(ran);
  EXPECT_EQ(*faulty.CountComplaints(), 2);

  // The chain under it is intact and continues from the last committed event.
  ExpectChainValid();
  Complaint fourth = MakeComplaint(4, kT0);
  Insert(fourth);
  ExpectChainValid();
}

TEST_P(StoreContract, InjectedTransientFailureDoesNotPoison) {
  store::FaultyStore faulty(store(),
                            {.fail_nth_write = 1, .code = Errc::kOverloaded, .poison = false});
  Status s = faulty.WriteSync([](StoreTx& tx) -> Status {
    Complaint c = MakeComplaint(1, kT0);
    return tx.InsertComplaint(c);
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kOverloaded);
  EXPECT_TRUE(faulty.Healthy());
  EXPECT_EQ(*faulty.CountComplaints(), 0);
  EXPECT_TRUE(faulty.WriteSync([](StoreTx& tx) -> Status {
    Complaint c = MakeComplaint(1, kT0);
    return tx.InsertComplaint(c);
  }));
  EXPECT_EQ(*faulty.CountComplaints(), 1);
}

TEST_P(StoreContract, SavedViewsArePerUserReplacedByNameAndDeleted) {
  core::User a;
  a.username = "viewer-a";
  a.role = core::Role::kHandler;
  a.created_at = kT0;
  core::User b = a;
  b.username = "viewer-b";
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.InsertUser(a); !s) return s;
    return tx.InsertUser(b);
  }));
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.PutView(a.id, {"zeta", "state=received", kT0}); !s) return s;
    if (auto s = tx.PutView(a.id, {"alpha", "overdue=true", kT0}); !s) return s;
    if (auto s = tx.PutView(a.id, {"alpha", "overdue=true&priority=P1", kT0 + hours(1)}); !s) {
      return s;
    }
    return tx.PutView(b.id, {"alpha", "q=fee", kT0});
  }));
  auto views = store().ViewsOf(a.id);
  ASSERT_TRUE(views);
  ASSERT_EQ(views->size(), 2u);
  EXPECT_EQ((*views)[0].name, "alpha");
  EXPECT_EQ((*views)[0].query, "overdue=true&priority=P1");
  EXPECT_EQ((*views)[0].updated_at, kT0 + hours(1));
  EXPECT_EQ((*views)[1].name, "zeta");
  bool deleted = false;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    auto d = tx.DeleteView(a.id, "alpha");
    if (!d) return d.error();
    deleted = *d;
    auto again = tx.DeleteView(a.id, "alpha");
    if (!again) return again.error();
    return *again ? core::MakeError(Errc::kInternal, "deleted twice") : Status{};
  }));
  EXPECT_TRUE(deleted);
  EXPECT_EQ(store().ViewsOf(a.id)->size(), 1u);
  ASSERT_EQ(store().ViewsOf(b.id)->size(), 1u);
  EXPECT_EQ((*store().ViewsOf(b.id))[0].query, "q=fee");
  // A view needs a user.
  Status s = Write([&](StoreTx& tx) { return tx.PutView(987654, {"x", "", kT0}); });
  EXPECT_FALSE(s);
}

TEST_P(StoreContract, DashboardCountsAgesWeeksCategoriesAndClocks) {
  // kT0 is Thursday 2026-05-28; the week of 2026-05-25 (Monday) holds kT0 and kT0 - 2 days,
  // the week of 2026-05-18 kT0 - 8 days.
  const std::vector<std::tuple<int64_t, Instant, std::string, State>> rows = {
      {1, kT0, "banking/fees", State::kAcknowledged},
      {2, kT0 - days(2), "banking/fees", State::kAssessed},
      {3, kT0 - days(8), "cards/fraud", State::kClosed},
      {4, kT0 - days(40), "cards/fraud", State::kUnderInvestigation},
      {5, kT0 - days(90), "loans", State::kAcknowledged},
  };
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    for (const auto& [seq, at, cat, state] : rows) {
      Complaint c = MakeComplaint(seq, at);
      c.assessment.category = cat;
      c.state = state;
      core::ClockTrack ack = RunningClock(at + days(1));
      ack.name = "acknowledge";
      ack.state = core::ClockState::kMet;
      if (seq == 2) ack.breached = true;  // met, but late
      core::ClockTrack fin = RunningClock(at + days(56));
      if (seq == 3) fin.state = core::ClockState::kMet;
      if (seq == 4) fin.state = core::ClockState::kBreached;
      if (seq == 4) fin.breached = true;
      c.clocks = {ack, fin};
      if (auto s = tx.InsertComplaint(c); !s) return s;
    }
    return Status{};
  }));
  core::DashboardQuery q;
  q.since = kT0 - days(30);
  q.age_edges = {kT0 - days(3), kT0 - days(28), kT0 - days(56)};
  auto d = store().Dashboard(q);
  ASSERT_TRUE(d) << d.error().detail;
  // Open: seq 1, 2 (<= edge 0), 4 (40 days: bucket 2), 5 (90 days: bucket 3); 3 is closed.
  EXPECT_EQ(d->open_by_age, (std::array<int64_t, 4>{2, 0, 1, 1}));
  // Since kT0 - 30 days: seq 1, 2, 3.
  ASSERT_EQ(d->by_week.size(), 2u);
  EXPECT_EQ(d->by_week[0].first, core::FromMillis(1'779'062'400'000));  // 2026-05-18
  EXPECT_EQ(d->by_week[0].second, 1);
  EXPECT_EQ(d->by_week[1].first, core::FromMillis(1'779'667'200'000));  // 2026-05-25
  EXPECT_EQ(d->by_week[1].second, 2);
  ASSERT_EQ(d->by_category.size(), 2u);
  EXPECT_EQ(d->by_category[0], (std::pair<std::string, int64_t>{"banking/fees", 2}));
  EXPECT_EQ(d->by_category[1], (std::pair<std::string, int64_t>{"cards/fraud", 1}));
  EXPECT_EQ(d->clocks["acknowledge"].met, 2);
  EXPECT_EQ(d->clocks["acknowledge"].breached, 1);
  EXPECT_EQ(d->clocks["final_response"].met, 1);
  EXPECT_EQ(d->clocks["final_response"].breached, 0);  // seq 4 is older than `since`
}

TEST_P(StoreContract, OutboxQueuesDueMessagesInOrderAndRecordsAttempts) {
  Complaint a = MakeComplaint(1, kT0);
  Complaint b = MakeComplaint(2, kT0);
  core::Notification n1;
  core::Notification n2;
  core::Notification n3;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.InsertComplaint(a); !s) return s;
    if (auto s = tx.InsertComplaint(b); !s) return s;
    auto make = [&](const Complaint& c, std::string kind, Instant next) {
      core::Notification n;
      n.complaint_id = c.id;
      n.reference = c.reference.ToString();
      n.kind = std::move(kind);
      n.language = "fr";
      n.recipient = "ann@example.org";
      n.vars = R"({"reference":"x","access_code":"S3CRET"})";
      n.in_reply_to = "abc@mail.example";
      n.created_at = kT0;
      n.next_attempt_at = next;
      return n;
    };
    n1 = make(a, "acknowledgement", kT0 + minutes(5));
    n2 = make(b, "acknowledgement", kT0);
    n3 = make(a, "final_response", kT0 + hours(2));
    for (auto* n : {&n1, &n2, &n3}) {
      if (auto s = tx.InsertNotification(*n); !s) return s;
    }
    return Status{};
  }));
  EXPECT_GT(n1.id, 0);
  EXPECT_NE(n1.id, n2.id);
  // Due at kT0 + 10 min: n2 (due first), then n1; n3 later.
  auto due = store().DueNotifications(kT0 + minutes(10), 10);
  ASSERT_TRUE(due) << due.error().detail;
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, n2.id);
  EXPECT_EQ((*due)[1].id, n1.id);
  const core::Notification& got = (*due)[1];
  EXPECT_EQ(got.complaint_id, a.id);
  EXPECT_EQ(got.reference, a.reference.ToString());
  EXPECT_EQ(got.kind, "acknowledgement");
  EXPECT_EQ(got.language, "fr");
  EXPECT_EQ(got.recipient.value, "ann@example.org");
  EXPECT_EQ(got.vars.value, n1.vars.value);
  EXPECT_EQ(got.in_reply_to, "abc@mail.example");
  EXPECT_EQ(got.state, core::DeliveryState::kPending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.created_at, kT0);
  EXPECT_EQ(got.next_attempt_at, kT0 + minutes(5));
  EXPECT_FALSE(got.sent_at);
  EXPECT_EQ(store().DueNotifications(kT0 + minutes(10), 1)->size(), 1u);

  // n2 sent, n1 retried later: neither is due now; n1 is again once its time comes.
  core::Notification sent = (*due)[0];
  sent.state = core::DeliveryState::kSent;
  sent.attempts = 1;
  sent.sent_at = kT0 + minutes(10);
  sent.vars = R"({"reference":"x"})";
  core::Notification retry = (*due)[1];
  retry.attempts = 1;
  retry.next_attempt_at = kT0 + hours(1);
  retry.last_error = "Connection refused";
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    if (auto s = tx.UpdateNotification(sent); !s) return s;
    return tx.UpdateNotification(retry);
  }));
  EXPECT_TRUE(store().DueNotifications(kT0 + minutes(30), 10)->empty());
  auto later = store().DueNotifications(kT0 + hours(3), 10);
  ASSERT_EQ(later->size(), 2u);
  EXPECT_EQ((*later)[0].id, n1.id);
  EXPECT_EQ((*later)[0].last_error, "Connection refused");
  EXPECT_EQ((*later)[1].id, n3.id);

  auto of_a = store().NotificationsOf(a.id);
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].id, n1.id);
  EXPECT_EQ((*of_a)[1].id, n3.id);
  auto one = store().GetNotification(n2.id);
  ASSERT_TRUE(one && one->has_value());
  EXPECT_EQ((**one).state, core::DeliveryState::kSent);
  EXPECT_EQ((**one).sent_at, kT0 + minutes(10));
  EXPECT_EQ((**one).vars.value, R"({"reference":"x"})");
  EXPECT_FALSE(store().GetNotification(987654)->has_value());

  // A message needs its complaint; updating a missing row is kNotFound; a failed write
  // leaves the outbox as it was.
  core::Notification orphan = n1;
  orphan.complaint_id = 987654;
  Status s = Write([&](StoreTx& tx) { return tx.InsertNotification(orphan); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  core::Notification missing = n1;
  missing.id = 987654;
  s = Write([&](StoreTx& tx) { return tx.UpdateNotification(missing); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  EXPECT_EQ(store().NotificationsOf(a.id)->size(), 2u);
}

TEST_P(StoreContract, ClaimedWorkIsWhatIsDue) {
  // One claimer: a claim hands out what DueForClockCheck and DueNotifications do, in their
  // order.
  Complaint a = MakeComplaint(1, kT0);
  a.clocks.push_back(RunningClock(kT0 + days(20)));
  Complaint b = MakeComplaint(2, kT0);
  b.clocks.push_back(RunningClock(kT0 + days(10)));
  Insert(a);
  Insert(b);
  core::Notification n;
  ASSERT_TRUE(Write([&](StoreTx& tx) -> Status {
    n.complaint_id = a.id;
    n.reference = a.reference.ToString();
    n.kind = "acknowledgement";
    n.language = "en";
    n.recipient = "ann@example.org";
    n.vars = "{}";
    n.created_at = kT0;
    n.next_attempt_at = kT0;
    return tx.InsertNotification(n);
  }));
  const core::Claim claim{"node-a", minutes(1)};
  auto clocks = store().ClaimClockChecks(kT0 + days(30), 10, claim);
  ASSERT_TRUE(clocks) << clocks.error().detail;
  ASSERT_EQ(clocks->size(), 2u);
  EXPECT_EQ((*clocks)[0], b.reference);  // the earlier clock first
  EXPECT_EQ((*clocks)[1], a.reference);
  EXPECT_TRUE(store().ClaimClockChecks(kT0, 10, claim)->empty());  // nothing due yet
  auto messages = store().ClaimNotifications(kT0 + minutes(1), 10, claim);
  ASSERT_TRUE(messages) << messages.error().detail;
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].id, n.id);
  EXPECT_EQ((*messages)[0].recipient.value, "ann@example.org");
}

TEST_P(StoreContract, PeriodicJobRunsOncePerPeriod) {
  const core::Claim claim{"node-a", minutes(10)};
  auto first = store().ClaimPeriodic("checks", kT0, hours(1), claim);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(*first);  // never ran
  ASSERT_TRUE(store().EndPeriodic("checks", kT0 + minutes(1)));
  EXPECT_FALSE(*store().ClaimPeriodic("checks", kT0 + minutes(30), hours(1), claim));
  EXPECT_TRUE(*store().ClaimPeriodic("other", kT0 + minutes(30), hours(1), claim));
  EXPECT_TRUE(*store().ClaimPeriodic("checks", kT0 + minutes(61), hours(1), claim));
}

TEST_P(StoreContract, RateLimitHitsCountPerKeyAndWindow) {
  const milliseconds window = minutes(1);
  EXPECT_EQ(*store().Hits("status:CMP-2026-000001-X", kT0, window), 0);
  for (int i = 1; i <= 3; ++i) {
    auto hits = store().AddHit("status:CMP-2026-000001-X", kT0 + milliseconds(i), window);
    ASSERT_TRUE(hits) << hits.error().detail;
    EXPECT_EQ(*hits, i);
  }
  EXPECT_EQ(*store().Hits("status:CMP-2026-000001-X", kT0 + seconds(59), window), 3);
  EXPECT_EQ(*store().Hits("status:CMP-2026-000002-Y", kT0 + seconds(59), window), 0);
  // The window began at the first hit; once it has ended, the hits no longer count and the
  // next hit starts a new window.
  EXPECT_EQ(*store().Hits("status:CMP-2026-000001-X", kT0 + seconds(61), window), 0);
  EXPECT_EQ(*store().AddHit("status:CMP-2026-000001-X", kT0 + seconds(61), window), 1);
  EXPECT_EQ(*store().Hits("status:CMP-2026-000001-X", kT0 + seconds(62), window), 1);
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreContract, ::testing::ValuesIn(Adapters()), AdapterName);
INSTANTIATE_TEST_SUITE_P(Adapters, ListContract, ::testing::ValuesIn(Adapters()), AdapterName);

}  // namespace
}  // namespace redress::testing
