// `redress export csv`: every complaint (or those received in a period), in id order, as a CFPB CSV
// of the current 18-column layout (cfpb::ExportRecord; docs/import.md), written out as it is read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/policy.hpp"
#include "core/ports/store.hpp"
#include "core/result.hpp"

namespace redress::importer {

// Which complaints an export writes: those whose `Date received` (as the export writes it)
// falls from `from` to `to`, both included; an unset end is open.
struct ExportFilter {
  std::optional<core::LocalDate> from;
  std::optional<core::LocalDate> to;
};

// Takes the CSV text in pieces of about 1 MiB; false if it could not write them.
using ExportSink = std::function<bool(std::string_view)>;

// Writes the header and one record per complaint the filter keeps; returns how many. A
// complaint's received date is taken in its policy's time zone (UTC if the policy is not in
// `policies`). kUnavailable if writing fails.
core::Result<int64_t> ExportCfpbCsv(core::Store& store, const std::vector<core::Policy>& policies,
                                    const ExportSink& out, const ExportFilter& filter = {});

// The same to a stdio stream, flushed at the end.
core::Result<int64_t> ExportCfpbCsv(core::Store& store, const std::vector<core::Policy>& policies,
                                    std::FILE* out, const ExportFilter& filter = {});

}  // namespace redress::importer
