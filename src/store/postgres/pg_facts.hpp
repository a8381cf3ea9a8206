// The PostgreSQL side of complaint facts (migration 0006): the per-complaint row the writer
// keeps, and the analytics query (core::FactQuery), answered from the facts table.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/facts.hpp"
#include "core/result.hpp"
#include "store/postgres/pg_conn.hpp"

namespace redress::store::pg {

// The facts table's columns, in the order FactValues adds them.
std::span<const char* const> FactColumns();

// Adds the values of f's row, in FactColumns() order, to `row`: anything with Int(int64_t),
// OptInt(std::optional<int64_t>) and Text(std::string_view), such as Params or a COPY row.
template <typename Row>
void FactValues(Row& row, const core::ComplaintFacts& f) {
  auto opt = [](const auto& v) -> std::optional<int64_t> {
    if (!v) return std::nullopt;
    return static_cast<int64_t>(*v);
  };
  row.Int(f.id)
      .Int(core::ToMillis(f.received_at))
      .Int(f.received_day)
      .Int(f.received_month)
      .Text(f.category)
      .Text(f.product)
      .Text(f.channel)
      .Text(f.department)
      .Text(f.location)
      .Text(f.handler)
      .Text(f.cause)
      .Text(f.currency)
      .Text(f.state)
      .Text(f.policy)
      .Int(f.open ? 1 : 0)
      .OptInt(f.closed_at ? std::optional<int64_t>(core::ToMillis(*f.closed_at)) : std::nullopt)
      .OptInt(f.resolve_days)
      .OptInt(opt(f.resolve_band))
      .Int(static_cast<int64_t>(f.ack))
      .Int(static_cast<int64_t>(f.final_response))
      .OptInt(opt(f.outcome))
      .Int(f.redress_minor)
      .Int(f.reopen_count)
      .Int(f.referred ? 1 : 0)
      .Int(f.early ? 1 : 0)
      .Int(f.sat_handling)
      .Int(f.sat_outcome);
}

// Queues the insert-or-replace of the facts row of f.id (no round trip of its own).
core::Status QueuePutFacts(Conn& c, const core::ComplaintFacts& f);

// The rows of a fact query; run inside the caller's read transaction for one snapshot.
core::Result<std::vector<core::FactRow>> QueryFacts(Conn& c, const core::FactQuery& q);

}  // namespace redress::store::pg
