#include "core/analytics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace redress::core {
namespace {

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

}  // namespace

const std::vector<KpiDef>& KpiCatalogue() {
  static const std::vector<KpiDef> kAll = {
      {"ack_on_time", "Acknowledged on time", true, true, &Kpis::ack_on_time},
      {"final_on_time", "Final response on time", true, true, &Kpis::final_on_time},
      {"upheld", "Upheld (in full)", false, true, &Kpis::upheld},
      {"reopen_rate", "Reopened after closure", false, true, &Kpis::reopen_rate},
      {"referral_rate", "Referred to an outside body", false, true, &Kpis::referral_rate},
      {"early_resolution", "Resolved early", true, true, &Kpis::early_resolution},
      {"survey_response", "Survey response", true, true, &Kpis::survey_response},
      {"satisfaction_handling", "Satisfaction with the handling", true, false,
       &Kpis::satisfaction_handling},
      {"satisfaction_outcome", "Satisfaction with the outcome", true, false,
       &Kpis::satisfaction_outcome},
  };
  return kAll;
}

const KpiDef* FindKpi(std::string_view key) {
  for (const auto& d : KpiCatalogue()) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

Kpis KpisOf(const FactTally& t) {
  Kpis k;
  k.received = t.received;
  k.open = t.open;
  k.closed = t.closed;
  k.ack_on_time = Ratio(t.ack_met, t.ack_met + t.ack_breached);
  k.final_on_time = Ratio(t.final_met, t.final_met + t.final_breached);
  k.decided = t.upheld + t.partly_upheld + t.not_upheld;
  k.upheld = Ratio(t.upheld, k.decided);
  k.partly_upheld = Ratio(t.partly_upheld, k.decided);
  k.not_upheld = Ratio(t.not_upheld, k.decided);
  k.redress_minor = t.redress_minor;
  k.redressed = t.redressed;
  k.redress_mean_minor = Ratio(t.redress_minor, t.redressed);
  k.reopen_rate = Ratio(t.reopened, t.closed);
  k.referral_rate = Ratio(t.referred, t.received);
  k.early_resolution = Ratio(t.early, t.closed);
  k.surveys = t.surveys;
  k.survey_response = Ratio(t.surveys, t.closed);
  k.satisfaction_handling = Ratio(t.handling_sum, t.surveys);
  k.satisfaction_outcome = Ratio(t.outcome_sum, t.surveys);
  return k;
}

ResolvePercentiles PercentilesOf(std::vector<std::pair<int64_t, int64_t>> histogram) {
  std::sort(histogram.begin(), histogram.end());
  ResolvePercentiles out;
  for (const auto& [d, n] : histogram) out.resolved += n;
  if (out.resolved == 0) return out;
  auto at = [&](int pct) -> int64_t {
    // Nearest rank: ceil(pct / 100 * n), in integers.
    const int64_t rank = (pct * out.resolved + 99) / 100;
    int64_t seen = 0;
    for (const auto& [d, n] : histogram) {
      seen += n;
      if (seen >= rank) return d;
    }
    return histogram.back().first;
  };
  out.p50 = at(50);
  out.p90 = at(90);
  return out;
}

std::optional<double> RobustZ(const std::vector<int64_t>& baseline, int64_t x) {
  if (baseline.empty()) return std::nullopt;
  std::vector<double> v(baseline.begin(), baseline.end());
  const double med = Median(v);
  std::vector<double> dev;
  dev.reserve(v.size());
  for (double b : v) dev.push_back(std::fabs(b - med));
  const double diff = static_cast<double>(x) - med;
  const double mad = Median(dev);
  if (mad > 0) return 0.6745 * diff / mad;
  double mean_ad = 0;
  for (double d : dev) mean_ad += d;
  mean_ad /= static_cast<double>(dev.size());
  if (mean_ad > 0) return diff / (1.2533 * mean_ad);
  if (diff > 0) return std::numeric_limits<double>::infinity();
  if (diff < 0) return -std::numeric_limits<double>::infinity();
  return 0.0;
}

std::vector<Spike> DetectSpikes(const std::string& dimension, const std::string& value,
                                const std::vector<std::string>& weeks,
                                const std::vector<int64_t>& counts) {
  std::vector<Spike> out;
  const size_t n = std::min(weeks.size(), counts.size());
  for (size_t i = kSpikeBaselineWeeks; i < n; ++i) {
    if (counts[i] < kSpikeMin) continue;
    std::vector<int64_t> base(counts.begin() + static_cast<std::ptrdiff_t>(i - kSpikeBaselineWeeks),
                              counts.begin() + static_cast<std::ptrdiff_t>(i));
    auto z = RobustZ(base, counts[i]);
    if (!z || *z < kSpikeZ) continue;
    std::vector<double> v(base.begin(), base.end());
    out.push_back(Spike{dimension, value, weeks[i], counts[i], Median(v), *z});
  }
  return out;
}

std::vector<ParetoRow> ParetoOf(const std::vector<FactRow>& by_key) {
  std::vector<ParetoRow> rows;
  int64_t total = 0;
  for (const auto& r : by_key) {
    if (r.tally.received == 0) continue;
    rows.push_back(ParetoRow{r.key.empty() ? std::string() : r.key.front(), r.tally.received,
                             r.tally.redress_minor, 0, 0, false});
    total += r.tally.received;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ParetoRow& a, const ParetoRow& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  double cumulative = 0;
  bool crossed = false;
  for (auto& r : rows) {
    r.share = static_cast<double>(r.count) / static_cast<double>(total);
    cumulative += r.share;
    r.cumulative = cumulative;
    r.vital = !crossed;
    if (cumulative >= 0.8 - 1e-12) crossed = true;
  }
  return rows;
}

}  // namespace redress::core
