// Store::Facts (core/facts.hpp) against every adapter: the store's answer to each query equals
// the reference evaluation over the same complaints, after inserts, updates and a rolled-back
// write, whether the adapter answers from a roll-up or from the facts; and a few figures worked
// out by hand.
#include <gtest/gtest.h>

#include <random>

#include "core/facts.hpp"
#include "store_harness.hpp"
#include "util/crypto.hpp"

namespace redress::testing {
namespace {

using core::Complaint;
using core::FactDim;
using core::FactPeriod;
using core::FactQuery;
using core::Instant;
using core::State;
using core::Status;
using core::StoreTx;
using std::chrono::days;
using std::chrono::hours;

// 2026-05-04 00:00 UTC, a Monday.
const Instant kMonday = core::FromMillis(1'777'852'800'000);

core::ClockTrack Clock(std::string name, core::ClockState state, bool breached) {
  core::ClockTrack t;
  t.name = name;
  t.rule = std::move(name);
  t.state = state;
  t.breached = breached;
  return t;
}

class FactsContract : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override {
    util::InitCrypto();
    harness_ = GetParam().make();
  }
  core::Store& store() { return harness_->store(); }

  void Insert(Complaint& c) {
    Status s = store().WriteSync([&c](StoreTx& tx) { return tx.InsertComplaint(c); });
    ASSERT_TRUE(s) << s.error().detail;
  }
  void Update(Complaint& c) {
    c.version += 1;
    Status s = store().WriteSync([&c](StoreTx& tx) { return tx.UpdateComplaint(c); });
    ASSERT_TRUE(s) << s.error().detail;
  }

  // Every complaint as the store holds it now.
  std::vector<core::ComplaintFacts> AllFacts() {
    std::vector<core::ComplaintFacts> out;
    Status s = store().ScanComplaints(0, [&out](const Complaint& c) {
      out.push_back(core::FactsOf(c));
      return true;
    });
    EXPECT_TRUE(s);
    return out;
  }

  void ExpectMatchesReference(const FactQuery& q, const std::string& label) {
    auto rows = store().Facts(q);
    ASSERT_TRUE(rows) << label << ": " << rows.error().detail;
    auto expected = core::EvaluateFacts(q, AllFacts());
    ASSERT_EQ(rows->size(), expected.size()) << label;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ((*rows)[i].key, expected[i].key) << label << " row " << i;
      EXPECT_EQ(core::TallyValues((*rows)[i].tally), core::TallyValues(expected[i].tally))
          << label << " row " << i;
    }
  }

  std::unique_ptr<StoreHarness> harness_;
};

// A varied complaint: its fields follow from `i` so the data set is the same on every run.
Complaint Varied(int i, std::mt19937& rng) {
  static const char* kCategories[] = {"banking/fees", "cards/fraud", "mortgage/arrears",
                                      "insurance/claims"};
  static const char* kProducts[] = {"current-account", "credit-card", "mortgage"};
  static const char* kDepartments[] = {"", "retail", "collections"};
  Complaint c;
  c.reference = core::Reference{"CMP", 2026, i + 1};
  c.version = 1;
  c.received_at = kMonday + days(rng() % 70) + hours(rng() % 24);
  c.logged_at = c.received_at;
  c.updated_at = c.received_at;
  c.received_by = "complainant";
  c.channel = static_cast<core::Channel>(rng() % 4);
  c.description = "complaint " + std::to_string(i);
  c.subject.product = kProducts[rng() % 3];
  c.subject.department = kDepartments[rng() % 3];
  c.subject.location = rng() % 2 ? "Leeds" : "York";
  c.assessment.category = kCategories[rng() % 4];
  c.assignee = rng() % 3 ? "handler" + std::to_string(rng() % 3) : "";
  c.policy_id = "iso-default";
  c.clocks.push_back(Clock("acknowledge", core::ClockState::kMet, rng() % 5 == 0));
  c.clocks.push_back(Clock("final_response", core::ClockState::kRunning, false));
  c.state = State::kAcknowledged;
  return c;
}

void Close(Complaint& c, std::mt19937& rng) {
  c.state = State::kClosed;
  c.closure.closed_at = c.received_at + days(rng() % 70) + hours(1);
  c.closure.cause = static_cast<core::CauseCategory>(rng() % 6);
  c.closure.reason =
      rng() % 4 == 0 ? core::ClosureReason::kResolvedEarly : core::ClosureReason::kResolvedAccepted;
  c.decision.communicated_at = *c.closure.closed_at;
  c.decision.outcome = static_cast<core::Outcome>(rng() % 3);
  if (c.decision.outcome != core::Outcome::kNotUpheld) {
    c.decision.remedy.amount_minor = 100 * static_cast<int64_t>(1 + rng() % 50);
    c.decision.remedy.currency = "GBP";
  }
  c.clocks[1].state = core::ClockState::kMet;
  c.clocks[1].breached = rng() % 4 == 0;
  if (rng() % 3 == 0) {
    c.survey.answered_at = *c.closure.closed_at + days(2);
    c.survey.handling = 1 + static_cast<int>(rng() % 5);
    c.survey.outcome = 1 + static_cast<int>(rng() % 5);
  }
}

std::vector<FactQuery> Queries() {
  std::vector<FactQuery> qs;
  auto add = [&qs](std::vector<core::FactKey> by, std::vector<std::pair<FactDim, std::string>> w,
                   std::optional<Instant> from = std::nullopt,
                   std::optional<Instant> to = std::nullopt) {
    FactQuery q;
    q.group_by = std::move(by);
    q.where = std::move(w);
    q.from = from;
    q.to = to;
    qs.push_back(q);
  };
  // Answerable from a daily roll-up (whole days, one dimension at most)...
  add({}, {});
  add({FactPeriod::kWeek}, {});
  add({FactPeriod::kMonth}, {});
  add({FactPeriod::kDay}, {}, kMonday + days(7), kMonday + days(21));
  add({FactDim::kCategory}, {});
  add({FactDim::kHandler}, {});
  add({FactDim::kResolveDays}, {});
  add({FactPeriod::kWeek, FactDim::kCategory}, {}, kMonday, kMonday + days(28));
  add({FactPeriod::kWeek}, {{FactDim::kProduct, "mortgage"}});
  add({FactDim::kCause}, {{FactDim::kCause, "process"}});
  // Whole months (June 2026) with days at one edge, both edges, or none.
  add({FactPeriod::kMonth}, {}, kMonday + days(10), kMonday + days(65));
  add({FactDim::kCategory}, {}, kMonday + days(10), kMonday + days(65));
  add({}, {{FactDim::kProduct, "mortgage"}}, kMonday + days(27), kMonday + days(59));
  add({FactPeriod::kMonth}, {}, kMonday + days(28), kMonday + days(58));
  add({FactDim::kResolveDays}, {}, kMonday + days(28));
  add({FactPeriod::kMonth}, {}, kMonday + days(2), kMonday + days(9));
  // A filter by another dimension, from a pair roll-up (all time, or months with edge days;
  // spikes group by week too).
  add({FactDim::kCategory}, {{FactDim::kChannel, "email"}});
  add({FactDim::kCategory}, {{FactDim::kProduct, "mortgage"}}, kMonday + days(10),
      kMonday + days(65));
  add({FactDim::kCause}, {{FactDim::kProduct, "credit-card"}}, kMonday + days(28));
  add({FactDim::kCategory}, {{FactDim::kHandler, "handler9"}});
  add({FactPeriod::kMonth, FactDim::kChannel}, {{FactDim::kDepartment, "retail"}});
  add({FactPeriod::kWeek, FactDim::kChannel}, {{FactDim::kCategory, "cards/fraud"}});
  // ...and only from the facts.
  add({FactDim::kResolveDays}, {{FactDim::kCategory, "banking/fees"}});
  add({FactDim::kHandler}, {{FactDim::kChannel, "email"}});
  add({FactDim::kProduct, FactDim::kChannel}, {{FactDim::kCategory, "banking/fees"}});
  add({FactDim::kState, FactDim::kPolicy}, {});
  add({FactDim::kResolveBand}, {{FactDim::kDepartment, "retail"}, {FactDim::kLocation, "York"}});
  // A filter by no value (the API allows ?handler=): the rows without one, which the
  // dimension's index leaves out (migration 0013).
  add({FactDim::kResolveDays}, {{FactDim::kHandler, ""}});
  add({FactDim::kState}, {{FactDim::kHandler, ""}, {FactDim::kProduct, "mortgage"}});
  add({FactDim::kCategory}, {{FactDim::kDepartment, ""}});
  add({FactDim::kCurrency}, {}, kMonday + hours(5), kMonday + days(30) + hours(5));
  FactQuery open;
  open.open_only = true;
  open.group_by = {FactDim::kState, FactDim::kAge};
  open.age_edges = {kMonday + days(60), kMonday + days(40), kMonday + days(14)};
  qs.push_back(open);
  // Closed complaints counted only (the dashboard's time to resolve): from a dimension's
  // index when filtered by a value, from the roll-ups when not, from the facts otherwise.
  const auto closed_only = [&qs] { qs.back().closed_only = true; };
  add({FactDim::kResolveDays}, {{FactDim::kProduct, "mortgage"}});
  closed_only();
  add({FactDim::kResolveDays}, {{FactDim::kHandler, "handler9"}}, kMonday + days(10),
      kMonday + days(65));
  closed_only();
  add({FactDim::kResolveDays}, {});
  closed_only();
  add({FactDim::kCategory}, {}, kMonday + days(10), kMonday + days(65));
  closed_only();
  add({FactDim::kCategory}, {{FactDim::kChannel, "email"}});
  closed_only();
  add({}, {});
  closed_only();
  add({FactDim::kResolveDays}, {{FactDim::kHandler, ""}});
  closed_only();
  add({FactDim::kState}, {}, kMonday + hours(5), kMonday + days(30) + hours(5));
  closed_only();
  FactQuery closed;
  closed.date_field = FactQuery::DateField::kClosed;
  closed.from = kMonday + days(14);
  closed.to = kMonday + days(60);
  closed.group_by = {FactDim::kCategory, FactDim::kResolveBand};
  qs.push_back(closed);
  FactQuery at;
  at.open_at = kMonday + days(35);
  at.group_by = {FactDim::kProduct};
  qs.push_back(at);
  return qs;
}

TEST_P(FactsContract, AnswersEqualTheReferenceAfterInsertsUpdatesAndRollback) {
  std::mt19937 rng(20261124);
  std::vector<Complaint> all;
  for (int i = 0; i < 80; ++i) {
    all.push_back(Varied(i, rng));
    Insert(all.back());
  }
  // Updates move complaints between groups and days: the roll-up must follow.
  for (int i = 0; i < 80; i += 2) {
    Close(all[static_cast<size_t>(i)], rng);
    Update(all[static_cast<size_t>(i)]);
  }
  for (int i = 1; i < 80; i += 7) {
    auto& c = all[static_cast<size_t>(i)];
    c.assessment.category = "cards/fraud";
    c.assignee = "handler9";
    c.received_at += days(3);
    Update(c);
  }
  for (int i = 0; i < 80; i += 10) {  // reopened: the closure goes, the count stays
    auto& c = all[static_cast<size_t>(i)];
    c.state = State::kReopened;
    c.closure = core::Closure{};
    c.reopen_count = 1;
    Update(c);
  }
  // A write that fails after inserting and updating leaves no trace in any answer.
  Complaint ghost = Varied(500, rng);
  Status failed = store().WriteSync([&](StoreTx& tx) -> Status {
    if (auto s = tx.InsertComplaint(ghost); !s) return s;
    Complaint changed = all[3];
    changed.version += 1;
    changed.assessment.category = "ghost/category";
    if (auto s = tx.UpdateComplaint(changed); !s) return s;
    return core::MakeError(core::Errc::kConflict, "changed my mind");
  });
  ASSERT_FALSE(failed);

  const auto qs = Queries();
  for (size_t i = 0; i < qs.size(); ++i)
    ExpectMatchesReference(qs[i], "query " + std::to_string(i));

  // All in one call: one snapshot, the same answers.
  auto batch = store().Facts(qs);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), qs.size());
  auto total = store().Facts(qs[0]);
  ASSERT_TRUE(total);
  EXPECT_EQ((*batch)[0], *total);
  ASSERT_EQ(total->size(), 1u);
  EXPECT_EQ(total->front().tally.received, 80);
  EXPECT_EQ(total->front().tally.closed, 32);  // 40 closed, 8 of them reopened
}

TEST_P(FactsContract, HandWorkedFigures) {
  // Three complaints, figures worked out by hand:
  //  A: received Mon 2026-05-04, closed Thu 05-07 (3 business days) upheld, 250.00 GBP,
  //     acknowledged on time, final response on time, survey 4/5.
  //  B: received Fri 05-08, closed Wed 05-13 (3 business days: Mon, Tue, Wed), not upheld,
  //     acknowledgement late.
  //  C: received Mon 05-11, open, final response breached.
  std::mt19937 rng(1);
  Complaint a = Varied(0, rng), b = Varied(1, rng), c = Varied(2, rng);
  for (Complaint* x : {&a, &b, &c}) {
    x->assessment.category = "banking/fees";
    x->clocks = {Clock("acknowledge", core::ClockState::kMet, false),
                 Clock("final_response", core::ClockState::kRunning, false)};
  }
  a.received_at = kMonday + hours(9);
  b.received_at = kMonday + days(4) + hours(16);
  b.clocks[0].breached = true;
  c.received_at = kMonday + days(7) + hours(10);
  c.clocks[1].breached = true;
  for (Complaint* x : {&a, &b, &c}) Insert(*x);
  a.state = State::kClosed;
  a.closure.closed_at = kMonday + days(3) + hours(15);
  a.decision.communicated_at = a.closure.closed_at;
  a.decision.outcome = core::Outcome::kUpheld;
  a.decision.remedy.amount_minor = 25000;
  a.decision.remedy.currency = "GBP";
  a.clocks[1].state = core::ClockState::kMet;
  a.survey.answered_at = kMonday + days(5);
  a.survey.handling = 4;
  a.survey.outcome = 5;
  Update(a);
  b.state = State::kClosed;
  b.closure.closed_at = kMonday + days(9) + hours(11);
  b.decision.communicated_at = b.closure.closed_at;
  b.decision.outcome = core::Outcome::kNotUpheld;
  b.clocks[1].state = core::ClockState::kMet;
  Update(b);

  FactQuery q;
  q.group_by = {FactPeriod::kWeek};
  auto rows = store().Facts(q);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].key, std::vector<std::string>{"2026-05-04"});
  EXPECT_EQ((*rows)[0].tally.received, 2);
  EXPECT_EQ((*rows)[1].key, std::vector<std::string>{"2026-05-11"});
  EXPECT_EQ((*rows)[1].tally.received, 1);

  FactQuery all;
  auto t = store().Facts(all);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 1u);
  const auto& s = t->front().tally;
  EXPECT_EQ(s.received, 3);
  EXPECT_EQ(s.closed, 2);
  EXPECT_EQ(s.open, 1);
  EXPECT_EQ(s.ack_met, 2);
  EXPECT_EQ(s.ack_breached, 1);
  EXPECT_EQ(s.final_met, 2);
  EXPECT_EQ(s.final_breached, 1);
  EXPECT_EQ(s.upheld, 1);
  EXPECT_EQ(s.not_upheld, 1);
  EXPECT_EQ(s.redress_minor, 25000);
  EXPECT_EQ(s.surveys, 1);
  EXPECT_EQ(s.handling_sum, 4);

  FactQuery days_q;
  days_q.group_by = {FactDim::kResolveDays};
  auto d = store().Facts(days_q);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 3u);  // open (""), 3 days (A), 5 days (B)
  EXPECT_EQ((*d)[0].key[0], "");
  EXPECT_EQ((*d)[1].key[0], "3");
  EXPECT_EQ((*d)[2].key[0], "5");
  // Closed only: A and B, counted, each under its days to resolve; C (open) is not there.
  days_q.closed_only = true;
  for (const auto& where : std::vector<std::vector<std::pair<FactDim, std::string>>>{
           {}, {{FactDim::kCategory, "banking/fees"}}}) {
    days_q.where = where;
    auto closed = store().Facts(days_q);
    ASSERT_TRUE(closed);
    ASSERT_EQ(closed->size(), 2u);
    EXPECT_EQ((*closed)[0].key[0], "3");
    EXPECT_EQ((*closed)[1].key[0], "5");
    core::FactTally one;
    one.received = 1;
    one.closed = 1;
    EXPECT_EQ((*closed)[0].tally, one);
    EXPECT_EQ((*closed)[1].tally, one);
  }

  FactQuery band;
  band.group_by = {FactDim::kResolveBand};
  band.where = {{FactDim::kCategory, "banking/fees"}, {FactDim::kPolicy, "iso-default"}};
  auto bands = store().Facts(band);
  ASSERT_TRUE(bands);
  ASSERT_EQ(bands->size(), 2u);
  EXPECT_EQ((*bands)[0].key[0], "");
  EXPECT_EQ((*bands)[1].key[0], "3bd");
  EXPECT_EQ((*bands)[1].tally.closed, 2);
}

TEST_P(FactsContract, RefusesMalformedQueries) {
  FactQuery three;
  three.group_by = {FactDim::kCategory, FactDim::kProduct, FactDim::kChannel};
  EXPECT_FALSE(store().Facts(three));
  FactQuery bands;
  bands.where = {{FactDim::kAge, "1"}};
  EXPECT_FALSE(store().Facts(bands));
  FactQuery twice;
  twice.where = {{FactDim::kCategory, "a"}, {FactDim::kCategory, "b"}};
  EXPECT_FALSE(store().Facts(twice));
  FactQuery open_and_closed;
  open_and_closed.open_only = true;
  open_and_closed.closed_only = true;
  auto both = store().Facts(open_and_closed);
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, core::Errc::kInvalid);
  FactQuery backwards;
  backwards.from = kMonday + days(2);
  backwards.to = kMonday;
  auto r = store().Facts(backwards);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::kInvalid);
}

INSTANTIATE_TEST_SUITE_P(Adapters, FactsContract, ::testing::ValuesIn(Adapters()), AdapterName);

}  // namespace
}  // namespace redress::testing

namespace redress::testing {
namespace {

class RecordContract : public FactsContract {};

TEST_P(RecordContract, PutGetListAndLinks) {
  std::mt19937 rng(7);
  Complaint a = Varied(0, rng), b = Varied(1, rng);
  Insert(a);
  Insert(b);
  core::Record r;
  r.kind = core::RecordKind::kRootCause;
  r.doc = R"({"title":"fee table wrong"})";
  r.complaint_ids = {b.id, a.id, a.id};
  r.updated_at = kMonday;
  Status s = store().WriteSync([&r](StoreTx& tx) -> Status {
    auto id = tx.NextRecordId(core::RecordKind::kRootCause);
    if (!id) return id.error();
    r.id = *id;
    return tx.PutRecord(r);
  });
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(r.id, 1);
  auto got = store().GetRecord(core::RecordKind::kRootCause, 1);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->doc, r.doc);
  EXPECT_EQ((*got)->complaint_ids, (std::vector<int64_t>{a.id, b.id}));
  EXPECT_EQ((*got)->updated_at, kMonday);
  // Same id, another kind: separate numbering.
  auto other = store().GetRecord(core::RecordKind::kAction, 1);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  // Replace: new document, links narrowed to b.
  r.doc = R"({"title":"fee table wrong","v":2})";
  r.complaint_ids = {b.id};
  ASSERT_TRUE(store().WriteSync([&r](StoreTx& tx) { return tx.PutRecord(r); }));
  auto linked_a = store().RecordsLinkedTo(core::RecordKind::kRootCause, a.id);
  ASSERT_TRUE(linked_a);
  EXPECT_TRUE(linked_a->empty());
  auto linked_b = store().RecordsLinkedTo(core::RecordKind::kRootCause, b.id);
  ASSERT_TRUE(linked_b);
  ASSERT_EQ(linked_b->size(), 1u);
  EXPECT_EQ(linked_b->front().doc, r.doc);
  // A link to no complaint is refused and changes nothing.
  core::Record bad = r;
  bad.doc = "{}";
  bad.complaint_ids = {999999};
  Status refused = store().WriteSync([&bad](StoreTx& tx) { return tx.PutRecord(bad); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::Errc::kNotFound);
  auto all = store().ListRecords(core::RecordKind::kRootCause);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().doc, r.doc);
}

INSTANTIATE_TEST_SUITE_P(Adapters, RecordContract, ::testing::ValuesIn(Adapters()), AdapterName);

}  // namespace
}  // namespace redress::testing
