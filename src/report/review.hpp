// The management review report (clause 8.6, iso10002.md §7): one period's volumes and trend,
// spikes, KPIs against targets, outcomes and redress, satisfaction, the Pareto of causes, root
// causes with their actions and effectiveness, and audit findings. The service gathers a
// ReviewData (app::Analytics); this renders it as one self-contained HTML page (inline CSS and
// SVG charts, no script, no external resource) and turns that page into PDF.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/analytics.hpp"
#include "core/learning.hpp"
#include "core/result.hpp"

namespace redress::report {

// A KPI against the organisation's objective.
struct Target {
  std::string name;      // "Final response on time"
  double objective = 0;  // e.g. 0.95
  std::optional<double> actual;
  bool higher_is_better = true;
  std::string kpi;    // core::KpiDef key, e.g. "final_on_time"
  bool share = true;  // a share shown as %, else a mean rating 1..5
};

// A row of a breakdown table: a dimension value and its KPIs.
struct Breakdown {
  std::string key;
  core::Kpis kpis;
};

struct ActionLine {
  core::CorrectiveAction action;
  std::string root_cause;  // the root cause's title
  std::string attention;   // core::AttentionOf, "" if none
};

struct ReviewData {
  std::string organisation;
  std::string from;          // YYYY-MM-DD, inclusive
  std::string to;            // YYYY-MM-DD, exclusive
  std::string generated_at;  // ISO 8601 UTC
  core::Kpis kpis;
  std::optional<core::Kpis> previous;  // the period of the same length before, if any data
  std::vector<std::pair<std::string, int64_t>> weekly;  // (Monday, received), oldest first
  std::vector<core::Annotation> annotations;            // within the period
  std::vector<core::Spike> spikes;
  std::vector<Breakdown> by_category;  // most received first
  std::vector<Breakdown> by_product;
  std::vector<Breakdown> by_channel;
  core::ResolvePercentiles resolve;
  std::array<int64_t, 4> open_by_age{};  // ≤ 3 business days, ≤ 4 weeks, ≤ 8 weeks, more
  std::vector<Target> targets;
  std::vector<core::ParetoRow> pareto;       // by cause category
  std::vector<core::RootCause> root_causes;  // those linked to complaints of the period
  std::vector<ActionLine> actions;           // open, or checked in the period
  std::vector<core::Audit> audits;           // samples drawn in the period
};

// A complete HTML document (UTF-8), every text value escaped. Sections: summary, KPIs against
// targets, volumes and trend (SVG line chart of `weekly` with annotation markers and spike
// dots), breakdowns, outcomes and redress, time to resolve and open ageing, satisfaction,
// Pareto (SVG bars with the cumulative line), root causes and actions, audit findings.
std::string RenderReviewHtml(const ReviewData& d);

// The page as PDF, by Debian's weasyprint (`weasyprint - -` reading the HTML on stdin): the
// bytes of the PDF, or kUnavailable naming what failed (tool missing, non-zero exit).
core::Result<std::string> RenderPdf(const std::string& html);

}  // namespace redress::report
