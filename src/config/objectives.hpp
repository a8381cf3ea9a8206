// The objectives the management review and the analytics dashboard compare the KPIs with
// (ISO 10002 clause 8.7 and the monitoring annex), from policies/objectives.toml:
//
//   [objectives]
//   final_on_time = 0.95   # a share, 0..1
//   satisfaction_handling = 4.0   # a mean rating, 1..5
//
// Keys are core::KpiCatalogue()'s. Contract: no exception escapes; errors name the file, line
// and key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::config {

struct Objective {
  std::string kpi;  // "final_on_time"
  double value = 0;
};

core::Result<std::vector<Objective>> ParseObjectives(std::string_view toml_text,
                                                     std::string_view source_name);
core::Result<std::vector<Objective>> LoadObjectivesFile(const std::string& path);

}  // namespace redress::config
