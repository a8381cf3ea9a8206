#include "core/facts.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/enum_names.hpp"

namespace redress::core {
namespace {

constexpr int64_t kDayMs = 86'400'000;

constexpr EnumNames<FactDim, 13> kDims{{
    {FactDim::kCategory, "category"},
    {FactDim::kProduct, "product"},
    {FactDim::kChannel, "channel"},
    {FactDim::kDepartment, "department"},
    {FactDim::kLocation, "location"},
    {FactDim::kHandler, "handler"},
    {FactDim::kCause, "cause"},
    {FactDim::kCurrency, "currency"},
    {FactDim::kState, "state"},
    {FactDim::kPolicy, "policy"},
    {FactDim::kResolveDays, "resolve_days"},
    {FactDim::kResolveBand, "resolve_band"},
    {FactDim::kAge, "age"},
}};

constexpr EnumNames<FactPeriod, 3> kPeriods{{
    {FactPeriod::kDay, "day"},
    {FactPeriod::kWeek, "week"},
    {FactPeriod::kMonth, "month"},
}};

ClockFact ClockOf(const Complaint& c, std::string_view name) {
  for (const auto& t : c.clocks) {
    if (t.name != name) continue;
    if (t.breached || t.state == ClockState::kBreached) return ClockFact::kBreached;
    if (t.state == ClockState::kMet) return ClockFact::kMet;
    return ClockFact::kPending;
  }
  return ClockFact::kNone;
}

const char* BandName(ResolveBand b) {
  switch (b) {
    case ResolveBand::kWithin3BusinessDays:
      return "3bd";
    case ResolveBand::kWithin8Weeks:
      return "8w";
    case ResolveBand::kLater:
      return "later";
  }
  return "";
}

}  // namespace

int32_t MonthOfDay(int64_t day) {
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  return static_cast<int32_t>(static_cast<int>(ymd.year()) * 12 +
                              static_cast<int>(static_cast<unsigned>(ymd.month())) - 1);
}

int64_t DayOf(Instant t) {
  const int64_t ms = ToMillis(t);
  return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs);
}

int64_t WeekStart(int64_t day) {
  // Day 0 (1970-01-01) was a Thursday; (day + 3) mod 7 is the days since Monday.
  const int64_t since_monday = ((day + 3) % 7 + 7) % 7;
  return day - since_monday;
}

std::string DayKey(int64_t day) { return FormatDate(LocalDate{date::sys_days{date::days{day}}}); }
std::string WeekKey(int64_t day) { return DayKey(WeekStart(day)); }
std::string MonthKey(int32_t month) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", month / 12, month % 12 + 1);
  return buf;
}

int64_t WeekdaysBetween(int64_t from_day, int64_t to_day) {
  if (to_day <= from_day) return 0;
  auto weekdays_upto = [](int64_t d) {  // weekdays in days (WeekStart(0)..d], Monday-based
    const int64_t base = WeekStart(0);
    const int64_t n = d - base + 1;  // days from that Monday through d
    const int64_t full = n / 7;
    const int64_t rest = n % 7;
    return full * 5 + std::min<int64_t>(rest, 5);
  };
  return weekdays_upto(to_day) - weekdays_upto(from_day);
}

ComplaintFacts FactsOf(const Complaint& c) {
  ComplaintFacts f;
  f.id = c.id;
  f.received_at = c.received_at;
  f.received_day = DayOf(c.received_at);
  f.received_month = MonthOfDay(f.received_day);
  f.category = c.assessment.category;
  f.product = c.subject.product;
  f.channel = ToString(c.channel);
  f.department = c.subject.department;
  f.location = c.subject.location;
  f.handler = c.assignee;
  if (c.closure.cause) f.cause = ToString(*c.closure.cause);
  f.state = ToString(c.state);
  f.policy = c.policy_id;
  f.open = IsOpen(c.state);
  if (!f.open && c.closure.closed_at) {
    f.closed_at = *c.closure.closed_at;
    const int64_t closed_day = DayOf(*c.closure.closed_at);
    f.resolve_days = std::max<int64_t>(0, closed_day - f.received_day);
    // The policy's business days when the closure recorded them; else Monday to Friday.
    const int64_t business = c.closure.business_days ? *c.closure.business_days
                                                     : WeekdaysBetween(f.received_day, closed_day);
    if (business <= 3) {
      f.resolve_band = ResolveBand::kWithin3BusinessDays;
    } else if (*f.resolve_days <= 56) {
      f.resolve_band = ResolveBand::kWithin8Weeks;
    } else {
      f.resolve_band = ResolveBand::kLater;
    }
  }
  f.ack = ClockOf(c, "acknowledge");
  f.final_response = ClockOf(c, "final_response");
  // A decision counts once communicated, or when the complaint was closed on it (imports
  // record the outcome of a closed complaint without the instant it was communicated).
  const bool decided_closure = c.state == State::kClosed && c.closure.reason &&
                               (*c.closure.reason == ClosureReason::kResolvedAccepted ||
                                *c.closure.reason == ClosureReason::kRejectedRecourseGiven ||
                                *c.closure.reason == ClosureReason::kNoReply);
  if (c.decision.communicated_at || decided_closure) {
    f.outcome = c.decision.outcome;
    f.redress_minor = std::max<int64_t>(0, c.decision.remedy.amount_minor);
    if (f.redress_minor > 0) f.currency = c.decision.remedy.currency;
  }
  f.reopen_count = c.reopen_count;
  f.referred = c.referral.referred_at.has_value();
  f.early = c.closure.reason == ClosureReason::kResolvedEarly;
  if (c.survey.answered_at) {
    f.sat_handling = c.survey.handling;
    f.sat_outcome = c.survey.outcome;
  }
  return f;
}

void FactTally::Add(const ComplaintFacts& f, int64_t s) {
  received += s;
  if (f.open) {
    open += s;
  } else {
    closed += s;
  }
  if (f.ack == ClockFact::kMet) ack_met += s;
  if (f.ack == ClockFact::kBreached) ack_breached += s;
  if (f.final_response == ClockFact::kMet) final_met += s;
  if (f.final_response == ClockFact::kBreached) final_breached += s;
  if (f.outcome == Outcome::kUpheld) upheld += s;
  if (f.outcome == Outcome::kPartlyUpheld) partly_upheld += s;
  if (f.outcome == Outcome::kNotUpheld) not_upheld += s;
  redress_minor += s * f.redress_minor;
  if (f.redress_minor > 0) redressed += s;
  if (f.reopen_count > 0) reopened += s;
  if (f.referred) referred += s;
  if (f.early) early += s;
  if (f.sat_handling > 0) {
    surveys += s;
    handling_sum += s * f.sat_handling;
    outcome_sum += s * f.sat_outcome;
  }
}

std::array<int64_t, 18> TallyValues(const FactTally& t) {
  return {t.received,      t.open,           t.closed,     t.ack_met,       t.ack_breached,
          t.final_met,     t.final_breached, t.upheld,     t.partly_upheld, t.not_upheld,
          t.redress_minor, t.redressed,      t.reopened,   t.referred,      t.early,
          t.surveys,       t.handling_sum,   t.outcome_sum};
}

FactTally TallyFromValues(const std::array<int64_t, 18>& v) {
  FactTally t;
  t.received = v[0];
  t.open = v[1];
  t.closed = v[2];
  t.ack_met = v[3];
  t.ack_breached = v[4];
  t.final_met = v[5];
  t.final_breached = v[6];
  t.upheld = v[7];
  t.partly_upheld = v[8];
  t.not_upheld = v[9];
  t.redress_minor = v[10];
  t.redressed = v[11];
  t.reopened = v[12];
  t.referred = v[13];
  t.early = v[14];
  t.surveys = v[15];
  t.handling_sum = v[16];
  t.outcome_sum = v[17];
  return t;
}

FactTally& FactTally::operator+=(const FactTally& o) {
  auto a = TallyValues(*this);
  const auto b = TallyValues(o);
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  *this = TallyFromValues(a);
  return *this;
}

const char* ToString(FactDim d) { return NameOf(kDims, d); }
const char* ToString(FactPeriod p) { return NameOf(kPeriods, p); }
std::optional<FactDim> ParseFactDim(std::string_view s) { return ValueOf(kDims, s); }
std::optional<FactPeriod> ParseFactPeriod(std::string_view s) { return ValueOf(kPeriods, s); }

bool Filterable(FactDim d) {
  return d != FactDim::kResolveDays && d != FactDim::kResolveBand && d != FactDim::kAge;
}

Status ValidateFactQuery(const FactQuery& q) {
  if (q.group_by.size() > 2) return MakeError(Errc::kInvalid, "Group by at most two keys.");
  if (q.group_by.size() == 2 && q.group_by[0] == q.group_by[1]) {
    return MakeError(Errc::kInvalid, "The two group keys must differ.");
  }
  if (q.group_by.size() == 2 && std::holds_alternative<FactPeriod>(q.group_by[0]) &&
      std::holds_alternative<FactPeriod>(q.group_by[1])) {
    return MakeError(Errc::kInvalid, "Group by one period at most.");
  }
  std::set<FactDim> seen;
  for (const auto& [d, v] : q.where) {
    if (!Filterable(d)) {
      return MakeError(Errc::kInvalid, std::string("Cannot filter on ") + ToString(d) + ".");
    }
    if (!seen.insert(d).second) {
      return MakeError(Errc::kInvalid, std::string("Filter on ") + ToString(d) + " once.");
    }
  }
  if (q.from && q.to && *q.from >= *q.to) {
    return MakeError(Errc::kInvalid, "The start of the period must be before its end.");
  }
  if (q.open_only && q.closed_only) {
    return MakeError(Errc::kInvalid, "Count open or closed complaints, not both.");
  }
  return {};
}

const std::string& FactDimValue(FactDim d, const ComplaintFacts& f) {
  static const std::string kEmpty;
  switch (d) {
    case FactDim::kCategory:
      return f.category;
    case FactDim::kProduct:
      return f.product;
    case FactDim::kChannel:
      return f.channel;
    case FactDim::kDepartment:
      return f.department;
    case FactDim::kLocation:
      return f.location;
    case FactDim::kHandler:
      return f.handler;
    case FactDim::kCause:
      return f.cause;
    case FactDim::kCurrency:
      return f.currency;
    case FactDim::kState:
      return f.state;
    case FactDim::kPolicy:
      return f.policy;
    case FactDim::kResolveDays:
    case FactDim::kResolveBand:
    case FactDim::kAge:
      break;
  }
  return kEmpty;
}

std::string FactKeyValue(const FactKey& k, const ComplaintFacts& f, const FactQuery& q) {
  if (const auto* p = std::get_if<FactPeriod>(&k)) {
    switch (*p) {
      case FactPeriod::kDay:
        return DayKey(f.received_day);
      case FactPeriod::kWeek:
        return WeekKey(f.received_day);
      case FactPeriod::kMonth:
        return MonthKey(f.received_month);
    }
  }
  const FactDim d = std::get<FactDim>(k);
  switch (d) {
    case FactDim::kResolveDays:
      return f.resolve_days ? std::to_string(*f.resolve_days) : std::string();
    case FactDim::kResolveBand:
      return f.resolve_band ? BandName(*f.resolve_band) : "";
    case FactDim::kAge:
      for (int i = 0; i < 3; ++i) {
        if (f.received_at >= q.age_edges[static_cast<size_t>(i)]) return std::to_string(i);
      }
      return "3";
    default:
      return FactDimValue(d, f);
  }
}

bool FactMatches(const FactQuery& q, const ComplaintFacts& f) {
  if (q.date_field == FactQuery::DateField::kReceived) {
    if (q.from && f.received_at < *q.from) return false;
    if (q.to && f.received_at >= *q.to) return false;
  } else {
    if (!f.closed_at) return false;
    if (q.from && *f.closed_at < *q.from) return false;
    if (q.to && *f.closed_at >= *q.to) return false;
  }
  if (q.open_only && !f.open) return false;
  if (q.closed_only && f.open) return false;
  if (q.open_at) {
    if (f.received_at >= *q.open_at) return false;
    // Closed by then; a closed complaint with no closing instant (an import) counts as closed.
    if (!f.open && (!f.closed_at || *f.closed_at < *q.open_at)) return false;
  }
  for (const auto& [d, v] : q.where) {
    if (FactDimValue(d, f) != v) return false;
  }
  return true;
}

void SortFactRows(const FactQuery& q, std::vector<FactRow>& rows) {
  auto less_key = [&q](const FactRow& a, const FactRow& b) {
    for (size_t i = 0; i < a.key.size() && i < q.group_by.size(); ++i) {
      if (a.key[i] == b.key[i]) continue;
      if (q.group_by[i] == FactKey(FactDim::kResolveDays) && !a.key[i].empty() &&
          !b.key[i].empty()) {
        return std::stoll(a.key[i]) < std::stoll(b.key[i]);
      }
      return a.key[i] < b.key[i];
    }
    return false;
  };
  std::sort(rows.begin(), rows.end(), less_key);
}

std::vector<FactRow> EvaluateFacts(const FactQuery& q, const std::vector<ComplaintFacts>& facts) {
  std::map<std::vector<std::string>, FactTally> groups;
  for (const auto& f : facts) {
    if (!FactMatches(q, f)) continue;
    std::vector<std::string> key;
    key.reserve(q.group_by.size());
    for (const auto& k : q.group_by) key.push_back(FactKeyValue(k, f, q));
    FactTally& t = groups[std::move(key)];
    if (q.open_only) {  // counted only (see FactQuery::open_only)
      t.received += 1;
      t.open += 1;
    } else if (q.closed_only) {  // likewise
      t.received += 1;
      t.closed += 1;
    } else {
      t.Add(f);
    }
  }
  std::vector<FactRow> rows;
  rows.reserve(groups.size());
  for (auto& [k, t] : groups) rows.push_back(FactRow{k, t});
  SortFactRows(q, rows);
  return rows;
}

}  // namespace redress::core
