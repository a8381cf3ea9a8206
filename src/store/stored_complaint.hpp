// What the SQL stores (SQLite, PostgreSQL) keep of a complaint beside its encoded record, and
// how they read the record back: one definition, so both index and decode alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// The stored record `doc` of complaint `id` at `version` (kInternal if it does not decode).
core::Result<std::optional<core::Complaint>> ParseComplaint(int64_t id, int64_t version,
                                                            std::string_view doc);

}  // namespace redress::store
