// Verification of the event hash chain (iso10002.md §8 "Audit history").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/event.hpp"
#include "core/ports/store.hpp"

namespace redress::app {

struct AuditReport {
  int64_t events = 0;     // events checked
  std::string head_hash;  // hash of the last event checked
  bool ok = true;
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // what is wrong with the first bad event
};

// The check of VerifyAudit, one event at a time, for a caller that reads the events itself
// (`redress migrate-store` checks the source's chain as it copies it).
class ChainVerifier {
 public:
  // Checks the next event, in sequence order from the first; false, with the report saying
  // why, when it does not continue the chain (then every later call is false too).
  bool Check(const core::Event& e);
  const AuditReport& report() const { return report_; }

 private:
  AuditReport report_;
  std::string prev_ = core::kGenesisHash;
  int64_t expected_seq_ = 1;  // sequences start at 1 and have no gaps
};

// Recomputes every payload digest and chained hash in sequence order; stops at the first
// event that does not match (an edited row, a deleted row, a reordered row).
core::Result<AuditReport> VerifyAudit(core::Store& store);

}  // namespace redress::app
