// Verification of the event hash chain (iso10002.md §8 "Audit history").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ports/store.hpp"

namespace redress::app {

struct AuditReport {
  int64_t events = 0;     // events checked
  std::string head_hash;  // hash of the last event checked
  bool ok = true;
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // what is wrong with the first bad event
};

// Recomputes every payload digest and chained hash in sequence order; stops at the first
// event that does not match (an edited row, a deleted row, a reordered row).
core::Result<AuditReport> VerifyAudit(core::Store& store);

}  // namespace redress::app
