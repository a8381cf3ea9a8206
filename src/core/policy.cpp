// Due-date arithmetic for policies (iso10002.md §5). Pure: no clock, no I/O; the time-zone
// rules come from the zone pointer the loader resolved.
#include "core/policy.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace redress::core {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr minutes kDayLength{24 * 60};
constexpr milliseconds kOneMs{1};

date::sys_days ToDays(LocalDate d) { return date::sys_days(d); }

bool IsCalendarUnit(TimeUnit u) {
  return u == TimeUnit::kCalendarDays || u == TimeUnit::kWeeks || u == TimeUnit::kMonths;
}

// Adds whole months to a date; a day that does not exist in the target month clamps to its
// last day (31 January + 1 month = 28/29 February, as GDPR's "one month" is read).
LocalDate AddMonths(LocalDate d, int n) {
  date::year_month_day moved = d + date::months(n);
  if (moved.ok()) return moved;
  date::year_month_day_last last(moved.year(), date::month_day_last(moved.month()));
  return date::year_month_day(last);
}

// The local wall-clock instant of `t` in `cal`'s zone, as a count since the local epoch.
date::local_time<milliseconds> ToLocal(const Calendar& cal, Instant t) {
  if (cal.zone == nullptr) return date::local_time<milliseconds>(t.time_since_epoch());
  return cal.zone->to_local(t);
}

// Local wall-clock time to UTC. A time in a DST gap is shifted forward by the gap (01:30 on the
// spring-forward day in London is read with the old offset and becomes 02:30 BST); an ambiguous
// time takes the earlier instant (date::choose::earliest).
Instant LocalToSys(const Calendar& cal, date::local_time<milliseconds> lt) {
  if (cal.zone == nullptr) return Instant(lt.time_since_epoch());
  // For a unique time `first` is its offset; for an ambiguous one `first` is the earlier
  // instant's (pre-transition) offset; for a nonexistent one `first` is the offset before the
  // gap, which moves the wall-clock time forward by the gap's length.
  const date::local_info info = cal.zone->get_info(lt);
  return Instant(lt.time_since_epoch()) -
         std::chrono::duration_cast<milliseconds>(info.first.offset);
}

// 23:59:59.999 local on `d`: one millisecond before the start of the next local day.
Instant EndOfLocalDay(const Calendar& cal, LocalDate d) {
  return cal.AtLocal(date::year_month_day(ToDays(d) + days(1)), minutes(0)) - kOneMs;
}

Instant DayEndInstant(const Calendar& cal, LocalDate d, DayEnd end) {
  if (end == DayEnd::kCloseOfBusiness) return cal.AtLocal(d, cal.close_of_business);
  return EndOfLocalDay(cal, d);
}

// The first business day strictly after `d`.
LocalDate NextBusinessDay(const Calendar& cal, LocalDate d) { return cal.AddBusinessDays(d, 1); }

// Rough length of a rule, only to rank rules that cannot be compared without an anchor: a
// business day counts as 7/5 of a day (weekends), a month as 30.44 days.
double NominalHours(const ClockRule& r) {
  switch (r.unit) {
    case TimeUnit::kHours:
      return r.count;
    case TimeUnit::kCalendarDays:
      return r.count * 24.0;
    case TimeUnit::kBusinessDays:
      return r.count * 24.0 * 7.0 / 5.0;
    case TimeUnit::kWeeks:
      return r.count * 24.0 * 7.0;
    case TimeUnit::kMonths:
      return r.count * 24.0 * 30.44;
  }
  return 0;
}

std::string RuleLabel(const ClockRule& r) {
  return r.when_flag.empty() ? r.name : r.name + "@" + r.when_flag;
}

}  // namespace

// ----- Calendar -----

bool Calendar::IsBusinessDay(LocalDate d) const {
  const unsigned iso = date::weekday(ToDays(d)).iso_encoding();
  if (weekend.count(iso) != 0) return false;
  return holidays.count(static_cast<int>(ToDays(d).time_since_epoch().count())) == 0;
}

LocalDate Calendar::AddBusinessDays(LocalDate d, int n) const {
  if (n <= 0) return d;
  // A calendar whose weekend covers the whole week has no business days; CheckPolicy rejects
  // it, and here every day counts so the loop always ends.
  const bool no_business_days = weekend.size() >= 7;
  // Walked as day numbers, as IsBusinessDay would answer (a clock of eight weeks steps over
  // 56 days on every intake): the weekend as a bit per ISO weekday, and the holidays from the
  // first one after `d` on, in order, since the days only grow.
  unsigned weekend_bits = 0;
  for (unsigned iso : weekend) {
    if (iso < 8) weekend_bits |= 1U << iso;
  }
  date::sys_days day = ToDays(d);
  auto next_holiday = holidays.upper_bound(static_cast<int>(day.time_since_epoch().count()));
  int counted = 0;
  while (counted < n) {
    day += days(1);
    const int number = static_cast<int>(day.time_since_epoch().count());
    while (next_holiday != holidays.end() && *next_holiday < number) ++next_holiday;
    const bool holiday = next_holiday != holidays.end() && *next_holiday == number;
    const bool weekend_day = (weekend_bits >> date::weekday(day).iso_encoding()) & 1U;
    if (no_business_days || (!weekend_day && !holiday)) ++counted;
  }
  return date::year_month_day(day);
}

LocalDate Calendar::LocalDateOf(Instant t) const {
  return date::year_month_day(date::floor<days>(ToLocal(*this, t)));
}

Instant Calendar::AtLocal(LocalDate d, minutes since_midnight) const {
  date::local_time<milliseconds> lt =
      date::local_days(d) + std::chrono::duration_cast<milliseconds>(since_midnight);
  return LocalToSys(*this, lt);
}

// ----- Policy -----

std::vector<const ClockRule*> Policy::RulesFor(const std::vector<std::string>& flags) const {
  // One rule per clock name, in the order names first appear. A flagged rule whose flag the
  // complaint carries beats the unconditional one; among several matching flagged rules
  // (hardship and superannuation) the strictest by nominal length wins, then file order.
  std::vector<std::string> names;
  for (const ClockRule& r : clocks) {
    if (std::find(names.begin(), names.end(), r.name) == names.end()) names.push_back(r.name);
  }
  std::vector<const ClockRule*> out;
  out.reserve(names.size());
  for (const std::string& clock_name : names) {
    const ClockRule* unconditional = nullptr;
    const ClockRule* flagged = nullptr;
    for (const ClockRule& r : clocks) {
      if (r.name != clock_name) continue;
      if (r.when_flag.empty()) {
        if (unconditional == nullptr) unconditional = &r;
      } else if (std::find(flags.begin(), flags.end(), r.when_flag) != flags.end()) {
        if (flagged == nullptr || NominalHours(r) < NominalHours(*flagged)) flagged = &r;
      }
    }
    if (flagged != nullptr) {
      out.push_back(flagged);
    } else if (unconditional != nullptr) {
      out.push_back(unconditional);
    }
  }
  return out;
}

// ----- Deadlines -----

Deadline ComputeDeadline(const Policy& policy, const ClockRule& rule, Instant anchor) {
  const Calendar& cal = policy.calendar;
  Deadline d{};
  const LocalDate anchor_day = cal.LocalDateOf(anchor);

  switch (rule.unit) {
    case TimeUnit::kBusinessDays: {
      // Day 0 is the local day of the anchor whatever the hour; count strictly after it.
      // kExact has no meaning for business days (CheckPolicy rejects it); it falls back to the
      // end of the day.
      d.local_due = cal.AddBusinessDays(anchor_day, rule.count);
      d.due = DayEndInstant(cal, d.local_due, rule.day_end);
      break;
    }
    case TimeUnit::kCalendarDays:
    case TimeUnit::kWeeks:
    case TimeUnit::kMonths: {
      if (rule.day_end == DayEnd::kExact) {
        // The anchor's local wall-clock time on the target date (so "15 days" from 15:00 is
        // 15:00, across a DST change too), not a fixed number of 24-hour periods.
        const date::local_time<milliseconds> lt = ToLocal(cal, anchor);
        const date::local_days ld = date::floor<days>(lt);
        const milliseconds time_of_day = lt - ld;
        LocalDate target;
        if (rule.unit == TimeUnit::kMonths) {
          target = AddMonths(date::year_month_day(ld), rule.count);
        } else {
          const int n = rule.unit == TimeUnit::kWeeks ? rule.count * 7 : rule.count;
          target = date::year_month_day(date::local_days(ld) + days(n));
        }
        d.due = LocalToSys(cal, date::local_days(target) + time_of_day);
        d.local_due = cal.LocalDateOf(d.due);
      } else {
        // Calendar deadlines never roll to a business day [DEF].
        if (rule.unit == TimeUnit::kMonths) {
          d.local_due = AddMonths(anchor_day, rule.count);
        } else {
          const int n = rule.unit == TimeUnit::kWeeks ? rule.count * 7 : rule.count;
          d.local_due = date::year_month_day(ToDays(anchor_day) + days(n));
        }
        d.due = DayEndInstant(cal, d.local_due, rule.day_end);
      }
      break;
    }
    case TimeUnit::kHours: {
      // Elapsed hours, not wall-clock hours: 24 hours across a DST change is 24 real hours.
      d.due = anchor + std::chrono::hours(rule.count);
      d.local_due = cal.LocalDateOf(d.due);
      if (rule.roll_to_business_day && !cal.IsBusinessDay(d.local_due)) {
        // Lands off business days: the end (or close of business, if the rule says so) of the
        // next business day.
        d.local_due = NextBusinessDay(cal, d.local_due);
        d.due = DayEndInstant(cal, d.local_due,
                              rule.day_end == DayEnd::kCloseOfBusiness ? DayEnd::kCloseOfBusiness
                                                                       : DayEnd::kEndOfDay);
      }
      break;
    }
  }

  // Warning instant. The base is warn_fraction of the interval (75 % [DEF]). For business-day
  // rules with warn_on_last_business_day we also want a warning no later than the start of the
  // last business day, which is the due day itself (the Nth business day), so
  //   warn = min(anchor + fraction * (due - anchor), start of the local due day),
  // never before the anchor. Calendar-unit and hour rules use the fraction alone: their due day
  // need not be a business day, and a warning on "the last business day" would be arbitrary.
  const auto interval = d.due - anchor;
  const double scaled = static_cast<double>(interval.count()) * policy.warn_fraction;
  Instant warn = anchor + milliseconds(std::llround(scaled));
  if (rule.unit == TimeUnit::kBusinessDays && policy.warn_on_last_business_day) {
    warn = std::min(warn, cal.AtLocal(d.local_due, minutes(0)));
  }
  d.warn = std::clamp(warn, std::min(anchor, d.due), d.due);
  return d;
}

// ----- Checks -----

PolicyCheck CheckPolicy(const Policy& policy) {
  PolicyCheck check;
  auto error = [&check](std::string s) { check.errors.push_back(std::move(s)); };
  auto warning = [&check](std::string s) { check.warnings.push_back(std::move(s)); };

  if (policy.id.empty()) {
    error("id is empty");
  } else {
    for (char c : policy.id) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        error("id '" + policy.id + "' may hold only a-z, 0-9, '-' and '_'");
        break;
      }
    }
  }
  if (policy.name.empty()) error("name is empty");
  if (policy.regime.empty()) error("regime is empty");
  if (policy.effective_from.empty()) {
    error("effective_from is empty");
  } else if (!ParseDate(policy.effective_from)) {
    error("effective_from '" + policy.effective_from + "' is not a YYYY-MM-DD date");
  }

  const Calendar& cal = policy.calendar;
  if (cal.time_zone_name.empty()) error("calendar.time_zone is empty");
  if (cal.zone == nullptr) error("calendar.time_zone '" + cal.time_zone_name + "' is not resolved");
  for (unsigned w : cal.weekend) {
    if (w < 1 || w > 7) error("calendar.weekend holds " + std::to_string(w) + ", not 1..7");
  }
  if (cal.weekend.size() >= 7) error("calendar.weekend leaves no business day");
  if (cal.close_of_business <= minutes(0) || cal.close_of_business > kDayLength) {
    error("calendar.close_of_business must be after 00:00 and no later than 24:00");
  }
  if (cal.holidays.empty()) warning("calendar.holidays is empty: only weekends are skipped");

  if (!(policy.warn_fraction > 0.0 && policy.warn_fraction <= 1.0)) {
    error("warn_fraction must be in (0, 1]");
  }
  if (policy.reopen_business_days <= 0) error("reopen_business_days must be positive");
  if (policy.auto_close_days < 0) error("auto_close_days must not be negative");
  if (policy.reopen_on_reply_days < 0) error("reopen_on_reply_days must not be negative");
  if (policy.follow_up_days < 0) error("follow_up_days must not be negative");
  if (policy.survey_delay_days < 0) error("survey_delay_days must not be negative");
  if (policy.ombudsman.name.empty()) warning("no ombudsman: final responses name no referral body");

  if (policy.clocks.empty()) error("no clocks");
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> unconditional_names;
  for (const ClockRule& r : policy.clocks) {
    if (r.when_flag.empty()) unconditional_names.insert(r.name);
  }
  for (const ClockRule& r : policy.clocks) {
    const std::string label = "clock '" + RuleLabel(r) + "'";
    if (r.name.empty()) error("a clock has no name");
    if (!seen.insert({r.name, r.when_flag}).second) error(label + " is defined twice");
    if (r.count <= 0) error(label + ": count must be positive, got " + std::to_string(r.count));
    if (r.day_end == DayEnd::kExact && r.unit == TimeUnit::kBusinessDays) {
      error(label + ": day_end 'exact' needs a calendar or hours unit, not business_days");
    }
    if (r.roll_to_business_day && r.unit != TimeUnit::kHours) {
      error(label + ": roll_to_business_day applies only to unit 'hours'");
    }
    if (r.extension_count && *r.extension_count <= r.count) {
      error(label + ": extension_count must exceed count");
    }
    if (r.rule_citation.empty()) warning(label + " cites no rule");
    if (!r.when_flag.empty() && unconditional_names.count(r.name) == 0) {
      warning(label + " has no unconditional rule: complaints without the flag get no '" + r.name +
              "' clock");
    }
    if (IsCalendarUnit(r.unit) && r.day_end == DayEnd::kCloseOfBusiness) {
      warning(label + ": a calendar deadline at close of business may fall on a non-business day");
    }
  }
  return check;
}

const char* ToString(TimeUnit u) {
  switch (u) {
    case TimeUnit::kHours:
      return "hours";
    case TimeUnit::kCalendarDays:
      return "calendar_days";
    case TimeUnit::kBusinessDays:
      return "business_days";
    case TimeUnit::kWeeks:
      return "weeks";
    case TimeUnit::kMonths:
      return "months";
  }
  return "unknown";
}

const char* ToString(Anchor a) {
  switch (a) {
    case Anchor::kReceived:
      return "received";
    case Anchor::kSentToCompany:
      return "sent_to_company";
    case Anchor::kReopened:
      return "reopened";
  }
  return "unknown";
}

}  // namespace redress::core
