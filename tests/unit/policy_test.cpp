// Policies, calendars and due dates (iso10002.md §5), against the shipped policies in
// policies/. Expected instants were worked out by hand from the published holiday lists and
// the zones' DST rules; each comment shows the local reading.
#include "core/policy.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/policy_loader.hpp"
#include "config/taxonomy.hpp"

namespace redress {
namespace {

using core::Calendar;
using core::ClockRule;
using core::ComputeDeadline;
using core::DayEnd;
using core::Instant;
using core::LocalDate;
using core::Policy;
using core::TimeUnit;

const std::string kPolicyDir = std::string(REDRESS_SOURCE_DIR) + "/policies";

Instant Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return Instant(date::sys_days(date::year(y) / m / d)) + std::chrono::hours(h) +
         std::chrono::minutes(min);
}

LocalDate Ymd(int y, unsigned m, unsigned d) { return date::year(y) / m / d; }

std::string Iso(Instant t) { return date::format("%FT%TZ", t); }
std::string Day(LocalDate d) { return date::format("%F", d); }

// The shipped policies, loaded once.
const std::map<std::string, Policy>& Shipped() {
  static const std::map<std::string, Policy> policies = [] {
    std::map<std::string, Policy> out;
    auto loaded = config::LoadPolicyDir(kPolicyDir);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().detail;
      return out;
    }
    for (Policy& p : *loaded) out.emplace(p.id, std::move(p));
    return out;
  }();
  return policies;
}

const Policy& Get(const std::string& id) {
  static const Policy empty;
  auto it = Shipped().find(id);
  if (it == Shipped().end()) {
    ADD_FAILURE() << "no shipped policy " << id;
    return empty;
  }
  return it->second;
}

// The rule a complaint with `flags` gets for clock `name`.
const ClockRule& Rule(const Policy& p, const std::string& name,
                      const std::vector<std::string>& flags = {}) {
  static const ClockRule none;
  for (const ClockRule* r : p.RulesFor(flags)) {
    if (r->name == name) return *r;
  }
  ADD_FAILURE() << p.id << " has no clock " << name;
  return none;
}

std::string Due(const std::string& policy, const std::string& clock, Instant received,
                const std::vector<std::string>& flags = {}) {
  const Policy& p = Get(policy);
  return Iso(ComputeDeadline(p, Rule(p, clock, flags), received).due);
}

Calendar London() {
  Calendar c;
  c.id = "test-london";
  c.time_zone_name = "Europe/London";
  c.zone = date::locate_zone("Europe/London");
  c.holidays = Get("fca-disp").calendar.holidays;
  return c;
}

// A minimal valid policy for tests that need a custom rule.
Policy Custom(ClockRule rule) {
  Policy p;
  p.id = "custom";
  p.name = "Custom";
  p.regime = "TEST";
  p.effective_from = "2026-01-01";
  p.calendar = London();
  p.ombudsman.name = "Nobody";
  p.clocks.push_back(std::move(rule));
  return p;
}

ClockRule MakeRule(std::string name, TimeUnit unit, int count, DayEnd end) {
  ClockRule r;
  r.name = std::move(name);
  r.unit = unit;
  r.count = count;
  r.day_end = end;
  r.rule_citation = "test";
  return r;
}

// ----- Calendar -----

TEST(CalendarTest, WeekendsAndBankHolidaysAreNotBusinessDays) {
  const Calendar c = London();
  EXPECT_TRUE(c.IsBusinessDay(Ymd(2026, 12, 24)));   // Thursday
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2026, 12, 25)));  // Christmas Day, Friday
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2026, 12, 26)));  // Saturday
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2026, 12, 27)));  // Sunday
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2026, 12, 28)));  // Boxing Day substitute, Monday
  EXPECT_TRUE(c.IsBusinessDay(Ymd(2026, 12, 29)));
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2027, 1, 1)));
  EXPECT_FALSE(c.IsBusinessDay(Ymd(2028, 1, 3)));  // New Year substitute
}

TEST(CalendarTest, AddBusinessDaysCrossesYearEnd) {
  const Calendar c = London();
  const LocalDate wed = Ymd(2026, 12, 23);
  EXPECT_EQ(Day(c.AddBusinessDays(wed, 0)), "2026-12-23");
  EXPECT_EQ(Day(c.AddBusinessDays(wed, 1)), "2026-12-24");
  EXPECT_EQ(Day(c.AddBusinessDays(wed, 2)), "2026-12-29");  // 25, 26, 27, 28 skipped
  EXPECT_EQ(Day(c.AddBusinessDays(wed, 4)), "2026-12-31");
  EXPECT_EQ(Day(c.AddBusinessDays(wed, 5)), "2027-01-04");  // 1 Jan and the weekend skipped
  // Starting on a holiday or weekend counts from the next business day.
  EXPECT_EQ(Day(c.AddBusinessDays(Ymd(2026, 12, 26), 1)), "2026-12-29");
}

// AddBusinessDays walks day numbers on its own; it must land where counting IsBusinessDay's
// answers day by day does, for every start and length, across holidays, runs of them and
// other weekends (Friday and Saturday; none).
TEST(CalendarTest, AddBusinessDaysAgreesWithIsBusinessDay) {
  Calendar london = London();
  Calendar gulf = London();
  gulf.weekend = {5, 6};
  gulf.holidays.insert(
      static_cast<int>(date::sys_days(Ymd(2027, 1, 2)).time_since_epoch().count()));
  Calendar every_day = London();
  every_day.weekend.clear();
  for (const Calendar* c : {&london, &gulf, &every_day}) {
    for (int start = 0; start < 60; ++start) {
      const LocalDate from = date::sys_days(Ymd(2026, 11, 20)) + date::days(start);
      for (int n = 0; n <= 45; ++n) {
        date::sys_days day{from};
        for (int counted = 0; counted < n;) {
          day += date::days(1);
          if (c->IsBusinessDay(date::year_month_day(day))) ++counted;
        }
        ASSERT_EQ(Day(c->AddBusinessDays(from, n)), Day(date::year_month_day(day)))
            << Day(from) << " + " << n;
      }
    }
  }
}

TEST(CalendarTest, LocalDateUsesThePolicyZoneNotUtc) {
  const Calendar& sydney = Get("asic-rg271").calendar;
  // 2026-06-30T15:00Z is 01:00 on 1 July in Sydney (AEST, +10).
  EXPECT_EQ(Day(sydney.LocalDateOf(Utc(2026, 6, 30, 15))), "2026-07-01");
  const Calendar& ny = Get("cfpb").calendar;
  // 2026-01-01T03:00Z is 22:00 on 31 December in New York (EST, -5).
  EXPECT_EQ(Day(ny.LocalDateOf(Utc(2026, 1, 1, 3))), "2025-12-31");
}

TEST(CalendarTest, AtLocalFollowsLondonDst) {
  const Calendar c = London();
  const auto five_pm = std::chrono::minutes(17 * 60);
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 3, 27), five_pm)), "2026-03-27T17:00:00.000Z");   // GMT
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 3, 30), five_pm)), "2026-03-30T16:00:00.000Z");   // BST
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 10, 23), five_pm)), "2026-10-23T16:00:00.000Z");  // BST
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 10, 26), five_pm)), "2026-10-26T17:00:00.000Z");  // GMT
}

TEST(CalendarTest, AtLocalGapMovesForwardAndAmbiguousTakesEarlier) {
  const Calendar c = London();
  // 01:30 on 29 March 2026 does not exist (01:00 GMT -> 02:00 BST): read as 02:30 BST.
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 3, 29), std::chrono::minutes(90))), "2026-03-29T01:30:00.000Z");
  // 01:30 on 25 October 2026 happens twice: the earlier is 01:30 BST = 00:30Z.
  EXPECT_EQ(Iso(c.AtLocal(Ymd(2026, 10, 25), std::chrono::minutes(90))),
            "2026-10-25T00:30:00.000Z");
}

TEST(CalendarTest, AtLocalFollowsNewYorkAndSydneyDst) {
  const auto five_pm = std::chrono::minutes(17 * 60);
  const Calendar& ny = Get("cfpb").calendar;
  EXPECT_EQ(Iso(ny.AtLocal(Ymd(2026, 3, 6), five_pm)), "2026-03-06T22:00:00.000Z");    // EST
  EXPECT_EQ(Iso(ny.AtLocal(Ymd(2026, 3, 9), five_pm)), "2026-03-09T21:00:00.000Z");    // EDT
  EXPECT_EQ(Iso(ny.AtLocal(Ymd(2026, 10, 30), five_pm)), "2026-10-30T21:00:00.000Z");  // EDT
  EXPECT_EQ(Iso(ny.AtLocal(Ymd(2026, 11, 2), five_pm)), "2026-11-02T22:00:00.000Z");   // EST
  const Calendar& syd = Get("asic-rg271").calendar;
  EXPECT_EQ(Iso(syd.AtLocal(Ymd(2026, 4, 2), five_pm)), "2026-04-02T06:00:00.000Z");   // AEDT
  EXPECT_EQ(Iso(syd.AtLocal(Ymd(2026, 4, 7), five_pm)), "2026-04-07T07:00:00.000Z");   // AEST
  EXPECT_EQ(Iso(syd.AtLocal(Ymd(2026, 10, 2), five_pm)), "2026-10-02T07:00:00.000Z");  // AEST
  EXPECT_EQ(Iso(syd.AtLocal(Ymd(2026, 10, 6), five_pm)), "2026-10-06T06:00:00.000Z");  // AEDT
}

// ----- Shipped policies -----

TEST(PolicyTest, EveryShippedPolicyLoadsAndPassesCheck) {
  ASSERT_EQ(Shipped().size(), 4u);
  for (const char* id : {"asic-rg271", "cfpb", "fca-disp", "iso-default"}) {
    const Policy& p = Get(id);
    EXPECT_NE(p.calendar.zone, nullptr) << id;
    EXPECT_FALSE(p.effective_from.empty()) << id;
    const core::PolicyCheck check = core::CheckPolicy(p);
    EXPECT_TRUE(check.errors.empty()) << id << ": " << check.errors.front();
    for (const ClockRule& r : p.clocks) EXPECT_FALSE(r.rule_citation.empty()) << id << r.name;
  }
}

TEST(PolicyTest, ShippedPoliciesHaveTheDocumentedShape) {
  const Policy& fca = Get("fca-disp");
  EXPECT_EQ(fca.calendar.time_zone_name, "Europe/London");
  EXPECT_FALSE(fca.pause_allowed);
  EXPECT_EQ(fca.ombudsman.name, "Financial Ombudsman Service");
  EXPECT_EQ(fca.calendar.holidays.size(), 32u);  // 8 a year, 2025-2028
  EXPECT_EQ(fca.calendar.close_of_business, std::chrono::minutes(17 * 60));
  const Policy& iso = Get("iso-default");
  EXPECT_TRUE(iso.pause_allowed);
  EXPECT_EQ(Rule(iso, "acknowledge").count, 1);
  EXPECT_EQ(Rule(iso, "assess").count, 2);
  EXPECT_EQ(Rule(iso, "progress").count, 10);
  EXPECT_EQ(Rule(iso, "summary_resolution").count, 3);
  EXPECT_EQ(Rule(iso, "final_response").count, 20);
  const Policy& cfpb = Get("cfpb");
  EXPECT_EQ(Rule(cfpb, "response").anchor, core::Anchor::kSentToCompany);
  EXPECT_EQ(cfpb.calendar.time_zone_name, "America/New_York");
  EXPECT_FALSE(cfpb.pause_allowed);
  const Policy& asic = Get("asic-rg271");
  EXPECT_EQ(asic.calendar.time_zone_name, "Australia/Sydney");
  EXPECT_TRUE(Rule(asic, "acknowledge").roll_to_business_day);
  EXPECT_FALSE(asic.pause_allowed);
}

TEST(PolicyTest, RulesForPicksFlaggedRuleOverUnconditional) {
  const Policy& fca = Get("fca-disp");
  EXPECT_EQ(fca.RulesFor({}).size(), 3u);  // acknowledge, summary_resolution, final_response
  EXPECT_EQ(Rule(fca, "final_response").unit, TimeUnit::kWeeks);
  const ClockRule& psd2 = Rule(fca, "final_response", {"payment_service"});
  EXPECT_EQ(psd2.unit, TimeUnit::kBusinessDays);
  EXPECT_EQ(psd2.count, 15);
  ASSERT_TRUE(psd2.extension_count.has_value());
  EXPECT_EQ(*psd2.extension_count, 35);
  // An unrelated flag changes nothing.
  EXPECT_EQ(Rule(fca, "final_response", {"vulnerable_customer"}).unit, TimeUnit::kWeeks);
}

TEST(PolicyTest, RulesForTakesStrictestOfSeveralMatchingFlags) {
  const Policy& asic = Get("asic-rg271");
  EXPECT_EQ(Rule(asic, "final_response").count, 30);
  EXPECT_EQ(Rule(asic, "final_response", {"superannuation"}).count, 45);
  EXPECT_EQ(Rule(asic, "final_response", {"hardship"}).count, 21);
  EXPECT_EQ(Rule(asic, "final_response", {"default_notice"}).count, 21);
  EXPECT_EQ(Rule(asic, "final_response", {"superannuation", "hardship"}).count, 21);
}

// ----- FCA -----

TEST(PolicyFcaTest, SummaryResolutionIsCloseOfBusinessOnThirdBusinessDayAfterReceipt) {
  // Friday 18 December 2026 15:00 GMT: Mon 21 (1), Tue 22 (2), Wed 23 (3), 17:00 GMT.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 12, 18, 15)),
            "2026-12-23T17:00:00.000Z");
  // Wednesday 23 December 10:00: Thu 24 (1); Fri 25, Sat, Sun, Mon 28 (Boxing Day substitute)
  // skipped; Tue 29 (2), Wed 30 (3).
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 12, 23, 10)),
            "2026-12-30T17:00:00.000Z");
}

TEST(PolicyFcaTest, DayOfReceiptIsDayZeroWhateverTheHour) {
  // 16:59 and 00:01 on the same Thursday give the same due instant.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 1, 15, 16, 59)),
            Due("fca-disp", "summary_resolution", Utc(2026, 1, 15, 0, 1)));
  // 30 June 2026 23:30Z is 00:30 BST on Wednesday 1 July: Thu 2, Fri 3, Mon 6, 17:00 BST.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 6, 30, 23, 30)),
            "2026-07-06T16:00:00.000Z");
}

TEST(PolicyFcaTest, AcknowledgementFiveBusinessDaysOverChristmas) {
  // Friday 18 Dec: 21, 22, 23, 24, 29 -> Tuesday 29 December 17:00 GMT.
  EXPECT_EQ(Due("fca-disp", "acknowledge", Utc(2026, 12, 18, 15)), "2026-12-29T17:00:00.000Z");
}

TEST(PolicyFcaTest, EasterHolidaysAreSkipped) {
  // Thursday 2 April 2026 09:00 BST; Good Friday 3 and Easter Monday 6 April are holidays:
  // Tue 7 (1), Wed 8 (2), Thu 9 (3), 17:00 BST.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 4, 2, 8)), "2026-04-09T16:00:00.000Z");
}

TEST(PolicyFcaTest, CloseOfBusinessFollowsBothLondonDstChanges) {
  // Thu 26 March 2026 12:00 GMT -> Tue 31 March, after the clocks go forward on 29 March:
  // 17:00 BST = 16:00Z.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 3, 26, 12)),
            "2026-03-31T16:00:00.000Z");
  // Thu 22 October 2026 12:00 BST -> Tue 27 October, after the clocks go back on 25 October:
  // 17:00 GMT = 17:00Z.
  EXPECT_EQ(Due("fca-disp", "summary_resolution", Utc(2026, 10, 22, 11)),
            "2026-10-27T17:00:00.000Z");
}

TEST(PolicyFcaTest, FinalResponseEightCalendarWeeksEndOfDayWithoutRolling) {
  // 18 Dec 2026 + 56 days = Friday 12 February 2027, end of day GMT.
  EXPECT_EQ(Due("fca-disp", "final_response", Utc(2026, 12, 18, 15)), "2027-02-12T23:59:59.999Z");
  // 1 March 2026 (Sunday) 10:00 GMT + 56 days = Sunday 26 April 2026: no roll to Monday;
  // end of day BST = 22:59:59.999Z.
  const Policy& fca = Get("fca-disp");
  const core::Deadline d = ComputeDeadline(fca, Rule(fca, "final_response"), Utc(2026, 3, 1, 10));
  EXPECT_EQ(Iso(d.due), "2026-04-26T22:59:59.999Z");
  EXPECT_EQ(Day(d.local_due), "2026-04-26");
}

TEST(PolicyFcaTest, PaymentServiceFinalResponseIsFifteenBusinessDays) {
  // Friday 18 Dec 2026: 21,22,23,24 (4), 29,30,31 (7), 4..8 Jan (12), 11,12,13 (15) ->
  // end of Wednesday 13 January 2027, GMT.
  EXPECT_EQ(Due("fca-disp", "final_response", Utc(2026, 12, 18, 15), {"payment_service"}),
            "2027-01-13T23:59:59.999Z");
}

// ----- CFPB -----

TEST(PolicyCfpbTest, ResponseFifteenCalendarDaysDoesNotRollOffHoliday) {
  // Thursday 10 December 2026 10:00 EST + 15 days = Friday 25 December (a federal holiday):
  // due at the end of Christmas Day, EST (-5).
  EXPECT_EQ(Due("cfpb", "response", Utc(2026, 12, 10, 15)), "2026-12-26T04:59:59.999Z");
}

TEST(PolicyCfpbTest, ResponseUsesNewYorkLocalDate) {
  // 2 July 2026 03:30Z is 23:30 EDT on 1 July: 1 July + 15 = 16 July, end of day EDT (-4).
  EXPECT_EQ(Due("cfpb", "response", Utc(2026, 7, 2, 3, 30)), "2026-07-17T03:59:59.999Z");
}

TEST(PolicyCfpbTest, ResponseAcrossBothNewYorkDstChanges) {
  // 25 Feb 2026 12:00 EST -> 12 March, after DST starts on 8 March: end of day EDT.
  EXPECT_EQ(Due("cfpb", "response", Utc(2026, 2, 25, 17)), "2026-03-13T03:59:59.999Z");
  // 20 Oct 2026 12:00 EDT -> 4 November, after DST ends on 1 November: end of day EST.
  EXPECT_EQ(Due("cfpb", "response", Utc(2026, 10, 20, 16)), "2026-11-05T04:59:59.999Z");
}

TEST(PolicyCfpbTest, FinalResponseSixtyDays) {
  // 15 January 2026 09:00 EST + 60 days = 16 March 2026, end of day EDT.
  EXPECT_EQ(Due("cfpb", "final_response", Utc(2026, 1, 15, 14)), "2026-03-17T03:59:59.999Z");
}

// ----- ASIC -----

TEST(PolicyAsicTest, AcknowledgeTwentyFourHoursOnABusinessDay) {
  // Wednesday 10 June 2026 10:00 AEST -> Thursday 11 June 10:00 AEST, exactly.
  EXPECT_EQ(Due("asic-rg271", "acknowledge", Utc(2026, 6, 10, 0)), "2026-06-11T00:00:00.000Z");
}

TEST(PolicyAsicTest, AcknowledgeRollsToEndOfNextBusinessDay) {
  // Friday 12 June 2026 14:00 AEST + 24 h = Saturday -> end of Monday 15 June, AEST (+10).
  EXPECT_EQ(Due("asic-rg271", "acknowledge", Utc(2026, 6, 12, 4)), "2026-06-15T13:59:59.999Z");
  // Friday 5 June 09:00 AEST + 24 h = Saturday; Monday 8 June is the King's Birthday ->
  // end of Tuesday 9 June.
  EXPECT_EQ(Due("asic-rg271", "acknowledge", Utc(2026, 6, 4, 23)), "2026-06-09T13:59:59.999Z");
}

TEST(PolicyAsicTest, AcknowledgeOverChristmasInSummerTime) {
  // Thursday 24 December 2026 11:00 AEDT + 24 h = Christmas Day; 26, 27 weekend, 28 Boxing
  // Day additional day -> end of Tuesday 29 December, AEDT (+11).
  EXPECT_EQ(Due("asic-rg271", "acknowledge", Utc(2026, 12, 24, 0)), "2026-12-29T12:59:59.999Z");
}

TEST(PolicyAsicTest, AcknowledgeCountsElapsedHoursAcrossDstStart) {
  // Saturday 3 October 2026 12:00 AEST (02:00Z) + 24 h = 4 October 02:00Z = 13:00 AEDT, a
  // Sunday; Monday 5 October is Labour Day -> end of Tuesday 6 October, AEDT.
  EXPECT_EQ(Due("asic-rg271", "acknowledge", Utc(2026, 10, 3, 2)), "2026-10-06T12:59:59.999Z");
}

TEST(PolicyAsicTest, FinalResponseThirtyDaysAcrossDstEnd) {
  // 20 March 2026 10:00 AEDT (19 March 23:00Z): local 20 March + 30 = Sunday 19 April (no
  // roll), end of day AEST (+10) after DST ended on 5 April.
  EXPECT_EQ(Due("asic-rg271", "final_response", Utc(2026, 3, 19, 23)), "2026-04-19T13:59:59.999Z");
}

TEST(PolicyAsicTest, FlaggedFinalResponsesAcrossDstStart) {
  const Instant received = Utc(2026, 9, 20, 0);  // Sunday 20 September 10:00 AEST
  // 30 days: 20 October, AEDT (+11) after DST started on 4 October.
  EXPECT_EQ(Due("asic-rg271", "final_response", received), "2026-10-20T12:59:59.999Z");
  // Hardship, default notice: 21 days -> 11 October.
  EXPECT_EQ(Due("asic-rg271", "final_response", received, {"hardship"}),
            "2026-10-11T12:59:59.999Z");
  EXPECT_EQ(Due("asic-rg271", "final_response", received, {"default_notice"}),
            "2026-10-11T12:59:59.999Z");
  // Superannuation: 45 days -> 4 November.
  EXPECT_EQ(Due("asic-rg271", "final_response", received, {"superannuation"}),
            "2026-11-04T12:59:59.999Z");
}

// ----- ISO default -----

TEST(PolicyIsoTest, FinalResponseTwentyBusinessDaysOverYearEnd) {
  // Monday 14 December 2026: 15..18 (4), 21..24 (8), 29..31 (11), 4..8 Jan (16),
  // 11..14 (20) -> Thursday 14 January 2027 17:00 GMT.
  EXPECT_EQ(Due("iso-default", "final_response", Utc(2026, 12, 14, 10)),
            "2027-01-14T17:00:00.000Z");
}

TEST(PolicyIsoTest, WeekendReceiptCountsFromMonday) {
  // Saturday 13 June 2026 12:00 BST: 1 BD after is Monday 15 June, 17:00 BST.
  EXPECT_EQ(Due("iso-default", "acknowledge", Utc(2026, 6, 13, 11)), "2026-06-15T16:00:00.000Z");
}

TEST(PolicyIsoTest, BusinessDayWarningIsStartOfDueDayWhenEarlier) {
  // Monday 15 June 2026 10:00 BST; due Tuesday 16 June 17:00 BST (16:00Z). 75 % of 31 h is
  // Tuesday 09:15 BST, later than the start of Tuesday (00:00 BST = Monday 23:00Z).
  const Policy& iso = Get("iso-default");
  const core::Deadline d = ComputeDeadline(iso, Rule(iso, "acknowledge"), Utc(2026, 6, 15, 9));
  EXPECT_EQ(Iso(d.due), "2026-06-16T16:00:00.000Z");
  EXPECT_EQ(Iso(d.warn), "2026-06-15T23:00:00.000Z");
}

TEST(PolicyIsoTest, BusinessDayWarningIsSeventyFivePercentWhenEarlier) {
  // FCA summary resolution from Wed 23 Dec 10:00 GMT, due Wed 30 Dec 17:00 GMT: 7 d 7 h;
  // 75 % = 5 d 11 h 15 min -> Monday 28 December 21:15Z, before the start of the 30th.
  const Policy& fca = Get("fca-disp");
  const core::Deadline d =
      ComputeDeadline(fca, Rule(fca, "summary_resolution"), Utc(2026, 12, 23, 10));
  EXPECT_EQ(Iso(d.warn), "2026-12-28T21:15:00.000Z");
}

TEST(PolicyTest, CalendarWarningIsSeventyFivePercent) {
  // CFPB response from 10 Dec 15:00Z, due 26 Dec 04:59:59.999Z: 1,346,399,999 ms.
  // 75 % = 1,009,799,999 ms = 11 d 16:29:59.999 -> 22 December 07:29:59.999Z. Calendar rules
  // take no "start of the last business day" warning.
  const Policy& cfpb = Get("cfpb");
  const core::Deadline d = ComputeDeadline(cfpb, Rule(cfpb, "response"), Utc(2026, 12, 10, 15));
  EXPECT_EQ(Iso(d.warn), "2026-12-22T07:29:59.999Z");
}

// ----- Custom rules -----

TEST(PolicyTest, MonthsClampToEndOfShortMonth) {
  const Policy p = Custom(MakeRule("sar", TimeUnit::kMonths, 1, DayEnd::kEndOfDay));
  // 31 January 2026 + 1 month = 28 February 2026 (GDPR reading), end of day GMT.
  EXPECT_EQ(Iso(ComputeDeadline(p, p.clocks[0], Utc(2026, 1, 31, 10)).due),
            "2026-02-28T23:59:59.999Z");
  // 31 January 2028 (leap year) -> 29 February 2028.
  EXPECT_EQ(Iso(ComputeDeadline(p, p.clocks[0], Utc(2028, 1, 31, 10)).due),
            "2028-02-29T23:59:59.999Z");
}

TEST(PolicyTest, ExactCalendarDaysKeepLocalWallClockAcrossDst) {
  const Policy p = Custom(MakeRule("x", TimeUnit::kCalendarDays, 15, DayEnd::kExact));
  // 20 March 2026 15:00 GMT + 15 days = 4 April 15:00 BST = 14:00Z.
  EXPECT_EQ(Iso(ComputeDeadline(p, p.clocks[0], Utc(2026, 3, 20, 15)).due),
            "2026-04-04T14:00:00.000Z");
}

TEST(PolicyTest, HoursWithoutRollStayOnTheWeekend) {
  const Policy p = Custom(MakeRule("x", TimeUnit::kHours, 24, DayEnd::kExact));
  // Friday 12 June 2026 14:00 BST + 24 h = Saturday 13:00Z; no roll configured.
  EXPECT_EQ(Iso(ComputeDeadline(p, p.clocks[0], Utc(2026, 6, 12, 13)).due),
            "2026-06-13T13:00:00.000Z");
}

TEST(PolicyTest, HoursRollToCloseOfBusinessWhenAsked) {
  ClockRule r = MakeRule("x", TimeUnit::kHours, 24, DayEnd::kCloseOfBusiness);
  r.roll_to_business_day = true;
  const Policy p = Custom(r);
  // Thursday 24 December 2026 12:00 GMT + 24 h = Christmas Day -> Tuesday 29 December 17:00.
  const core::Deadline d = ComputeDeadline(p, p.clocks[0], Utc(2026, 12, 24, 12));
  EXPECT_EQ(Iso(d.due), "2026-12-29T17:00:00.000Z");
  EXPECT_EQ(Day(d.local_due), "2026-12-29");
}

TEST(PolicyTest, CheckPolicyReportsStructuralErrors) {
  Policy p = Custom(MakeRule("a", TimeUnit::kBusinessDays, 0, DayEnd::kExact));
  p.clocks.push_back(MakeRule("b", TimeUnit::kCalendarDays, 3, DayEnd::kEndOfDay));
  p.clocks.push_back(MakeRule("b", TimeUnit::kCalendarDays, 4, DayEnd::kEndOfDay));
  p.clocks.back().extension_count = 2;
  p.clocks.push_back(MakeRule("c", TimeUnit::kWeeks, 1, DayEnd::kEndOfDay));
  p.clocks.back().roll_to_business_day = true;
  p.calendar.zone = nullptr;
  p.warn_fraction = 1.5;
  const core::PolicyCheck check = core::CheckPolicy(p);
  auto has = [&](const std::string& needle) {
    return std::any_of(check.errors.begin(), check.errors.end(),
                       [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("count must be positive")) << ::testing::PrintToString(check.errors);
  EXPECT_TRUE(has("'exact' needs a calendar"));
  EXPECT_TRUE(has("defined twice"));
  EXPECT_TRUE(has("extension_count must exceed count"));
  EXPECT_TRUE(has("roll_to_business_day applies only"));
  EXPECT_TRUE(has("not resolved"));
  EXPECT_TRUE(has("warn_fraction"));
}

TEST(PolicyTest, ToStringNamesMatchTheTomlSpelling) {
  EXPECT_STREQ(core::ToString(TimeUnit::kBusinessDays), "business_days");
  EXPECT_STREQ(core::ToString(TimeUnit::kCalendarDays), "calendar_days");
  EXPECT_STREQ(core::ToString(TimeUnit::kHours), "hours");
  EXPECT_STREQ(core::ToString(TimeUnit::kWeeks), "weeks");
  EXPECT_STREQ(core::ToString(TimeUnit::kMonths), "months");
  EXPECT_STREQ(core::ToString(core::Anchor::kReceived), "received");
  EXPECT_STREQ(core::ToString(core::Anchor::kSentToCompany), "sent_to_company");
  EXPECT_STREQ(core::ToString(core::Anchor::kReopened), "reopened");
}

// ----- Loader -----

constexpr const char* kMinimal = R"(id = "mini"
name = "Minimal"
regime = "TEST"
effective_from = 2026-01-01

[calendar]
time_zone = "Europe/London"
holidays = [2026-12-25]

[ombudsman]
name = "Nobody"

[[clocks]]
name = "final_response"
unit = "business_days"
count = 5
citation = "test"
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(PolicyLoaderTest, MinimalPolicyGetsDocumentedDefaults) {
  auto p = config::ParsePolicy(kMinimal, "mini.toml");
  ASSERT_TRUE(p) << p.error().detail;
  EXPECT_EQ(p->effective_from, "2026-01-01");
  EXPECT_FALSE(p->pause_allowed);
  EXPECT_DOUBLE_EQ(p->warn_fraction, 0.75);
  EXPECT_EQ(p->calendar.close_of_business, std::chrono::minutes(17 * 60));
  EXPECT_EQ(p->calendar.weekend, (std::set<unsigned>{6, 7}));
  ASSERT_EQ(p->clocks.size(), 1u);
  EXPECT_EQ(p->clocks[0].anchor, core::Anchor::kReceived);
  EXPECT_EQ(p->clocks[0].day_end, DayEnd::kEndOfDay);
  EXPECT_FALSE(p->calendar.IsBusinessDay(Ymd(2026, 12, 25)));
}

TEST(PolicyLoaderTest, UnknownTopLevelKeyNamesFileLineAndKey) {
  auto p = config::ParsePolicy(
      Replace(kMinimal, "regime = \"TEST\"\n", "regime = \"TEST\"\ncolour = \"blue\"\n"),
      "bad.toml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, core::Errc::kInvalid);
  EXPECT_EQ(p.error().detail, "bad.toml:4: colour: unknown key");
  ASSERT_EQ(p.error().fields.size(), 1u);
  EXPECT_EQ(p.error().fields[0].pointer, "/colour");
}

TEST(PolicyLoaderTest, UnknownClockKeyIsAnError) {
  auto p =
      config::ParsePolicy(Replace(kMinimal, "count = 5\n", "count = 5\ncuont = 6\n"), "bad.toml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().detail, "bad.toml:17: clocks[0].cuont: unknown key");
}

TEST(PolicyLoaderTest, BadTimeZoneIsNamed) {
  auto p = config::ParsePolicy(Replace(kMinimal, "Europe/London", "Europe/Atlantis"), "tz.toml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().detail.find("tz.toml:7: calendar.time_zone"), std::string::npos)
      << p.error().detail;
  EXPECT_NE(p.error().detail.find("Europe/Atlantis"), std::string::npos);
}

TEST(PolicyLoaderTest, NegativeCountIsNamed) {
  auto p = config::ParsePolicy(Replace(kMinimal, "count = 5", "count = -3"), "neg.toml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().detail, "neg.toml:16: clocks[0].count: must be a positive integer");
  EXPECT_EQ(p.error().fields[0].pointer, "/clocks/0/count");
}

TEST(PolicyLoaderTest, BadEnumListsChoices) {
  auto p = config::ParsePolicy(Replace(kMinimal, "\"business_days\"", "\"fortnights\""), "u.toml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().detail.find("u.toml:15: clocks[0].unit: 'fortnights' is not one of"),
            std::string::npos)
      << p.error().detail;
}

TEST(PolicyLoaderTest, MissingRequiredKeysAndBadValues) {
  auto no_zone =
      config::ParsePolicy(Replace(kMinimal, "time_zone = \"Europe/London\"\n", ""), "z.toml");
  ASSERT_FALSE(no_zone);
  EXPECT_NE(no_zone.error().detail.find("calendar.time_zone: is required"), std::string::npos);
  auto bad_holiday =
      config::ParsePolicy(Replace(kMinimal, "[2026-12-25]", "[\"25/12/2026\"]"), "h.toml");
  ASSERT_FALSE(bad_holiday);
  EXPECT_NE(bad_holiday.error().detail.find("h.toml:8: calendar.holidays[0]"), std::string::npos)
      << bad_holiday.error().detail;
  auto bad_cob = config::ParsePolicy(
      Replace(kMinimal, "[calendar]\n", "[calendar]\nclose_of_business = \"5pm\"\n"), "c.toml");
  ASSERT_FALSE(bad_cob);
  EXPECT_NE(bad_cob.error().detail.find("calendar.close_of_business"), std::string::npos);
  auto exact_bd = config::ParsePolicy(
      Replace(kMinimal, "count = 5\n", "count = 5\nday_end = \"exact\"\n"), "e.toml");
  ASSERT_FALSE(exact_bd);
  EXPECT_NE(exact_bd.error().detail.find("not business_days"), std::string::npos);
}

TEST(PolicyLoaderTest, SyntaxErrorIsMalformedWithLine) {
  auto p =
      config::ParsePolicy(Replace(kMinimal, "name = \"Minimal\"", "name = Minimal"), "syntax.toml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, core::Errc::kMalformed);
  EXPECT_EQ(p.error().detail.rfind("syntax.toml:2: ", 0), 0u) << p.error().detail;
}

TEST(PolicyLoaderTest, MissingFileIsNotFound) {
  auto p = config::LoadPolicyFile(kPolicyDir + "/no-such-policy.toml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, core::Errc::kNotFound);
}

class PolicyDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("redress-policy-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(PolicyDirTest, LoadsTomlFilesSortedAndSkipsTaxonomy) {
  Write("b.toml", Replace(kMinimal, "\"mini\"", "\"bee\""));
  Write("a.toml", Replace(kMinimal, "\"mini\"", "\"ay\""));
  Write("taxonomy.toml", "not a policy = [");
  Write("notes.txt", "ignored");
  auto ps = config::LoadPolicyDir(dir_.string());
  ASSERT_TRUE(ps) << ps.error().detail;
  ASSERT_EQ(ps->size(), 2u);
  EXPECT_EQ((*ps)[0].id, "ay");
  EXPECT_EQ((*ps)[1].id, "bee");
}

TEST_F(PolicyDirTest, DuplicateIdsAreAnError) {
  Write("one.toml", kMinimal);
  Write("two.toml", kMinimal);
  auto ps = config::LoadPolicyDir(dir_.string());
  ASSERT_FALSE(ps);
  EXPECT_NE(ps.error().detail.find("'mini' is already used by one.toml"), std::string::npos)
      << ps.error().detail;
}

// ----- CompareWithShipped -----

std::vector<Policy> ShippedList() {
  std::vector<Policy> out;
  for (const auto& [id, p] : Shipped()) out.push_back(p);
  return out;
}

TEST(PolicyCompareTest, ShippedPolicyDoesNotWarnAgainstItself) {
  for (const auto& [id, p] : Shipped()) {
    EXPECT_TRUE(config::CompareWithShipped(p, ShippedList()).empty()) << id;
  }
}

TEST(PolicyCompareTest, WarnsOnLongerDeadline) {
  Policy p = Get("fca-disp");
  p.id = "my-fca";
  for (ClockRule& r : p.clocks) {
    if (r.name == "final_response" && r.when_flag.empty()) r.count = 9;  // 9 weeks
  }
  const auto warnings = config::CompareWithShipped(p, ShippedList());
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_NE(warnings[0].find("'final_response' is looser than shipped policy 'fca-disp'"),
            std::string::npos)
      << warnings[0];
}

TEST(PolicyCompareTest, TighterPolicyIsQuiet) {
  Policy p = Get("fca-disp");
  p.id = "my-fca";
  for (ClockRule& r : p.clocks) {
    if (r.name == "acknowledge") r.count = 2;
  }
  EXPECT_TRUE(config::CompareWithShipped(p, ShippedList()).empty());
}

TEST(PolicyCompareTest, WarnsOnPauseMissingFlagRuleAndExtension) {
  Policy p = Get("fca-disp");
  p.pause_allowed = true;
  auto warnings = config::CompareWithShipped(p, ShippedList());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("pause"), std::string::npos);

  Policy q = Get("fca-disp");
  for (ClockRule& r : q.clocks) {
    if (r.when_flag == "payment_service") r.extension_count = 40;
  }
  warnings = config::CompareWithShipped(q, ShippedList());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("extension_count 40"), std::string::npos) << warnings[0];

  // Dropping the PSD2 rule leaves payment complaints on 8 weeks: looser.
  Policy r = Get("fca-disp");
  r.clocks.erase(
      std::remove_if(r.clocks.begin(), r.clocks.end(),
                     [](const ClockRule& c) { return c.when_flag == "payment_service"; }),
      r.clocks.end());
  warnings = config::CompareWithShipped(r, ShippedList());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("final_response (flag payment_service)"), std::string::npos)
      << warnings[0];
}

TEST(PolicyCompareTest, OtherRegimesAreNotCompared) {
  Policy p = Get("cfpb");
  p.regime = "SOMETHING-ELSE";
  for (ClockRule& r : p.clocks) r.count *= 2;
  EXPECT_TRUE(config::CompareWithShipped(p, ShippedList()).empty());
}

// ----- Taxonomy -----

TEST(TaxonomyTest, ShippedTaxonomyLoads) {
  auto t = config::LoadTaxonomyFile(kPolicyDir + "/taxonomy.toml");
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_GE(t->nodes.size(), 30u);
  EXPECT_FALSE(t->version.empty());
  EXPECT_TRUE(t->Contains("banking"));
  EXPECT_TRUE(t->Contains("banking/current-account/fees"));
  EXPECT_FALSE(t->Contains("banking/current"));
  const auto* fees = t->Find("banking/current-account/fees");
  ASSERT_NE(fees, nullptr);
  EXPECT_EQ(fees->parent, "banking/current-account");
  EXPECT_FALSE(fees->cfpb_product.empty());
  // Every root has children and every parent exists.
  for (const auto& n : t->nodes) {
    if (n.parent.empty()) {
      EXPECT_FALSE(t->ChildrenOf(n.id).empty()) << n.id;
    } else {
      EXPECT_TRUE(t->Contains(n.parent)) << n.id;
    }
  }
}

TEST(TaxonomyTest, ErrorsNameLineAndKey) {
  auto unknown =
      config::ParseTaxonomy("[[node]]\nid = \"a\"\nlabel = \"A\"\ncolour = \"x\"\n", "t.toml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().detail, "t.toml:4: node[0].colour: unknown key");
  auto orphan =
      config::ParseTaxonomy("[[node]]\nid = \"a/b\"\nlabel = \"B\"\nparent = \"a\"\n", "t.toml");
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().detail.find("'a' is not defined above"), std::string::npos);
  auto dup = config::ParseTaxonomy(
      "[[node]]\nid = \"a\"\nlabel = \"A\"\n[[node]]\nid = \"a\"\nlabel = \"A2\"\n", "t.toml");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().detail.find("t.toml:4: node[1].id: 'a' is defined twice"),
            std::string::npos)
      << dup.error().detail;
  auto bad_path = config::ParseTaxonomy(
      "[[node]]\nid = \"a\"\nlabel = \"A\"\n[[node]]\nid = \"b/c\"\nlabel = \"C\"\n"
      "parent = \"a\"\n",
      "t.toml");
  ASSERT_FALSE(bad_path);
  EXPECT_NE(bad_path.error().detail.find("parent's id"), std::string::npos);
}

}  // namespace
}  // namespace redress
