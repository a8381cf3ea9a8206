#include "store/stored_complaint.hpp"

#include "core/clocks.hpp"
#include "core/codec.hpp"
#include "core/lifecycle.hpp"
#include "store/list_support.hpp"

namespace redress::store {

ComplaintRow::ComplaintRow(const core::Complaint& c, std::string encoded)
    : reference(c.reference.ToString()),
      persons_named(NormalizePersonsNamed(c.subject.persons_named.value)),
      doc(std::move(encoded)),
      open(core::IsOpen(c.state)) {
  if (auto d = core::EarliestDue(c.clocks)) next_due = core::ToMillis(*d);
  if (open) {
    if (auto n = core::NextClockInstant(c.clocks)) next_clock = core::ToMillis(*n);
  }
  if (auto at = core::FollowUpDue(c)) follow_up_at = core::ToMillis(*at);
}

CountDiffs::Sums CountDiffs::Take() {
  Sums sums;
  for (const auto& d : diffs_) {
    if (d.state.empty()) {
      sums.days[d.day] += d.delta;
    } else {
      sums.states[d.state] += d.delta;
    }
  }
  diffs_.clear();
  std::erase_if(sums.states, [](const auto& kv) { return kv.second == 0; });
  std::erase_if(sums.days, [](const auto& kv) { return kv.second == 0; });
  return sums;
}

core::Result<std::optional<core::Complaint>> ParseComplaint(int64_t id, int64_t version,
                                                            std::string_view doc) {
  auto c = core::DecodeStorage(doc);
  if (!c) {
    core::Error e = c.error();
    e.code = core::Errc::kInternal;
    e.detail = "stored complaint " + std::to_string(id) + ": " + e.detail;
    return e;
  }
  c->id = id;
  c->version = version;
  return std::optional<core::Complaint>(std::move(*c));
}

}  // namespace redress::store
