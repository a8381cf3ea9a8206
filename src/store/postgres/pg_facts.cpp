#include "store/postgres/pg_facts.hpp"

#include <functional>
#include <string>

namespace redress::store::pg {

using core::FactDim;
using core::FactPeriod;
using core::FactQuery;
using core::FactRow;

namespace {

constexpr const char* kFactColumns[] = {
    "id",      "received_at",  "day",        "month",     "category",     "product",
    "channel", "department",   "location",   "handler",   "cause",        "currency",
    "state",   "policy",       "is_open",    "closed_at", "resolve_days", "resolve_band",
    "ack",     "final",        "outcome",    "redress",   "reopen_count", "referred",
    "early",   "sat_handling", "sat_outcome"};

std::string PutFactsSql() {
  std::string cols, vals, sets;
  for (size_t i = 0; i < std::size(kFactColumns); ++i) {
    const std::string name = kFactColumns[i];
    cols += (i ? ", " : "") + name;
    vals += (i ? ", $" : "$") + std::to_string(i + 1);
    if (i > 0) sets += (i > 1 ? ", " : "") + name + " = excluded." + name;
  }
  return "INSERT INTO facts (" + cols + ") VALUES (" + vals + ") ON CONFLICT (id) DO UPDATE SET " +
         sets;
}

// The facts' columns are named after the dimensions (core::ToString), but for the age.
const char* DimColumn(FactDim d) {
  if (d == FactDim::kAge) {
    return "";  // built with its parameters
  }
  return core::ToString(d);
}

std::string KeyText(const core::FactKey& k, const Res& r, int row, int col) {
  if (const auto* p = std::get_if<FactPeriod>(&k)) {
    const int64_t v = r.Int(row, col);
    switch (*p) {
      case FactPeriod::kDay:
      case FactPeriod::kWeek:
        return core::DayKey(v);
      case FactPeriod::kMonth:
        return core::MonthKey(static_cast<int32_t>(v));
    }
  }
  if (r.IsNull(row, col)) return {};
  if (std::get<FactDim>(k) == FactDim::kResolveBand) {
    switch (r.Int(row, col)) {
      case 0:
        return "3bd";
      case 1:
        return "8w";
      default:
        return "later";
    }
  }
  return r.Text(row, col);
}

}  // namespace

std::span<const char* const> FactColumns() { return kFactColumns; }

core::Status QueuePutFacts(Conn& c, const core::ComplaintFacts& f) {
  static const std::string sql = PutFactsSql();
  Params p;
  FactValues(p, f);
  return c.Queue("put_facts", sql, p);
}

core::Result<std::vector<FactRow>> QueryFacts(Conn& c, const FactQuery& q) {
  if (auto s = core::ValidateFactQuery(q); !s) return s.error();
  Params p;
  int n = 0;
  auto param = [&n] { return "$" + std::to_string(++n); };
  // Parameters are added in the order their placeholders appear in the text.
  std::string keys;
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    const auto& k = q.group_by[i];
    std::string expr;
    if (const auto* per = std::get_if<FactPeriod>(&k)) {
      expr = *per == FactPeriod::kDay    ? "day"
             : *per == FactPeriod::kWeek ? "(day - (((day + 3) % 7) + 7) % 7)"
                                         : "month";
    } else if (std::get<FactDim>(k) == FactDim::kAge) {
      const std::string e0 = param();
      const std::string e1 = param();
      const std::string e2 = param();
      expr = "CASE WHEN received_at >= " + e0 + " THEN 0 WHEN received_at >= " + e1 +
             " THEN 1 WHEN received_at >= " + e2 + " THEN 2 ELSE 3 END";
      for (const auto& edge : q.age_edges) p.Int(core::ToMillis(edge));
    } else {
      expr = DimColumn(std::get<FactDim>(k));
    }
    keys += expr + " AS k" + std::to_string(i) + ", ";
  }
  // Open or closed complaints are counted only (FactQuery::open_only, closed_only).
  const std::string measures =
      q.open_only ? "count(*), count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
      : q.closed_only
          ? "count(*), 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
          : "count(*), sum(is_open), count(*) FILTER (WHERE is_open = 0), "
            "count(*) FILTER (WHERE ack = 1), count(*) FILTER (WHERE ack = 0), "
            "count(*) FILTER (WHERE final = 1), count(*) FILTER (WHERE final = 0), "
            "count(*) FILTER (WHERE outcome = 0), count(*) FILTER (WHERE outcome = 1), "
            "count(*) FILTER (WHERE outcome = 2), sum(redress), "
            "count(*) FILTER (WHERE redress > 0), count(*) FILTER (WHERE reopen_count > 0), "
            "sum(referred), sum(early), count(*) FILTER (WHERE sat_handling > 0), "
            "sum(sat_handling), sum(sat_outcome)";
  std::string where;
  auto cond = [&where](const std::string& text) {
    where += (where.empty() ? " WHERE " : " AND ") + text;
  };
  const char* date_col =
      q.date_field == FactQuery::DateField::kReceived ? "received_at" : "closed_at";
  if (q.from) {
    cond(std::string(date_col) + " >= " + param());
    p.Int(core::ToMillis(*q.from));
  }
  if (q.to) {
    cond(std::string(date_col) + " < " + param());
    p.Int(core::ToMillis(*q.to));
  }
  if (q.date_field == FactQuery::DateField::kClosed && !q.from && !q.to) {
    cond("closed_at IS NOT NULL");
  }
  if (q.open_only) cond("is_open = 1");
  if (q.closed_only) cond("is_open = 0");
  if (q.open_at) {
    const std::string at = param();
    cond("received_at < " + at + " AND (is_open = 1 OR closed_at >= " + at + ")");
    p.Int(core::ToMillis(*q.open_at));
  }
  // A filter by a value repeats the condition of the dimension's partial index (migration
  // 0013): a generic plan cannot prove it from the parameter.
  for (const auto& [dim, value] : q.where) {
    cond(std::string(DimColumn(dim)) + " = " + param());
    if (!value.empty()) cond(std::string(DimColumn(dim)) + " <> ''");
    p.Text(value);
  }
  std::string sql = "SELECT " + keys + measures + " FROM facts" + where;
  if (!q.group_by.empty()) {
    sql += " GROUP BY ";
    for (size_t i = 0; i < q.group_by.size(); ++i) sql += (i ? ", k" : "k") + std::to_string(i);
  }
  const std::string name = "facts_" + std::to_string(std::hash<std::string>{}(sql));
  auto res = c.Run(name, sql, p);
  if (!res) return res.error();

  std::vector<FactRow> rows;
  const int nkeys = static_cast<int>(q.group_by.size());
  for (int r = 0; r < res->rows(); ++r) {
    FactRow row;
    for (int i = 0; i < nkeys; ++i) {
      row.key.push_back(KeyText(q.group_by[static_cast<size_t>(i)], *res, r, i));
    }
    std::array<int64_t, 18> v{};
    for (int i = 0; i < 18; ++i) v[static_cast<size_t>(i)] = res->Int(r, nkeys + i);
    row.tally = core::TallyFromValues(v);
    if (q.group_by.empty() && row.tally.received == 0) continue;  // no complaints at all
    rows.push_back(std::move(row));
  }
  core::SortFactRows(q, rows);
  return rows;
}

}  // namespace redress::store::pg
