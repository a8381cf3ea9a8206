// Complaint facts: one complaint reduced to what the clause 8 analytics count (iso10002.md §7),
// and the query over them that every Store answers (a cube: filter, group by up to two keys,
// add up a fixed set of measures). The SQLite store keeps the facts in their own narrow table
// and a daily roll-up; the memory store, and tests, use EvaluateFacts below.
//
// Days, weeks and months are UTC calendar days; a week starts on Monday. Business days in the
// resolution band are Monday to Friday (the policy's holidays are not consulted: a complaint's
// facts are computed by the store, which knows no policy).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/complaint.hpp"
#include "core/time.hpp"

namespace redress::core {

// How a clock ended, for on-time rates: kNone when the policy set no such clock, kPending
// while it runs on time (or was stopped before it fell due).
enum class ClockFact : int8_t { kNone = -1, kBreached = 0, kMet = 1, kPending = 2 };

// Days from received to closed: 0..3 business days, up to 8 weeks (56 days), later.
enum class ResolveBand : int8_t { kWithin3BusinessDays = 0, kWithin8Weeks = 1, kLater = 2 };

struct ComplaintFacts {
  int64_t id = 0;
  Instant received_at{};
  int64_t received_day = 0;    // days since 1970-01-01, UTC
  int32_t received_month = 0;  // year * 12 + (month - 1)
  std::string category;
  std::string product;
  std::string channel;
  std::string department;
  std::string location;
  std::string handler;   // the assignee, "" if none
  std::string cause;     // closure cause category, "" if none
  std::string currency;  // of the remedy, "" if none
  std::string state;
  std::string policy;
  bool open = true;
  std::optional<Instant> closed_at;     // closed or withdrawn
  std::optional<int64_t> resolve_days;  // closed_day - received_day, when closed
  std::optional<ResolveBand> resolve_band;
  ClockFact ack = ClockFact::kNone;             // the "acknowledge" clock
  ClockFact final_response = ClockFact::kNone;  // the "final_response" clock
  std::optional<Outcome> outcome;               // once the decision was communicated
  int64_t redress_minor = 0;
  int32_t reopen_count = 0;
  bool referred = false;     // referred to an outside body
  bool early = false;        // closed as resolved early (summary resolution)
  int32_t sat_handling = 0;  // 1..5, 0 = no survey answer
  int32_t sat_outcome = 0;

  bool operator==(const ComplaintFacts&) const = default;
};

ComplaintFacts FactsOf(const Complaint& c);

// The month (year * 12 + (month - 1)) of a day since the epoch.
int32_t MonthOfDay(int64_t day);

// Business days (Monday..Friday) strictly after day `from` up to and including day `to`
// (days since the epoch); 0 when to <= from.
int64_t WeekdaysBetween(int64_t from_day, int64_t to_day);

// The additive measures. Every rate is a ratio of two of these.
struct FactTally {
  int64_t received = 0;
  int64_t open = 0;
  int64_t closed = 0;
  int64_t ack_met = 0;
  int64_t ack_breached = 0;
  int64_t final_met = 0;
  int64_t final_breached = 0;
  int64_t upheld = 0;
  int64_t partly_upheld = 0;
  int64_t not_upheld = 0;
  int64_t redress_minor = 0;
  int64_t redressed = 0;  // complaints with redress > 0
  int64_t reopened = 0;   // complaints reopened at least once
  int64_t referred = 0;
  int64_t early = 0;
  int64_t surveys = 0;  // survey answers
  int64_t handling_sum = 0;
  int64_t outcome_sum = 0;

  void Add(const ComplaintFacts& f, int64_t sign = 1);
  FactTally& operator+=(const FactTally& o);
  bool operator==(const FactTally&) const = default;
};

// Names of the measures in FactTally order (column names in stores and CSV).
inline constexpr std::array<std::string_view, 18> kTallyFields = {
    "received",       "open",     "closed",        "ack_met",    "ack_breached",  "final_met",
    "final_breached", "upheld",   "partly_upheld", "not_upheld", "redress_minor", "redressed",
    "reopened",       "referred", "early",         "surveys",    "handling_sum",  "outcome_sum"};
std::array<int64_t, 18> TallyValues(const FactTally& t);
FactTally TallyFromValues(const std::array<int64_t, 18>& v);

// What a fact can be filtered and grouped by.
enum class FactDim {
  kCategory,
  kProduct,
  kChannel,
  kDepartment,
  kLocation,
  kHandler,
  kCause,
  kCurrency,
  kState,
  kPolicy,
  kResolveDays,  // group only: the number of days, "" when not closed
  kResolveBand,  // group only: "3bd", "8w", "later", "" when not closed
  kAge,          // group only: age band of the received instant (FactQuery::age_edges)
};
enum class FactPeriod { kDay, kWeek, kMonth };
using FactKey = std::variant<FactPeriod, FactDim>;

const char* ToString(FactDim d);
const char* ToString(FactPeriod p);
std::optional<FactDim> ParseFactDim(std::string_view s);
std::optional<FactPeriod> ParseFactPeriod(std::string_view s);
// Dimensions that may be filtered on (not the computed bands).
bool Filterable(FactDim d);

struct FactQuery {
  enum class DateField { kReceived, kClosed };
  DateField date_field = DateField::kReceived;         // which instant `from`/`to` bound
  std::optional<Instant> from;                         // inclusive
  std::optional<Instant> to;                           // exclusive
  std::vector<std::pair<FactDim, std::string>> where;  // equality, each dimension once
  std::vector<FactKey> group_by;                       // 0..2 keys, each once
  // Only open complaints, and only counted: `received` and `open` are their number, the other
  // measures 0 (a store answers from an index of open complaints alone).
  bool open_only = false;
  // Only complaints that are not open (closed or withdrawn), and only counted: `received` and
  // `closed` are their number, the other measures 0. A store answers a filter by a dimension
  // from that dimension's index alone (its entries hold the state and the days to resolve).
  bool closed_only = false;
  std::optional<Instant> open_at;  // only complaints received before it and not closed by it
  // kAge bands: received at or after edges[0] -> "0", else at or after edges[1] -> "1", else
  // edges[2] -> "2", else "3" (edges descending).
  std::array<Instant, 3> age_edges{};
};

// One group: its key values in group_by order (a day or week as YYYY-MM-DD, a month as
// YYYY-MM), and the sum of its facts. Rows come sorted by key (ascending, as strings except
// kResolveDays, numeric).
struct FactRow {
  std::vector<std::string> key;
  FactTally tally;
  bool operator==(const FactRow&) const = default;
};

// Checks a query's shape: at most two group keys, no repeats, filters on filterable
// dimensions, from < to. kInvalid with a message naming the fault.
Status ValidateFactQuery(const FactQuery& q);

// The key value of one fact for one key.
std::string FactKeyValue(const FactKey& k, const ComplaintFacts& f, const FactQuery& q);
// The value of a filterable dimension of a fact.
const std::string& FactDimValue(FactDim d, const ComplaintFacts& f);
// Whether a fact passes the query's date bounds, filters and open conditions.
bool FactMatches(const FactQuery& q, const ComplaintFacts& f);
// The reference evaluation: the rows a store must return for these facts.
std::vector<FactRow> EvaluateFacts(const FactQuery& q, const std::vector<ComplaintFacts>& facts);
// Sorts rows as stores return them.
void SortFactRows(const FactQuery& q, std::vector<FactRow>& rows);

// Date helpers for keys.
std::string DayKey(int64_t day);      // "2026-11-24"
std::string WeekKey(int64_t day);     // the Monday on or before `day`
std::string MonthKey(int32_t month);  // "2026-11" from year * 12 + (month - 1)
int64_t DayOf(Instant t);             // days since the epoch, floor
int64_t WeekStart(int64_t day);       // the Monday on or before `day`

}  // namespace redress::core
