// Running clocks (iso10002.md §5): start, flags, pause/resume, met/breached, reopen, alerts.
// Uses the shipped iso-default (pause allowed), fca-disp and asic-rg271 (no pause) policies.
#include "core/clocks.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/policy_loader.hpp"

namespace redress {
namespace {

using core::ClockAlert;
using core::ClockState;
using core::ClockTrack;
using core::Instant;
using core::Policy;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

Instant Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return Instant(date::sys_days(date::year(y) / m / d)) + hours(h) + minutes(min);
}
std::string Iso(Instant t) { return date::format("%FT%TZ", t); }
std::string Day(core::LocalDate d) { return date::format("%F", d); }

const Policy& Get(const std::string& id) {
  static const std::map<std::string, Policy> policies = [] {
    std::map<std::string, Policy> out;
    for (const char* name : {"iso-default", "fca-disp", "asic-rg271"}) {
      auto p =
          config::LoadPolicyFile(std::string(REDRESS_SOURCE_DIR) + "/policies/" + name + ".toml");
      if (!p) {
        ADD_FAILURE() << p.error().detail;
        continue;
      }
      out.emplace(p->id, std::move(p).value());
    }
    return out;
  }();
  static const Policy empty;
  auto it = policies.find(id);
  return it == policies.end() ? empty : it->second;
}

ClockTrack* Find(std::vector<ClockTrack>& clocks, const std::string& name) {
  for (ClockTrack& c : clocks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Monday 15 June 2026 10:00 BST.
const Instant kReceived = Utc(2026, 6, 15, 9);

TEST(ClockTest, StartClocksFromReceiptOneTrackPerRule) {
  auto clocks = core::StartClocks(Get("iso-default"), {}, kReceived);
  ASSERT_EQ(clocks.size(), 5u);
  for (const ClockTrack& c : clocks) {
    EXPECT_EQ(c.state, ClockState::kRunning) << c.name;
    EXPECT_EQ(c.anchor, kReceived);
    EXPECT_FALSE(c.warned);
    EXPECT_FALSE(c.breached);
    EXPECT_LE(c.warn, c.due);
  }
  ClockTrack* ack = Find(clocks, "acknowledge");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(Iso(ack->due), "2026-06-16T16:00:00.000Z");  // Tuesday 17:00 BST
  EXPECT_EQ(Day(ack->local_due), "2026-06-16");
  EXPECT_EQ(ack->rule, "acknowledge");
  ClockTrack* fin = Find(clocks, "final_response");
  ASSERT_NE(fin, nullptr);
  // 20 BD after Monday 15 June: Monday 13 July 17:00 BST.
  EXPECT_EQ(Iso(fin->due), "2026-07-13T16:00:00.000Z");
}

TEST(ClockTest, StartClocksUsesFlaggedRule) {
  auto clocks = core::StartClocks(Get("fca-disp"), {"payment_service"}, kReceived);
  ClockTrack* fin = Find(clocks, "final_response");
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->rule, "final_response@payment_service");
  // 15 BD after Monday 15 June 2026: Monday 6 July, end of day BST.
  EXPECT_EQ(Iso(fin->due), "2026-07-06T22:59:59.999Z");
}

TEST(ClockTest, StartClocksSkipsReopenRules) {
  Policy p = Get("iso-default");
  core::ClockRule reopen;
  reopen.name = "reopen_response";
  reopen.anchor = core::Anchor::kReopened;
  reopen.unit = core::TimeUnit::kBusinessDays;
  reopen.count = 5;
  p.clocks.push_back(reopen);
  auto clocks = core::StartClocks(p, {}, kReceived);
  EXPECT_EQ(Find(clocks, "reopen_response"), nullptr);
  EXPECT_EQ(clocks.size(), 5u);
}

TEST(ClockTest, PauseRefusedWhenPolicyForbids) {
  auto clocks = core::StartClocks(Get("fca-disp"), {}, kReceived);
  const auto before = clocks;
  EXPECT_FALSE(core::PauseClocks(clocks, Get("fca-disp"), kReceived + hours(2)));
  ASSERT_EQ(clocks.size(), before.size());
  for (size_t i = 0; i < clocks.size(); ++i) {
    EXPECT_EQ(clocks[i].state, ClockState::kRunning);
    EXPECT_FALSE(clocks[i].paused_at.has_value());
    EXPECT_EQ(clocks[i].due, before[i].due);
  }
  EXPECT_FALSE(core::PauseClocks(clocks, Get("asic-rg271"), kReceived + hours(2)));
}

TEST(ClockTest, PauseAndResumeShiftDueByPausedSpan) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  const Instant due_before = Find(clocks, "final_response")->due;
  const Instant warn_before = Find(clocks, "final_response")->warn;
  const Instant pause_at = kReceived + hours(5);
  ASSERT_TRUE(core::PauseClocks(clocks, iso, pause_at));
  EXPECT_EQ(Find(clocks, "final_response")->state, ClockState::kPaused);
  EXPECT_EQ(*Find(clocks, "final_response")->paused_at, pause_at);
  // A second pause later does not restart the paused span.
  ASSERT_TRUE(core::PauseClocks(clocks, iso, pause_at + hours(1)));
  EXPECT_EQ(*Find(clocks, "final_response")->paused_at, pause_at);

  const auto span = hours(24 * 3 + 2);
  core::ResumeClocks(clocks, iso, pause_at + span);
  const ClockTrack* fin = Find(clocks, "final_response");
  EXPECT_EQ(fin->state, ClockState::kRunning);
  EXPECT_FALSE(fin->paused_at.has_value());
  EXPECT_EQ(fin->due, due_before + span);
  EXPECT_EQ(fin->warn, warn_before + span);
  EXPECT_EQ(fin->paused_ms, std::chrono::duration_cast<milliseconds>(span).count());
  EXPECT_EQ(fin->anchor, kReceived);  // never reset
  // Monday 13 July 17:00 BST + 3 d 2 h = Thursday 16 July 19:00 BST.
  EXPECT_EQ(Iso(fin->due), "2026-07-16T18:00:00.000Z");
  EXPECT_EQ(Day(fin->local_due), "2026-07-16");

  // A second pause accumulates.
  ASSERT_TRUE(core::PauseClocks(clocks, iso, Utc(2026, 7, 1)));
  core::ResumeClocks(clocks, iso, Utc(2026, 7, 1) + hours(1));
  EXPECT_EQ(Find(clocks, "final_response")->paused_ms,
            std::chrono::duration_cast<milliseconds>(span + hours(1)).count());
}

TEST(ClockTest, PausedClocksDoNotFire) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  ASSERT_TRUE(core::PauseClocks(clocks, iso, kReceived + hours(1)));
  EXPECT_TRUE(core::EvaluateClocks(clocks, Utc(2026, 12, 31)).empty());
  EXPECT_FALSE(core::NextClockInstant(clocks).has_value());
}

TEST(ClockTest, EvaluateFiresWarningThenBreachOnceEach) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  ClockTrack* ack = Find(clocks, "acknowledge");
  const Instant warn = ack->warn;  // Monday 23:00Z, start of Tuesday BST
  const Instant due = ack->due;    // Tuesday 16:00Z

  EXPECT_TRUE(core::EvaluateClocks(clocks, warn - milliseconds(1)).empty());
  auto alerts = core::EvaluateClocks(clocks, warn);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].clock, "acknowledge");
  EXPECT_EQ(alerts[0].kind, ClockAlert::kWarning);
  EXPECT_EQ(alerts[0].due, due);
  EXPECT_TRUE(core::EvaluateClocks(clocks, warn).empty());  // idempotent
  EXPECT_TRUE(core::EvaluateClocks(clocks, due).empty());   // at due: still on time

  alerts = core::EvaluateClocks(clocks, due + milliseconds(1));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, ClockAlert::kBreach);
  EXPECT_TRUE(Find(clocks, "acknowledge")->breached);
  EXPECT_TRUE(core::EvaluateClocks(clocks, due + milliseconds(1)).empty());
  // Later runs fire other clocks, never this one again.
  for (const ClockAlert& a : core::EvaluateClocks(clocks, due + hours(48))) {
    EXPECT_NE(a.clock, "acknowledge");
  }
}

TEST(ClockTest, EvaluateJumpingPastDueFiresBreachOnly) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  // Wednesday 17 June 12:00Z: acknowledge (Tue 16:00Z) is breached; assess (Wed 16:00Z) is past
  // its warning (start of Wednesday) but not due.
  auto alerts = core::EvaluateClocks(clocks, Utc(2026, 6, 17, 12));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].clock, "acknowledge");
  EXPECT_EQ(alerts[0].kind, ClockAlert::kBreach);
  EXPECT_EQ(alerts[1].clock, "assess");
  EXPECT_EQ(alerts[1].kind, ClockAlert::kWarning);
  EXPECT_TRUE(core::EvaluateClocks(clocks, Utc(2026, 6, 17, 12)).empty());
}

TEST(ClockTest, NextClockInstantSchedulesWarningThenBreach) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  const ClockTrack ack = *Find(clocks, "acknowledge");
  ASSERT_TRUE(core::NextClockInstant(clocks).has_value());
  EXPECT_EQ(*core::NextClockInstant(clocks), ack.warn);
  (void)core::EvaluateClocks(clocks, ack.warn);
  // Next: assess's warning (start of Wednesday BST = Tuesday 23:00Z) or ack's breach
  // (Tuesday 16:00:00.001Z), whichever is earlier.
  EXPECT_EQ(Iso(*core::NextClockInstant(clocks)), "2026-06-16T16:00:00.001Z");
  // After everything is met there is nothing to schedule.
  for (const char* n :
       {"acknowledge", "assess", "summary_resolution", "progress", "final_response"}) {
    core::MeetClock(clocks, n, ack.warn);
  }
  EXPECT_FALSE(core::NextClockInstant(clocks).has_value());
}

TEST(ClockTest, MeetOnTimeIsMetAndLateIsBreached) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  const Instant ack_due = Find(clocks, "acknowledge")->due;
  core::MeetClock(clocks, "acknowledge", ack_due);  // exactly at due: on time
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kMet);
  EXPECT_EQ(*Find(clocks, "acknowledge")->ended_at, ack_due);
  const Instant assess_due = Find(clocks, "assess")->due;
  core::MeetClock(clocks, "assess", assess_due + milliseconds(1));
  EXPECT_EQ(Find(clocks, "assess")->state, ClockState::kBreached);
  EXPECT_TRUE(Find(clocks, "assess")->breached);
  // Met and breached are final: meeting again changes nothing.
  core::MeetClock(clocks, "assess", kReceived);
  EXPECT_EQ(Find(clocks, "assess")->state, ClockState::kBreached);
  EXPECT_EQ(*Find(clocks, "assess")->ended_at, assess_due + milliseconds(1));
  // Unknown names are a no-op.
  core::MeetClock(clocks, "no_such_clock", kReceived);
}

TEST(ClockTest, MetAfterBreachStaysBreached) {
  const Policy& fca = Get("fca-disp");
  auto clocks = core::StartClocks(fca, {}, kReceived);
  const Instant due = Find(clocks, "acknowledge")->due;
  auto alerts = core::EvaluateClocks(clocks, due + hours(1));
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kRunning);  // still to be done
  EXPECT_TRUE(Find(clocks, "acknowledge")->breached);
  core::MeetClock(clocks, "acknowledge", due + hours(2));
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kBreached);
  EXPECT_EQ(*Find(clocks, "acknowledge")->ended_at, due + hours(2));
}

TEST(ClockTest, MeetWhilePausedCountsThePause) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  const Instant due = Find(clocks, "acknowledge")->due;
  ASSERT_TRUE(core::PauseClocks(clocks, iso, kReceived + hours(1)));
  // Met two days after the original due, but it was paused for longer than that: on time.
  core::MeetClock(clocks, "acknowledge", due + hours(48));
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kMet);
  EXPECT_GT(Find(clocks, "acknowledge")->due, due + hours(48));
}

TEST(ClockTest, PauseAfterDueKeepsTheBreach) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  const Instant due = Find(clocks, "acknowledge")->due;
  ASSERT_TRUE(core::PauseClocks(clocks, iso, due + hours(1)));
  core::ResumeClocks(clocks, iso, due + hours(30));
  EXPECT_TRUE(Find(clocks, "acknowledge")->breached);
  core::MeetClock(clocks, "acknowledge", due + hours(31));
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kBreached);
}

TEST(ClockTest, StopClocksStopsLiveOnesAndKeepsOutcomes) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  core::MeetClock(clocks, "acknowledge", kReceived + hours(1));
  const Instant stop_at = Utc(2026, 6, 18, 12);  // past assess (Wed 17 June 17:00 BST) only
  core::StopClocks(clocks, stop_at);
  EXPECT_EQ(Find(clocks, "acknowledge")->state, ClockState::kMet);
  EXPECT_EQ(*Find(clocks, "acknowledge")->ended_at, kReceived + hours(1));
  EXPECT_EQ(Find(clocks, "assess")->state, ClockState::kBreached);
  EXPECT_EQ(Find(clocks, "final_response")->state, ClockState::kStopped);
  EXPECT_EQ(*Find(clocks, "final_response")->ended_at, stop_at);
  EXPECT_TRUE(core::EvaluateClocks(clocks, Utc(2027, 1, 1)).empty());
  EXPECT_FALSE(core::EarliestDue(clocks).has_value());
}

TEST(ClockTest, ReopenAddsTenBusinessDayClockAndKeepsHistory) {
  const Policy& fca = Get("fca-disp");
  auto clocks = core::StartClocks(fca, {}, kReceived);
  core::MeetClock(clocks, "acknowledge", kReceived + hours(1));
  core::MeetClock(clocks, "summary_resolution", kReceived + hours(2));
  core::EvaluateClocks(clocks, Utc(2026, 9, 1));  // final_response breached
  core::StopClocks(clocks, Utc(2026, 9, 2));
  const auto history = clocks;
  // Reopened Wednesday 16 December 2026 11:00 GMT; 10 BD skipping 25 and 28 December and
  // 1 January: 17,18,21,22,23,24 (6), 29,30,31 (9), 4 January 2027 (10), 17:00 GMT.
  core::StartReopenClock(clocks, fca, Utc(2026, 12, 16, 11));
  ASSERT_EQ(clocks.size(), history.size() + 1);
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(clocks[i].state, history[i].state) << clocks[i].name;
    EXPECT_EQ(clocks[i].due, history[i].due);
  }
  EXPECT_EQ(Find(clocks, "final_response")->state, ClockState::kBreached);
  const ClockTrack& reopen = clocks.back();
  EXPECT_EQ(reopen.name, "reopen");
  EXPECT_EQ(reopen.state, ClockState::kRunning);
  EXPECT_EQ(reopen.anchor, Utc(2026, 12, 16, 11));
  EXPECT_EQ(Iso(reopen.due), "2027-01-04T17:00:00.000Z");
}

TEST(ClockTest, ReopenUsesPolicyRuleWhenDefined) {
  Policy p = Get("iso-default");
  core::ClockRule rule;
  rule.name = "reopen_response";
  rule.anchor = core::Anchor::kReopened;
  rule.unit = core::TimeUnit::kCalendarDays;
  rule.count = 7;
  rule.day_end = core::DayEnd::kEndOfDay;
  p.clocks.push_back(rule);
  std::vector<ClockTrack> clocks;
  core::StartReopenClock(clocks, p, Utc(2026, 2, 2, 12));
  ASSERT_EQ(clocks.size(), 1u);
  EXPECT_EQ(clocks[0].name, "reopen_response");
  EXPECT_EQ(Iso(clocks[0].due), "2026-02-09T23:59:59.999Z");
}

TEST(ClockTest, ApplyFlagsTightensRunningClockFromOriginalReceipt) {
  const Policy& fca = Get("fca-disp");
  auto clocks = core::StartClocks(fca, {}, kReceived);
  const Instant eight_weeks = Find(clocks, "final_response")->due;
  EXPECT_EQ(Iso(eight_weeks), "2026-08-10T22:59:59.999Z");  // 15 June + 56 days, BST
  core::ApplyFlags(clocks, fca, {"payment_service"}, kReceived);
  ClockTrack* fin = Find(clocks, "final_response");
  EXPECT_EQ(fin->rule, "final_response@payment_service");
  EXPECT_EQ(fin->anchor, kReceived);
  EXPECT_EQ(Iso(fin->due), "2026-07-06T22:59:59.999Z");
  EXPECT_EQ(Day(fin->local_due), "2026-07-06");
  EXPECT_EQ(clocks.size(), 3u);
  // Applying again changes nothing (no reset).
  const auto again = clocks;
  core::ApplyFlags(clocks, fca, {"payment_service"}, kReceived);
  EXPECT_EQ(clocks.size(), again.size());
  EXPECT_EQ(Find(clocks, "final_response")->due, fin->due);
}

TEST(ClockTest, ApplyFlagsNeverLoosensOrTouchesFinishedClocks) {
  const Policy& asic = Get("asic-rg271");
  const Instant received = Utc(2026, 9, 20, 0);
  auto clocks = core::StartClocks(asic, {}, received);
  const Instant thirty = Find(clocks, "final_response")->due;
  core::ApplyFlags(clocks, asic, {"superannuation"}, received);  // 45 days: looser
  EXPECT_EQ(Find(clocks, "final_response")->due, thirty);
  EXPECT_EQ(Find(clocks, "final_response")->rule, "final_response");

  auto met = core::StartClocks(asic, {}, received);
  core::MeetClock(met, "final_response", received + hours(24 * 25));
  core::ApplyFlags(met, asic, {"hardship"}, received);  // stricter, but already met
  EXPECT_EQ(Find(met, "final_response")->state, ClockState::kMet);
  EXPECT_EQ(Find(met, "final_response")->due, thirty);

  auto hardship = core::StartClocks(asic, {}, received);
  core::ApplyFlags(hardship, asic, {"hardship"}, received);
  EXPECT_EQ(Iso(Find(hardship, "final_response")->due), "2026-10-11T12:59:59.999Z");
}

TEST(ClockTest, ApplyFlagsKeepsPausedTimeWhenTightening) {
  Policy p = Get("fca-disp");
  p.pause_allowed = true;  // a firm's own stricter-in-other-ways variant
  auto clocks = core::StartClocks(p, {}, kReceived);
  ASSERT_TRUE(core::PauseClocks(clocks, p, kReceived + hours(1)));
  core::ResumeClocks(clocks, p, kReceived + hours(25));
  core::ApplyFlags(clocks, p, {"payment_service"}, kReceived);
  EXPECT_EQ(Iso(Find(clocks, "final_response")->due), "2026-07-07T22:59:59.999Z");
}

TEST(ClockTest, ApplyFlagsAddsNewlyApplicableClock) {
  Policy p = Get("iso-default");
  core::ClockRule vuln;
  vuln.name = "vulnerability_review";
  vuln.when_flag = "vulnerable_customer";
  vuln.unit = core::TimeUnit::kBusinessDays;
  vuln.count = 1;
  vuln.day_end = core::DayEnd::kCloseOfBusiness;
  p.clocks.push_back(vuln);
  auto clocks = core::StartClocks(p, {}, kReceived);
  EXPECT_EQ(Find(clocks, "vulnerability_review"), nullptr);
  core::ApplyFlags(clocks, p, {"vulnerable_customer"}, kReceived);
  ClockTrack* v = Find(clocks, "vulnerability_review");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->anchor, kReceived);  // from the original receipt, not from now
  EXPECT_EQ(v->rule, "vulnerability_review@vulnerable_customer");
  EXPECT_EQ(Iso(v->due), "2026-06-16T16:00:00.000Z");
}

TEST(ClockTest, EarliestDueByNameAndOverall) {
  const Policy& iso = Get("iso-default");
  auto clocks = core::StartClocks(iso, {}, kReceived);
  ASSERT_TRUE(core::EarliestDue(clocks).has_value());
  EXPECT_EQ(Iso(*core::EarliestDue(clocks)), "2026-06-16T16:00:00.000Z");
  EXPECT_EQ(Iso(*core::EarliestDue(clocks, "final_response")), "2026-07-13T16:00:00.000Z");
  core::MeetClock(clocks, "acknowledge", kReceived);
  EXPECT_EQ(Iso(*core::EarliestDue(clocks)), "2026-06-17T16:00:00.000Z");  // assess
  EXPECT_FALSE(core::EarliestDue(clocks, "acknowledge").has_value());
  EXPECT_FALSE(core::EarliestDue(clocks, "nothing").has_value());
}

TEST(ClockTest, StateNamesRoundTrip) {
  for (ClockState s : {ClockState::kRunning, ClockState::kPaused, ClockState::kMet,
                       ClockState::kBreached, ClockState::kStopped}) {
    auto parsed = core::ParseClockState(core::ToString(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_STREQ(core::ToString(ClockState::kBreached), "breached");
  EXPECT_FALSE(core::ParseClockState("expired").has_value());
}

}  // namespace
}  // namespace redress
