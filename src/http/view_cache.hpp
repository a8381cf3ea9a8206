// The staff views of complaints recently read by GET /api/v1/complaints/{reference}, rendered
// and kept for the next get of the same complaint, within a byte budget (least recently used
// first out).
//
// A view holds the few members of the complaint's record that the caller's scope and the
// members depending on the caller and the time are worked out from at each get (Record), and
// the JSON of everything else. It is correct as long as the complaint's file is unchanged, which
// the store reports (core::Store::SetChangeListener): every commit that changes a complaint drops
// its view before the writes are told done, so no caller who heard of a write reads a view from
// before it. A read that began before such a commit must not keep what it read: Put takes the
// generation read before the read began, and refuses the view if a change that could concern it
// came since.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/complaint.hpp"

namespace redress::http {

struct CachedView {
  // The members of the record a get works out from at each call (the caller's scope, the
  // caller's members): a whole core::Complaint (2 KB before its strings) would be most of a
  // small view's memory.
  struct Record {
    int64_t id = 0;
    core::Reference reference;
    core::State state = core::State::kReceived;
    // Of the clocks, only what a get's `due` and `overdue` come from: the earliest due of the
    // running and paused ones (five clocks would be a tenth of a small view's memory).
    std::optional<core::Instant> due;
    std::string assignee;
    std::string investigator;
    core::Personal<std::string> persons_named;
    std::optional<core::Instant> follow_up_due;
    std::optional<core::Instant> followed_up_at;
  };
  Record record;
  std::string head;  // the staff record's JSON object without its closing brace
  std::string tail;  // `,"notes":[…],"attachments":[…],"timeline":[…]}`

  // Keeps of `c` what Record holds.
  static Record Keep(const core::Complaint& c);
  // A complaint with the kept members, every other one empty; its clocks are one running clock
  // with the kept due, or none.
  core::Complaint Complaint() const;
  // About the memory the view takes (allocations rounded up), for the budget.
  size_t Bytes() const;
};

class ViewCache {
 public:
  explicit ViewCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Take before the read whose result goes to Put.
  uint64_t Generation();
  // The view kept under this reference (as the record spells it), or null.
  std::shared_ptr<const CachedView> Find(std::string_view reference);
  // Keeps `view` under its record's reference and id, unless a change of that complaint (or of
  // every complaint) came after `generation`, or the view alone is over the budget.
  void Put(uint64_t generation, std::shared_ptr<const CachedView> view);
  // The store's report: these complaints changed (or, with `all`, any may have).
  void Changed(const std::vector<int64_t>& complaint_ids, bool all);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t refused = 0;  // Puts refused: the complaint changed while it was read
    uint64_t all_changed = 0;
    size_t views = 0;
    size_t bytes = 0;
  };
  Stats stats();

 private:
  struct Entry {
    std::string reference;
    std::shared_ptr<const CachedView> view;
    size_t bytes = 0;  // about what the view takes, the decoded record included
  };
  using Lru = std::list<Entry>;  // most recently used first
  static size_t Slot(int64_t id) { return static_cast<size_t>(id) % kSlots; }
  void DropLocked(Lru::iterator it);

  static constexpr size_t kSlots = 4096;
  std::mutex mu_;
  const size_t max_bytes_;
  size_t bytes_ = 0;         // GUARDED_BY(mu_)
  uint64_t generation_ = 0;  // GUARDED_BY(mu_): raised by every Changed()
  // The generation of the last change of a complaint whose id falls in each slot, and of the
  // last change of every complaint: a Put older than either is refused. Slots are shared, so
  // a change may refuse a view of another complaint; never the other way round.
  std::array<uint64_t, kSlots> changed_at_{};  // GUARDED_BY(mu_)
  uint64_t all_changed_at_ = 0;                // GUARDED_BY(mu_)
  Lru lru_;                                    // GUARDED_BY(mu_)
  // Keys view the entry's reference.
  std::unordered_map<std::string_view, Lru::iterator> by_reference_;  // GUARDED_BY(mu_)
  std::unordered_map<int64_t, Lru::iterator> by_id_;                  // GUARDED_BY(mu_)
  Stats stats_;                                                       // GUARDED_BY(mu_)
};

}  // namespace redress::http
