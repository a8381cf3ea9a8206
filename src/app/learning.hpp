// Clause 8 use cases: analytics over the store's facts, root causes and corrective actions
// with their effectiveness checks, annotations of the trend, internal audit samples, the
// management review and the FCA-style complaints return. Reads and writes are synchronous
// (call them off the I/O threads); every write appends an event to the audit chain.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/service.hpp"
#include "core/analytics.hpp"
#include "core/learning.hpp"
#include "report/review.hpp"  // the report's data: plain types, no I/O

namespace redress::app {

// Which complaints a figure covers: received from `from` through `to` (UTC dates, both
// inclusive; either may be absent) and matching every `where`.
struct AnalyticsFilter {
  std::optional<core::LocalDate> from;
  std::optional<core::LocalDate> to;
  std::vector<std::pair<core::FactDim, std::string>> where;
};

struct LearningConfig {
  std::string organisation;
  // Taxonomy category id -> FCA product group (the taxonomy's fca_code), for the return.
  std::map<std::string, std::string> fca_group;
  std::vector<report::Target> targets;  // objectives; DefaultTargets() when empty
};

// The objectives the review compares KPIs with when the configuration sets none.
std::vector<report::Target> DefaultTargets();
// An objective for the indicator `kpi` (core::KpiCatalogue), with its name and direction.
report::Target TargetFor(std::string_view kpi, double objective);

// One row of the FCA-style return: a product group (and cause, when by cause).
struct ReturnRow {
  std::string product_group;
  std::string cause;  // "" in the by-product table
  int64_t open_at_start = 0;
  int64_t opened = 0;
  int64_t closed = 0;
  int64_t upheld = 0;  // upheld or partly upheld, of those closed
  int64_t within_3_business_days = 0;
  int64_t within_8_weeks = 0;  // after 3 business days, up to 8 weeks
  int64_t later = 0;
  int64_t redress_minor = 0;
  int64_t open_at_end = 0;
};

struct ComplaintsReturn {
  core::LocalDate from{};
  core::LocalDate to{};  // inclusive
  std::vector<ReturnRow> by_product;
  std::vector<ReturnRow> by_cause;
};

class Learning {
 public:
  Learning(core::Store& store, ComplaintService& service, LearningConfig config);

  // --- Analytics ---------------------------------------------------------------------------
  // The dashboard: KPIs (and the previous period's, when both dates are given), the weekly
  // trend with annotations and spikes, breakdowns by category, product and channel, time to
  // resolve, open complaints by age, the Pareto of causes. One store snapshot.
  core::Result<report::ReviewData> Dashboard(const AnalyticsFilter& f);
  // The measures grouped by one or two keys (a period and/or dimensions).
  core::Result<std::vector<core::FactRow>> Breakdown(const AnalyticsFilter& f,
                                                     std::vector<core::FactKey> by);
  // Open complaints now, by state and age band (0: <= 3 business days, 1: <= 4 weeks,
  // 2: <= 8 weeks, 3: more); ages against the default policy's calendar.
  core::Result<std::vector<core::FactRow>> OpenByAge(const AnalyticsFilter& f);
  // Weeks whose count of `dim` values is a spike, for the 13 weeks up to `f.to` (or today).
  core::Result<std::vector<core::Spike>> Spikes(const AnalyticsFilter& f, core::FactDim dim);
  core::Result<std::vector<core::ParetoRow>> Pareto(const AnalyticsFilter& f, core::FactDim by);
  // The complaints return for complaints opened or closed from `from` through `to`.
  core::Result<ComplaintsReturn> Return(core::LocalDate from, core::LocalDate to);
  // The management review for a period: the dashboard plus targets, root causes, actions and
  // audits.
  core::Result<report::ReviewData> Review(core::LocalDate from, core::LocalDate to);

  // --- Annotations -------------------------------------------------------------------------
  core::Result<std::vector<core::Annotation>> Annotations();
  core::Result<core::Annotation> AddAnnotation(core::Annotation a, const core::User& by);
  core::Status DeleteAnnotation(int64_t id, const core::User& by);

  // --- Root causes and actions -------------------------------------------------------------
  core::Result<std::vector<core::RootCause>> RootCauses();
  core::Result<core::RootCause> GetRootCause(int64_t id);
  // Creates (id 0) or replaces a root cause; every complaint reference must exist and be in
  // the user's scope. Appends `root_cause_linked` to each newly linked complaint's history.
  core::Result<core::RootCause> SaveRootCause(core::RootCause r, const core::User& by);
  core::Result<std::vector<core::CorrectiveAction>> Actions();
  core::Result<core::CorrectiveAction> GetAction(int64_t id);
  // Creates (id 0) or replaces an action of an existing root cause. A recorded check result
  // stays unless the check itself changed.
  core::Result<core::CorrectiveAction> SaveAction(core::CorrectiveAction a, const core::User& by);
  // Actions whose check date has come: computes each measure from the data, records whether
  // the action worked (event `action_checked`). Returns how many were evaluated.
  core::Result<int> EvaluateChecks();
  // Evaluates one action's check now, whatever its date.
  core::Result<core::CorrectiveAction> EvaluateCheck(int64_t id, const std::string& actor);

  // --- Internal audit ----------------------------------------------------------------------
  core::Result<std::vector<core::Audit>> Audits();
  core::Result<core::Audit> GetAudit(int64_t id);
  // Draws `size` complaints closed from `from` through `to` that `auditor` did not handle (no
  // event of theirs), at random with `seed` (a new one when absent; recorded), and runs the
  // automatic checks on each.
  core::Result<core::Audit> DrawAudit(core::LocalDate from, core::LocalDate to, int size,
                                      std::optional<uint64_t> seed, const core::User& auditor);
  core::Result<core::Audit> RecordFinding(int64_t audit_id, const std::string& reference,
                                          core::FindingSeverity severity, std::string note,
                                          const core::User& by);

  const LearningConfig& config() const { return config_; }

 private:
  core::Result<core::FactQuery> QueryOf(const AnalyticsFilter& f) const;
  std::array<core::Instant, 3> AgeEdges() const;
  core::LocalDate Today() const;
  core::Result<double> Measure(const core::EffectivenessCheck& c, bool* has_data);
  core::Status PutRecord(core::RecordKind kind, int64_t* id,
                         const std::function<std::string(int64_t)>& encode,
                         std::vector<int64_t> complaint_ids, const std::string& actor,
                         const std::string& action, const std::vector<core::Event>& extra);

  core::Store& store_;
  ComplaintService& service_;
  LearningConfig config_;
};

}  // namespace redress::app
