// The PostgreSQL side of complaint facts (migration 0006): the per-complaint row the writer
// keeps, and the analytics query (core::FactQuery), answered from the facts table.
#pragma once

#include <vector>

#include "core/facts.hpp"
#include "core/result.hpp"
#include "store/postgres/pg_conn.hpp"

namespace redress::store::pg {

// Queues the insert-or-replace of the facts row of f.id (no round trip of its own).
core::Status QueuePutFacts(Conn& c, const core::ComplaintFacts& f);

// The rows of a fact query; run inside the caller's read transaction for one snapshot.
core::Result<std::vector<core::FactRow>> QueryFacts(Conn& c, const core::FactQuery& q);

}  // namespace redress::store::pg
