// Policies (regimes) and the clocks they set. A policy is data loaded from a TOML file
// (src/config/policy_loader); this header holds the model and the pure due-date arithmetic.
//
// Due-date rules (iso10002.md §5):
//  * calendar units (hours, calendar days, weeks, months) count elapsed time from the anchor in
//    the policy's time zone; a calendar-day deadline does not roll to a business day.
//  * business days count whole business days *after* the day of the anchor (the day of
//    receipt is day 0 whatever the hour); the deadline is close of business of the Nth one,
//    or end of that day when `end_of_day` says "end".
//  * hours-with-rollover (ASIC acknowledgement): anchor + N hours; if that instant falls on a
//    non-business day, the end of the next business day.
// All due instants are UTC; the local due date is kept beside them for display.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace date {
class time_zone;
}

namespace redress::core {

enum class TimeUnit { kHours, kCalendarDays, kBusinessDays, kWeeks, kMonths };

// Where a clock is measured from.
enum class Anchor { kReceived, kSentToCompany, kReopened };

// What a deadline on a given day means.
enum class DayEnd {
  kCloseOfBusiness,  // the calendar's close_of_business on that day
  kEndOfDay,         // 23:59:59.999 local on that day
  kExact,            // the anchor instant + the interval, to the minute (calendar units only)
};

struct Calendar {
  std::string id;                         // "uk-england", "us-federal", ...
  std::string time_zone_name;             // IANA name, e.g. "Europe/London"
  const date::time_zone* zone = nullptr;  // resolved by the loader
  std::set<unsigned> weekend{6, 7};       // ISO weekday numbers (Mon=1 .. Sun=7)
  std::set<int> holidays;                 // local dates as date::sys_days counts
  std::chrono::minutes close_of_business{17 * 60};

  bool IsBusinessDay(LocalDate d) const;
  // The Nth business day strictly after `d` (n >= 1); n == 0 returns d.
  LocalDate AddBusinessDays(LocalDate d, int n) const;
  // Local calendar date of an instant in this calendar's zone.
  LocalDate LocalDateOf(Instant t) const;
  // UTC instant of a local wall-clock time on a local date (DST-correct; a time in a gap
  // moves forward, an ambiguous one takes the earlier instant).
  Instant AtLocal(LocalDate d, std::chrono::minutes since_midnight) const;
};

// One deadline a regime sets. Several rules may share a name; the one whose `when_flag`
// matches a flag of the complaint wins over the unconditional one (e.g. FCA final response:
// 8 weeks, but 15 business days when the complaint is flagged payment_service).
struct ClockRule {
  std::string name;       // "acknowledge", "summary_resolution", "final_response", ...
  std::string when_flag;  // empty: applies unless a flagged rule of the same name matches
  Anchor anchor = Anchor::kReceived;
  TimeUnit unit = TimeUnit::kCalendarDays;
  int count = 0;
  DayEnd day_end = DayEnd::kEndOfDay;
  bool roll_to_business_day = false;   // hours rule whose end lands off business days
  std::optional<int> extension_count;  // e.g. PSD2 35 BD in exceptional cases
  std::string rule_citation;           // "DISP 1.6.2R"
};

struct Ombudsman {
  std::string name;  // "Financial Ombudsman Service"
  std::string url;
  std::string time_limit;  // "6 months from the date of the final response"
};

struct Policy {
  std::string id;              // "fca-disp"
  std::string name;            // "UK FCA DISP 1.6"
  std::string regime;          // "FCA"
  std::string effective_from;  // "2025-01-01"
  Calendar calendar;
  bool pause_allowed = false;   // while awaiting the complainant
  double warn_fraction = 0.75;  // warn at this share of the interval
  bool warn_on_last_business_day = true;
  int reopen_business_days = 10;
  int auto_close_days = 14;  // silence after decision before system closure
  // A complainant's mail about a closed complaint, within this many calendar days of its
  // closure, reopens it (the system acts; 0: never, staff decide).
  int reopen_on_reply_days = 0;
  // Calendar days after closure until the follow-up with the complainant (rolled to the next
  // business day; 0: no follow-up date is set).
  int follow_up_days = 14;
  // Calendar days after closure until the satisfaction survey invitation is sent (0: at once).
  int survey_delay_days = 2;
  Ombudsman ombudsman;
  std::vector<ClockRule> clocks;

  // The rules that apply to a complaint with these flags: one per clock name.
  std::vector<const ClockRule*> RulesFor(const std::vector<std::string>& flags) const;
};

// The computed deadline of one rule from one anchor.
struct Deadline {
  Instant due;
  Instant warn;         // when to warn (75 % of the interval, or the last business day)
  LocalDate local_due;  // the due date in the policy's zone
};

Deadline ComputeDeadline(const Policy& policy, const ClockRule& rule, Instant anchor);

// Structural checks on a loaded policy (counts positive, known zone, names unique per flag...).
// Errors make the policy unusable; warnings are returned for `redress policy check`.
struct PolicyCheck {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};
PolicyCheck CheckPolicy(const Policy& policy);

const char* ToString(TimeUnit u);
const char* ToString(Anchor a);

}  // namespace redress::core
