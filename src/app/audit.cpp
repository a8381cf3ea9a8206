#include "app/audit.hpp"

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace redress::app {

core::Result<AuditReport> VerifyAudit(core::Store& store) {
  util::InitCrypto();
  AuditReport report;
  std::string prev = core::kGenesisHash;
  int64_t expected_seq = 1;  // sequences start at 1 and have no gaps
  core::Status s = store.ScanEvents(0, [&](const core::Event& e) {
    auto fail = [&](std::string problem) {
      report.ok = false;
      report.first_bad_seq = e.seq;
      report.problem = std::move(problem);
      return false;
    };
    if (e.seq != expected_seq) {
      report.first_bad_seq = expected_seq;
      report.ok = false;
      report.problem = fmt::format("event {} is missing (next present is {})", expected_seq, e.seq);
      return false;
    }
    expected_seq = e.seq + 1;
    if (e.prev_hash != prev) return fail("its previous-hash does not match the chain");
    if (util::Sha256Hex(core::PayloadBytes(e)) != e.payload_digest) {
      return fail("its before/after payload was changed");
    }
    if (util::Sha256Hex2(prev, core::CanonicalEventBytes(e)) != e.hash) {
      return fail("its recorded fields were changed");
    }
    prev = e.hash;
    ++report.events;
    report.head_hash = e.hash;
    return true;
  });
  if (!s) return std::move(s).error();
  return report;
}

}  // namespace redress::app
