// Clause 8 figures derived from fact tallies (core/facts.hpp): rates, percentiles, spikes and
// the Pareto of causes (iso10002.md §7). Pure functions; the store does the counting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/facts.hpp"

namespace redress::core {

// The key performance indicators of a set of complaints. A rate is absent when its
// denominator is zero (no such complaints), never a division by zero shown as 0 %.
struct Kpis {
  int64_t received = 0;
  int64_t open = 0;
  int64_t closed = 0;
  std::optional<double> ack_on_time;    // met / (met + breached) acknowledgement clocks
  std::optional<double> final_on_time;  // the same for the final response
  int64_t decided = 0;                  // decisions communicated
  std::optional<double> upheld;         // share of decisions
  std::optional<double> partly_upheld;
  std::optional<double> not_upheld;
  int64_t redress_minor = 0;
  int64_t redressed = 0;
  std::optional<double> redress_mean_minor;  // per complaint with redress
  std::optional<double> reopen_rate;         // reopened / closed
  std::optional<double> referral_rate;       // referred / received
  std::optional<double> early_resolution;    // resolved early / closed
  int64_t surveys = 0;
  std::optional<double> survey_response;        // answers / closed
  std::optional<double> satisfaction_handling;  // mean rating 1..5
  std::optional<double> satisfaction_outcome;
};

Kpis KpisOf(const FactTally& t);

// The indicators an objective can be set for (policies/objectives.toml, the management review):
// a key, its name, whether more is better, and whether it is a share (0..1) or a mean rating
// (1..5).
struct KpiDef {
  std::string_view key;   // "final_on_time"
  std::string_view name;  // "Final response on time"
  bool higher_is_better = true;
  bool share = true;  // false: a mean rating 1..5
  std::optional<double> Kpis::*value = nullptr;
};
const std::vector<KpiDef>& KpiCatalogue();
const KpiDef* FindKpi(std::string_view key);  // nullptr when unknown

// Time to resolve, in calendar days, from a histogram of (days, complaints). Nearest rank: the
// p-th percentile is the smallest number of days d such that at least p % of the complaints
// took d days or fewer.
struct ResolvePercentiles {
  int64_t resolved = 0;
  std::optional<int64_t> p50;
  std::optional<int64_t> p90;
};
ResolvePercentiles PercentilesOf(std::vector<std::pair<int64_t, int64_t>> histogram);

// Spike detection (iso10002.md §7): a week's count is a spike when its robust z-score against
// the prior weeks (median and MAD: z = 0.6745 (x - median) / MAD) is at least kSpikeZ and the
// count at least kSpikeMin. When the MAD is 0 (a flat baseline) the mean absolute deviation
// times 1.2533 stands in; when that is 0 too, any count above the median is a spike.
inline constexpr double kSpikeZ = 3.5;
inline constexpr int64_t kSpikeMin = 5;
inline constexpr int kSpikeBaselineWeeks = 12;

struct Spike {
  std::string dimension;  // "category", "product", ...
  std::string value;
  std::string week;  // Monday, YYYY-MM-DD
  int64_t count = 0;
  double baseline_median = 0;
  double z = 0;  // +infinity for a rise over a perfectly flat baseline
};

// Robust z of `x` against `baseline`; nullopt when the baseline is empty.
std::optional<double> RobustZ(const std::vector<int64_t>& baseline, int64_t x);
// `weeks` are consecutive weeks (Mondays, oldest first), `counts[i]` the count of weeks[i];
// every week from index kSpikeBaselineWeeks on is tested against the kSpikeBaselineWeeks
// before it.
std::vector<Spike> DetectSpikes(const std::string& dimension, const std::string& value,
                                const std::vector<std::string>& weeks,
                                const std::vector<int64_t>& counts);

// Pareto: groups by count, most first, with their share and the cumulative share; `vital` marks
// the groups that make up the first 80 % (the one that crosses 80 % included).
struct ParetoRow {
  std::string key;
  int64_t count = 0;
  int64_t redress_minor = 0;
  double share = 0;
  double cumulative = 0;
  bool vital = false;
};
std::vector<ParetoRow> ParetoOf(const std::vector<FactRow>& by_key);

}  // namespace redress::core
