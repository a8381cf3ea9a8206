// `redress export csv`: every complaint, in id order, as a CFPB CSV of the current 18-column
// layout (cfpb::ExportRecord; docs/import.md), written to a stdio stream as it is read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/policy.hpp"
#include "core/ports/store.hpp"
#include "core/result.hpp"

namespace redress::importer {

// Writes the header and one record per complaint; returns the number of complaints. A
// complaint's received date is taken in its policy's time zone (UTC if the policy is not in
// `policies`). kUnavailable if writing fails.
core::Result<int64_t> ExportCfpbCsv(core::Store& store, const std::vector<core::Policy>& policies,
                                    std::FILE* out);

}  // namespace redress::importer
