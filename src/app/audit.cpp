#include "app/audit.hpp"

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace redress::app {

bool ChainVerifier::Check(const core::Event& e) {
  if (!report_.ok) return false;
  auto fail = [&](std::string problem) {
    report_.ok = false;
    report_.first_bad_seq = e.seq;
    report_.problem = std::move(problem);
    return false;
  };
  if (e.seq != expected_seq_) {
    report_.ok = false;
    report_.first_bad_seq = expected_seq_;
    report_.problem = fmt::format("event {} is missing (next present is {})", expected_seq_, e.seq);
    return false;
  }
  expected_seq_ = e.seq + 1;
  if (e.prev_hash != prev_) return fail("its previous-hash does not match the chain");
  if (util::Sha256Hex(core::PayloadBytes(e)) != e.payload_digest) {
    return fail("its before/after payload was changed");
  }
  if (util::Sha256Hex2(prev_, core::CanonicalEventBytes(e)) != e.hash) {
    return fail("its recorded fields were changed");
  }
  prev_ = e.hash;
  ++report_.events;
  report_.head_hash = e.hash;
  return true;
}

core::Result<AuditReport> VerifyAudit(core::Store& store) {
  util::InitCrypto();
  ChainVerifier verifier;
  core::Status s = store.ScanEvents(0, [&](const core::Event& e) { return verifier.Check(e); });
  if (!s) return std::move(s).error();
  return verifier.report();
}

}  // namespace redress::app
