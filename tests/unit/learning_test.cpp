// Clause 8: figures worked out by hand (percentiles, robust z, Pareto, rates, business days),
// the automatic audit checks, and the use cases (app/learning) over the memory store: the
// dashboard and the complaints return on a fixed data set, an action's effectiveness check
// recorded when its date comes, and an audit sample that is repeatable and skips the
// auditor's own complaints.
#include "app/learning.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <cmath>

#include "config/policy_loader.hpp"
#include "store/memory/memory_store.hpp"

namespace redress {
namespace {

using core::Complaint;
using core::Instant;
using std::chrono::days;
using std::chrono::hours;

Instant At(int y, unsigned m, unsigned d, int hour = 10) {
  return Instant(date::sys_days(date::year(y) / m / d)) + hours(hour);
}
core::LocalDate Day(int y, unsigned m, unsigned d) { return date::year(y) / m / d; }

// --- Pure figures ------------------------------------------------------------------------------

TEST(AnalyticsFigures, NearestRankPercentiles) {
  // 10 complaints: 2 took 1 day, 5 took 3 days, 3 took 10 days. p50 is rank 5 (3 days); p90 is
  // rank 9 (10 days).
  auto p = core::PercentilesOf({{10, 3}, {1, 2}, {3, 5}});
  EXPECT_EQ(p.resolved, 10);
  EXPECT_EQ(p.p50, 3);
  EXPECT_EQ(p.p90, 10);
  // One complaint: both are its value; none: absent.
  EXPECT_EQ(core::PercentilesOf({{4, 1}}).p90, 4);
  EXPECT_FALSE(core::PercentilesOf({}).p50.has_value());
}

TEST(AnalyticsFigures, RobustZAndSpikes) {
  // Baseline sorted: 9 10 10 10 10 11 11 11 12 12 12 13 -> median 11; |deviations| sorted:
  // 0 0 0 1 1 1 1 1 1 1 2 2 -> MAD 1. z(20) = 0.6745 * 9 = 6.07; z(15) = 2.70.
  const std::vector<int64_t> base = {10, 12, 11, 13, 9, 10, 12, 11, 10, 12, 11, 10};
  EXPECT_NEAR(*core::RobustZ(base, 20), 6.0705, 1e-4);
  EXPECT_NEAR(*core::RobustZ(base, 15), 2.698, 1e-3);
  std::vector<std::string> weeks;
  for (int i = 0; i < 14; ++i) weeks.push_back("w" + std::to_string(i));
  std::vector<int64_t> counts = base;
  counts.push_back(20);  // week 12: a spike
  counts.push_back(15);  // week 13: baseline weeks 1..12 now include the 20; not a spike
  auto spikes = core::DetectSpikes("category", "fees", weeks, counts);
  ASSERT_EQ(spikes.size(), 1u);
  EXPECT_EQ(spikes[0].week, "w12");
  EXPECT_EQ(spikes[0].count, 20);
  EXPECT_DOUBLE_EQ(spikes[0].baseline_median, 11.0);
  // A flat baseline: any rise of at least 5 is a spike (z infinite); below 5 never.
  std::vector<int64_t> flat(12, 4);
  flat.push_back(6);
  auto f = core::DetectSpikes("product", "card", weeks, flat);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(std::isinf(f[0].z));
  std::vector<int64_t> quiet(12, 0);
  quiet.push_back(4);
  EXPECT_TRUE(core::DetectSpikes("product", "card", weeks, quiet).empty());
}

TEST(AnalyticsFigures, ParetoSharesAndVitalFew) {
  auto row = [](std::string k, int64_t n, int64_t redress) {
    core::FactRow r;
    r.key = {std::move(k)};
    r.tally.received = n;
    r.tally.redress_minor = redress;
    return r;
  };
  auto p = core::ParetoOf(
      {row("system", 15, 0), row("process", 50, 900), row("people", 30, 100), row("policy", 5, 0)});
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].key, "process");
  EXPECT_DOUBLE_EQ(p[0].share, 0.5);
  EXPECT_DOUBLE_EQ(p[1].cumulative, 0.8);
  EXPECT_NEAR(p[2].cumulative, 0.95, 1e-12);
  EXPECT_TRUE(p[0].vital);
  EXPECT_TRUE(p[1].vital);  // reaches 80 %
  EXPECT_FALSE(p[2].vital);
  EXPECT_EQ(p[0].redress_minor, 900);
}

TEST(AnalyticsFigures, KpisAreRatiosOrAbsent) {
  core::FactTally t;
  t.received = 8;
  t.closed = 4;
  t.ack_met = 3;
  t.ack_breached = 1;
  t.reopened = 1;
  t.surveys = 2;
  t.handling_sum = 9;
  auto k = core::KpisOf(t);
  EXPECT_DOUBLE_EQ(*k.ack_on_time, 0.75);
  EXPECT_FALSE(k.final_on_time.has_value());  // no final response clock ended
  EXPECT_FALSE(k.upheld.has_value());         // no decision
  EXPECT_DOUBLE_EQ(*k.reopen_rate, 0.25);
  EXPECT_DOUBLE_EQ(*k.satisfaction_handling, 4.5);
  EXPECT_DOUBLE_EQ(*k.survey_response, 0.5);
}

TEST(AnalyticsFigures, WeekdaysBetweenCountsBusinessDaysAfterReceipt) {
  auto day = [](int y, unsigned m, unsigned d) { return core::DayOf(At(y, m, d)); };
  EXPECT_EQ(core::WeekdaysBetween(day(2026, 5, 8), day(2026, 5, 13)), 3);  // Fri -> Wed
  EXPECT_EQ(core::WeekdaysBetween(day(2026, 5, 4), day(2026, 5, 11)), 5);  // Mon -> Mon
  EXPECT_EQ(core::WeekdaysBetween(day(2026, 5, 9), day(2026, 5, 10)), 0);  // Sat -> Sun
  EXPECT_EQ(core::WeekdaysBetween(day(2026, 5, 4), day(2026, 5, 4)), 0);
  EXPECT_EQ(core::WeekKey(day(2026, 5, 10)), "2026-05-04");  // a Sunday's week starts Monday
}

TEST(LearningModel, AttentionOfActions) {
  core::CorrectiveAction a;
  a.due = Day(2026, 6, 1);
  a.check.check_on = Day(2026, 9, 1);
  EXPECT_EQ(core::AttentionOf(a, Day(2026, 5, 31)), "");
  EXPECT_EQ(core::AttentionOf(a, Day(2026, 6, 2)), "overdue");
  a.status = core::ActionStatus::kDone;
  EXPECT_EQ(core::AttentionOf(a, Day(2026, 6, 2)), "");
  EXPECT_EQ(core::AttentionOf(a, Day(2026, 9, 1)), "check due");
  a.check.evaluated_at = At(2026, 9, 1);
  a.check.effective = false;
  EXPECT_EQ(core::AttentionOf(a, Day(2026, 9, 2)), "ineffective");
}

TEST(LearningModel, RecordsRoundTripThroughTheirDocuments) {
  core::CorrectiveAction a;
  a.id = 4;
  a.root_cause_id = 2;
  a.title = "Fix the fee table";
  a.owner = "mona";
  a.due = Day(2026, 7, 1);
  a.check.measure = core::CheckMeasure::kUpheldRate;
  a.check.where = {{core::FactDim::kCategory, "banking/fees"}};
  a.check.threshold = 0.25;
  a.check.check_on = Day(2026, 9, 1);
  a.check.measured = 0.125;
  a.check.effective = true;
  auto back = core::DecodeAction(core::EncodeRecord(a));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->title, a.title);
  EXPECT_EQ(back->check.where, a.check.where);
  EXPECT_EQ(back->check.measured, 0.125);
  EXPECT_EQ(back->check.effective, true);
  EXPECT_EQ(back->check.check_on, a.check.check_on);
  EXPECT_FALSE(core::DecodeAction("{not json").ok());
  EXPECT_FALSE(core::DecodeRootCause(R"({"id":1})").ok());  // no title
}

core::ClockTrack Track(std::string name, core::ClockState s, bool breached) {
  core::ClockTrack t;
  t.name = name;
  t.rule = name;
  t.state = s;
  t.breached = breached;
  return t;
}

TEST(LearningModel, AuditChecksOfAClosedComplaint) {
  Complaint c;
  c.assessment.category = "banking/fees";
  c.assessment.severity = 2;
  c.decision.communicated_at = At(2026, 5, 20);
  c.decision.reasons = "The fee was charged twice; refunded.";
  c.closure.closed_at = At(2026, 5, 25);
  c.closure.reason = core::ClosureReason::kResolvedAccepted;
  c.closure.cause = core::CauseCategory::kSystem;
  c.clocks = {Track("acknowledge", core::ClockState::kMet, false),
              Track("final_response", core::ClockState::kMet, false)};
  auto checks = core::AuditChecks(c, true);
  ASSERT_EQ(checks.size(), 7u);
  for (const auto& k : checks) EXPECT_TRUE(k.passed) << k.name << ": " << k.detail;
  // Late final response, not escalated, and no final response sent through Redress.
  c.clocks[1].breached = true;
  checks = core::AuditChecks(c, std::nullopt);
  std::map<std::string, bool> by_name;
  for (const auto& k : checks) by_name[k.name] = k.passed;
  EXPECT_FALSE(by_name["final_response_on_time"]);
  EXPECT_FALSE(by_name["breaches_escalated"]);
  EXPECT_FALSE(by_name["referral_rights"]);
  EXPECT_TRUE(by_name["acknowledged_on_time"]);
  c.escalated = true;
  for (const auto& k : core::AuditChecks(c, true)) {
    if (k.name == "breaches_escalated") {
      EXPECT_TRUE(k.passed);
    }
  }
}

// --- Use cases over the memory store ----------------------------------------------------------

std::vector<core::Policy> ShippedPolicies() {
  auto p = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
  EXPECT_TRUE(p.ok());
  return p.ok() ? std::move(p).value() : std::vector<core::Policy>{};
}

class LearningTest : public ::testing::Test {
 protected:
  LearningTest()
      : clock_(At(2026, 6, 29, 12)),
        service_(store_, clock_, ShippedPolicies(), app::ServiceConfig{}),
        learning_(store_, service_, Config()) {
    for (auto [name, role] :
         {std::pair{"mona", core::Role::kManager}, std::pair{"audrey", core::Role::kAuditor}}) {
      core::User u;
      u.username = name;
      u.display_name = name;
      u.role = role;
      u.password_hash = "x";
      EXPECT_TRUE(store_.WriteSync([&u](core::StoreTx& tx) { return tx.InsertUser(u); }).ok());
      users_[name] = u;
    }
  }

  static app::LearningConfig Config() {
    app::LearningConfig c;
    c.organisation = "Example Bank";
    c.fca_group = {{"banking/fees", "Banking and credit cards / Current accounts"},
                   {"cards/fraud", "Banking and credit cards / Credit cards"}};
    return c;
  }

  // A complaint received at `received`; closed at `closed` (if set) with `outcome`.
  Complaint Add(int seq, Instant received, std::string category,
                std::optional<Instant> closed = std::nullopt,
                core::Outcome outcome = core::Outcome::kNotUpheld, int64_t redress = 0) {
    Complaint c;
    c.reference = core::Reference{"CMP", 2026, seq};
    c.version = 1;
    c.received_at = received;
    c.logged_at = received;
    c.updated_at = received;
    c.description = "complaint";
    c.policy_id = "iso-default";
    c.assessment.category = std::move(category);
    c.assessment.severity = 2;
    c.state = core::State::kAcknowledged;
    c.clocks = {Track("acknowledge", core::ClockState::kMet, false),
                Track("final_response", core::ClockState::kRunning, false)};
    if (closed) {
      c.state = core::State::kClosed;
      c.closure.closed_at = closed;
      c.closure.reason = core::ClosureReason::kResolvedAccepted;
      c.closure.cause = core::CauseCategory::kProcess;
      c.decision.communicated_at = closed;
      c.decision.outcome = outcome;
      c.decision.reasons = "reasons";
      c.decision.remedy.amount_minor = redress;
      c.decision.remedy.currency = "GBP";
      c.clocks[1].state = core::ClockState::kMet;
    }
    EXPECT_TRUE(store_.WriteSync([&c](core::StoreTx& tx) { return tx.InsertComplaint(c); }).ok());
    return c;
  }

  store::MemoryStore store_;
  core::FakeClock clock_;
  app::ComplaintService service_;
  app::Learning learning_;
  std::map<std::string, core::User> users_;
};

TEST_F(LearningTest, DashboardFiguresByHand) {
  // June 2026: four fee complaints, one fraud complaint.
  //  1 fees   received Mon 1 Jun, closed Thu 4 Jun (3 days, 3 business days), upheld, 50.00
  //  2 fees   received Tue 2 Jun, closed Fri 12 Jun (10 days), not upheld
  //  3 fees   received Mon 8 Jun, closed Mon 15 Jun (7 days), partly upheld, 20.00
  //  4 fees   received Mon 15 Jun, open
  //  5 fraud  received Wed 17 Jun, open
  // And one in May (outside the period).
  Add(1, At(2026, 6, 1), "banking/fees", At(2026, 6, 4), core::Outcome::kUpheld, 5000);
  Add(2, At(2026, 6, 2), "banking/fees", At(2026, 6, 12));
  Add(3, At(2026, 6, 8), "banking/fees", At(2026, 6, 15), core::Outcome::kPartlyUpheld, 2000);
  Add(4, At(2026, 6, 15), "banking/fees");
  Add(5, At(2026, 6, 17), "cards/fraud");
  Add(6, At(2026, 5, 20), "banking/fees");

  auto d = learning_.Dashboard({Day(2026, 6, 1), Day(2026, 6, 30), {}});
  ASSERT_TRUE(d.ok()) << d.error().detail;
  EXPECT_EQ(d->kpis.received, 5);
  EXPECT_EQ(d->kpis.closed, 3);
  EXPECT_EQ(d->kpis.open, 2);
  EXPECT_EQ(d->kpis.decided, 3);
  EXPECT_NEAR(*d->kpis.upheld, 1.0 / 3, 1e-12);
  EXPECT_EQ(d->kpis.redress_minor, 7000);
  EXPECT_DOUBLE_EQ(*d->kpis.redress_mean_minor, 3500.0);
  EXPECT_DOUBLE_EQ(*d->kpis.final_on_time, 1.0);
  // Resolve days 3, 7, 10: p50 is rank 2 (7 days), p90 rank 3 (10 days).
  EXPECT_EQ(d->resolve.p50, 7);
  EXPECT_EQ(d->resolve.p90, 10);
  // Weeks of June 2026 (Mondays 1, 8, 15, 22, 29): 2, 1, 2, 0, 0.
  ASSERT_EQ(d->weekly.size(), 5u);
  EXPECT_EQ(d->weekly[0], (std::pair<std::string, int64_t>{"2026-06-01", 2}));
  EXPECT_EQ(d->weekly[2].second, 2);
  EXPECT_EQ(d->weekly[3].second, 0);
  ASSERT_FALSE(d->by_category.empty());
  EXPECT_EQ(d->by_category[0].key, "banking/fees");
  EXPECT_EQ(d->by_category[0].kpis.received, 4);
  // Previous 30 days (2 May .. 31 May): the May complaint.
  ASSERT_TRUE(d->previous.has_value());
  EXPECT_EQ(d->previous->received, 1);
  // Pareto of causes: the three closed ones, all "process".
  ASSERT_EQ(d->pareto.size(), 1u);
  EXPECT_EQ(d->pareto[0].count, 3);
  // Open now (29 June): complaint 4 is 14 days old (<= 4 weeks), 5 is 12 days, 6 is 40 days.
  EXPECT_EQ(d->open_by_age[0], 0);
  EXPECT_EQ(d->open_by_age[1], 2);
  EXPECT_EQ(d->open_by_age[2], 1);
  // Without configured objectives, the defaults, each with the period's figure: final
  // responses all on time (1.0 against 0.95), no reopening (0 against at most 0.05).
  ASSERT_EQ(d->targets.size(), 4u);
  EXPECT_EQ(d->targets[1].kpi, "final_on_time");
  EXPECT_EQ(d->targets[1].name, "Final response on time");
  EXPECT_DOUBLE_EQ(*d->targets[1].actual, 1.0);
  EXPECT_EQ(d->targets[2].kpi, "reopen_rate");
  EXPECT_FALSE(d->targets[2].higher_is_better);
  EXPECT_DOUBLE_EQ(*d->targets[2].actual, 0.0);
}

TEST_F(LearningTest, ComplaintsReturnByProductGroup) {
  // Half-year 1 Jan .. 30 Jun 2026. Open at the start: one fees complaint from December.
  Add(1, At(2025, 12, 20), "banking/fees", At(2026, 1, 6), core::Outcome::kUpheld, 1000);
  Add(2, At(2026, 2, 2), "banking/fees", At(2026, 2, 4));                           // 2 BD
  Add(3, At(2026, 3, 2), "banking/fees", At(2026, 4, 10), core::Outcome::kUpheld);  // 39 days
  Add(4, At(2026, 4, 1), "cards/fraud", At(2026, 7, 20));  // closed after the period
  Add(5, At(2026, 5, 1), "unknown/category");
  auto r = learning_.Return(Day(2026, 1, 1), Day(2026, 6, 30));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  std::map<std::string, app::ReturnRow> rows;
  for (const auto& x : r->by_product) rows[x.product_group] = x;
  const auto& cur = rows["Banking and credit cards / Current accounts"];
  EXPECT_EQ(cur.open_at_start, 1);
  EXPECT_EQ(cur.opened, 2);
  EXPECT_EQ(cur.closed, 3);
  EXPECT_EQ(cur.upheld, 2);
  EXPECT_EQ(cur.within_3_business_days, 1);  // complaint 2
  EXPECT_EQ(cur.within_8_weeks, 2);          // complaint 1 (17 days), 3 (39 days)
  EXPECT_EQ(cur.redress_minor, 1000);
  EXPECT_EQ(cur.open_at_end, 0);
  const auto& cards = rows["Banking and credit cards / Credit cards"];
  EXPECT_EQ(cards.opened, 1);
  EXPECT_EQ(cards.closed, 0);
  EXPECT_EQ(cards.open_at_end, 1);
  EXPECT_EQ(rows["Unmapped"].opened, 1);
}

TEST_F(LearningTest, EffectivenessCheckIsComputedOnItsDate) {
  // Five fee complaints in May, one in the 30 days before 1 August.
  for (int i = 0; i < 5; ++i) Add(i + 1, At(2026, 5, 4 + i), "banking/fees");
  Add(6, At(2026, 7, 10), "banking/fees");
  core::RootCause rc;
  rc.title = "Fee table charged twice";
  rc.method = core::RcaMethod::kFiveWhys;
  rc.whys = {"Fee charged twice", "Batch ran twice", "No lock on the batch"};
  rc.complaints = {"CMP-2026-999999-X", core::Reference{"CMP", 2026, 2}.ToString()};
  auto saved = learning_.SaveRootCause(rc, users_["mona"]);
  ASSERT_FALSE(saved.ok());  // no such complaint: nothing saved
  rc.complaints = {core::Reference{"CMP", 2026, 1}.ToString(),
                   core::Reference{"CMP", 2026, 2}.ToString()};
  saved = learning_.SaveRootCause(rc, users_["mona"]);
  ASSERT_TRUE(saved.ok()) << saved.error().detail;
  auto linked = store_.RecordsLinkedTo(core::RecordKind::kRootCause, 1);
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->size(), 1u);

  core::CorrectiveAction a;
  a.root_cause_id = saved->id;
  a.title = "Lock the fee batch";
  a.owner = "mona";
  a.due = Day(2026, 7, 1);
  a.check.measure = core::CheckMeasure::kVolume;
  a.check.where = {{core::FactDim::kCategory, "banking/fees"}};
  a.check.window = core::FactPeriod::kMonth;
  a.check.below = true;
  a.check.threshold = 2;
  a.check.check_on = Day(2026, 8, 1);
  auto act = learning_.SaveAction(a, users_["mona"]);
  ASSERT_TRUE(act.ok()) << act.error().detail;
  // Before the date nothing is evaluated; the action is overdue (due 1 July, still planned).
  clock_.Set(At(2026, 7, 20));
  auto n = learning_.EvaluateChecks();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(core::AttentionOf(*act, Day(2026, 7, 20)), "overdue");
  // On the date: 1 complaint in the 30 days before 1 August, below 2: effective.
  clock_.Set(At(2026, 8, 1, 6));
  n = learning_.EvaluateChecks();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto got = learning_.GetAction(act->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->check.measured, 1.0);
  EXPECT_EQ(got->check.effective, true);
  EXPECT_EQ(*learning_.EvaluateChecks(), 0);  // once
  // A stricter threshold, saved as a changed check, is evaluated afresh: not effective.
  got->check.threshold = 1;
  ASSERT_TRUE(learning_.SaveAction(*got, users_["mona"]).ok());
  auto again = learning_.EvaluateCheck(act->id, "mona");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->check.effective, false);
  EXPECT_EQ(core::AttentionOf(*again, Day(2026, 8, 2)), "overdue");
  // Each step is on the audit chain.
  std::vector<std::string> actions;
  ASSERT_TRUE(store_
                  .ScanEvents(1,
                              [&](const core::Event& e) {
                                actions.push_back(e.action);
                                return true;
                              })
                  .ok());
  for (const char* want : {"root_cause_created", "root_cause_linked", "action_created",
                           "action_checked", "action_updated"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
  }
}

TEST_F(LearningTest, AuditSampleIsRepeatableAndSkipsTheAuditorsOwnWork) {
  for (int i = 0; i < 12; ++i) {
    Add(i + 1, At(2026, 3, 2 + i), "banking/fees", At(2026, 4, 1 + i));
  }
  // audrey once added a note to complaint 3: she may not audit it.
  core::Event e;
  e.complaint_id = 3;
  e.reference = core::Reference{"CMP", 2026, 3}.ToString();
  e.at = At(2026, 3, 5);
  e.actor = "audrey";
  e.action = "note";
  e.before = "{}";
  e.after = "{}";
  ASSERT_TRUE(store_.WriteSync([&e](core::StoreTx& tx) { return tx.AppendEvent(e); }).ok());

  auto a = learning_.DrawAudit(Day(2026, 4, 1), Day(2026, 4, 30), 11, 42, users_["audrey"]);
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_EQ(a->population, 12);
  ASSERT_EQ(a->items.size(), 11u);  // 12 closed, one excluded
  std::set<std::string> refs;
  for (const auto& it : a->items) refs.insert(it.reference);
  EXPECT_EQ(refs.count(core::Reference{"CMP", 2026, 3}.ToString()), 0u);
  auto b = learning_.DrawAudit(Day(2026, 4, 1), Day(2026, 4, 30), 5, 42, users_["audrey"]);
  auto c = learning_.DrawAudit(Day(2026, 4, 1), Day(2026, 4, 30), 5, 42, users_["audrey"]);
  ASSERT_TRUE(b.ok() && c.ok());
  ASSERT_EQ(b->items.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(b->items[i].reference, c->items[i].reference);
  EXPECT_EQ(b->seed, 42u);
  // The referral check fails: no final response went out through Redress.
  for (const auto& chk : b->items[0].checks) {
    if (chk.name == "referral_rights") {
      EXPECT_FALSE(chk.passed);
    }
  }
  auto f = learning_.RecordFinding(b->id, b->items[1].reference, core::FindingSeverity::kMinor,
                                   "Letter not on file", users_["audrey"]);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->items[1].severity, core::FindingSeverity::kMinor);
  EXPECT_EQ(f->items[1].reviewed_by, "audrey");
  EXPECT_FALSE(learning_
                   .RecordFinding(b->id, "CMP-2026-999999-X", core::FindingSeverity::kMinor, "",
                                  users_["audrey"])
                   .ok());
  EXPECT_FALSE(learning_.DrawAudit(Day(2026, 4, 30), Day(2026, 4, 1), 5, 1, users_["audrey"]).ok());
}

}  // namespace
}  // namespace redress
