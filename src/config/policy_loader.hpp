// Loads policies (regimes) from TOML files; the schema is documented in docs/policies.md.
// Contract: no exception escapes; every error names the file, the line and the key
// ("fca-disp.toml:12: clocks[2].count: must be a positive integer"), with the key also given as
// a JSON pointer in Error::fields. A loaded policy has a resolved time zone and passes
// core::CheckPolicy without errors (its warnings are for `redress policy check`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/policy.hpp"
#include "core/result.hpp"

namespace redress::config {

// Parses one policy. `source_name` (usually the file name) prefixes every error.
core::Result<core::Policy> ParsePolicy(std::string_view toml_text, std::string_view source_name);

// Reads and parses one file. A missing or unreadable file is kNotFound.
core::Result<core::Policy> LoadPolicyFile(const std::string& path);
// The whole of a configuration file (kNotFound naming the path when it cannot be opened).
core::Result<std::string> ReadWholeFile(const std::string& path);

// Every *.toml in `dir` except taxonomy.toml, sorted by file name. Two files with the same
// policy id are an error naming both.
core::Result<std::vector<core::Policy>> LoadPolicyDir(const std::string& dir);

// Warnings where `p` loosens a shipped policy of the same regime: a clock that is due later
// than the shipped one for some receipt instant, a clock the shipped policy sets and `p` lacks,
// a larger extension, or a pause the shipped policy does not allow. Empty when `p` is as strict
// as every shipped policy of its regime (or no shipped policy shares its regime).
std::vector<std::string> CompareWithShipped(const core::Policy& p,
                                            const std::vector<core::Policy>& shipped);

}  // namespace redress::config
