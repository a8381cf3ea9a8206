// Append-only events (iso10002.md §8 "Audit history"). Every mutation records who, when,
// what, and the fields before and after. Events form a hash chain:
//   hash_n = SHA-256(hash_{n-1} || canonical(event_n))
// canonical() covers the sequence, reference, actor, time, action and the SHA-256 digest of
// the before/after payload, not the payload itself, so erasing personal values later never
// breaks verification while any edit of the payload is still caught (its digest no longer
// matches the chained one).
#pragma once

#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace redress::core {

struct Event {
  int64_t seq = 0;           // global, gap-free, assigned by the store
  int64_t complaint_id = 0;  // 0 for events not about a complaint (users, policies)
  std::string reference;     // complaint reference or empty
  Instant at{};
  std::string actor;           // username, "complainant" or "system"
  std::string action;          // "created", "acknowledged", "transition:assess", "note", ...
  std::string before;          // JSON object of changed fields before (may be "{}")
  std::string after;           // JSON object of changed fields after
  std::string payload_digest;  // hex SHA-256 of before + "\n" + after; set by the store
  std::string prev_hash;       // hex; 64 zeros for the first event
  std::string hash;            // hex
  // `after` as the store keeps it when packed off the writer (Store::PackRecord: the receipt's
  // copy of the record), else empty and `after` is kept as it is. A store that packs takes the
  // record's reference from `reference`; reads give `after` back and leave this empty.
  std::string packed_after;
};

// The bytes that are chained (everything but the payload, which enters via its digest).
std::string CanonicalEventBytes(const Event& e);
// The bytes whose SHA-256 is payload_digest.
std::string PayloadBytes(const Event& e);

inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace redress::core
