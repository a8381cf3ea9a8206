// What the SQL stores (SQLite, PostgreSQL) keep of a complaint beside its encoded record, and
// how they read the record back: one definition, so both index and decode alike.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/complaint.hpp"
#include "core/result.hpp"

namespace redress::store {

// open_due_days (migration 0012) counts open complaints by the day they fall due:
// next_due / kMillisPerDay, whole UTC days since 1970.
constexpr int64_t kMillisPerDay = 86'400'000;

// The indexed copies of a complaint's fields, computed once per insert/update.
struct ComplaintRow {
  std::string reference;
  std::string persons_named;
  std::string doc;
  std::optional<int64_t> next_due;
  std::optional<int64_t> next_clock;
  std::optional<int64_t> follow_up_at;
  bool open = false;

  ComplaintRow(const core::Complaint& c, std::string encoded);
};

// The differences a batch of writes makes to the counts of complaints by state
// (state_counts, migration 0003) and of open complaints by due day (open_due_days, migration
// 0012), kept by the writer beside its statements and written once per batch, summed: an
// UPSERT of the same count row for every complaint cost a statement each (SQLite) and left a
// chain of row versions in the one transaction (PostgreSQL). A write that rolls back drops its
// own with Truncate(size() before it).
class CountDiffs {
 public:
  void State(std::string_view state, int64_t delta) {
    diffs_.push_back({std::string(state), 0, delta});
  }
  // `delta` for the day an open complaint falls due; nothing for one that is closed or has no
  // due date.
  void Due(bool open, std::optional<int64_t> next_due, int64_t delta) {
    if (open && next_due) diffs_.push_back({{}, *next_due / kMillisPerDay, delta});
  }
  // A stored row changed from one state, openness and due instant to another: the
  // differences of those that changed.
  void Change(std::string_view old_state, bool old_open, std::optional<int64_t> old_due,
              std::string_view new_state, bool new_open, std::optional<int64_t> new_due) {
    if (old_state != new_state) {
      State(old_state, -1);
      State(new_state, 1);
    }
    if (old_open != new_open || old_due != new_due) {
      Due(old_open, old_due, -1);
      Due(new_open, new_due, 1);
    }
  }
  size_t size() const { return diffs_.size(); }
  void Truncate(size_t n) { diffs_.resize(n); }
  void Clear() { diffs_.clear(); }

  struct Sums {
    std::map<std::string, int64_t> states;  // state -> difference, none of them 0
    std::map<int64_t, int64_t> days;        // due day -> difference, none of them 0
  };
  // The differences summed (those that sum to 0 left out); the list is emptied.
  Sums Take();

 private:
  struct Diff {
    std::string state;  // empty: a due-day difference
    int64_t day = 0;
    int64_t delta = 0;
  };
  std::vector<Diff> diffs_;
};

// The stored record `doc` of complaint `id` at `version` (kInternal if it does not decode).
core::Result<std::optional<core::Complaint>> ParseComplaint(int64_t id, int64_t version,
                                                            std::string_view doc);

}  // namespace redress::store
