#include "store/sqlite/facts_sql.hpp"

#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

namespace redress::store::sqlite {

using core::ComplaintFacts;
using core::FactDim;
using core::FactKey;
using core::FactPeriod;
using core::FactQuery;
using core::FactRow;
using core::Result;
using core::Status;

namespace {

constexpr int64_t kDayMs = 86'400'000;

// Keys of the statements cached by CachedByKey (distinct from the list queries' bit sets,
// which stay below 2^32).
constexpr uint64_t kPutFactsKey = 0xFAC7'0000'0000'0001ULL;
constexpr uint64_t kInsertFactsKey = 0xFAC7'0000'0000'0005ULL;
constexpr uint64_t kGetFactsKey = 0xFAC7'0000'0000'0002ULL;
constexpr uint64_t kRollupKey = 0xFAC7'0000'0000'0003ULL;
constexpr uint64_t kRollupMonthKey = 0xFAC7'0000'0000'0004ULL;
constexpr uint64_t kRollupInsertKey = 0xFAC7'0000'0000'0006ULL;
constexpr uint64_t kRollupMonthInsertKey = 0xFAC7'0000'0000'0007ULL;
constexpr uint64_t kQueryKeyTag = 0xFAC8'0000'0000'0000ULL;

constexpr const char* kFactColumns =
    "id, received_at, day, month, category, product, channel, department, location, handler, "
    "cause, currency, state, policy, is_open, closed_at, resolve_days, resolve_band, ack, final, "
    "outcome, redress, reopen_count, referred, early, sat_handling, sat_outcome";

// The roll-up's dimensions, with the facts' value for each.
struct RollupKind {
  const char* kind;
  std::optional<FactDim> dim;  // nullopt: every complaint
};
constexpr RollupKind kRollupKinds[] = {
    {"", std::nullopt},
    {"category", FactDim::kCategory},
    {"product", FactDim::kProduct},
    {"channel", FactDim::kChannel},
    {"department", FactDim::kDepartment},
    {"location", FactDim::kLocation},
    {"handler", FactDim::kHandler},
    {"cause", FactDim::kCause},
    {"resolve_days", FactDim::kResolveDays},
};

std::optional<const char*> RollupKindOf(FactDim d) {
  for (const auto& k : kRollupKinds) {
    if (k.dim == d) return k.kind;
  }
  return std::nullopt;
}

std::string DimValue(FactDim d, const ComplaintFacts& f) {
  if (d == FactDim::kResolveDays) {
    return f.resolve_days ? std::to_string(*f.resolve_days) : std::string();
  }
  return core::FactDimValue(d, f);
}

std::string RollupValue(const RollupKind& k, const ComplaintFacts& f) {
  return k.dim ? DimValue(*k.dim, f) : std::string();
}

// Pair roll-ups: one filter dimension by one grouping dimension, so a dashboard filtered by a
// product, category, channel, department, location or handler reads roll-ups too. The value is the
// filter's value, U+001F, then the group's value; the filter's values sort together in the primary
// key. A complaint without a value for the filter dimension has no pair rows of that kind
// (RollupSums::Add). Resolve days are not paired: with a hundred or more values a day they
// would make the roll-ups as large as the facts, and slow every write.
struct PairKind {
  const char* kind;
  FactDim filter;
  FactDim group;
};
constexpr PairKind kPairKinds[] = {
    {"product+category", FactDim::kProduct, FactDim::kCategory},
    {"product+channel", FactDim::kProduct, FactDim::kChannel},
    {"product+cause", FactDim::kProduct, FactDim::kCause},
    {"category+product", FactDim::kCategory, FactDim::kProduct},
    {"category+channel", FactDim::kCategory, FactDim::kChannel},
    {"category+cause", FactDim::kCategory, FactDim::kCause},
    {"channel+category", FactDim::kChannel, FactDim::kCategory},
    {"channel+product", FactDim::kChannel, FactDim::kProduct},
    {"channel+cause", FactDim::kChannel, FactDim::kCause},
    {"department+category", FactDim::kDepartment, FactDim::kCategory},
    {"department+product", FactDim::kDepartment, FactDim::kProduct},
    {"department+channel", FactDim::kDepartment, FactDim::kChannel},
    {"department+cause", FactDim::kDepartment, FactDim::kCause},
    {"location+category", FactDim::kLocation, FactDim::kCategory},
    {"location+product", FactDim::kLocation, FactDim::kProduct},
    {"location+channel", FactDim::kLocation, FactDim::kChannel},
    {"location+cause", FactDim::kLocation, FactDim::kCause},
    {"handler+category", FactDim::kHandler, FactDim::kCategory},
    {"handler+product", FactDim::kHandler, FactDim::kProduct},
    {"handler+channel", FactDim::kHandler, FactDim::kChannel},
    {"handler+cause", FactDim::kHandler, FactDim::kCause},
};
constexpr char kPairSeparator = '\x1f';

std::string PairValue(const PairKind& k, const ComplaintFacts& f) {
  return DimValue(k.filter, f) + kPairSeparator + DimValue(k.group, f);
}

// The pair roll-up a query can read: one filter and one other grouping dimension.
const PairKind* PairOf(const FactQuery& q) {
  // The roll-ups hold no pair rows for an empty filter value (RollupSums::Add).
  if (q.where.size() != 1 || q.where[0].second.empty()) return nullptr;
  std::optional<FactDim> group;
  for (const auto& k : q.group_by) {
    if (const auto* d = std::get_if<FactDim>(&k)) {
      if (group) return nullptr;
      group = *d;
    }
  }
  if (!group) return nullptr;
  for (const auto& p : kPairKinds) {
    if (p.filter == q.where[0].first && p.group == *group) return &p;
  }
  return nullptr;
}

// The facts' columns are named after the dimensions (core::ToString), but for the age.
const char* DimColumn(FactDim d) {
  if (d == FactDim::kAge) {
    return "CASE WHEN received_at >= :age0 THEN 0 WHEN received_at >= :age1 THEN 1 "
           "WHEN received_at >= :age2 THEN 2 ELSE 3 END";
  }
  return core::ToString(d);
}

constexpr const char* kWeekExpr = "(day - (((day + 3) % 7) + 7) % 7)";
constexpr const char* kMonthFromDay =
    "(CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 + "
    "CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1)";

int64_t ClockCode(core::ClockFact c) { return static_cast<int64_t>(c); }

core::ClockFact ClockFromCode(int64_t v) {
  switch (v) {
    case 0:
      return core::ClockFact::kBreached;
    case 1:
      return core::ClockFact::kMet;
    case 2:
      return core::ClockFact::kPending;
    default:
      return core::ClockFact::kNone;
  }
}

bool DayAligned(const std::optional<core::Instant>& t) {
  return !t || core::ToMillis(*t) % kDayMs == 0;
}

// The non-period dimensions a query touches (filters and group keys).
std::vector<FactDim> DimsOf(const FactQuery& q) {
  std::vector<FactDim> dims;
  auto add = [&dims](FactDim d) {
    for (FactDim x : dims) {
      if (x == d) return;
    }
    dims.push_back(d);
  };
  for (const auto& [d, v] : q.where) add(d);
  for (const auto& k : q.group_by) {
    if (const auto* d = std::get_if<FactDim>(&k)) add(*d);
  }
  return dims;
}

std::string KeyText(const FactKey& k, const Stmt& st, int col) {
  if (const auto* p = std::get_if<FactPeriod>(&k)) {
    const int64_t v = st.Int(col);
    switch (*p) {
      case FactPeriod::kDay:
      case FactPeriod::kWeek:
        return core::DayKey(v);
      case FactPeriod::kMonth:
        return core::MonthKey(static_cast<int32_t>(v));
    }
  }
  if (st.IsNull(col)) return {};
  // The roll-up keeps every value as text ("" for a complaint not closed).
  if (sqlite3_column_type(st.get(), col) == SQLITE_TEXT) return st.Text(col);
  const FactDim d = std::get<FactDim>(k);
  if (d == FactDim::kResolveBand) {
    switch (st.Int(col)) {
      case 0:
        return "3bd";
      case 1:
        return "8w";
      default:
        return "later";
    }
  }
  if (d == FactDim::kResolveDays || d == FactDim::kAge) return std::to_string(st.Int(col));
  return st.Text(col);
}

}  // namespace

Status PutFacts(Conn& c, const ComplaintFacts& f, bool is_new) {
  auto st = c.CachedByKey(is_new ? kInsertFactsKey : kPutFactsKey, [is_new] {
    return std::string(is_new ? "INSERT" : "INSERT OR REPLACE") + " INTO facts (" + kFactColumns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
           "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)";
  });
  if (!st) return st.error();
  st->Bind(1, f.id);
  st->Bind(2, core::ToMillis(f.received_at));
  st->Bind(3, f.received_day);
  st->Bind(4, static_cast<int64_t>(f.received_month));
  st->Bind(5, f.category);
  st->Bind(6, f.product);
  st->Bind(7, f.channel);
  st->Bind(8, f.department);
  st->Bind(9, f.location);
  st->Bind(10, f.handler);
  st->Bind(11, f.cause);
  st->Bind(12, f.currency);
  st->Bind(13, f.state);
  st->Bind(14, f.policy);
  st->Bind(15, static_cast<int64_t>(f.open ? 1 : 0));
  st->Bind(16, f.closed_at ? std::optional<int64_t>(core::ToMillis(*f.closed_at)) : std::nullopt);
  st->Bind(17, f.resolve_days);
  st->Bind(18, f.resolve_band ? std::optional<int64_t>(static_cast<int64_t>(*f.resolve_band))
                              : std::nullopt);
  st->Bind(19, ClockCode(f.ack));
  st->Bind(20, ClockCode(f.final_response));
  st->Bind(21, f.outcome ? std::optional<int64_t>(static_cast<int64_t>(*f.outcome)) : std::nullopt);
  st->Bind(22, f.redress_minor);
  st->Bind(23, static_cast<int64_t>(f.reopen_count));
  st->Bind(24, static_cast<int64_t>(f.referred ? 1 : 0));
  st->Bind(25, static_cast<int64_t>(f.early ? 1 : 0));
  st->Bind(26, static_cast<int64_t>(f.sat_handling));
  st->Bind(27, static_cast<int64_t>(f.sat_outcome));
  if (int rc = st->Step(); rc != SQLITE_DONE) return SqliteError(c.db(), rc, "write facts");
  return {};
}

namespace {

// A row of kFactColumns.
ComplaintFacts ReadFacts(const Stmt& st) {
  ComplaintFacts f;
  f.id = st.Int(0);
  f.received_at = core::FromMillis(st.Int(1));
  f.received_day = st.Int(2);
  f.received_month = static_cast<int32_t>(st.Int(3));
  f.category = st.Text(4);
  f.product = st.Text(5);
  f.channel = st.Text(6);
  f.department = st.Text(7);
  f.location = st.Text(8);
  f.handler = st.Text(9);
  f.cause = st.Text(10);
  f.currency = st.Text(11);
  f.state = st.Text(12);
  f.policy = st.Text(13);
  f.open = st.Int(14) != 0;
  if (!st.IsNull(15)) f.closed_at = core::FromMillis(st.Int(15));
  f.resolve_days = st.OptInt(16);
  if (!st.IsNull(17)) f.resolve_band = static_cast<core::ResolveBand>(st.Int(17));
  f.ack = ClockFromCode(st.Int(18));
  f.final_response = ClockFromCode(st.Int(19));
  if (!st.IsNull(20)) f.outcome = static_cast<core::Outcome>(st.Int(20));
  f.redress_minor = st.Int(21);
  f.reopen_count = static_cast<int32_t>(st.Int(22));
  f.referred = st.Int(23) != 0;
  f.early = st.Int(24) != 0;
  f.sat_handling = static_cast<int32_t>(st.Int(25));
  f.sat_outcome = static_cast<int32_t>(st.Int(26));
  return f;
}

}  // namespace

Result<std::optional<ComplaintFacts>> GetFacts(Conn& c, int64_t id) {
  auto st = c.CachedByKey(kGetFactsKey, [] {
    return std::string("SELECT ") + kFactColumns + " FROM facts WHERE id = ?1";
  });
  if (!st) return st.error();
  st->Bind(1, id);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<ComplaintFacts>();
  if (rc != SQLITE_ROW) return SqliteError(c.db(), rc, "read facts");
  return std::optional<ComplaintFacts>(ReadFacts(*st));
}

void RollupBuffer::Add(const ComplaintFacts& f, int64_t sign) { entries_.push_back({f, sign}); }

namespace {

// The roll-up row's statements: add to an existing row, or insert a new one. Two statements
// rather than one upsert: nearly every write adds to a row an earlier commit made (today's), and
// SQLite's INSERT ... ON CONFLICT DO UPDATE builds the whole new record and looks for the
// conflict before it updates, about a third more work a row (bench/instructions.py).
std::string AddSql(const char* table, const char* period) {
  std::string sets;
  for (size_t i = 0; i < core::kTallyFields.size(); ++i) {
    const std::string name(core::kTallyFields[i]);
    sets += std::string(i ? ", " : "") + name + " = " + name + " + ?" + std::to_string(i + 4);
  }
  return std::string("UPDATE ") + table + " SET " + sets + " WHERE kind = ?1 AND " + period +
         " = ?2 AND value = ?3";
}

std::string InsertSql(const char* table, const char* period) {
  std::string cols, vals;
  for (size_t i = 0; i < core::kTallyFields.size(); ++i) {
    cols += ", " + std::string(core::kTallyFields[i]);
    vals += ", ?" + std::to_string(i + 4);
  }
  return std::string("INSERT INTO ") + table + " (kind, " + period + ", value" + cols +
         ") VALUES (?1, ?2, ?3" + vals + ")";
}

// Binds a roll-up row's key and differences, runs the statement.
int StepRow(Stmt& st, const RollupSums::Map::value_type& entry) {
  const auto& [k, tally] = entry;
  st.Bind(1, std::string_view(k.kind));
  st.Bind(2, k.period);
  st.Bind(3, k.value);
  const auto values = core::TallyValues(tally);
  for (size_t i = 0; i < values.size(); ++i) st.Bind(static_cast<int>(i) + 4, values[i]);
  return st.Step();
}

Status Upsert(Conn& c, const RollupSums::Map& sums, uint64_t add_key, uint64_t insert_key,
              const char* table, const char* period) {
  static const core::FactTally kZero;
  // In primary-key order, so the writes walk the table's B-tree once, left to right.
  std::vector<const RollupSums::Map::value_type*> order;
  order.reserve(sums.size());
  for (const auto& entry : sums) {
    if (!(entry.second == kZero)) order.push_back(&entry);
  }
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    if (a->first.kind != b->first.kind) {
      if (int d = std::strcmp(a->first.kind, b->first.kind); d != 0) return d < 0;
    }
    if (a->first.period != b->first.period) return a->first.period < b->first.period;
    return a->first.value < b->first.value;
  });
  for (const auto* entry : order) {
    auto add = c.CachedByKey(add_key, [table, period] { return AddSql(table, period); });
    if (!add) return add.error();
    if (int rc = StepRow(*add, *entry); rc != SQLITE_DONE) {
      return SqliteError(c.db(), rc, "roll up facts");
    }
    if (sqlite3_changes(c.db()) != 0) continue;
    auto insert = c.CachedByKey(insert_key, [table, period] { return InsertSql(table, period); });
    if (!insert) return insert.error();
    if (int rc = StepRow(*insert, *entry); rc != SQLITE_DONE) {
      return SqliteError(c.db(), rc, "roll up facts");
    }
  }
  return {};
}

}  // namespace

size_t RollupSums::KeyHash::operator()(const KeyView& k) const {
  size_t h = std::hash<std::string_view>{}(k.value);
  h ^= std::hash<int64_t>{}(k.period) + 0x9e37'79b9'7f4a'7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<const void*>{}(k.kind) + 0x9e37'79b9'7f4a'7c15ULL + (h << 6) + (h >> 2);
  return h;
}

void RollupSums::Add(const ComplaintFacts& f, int64_t sign) {
  // Looked up by view: a key's value is copied only when its row is new.
  auto add_to = [&](Map& m, const char* kind, int64_t period, const std::string& value) {
    auto it = m.find(KeyView{kind, period, value});
    if (it == m.end()) it = m.emplace(Key{kind, period, value}, core::FactTally{}).first;
    it->second.Add(f, sign);
  };
  // Days only: a month's row is the sum of its days' rows, folded in once per day row when
  // written, not once per complaint.
  for (const auto& k : kRollupKinds) add_to(days_, k.kind, f.received_day, RollupValue(k, f));
  // A pair's rows only where the filter has a value: a dashboard filtered by '' (no department,
  // say) reads the facts instead (PairOf), and a complaint just received has neither category,
  // department, location nor handler, so intake writes 6 pair rows a day instead of 21.
  for (const auto& k : kPairKinds) {
    if (core::FactDimValue(k.filter, f).empty()) continue;
    add_to(days_, k.kind, f.received_day, PairValue(k, f));
  }
}

Status RollupSums::Write(Conn& c) {
  for (const auto& [key, tally] : days_) {
    const KeyView month{key.kind, core::MonthOfDay(key.period), key.value};
    auto it = months_.find(month);
    if (it == months_.end())
      it = months_.emplace(Key{key.kind, month.period, key.value}, core::FactTally{}).first;
    it->second += tally;
  }
  if (auto s = Upsert(c, days_, kRollupKey, kRollupInsertKey, "facts_daily", "day"); !s) return s;
  if (auto s = Upsert(c, months_, kRollupMonthKey, kRollupMonthInsertKey, "facts_monthly", "month");
      !s) {
    return s;
  }
  Clear();
  return {};
}

BackgroundSums::~BackgroundSums() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundSums::Push(RollupBuffer& batch) {
  auto entries = batch.Take();
  if (entries.empty()) return;
  constexpr size_t kMaxQueued = 64;  // batches: bounds the memory if the thread falls behind
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  cv_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
  queue_.push_back(std::move(entries));
  cv_.notify_all();
}

Status BackgroundSums::WriteAll(Conn& c) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
  }
  // The thread is idle and only this (the writer's) thread pushes: the sums are ours.
  auto s = sums_.Write(c);
  size_.store(sums_.size(), std::memory_order_relaxed);
  return s;
}

void BackgroundSums::Run() {
  pthread_setname_np(pthread_self(), "redress-sums");
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto entries = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    cv_.notify_all();  // room in the queue
    lock.unlock();
    for (const auto& e : entries) sums_.Add(e.facts, e.sign);
    size_.store(sums_.size(), std::memory_order_relaxed);
    entries = {};  // freed outside the lock
    lock.lock();
    busy_ = false;
    cv_.notify_all();  // WriteAll() may be waiting
  }
}

Status RollupBuffer::Flush(Conn& c) {
  RollupSums sums;
  for (const auto& e : entries_) sums.Add(e.facts, e.sign);
  entries_.clear();  // keeps its capacity for the next batch
  return sums.Write(c);
}

Status RebuildRollups(Conn& c) {
  if (auto s = c.Exec("DELETE FROM facts_daily; DELETE FROM facts_monthly;", "rebuild roll-ups");
      !s) {
    return s;
  }
  sqlite3_stmt* raw = nullptr;
  const std::string sql = std::string("SELECT ") + kFactColumns + " FROM facts";
  int rc = sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &raw, nullptr);
  if (rc != SQLITE_OK) return SqliteError(c.db(), rc, "rebuild roll-ups");
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(raw, sqlite3_finalize);
  Stmt st(raw);  // destroyed (reset) before `owner` finalizes
  // Written every so many rows: the sums of a large store would not fit in memory at once.
  constexpr size_t kMaxRows = 200'000;
  RollupSums sums;
  while ((rc = st.Step()) == SQLITE_ROW) {
    sums.Add(ReadFacts(st), 1);
    if (sums.size() >= kMaxRows) {
      if (auto s = sums.Write(c); !s) return s;
    }
  }
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, "rebuild roll-ups");
  return sums.Write(c);
}

bool UsesRollup(const FactQuery& q) {
  if (q.date_field != FactQuery::DateField::kReceived || q.open_only || q.open_at) return false;
  if (!DayAligned(q.from) || !DayAligned(q.to)) return false;
  const auto dims = DimsOf(q);
  if (dims.size() > 1) return dims.size() == 2 && PairOf(q) != nullptr;
  return dims.empty() || RollupKindOf(dims[0]).has_value();
}

namespace {

int64_t FirstDayOf(int32_t month) {
  const date::year_month_day ymd{date::year{month / 12},
                                 date::month{static_cast<unsigned>(month % 12 + 1)}, date::day{1}};
  return date::sys_days{ymd}.time_since_epoch().count();
}

// How a roll-up query reads: days only, or whole months plus the days at either edge.
struct RollupPlan {
  bool months = false;
  std::optional<int64_t> from_day, to_day;  // the period, days [from, to)
  std::optional<int32_t> m1, m2;            // whole months [m1, m2) when `months`
  bool edge1 = false, edge2 = false;        // days before m1, from m2
};

RollupPlan PlanRollup(const FactQuery& q) {
  RollupPlan p;
  if (q.from) p.from_day = core::ToMillis(*q.from) / kDayMs;
  if (q.to) p.to_day = core::ToMillis(*q.to) / kDayMs;
  for (const auto& k : q.group_by) {
    if (const auto* per = std::get_if<FactPeriod>(&k); per && *per != FactPeriod::kMonth) return p;
  }
  if (p.from_day) {
    const int32_t m = core::MonthOfDay(*p.from_day);
    p.m1 = FirstDayOf(m) == *p.from_day ? m : m + 1;
  }
  if (p.to_day) p.m2 = core::MonthOfDay(*p.to_day);
  if (p.m1 && p.m2 && *p.m1 >= *p.m2) return p;
  p.months = true;
  p.edge1 = p.m1 && FirstDayOf(*p.m1) > *p.from_day;
  p.edge2 = p.m2 && FirstDayOf(*p.m2) < *p.to_day;
  return p;
}

std::string RollupSql(const FactQuery& q, const RollupPlan& plan) {
  std::string cols;
  for (const auto& f : core::kTallyFields) cols += ", " + std::string(f);
  const bool pair = PairOf(q) != nullptr;
  std::string filter = "kind = :kind";
  if (pair) {
    filter += " AND value >= :lo AND value < :hi";
  } else if (!q.where.empty()) {
    filter += " AND value = :w0";
  }
  std::vector<std::string> parts;
  auto part = [&](const char* table, const char* period, std::string range) {
    parts.push_back(std::string("SELECT value AS v, ") + period + " AS p" + cols + " FROM " +
                    table + " WHERE " + filter + range);
  };
  if (!plan.months) {
    std::string range;
    if (plan.from_day) range += " AND day >= :d0";
    if (plan.to_day) range += " AND day < :d3";
    part("facts_daily", "day", range);
  } else {
    if (plan.edge1) part("facts_daily", kMonthFromDay, " AND day >= :d0 AND day < :d1");
    std::string range;
    if (plan.m1) range += " AND month >= :m1";
    if (plan.m2) range += " AND month < :m2";
    part("facts_monthly", "month", range);
    if (plan.edge2) part("facts_daily", kMonthFromDay, " AND day >= :d2 AND day < :d3");
  }
  std::string keys;
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    const auto& k = q.group_by[i];
    // A pair's value is "filter<US>group": the group's value follows the filter's.
    std::string expr = pair ? "substr(v, length(:w0) + 2)" : "v";
    if (const auto* per = std::get_if<FactPeriod>(&k)) {
      expr = *per == FactPeriod::kDay    ? "p"
             : *per == FactPeriod::kWeek ? "(p - (((p + 3) % 7) + 7) % 7)"
             : plan.months               ? "p"
                           : "(CAST(strftime('%Y', p * 86400, 'unixepoch') AS INTEGER) * 12 + "
                             "CAST(strftime('%m', p * 86400, 'unixepoch') AS INTEGER) - 1)";
    }
    keys += expr + " AS k" + std::to_string(i) + ", ";
  }
  // Closed complaints counted only (FactQuery::closed_only): a roll-up's closed sum is the
  // number of its complaints that are not open.
  std::string measures;
  for (size_t i = 0; i < core::kTallyFields.size(); ++i) {
    const std::string_view field = core::kTallyFields[i];
    measures += i ? ", " : "";
    measures += !q.closed_only                             ? "sum(" + std::string(field) + ")"
                : field == "received" || field == "closed" ? std::string("sum(closed)")
                                                           : std::string("0");
  }
  std::string sql = "SELECT " + keys + measures + " FROM (";
  for (size_t i = 0; i < parts.size(); ++i) sql += (i ? " UNION ALL " : "") + parts[i];
  sql += ")";
  if (!q.group_by.empty()) {
    sql += " GROUP BY ";
    for (size_t i = 0; i < q.group_by.size(); ++i) sql += (i ? ", k" : "k") + std::to_string(i);
  }
  return sql + (q.closed_only ? " HAVING sum(closed) > 0" : " HAVING sum(received) > 0");
}

// The SQL over the facts table.
std::string FactsSql(const FactQuery& q) {
  std::string keys, where;
  auto cond = [&where](const std::string& text) {
    where += (where.empty() ? " WHERE " : " AND ") + text;
  };
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    const auto& k = q.group_by[i];
    std::string expr;
    if (const auto* p = std::get_if<FactPeriod>(&k)) {
      expr = *p == FactPeriod::kDay ? "day" : *p == FactPeriod::kWeek ? kWeekExpr : "month";
    } else {
      // Unary + keeps SQLite from walking an index in key order (a row lookup per complaint)
      // just to save a sort of the few groups.
      const FactDim d = std::get<FactDim>(k);
      expr = d == FactDim::kAge ? DimColumn(d) : std::string("+") + DimColumn(d);
    }
    keys += expr + " AS k" + std::to_string(i) + ", ";
  }
  // Open complaints are counted only (FactQuery::open_only), from the facts_open index;
  // closed ones likewise (closed_only), from a dimension's index when filtered by one.
  const std::string measures =
      q.open_only     ? "count(*), count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
      : q.closed_only ? "count(*), 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
                      : "count(*), sum(is_open), sum(is_open = 0), sum(ack = 1), sum(ack = 0), "
                        "sum(final = 1), sum(final = 0), sum(outcome = 0), sum(outcome = 1), "
                        "sum(outcome = 2), sum(redress), sum(redress > 0), sum(reopen_count > 0), "
                        "sum(referred), sum(early), sum(sat_handling > 0), sum(sat_handling), "
                        "sum(sat_outcome)";
  const char* date_col =
      q.date_field == FactQuery::DateField::kReceived ? "received_at" : "closed_at";
  if (q.from) cond(std::string(date_col) + " >= :from");
  if (q.to) cond(std::string(date_col) + " < :to");
  if (q.date_field == FactQuery::DateField::kClosed && !q.from && !q.to) {
    cond("closed_at IS NOT NULL");
  }
  if (q.open_only) cond("is_open = 1");
  if (q.closed_only) cond("is_open = 0");
  // Unary +: most complaints were received before any recent instant, so a scan beats the index.
  if (q.open_at) cond("+received_at < :open_at AND (is_open = 1 OR closed_at >= :open_at)");
  // A filter by a value repeats the condition of the dimension's partial index (migration
  // 0013), which SQLite uses only when the query's WHERE holds that term as written.
  for (size_t i = 0; i < q.where.size(); ++i) {
    const std::string column = DimColumn(q.where[i].first);
    cond(column + " = :w" + std::to_string(i));
    if (!q.where[i].second.empty()) cond(column + " <> ''");
  }
  std::string sql = "SELECT " + keys + measures + " FROM facts" + where;
  if (!q.group_by.empty()) {
    sql += " GROUP BY ";
    for (size_t i = 0; i < q.group_by.size(); ++i) sql += (i ? ", k" : "k") + std::to_string(i);
  }
  return sql;
}

}  // namespace

std::string FactQuerySql(const FactQuery& q) {
  return UsesRollup(q) ? RollupSql(q, PlanRollup(q)) : FactsSql(q);
}

Result<std::vector<FactRow>> QueryFacts(Conn& c, const FactQuery& q) {
  if (auto s = core::ValidateFactQuery(q); !s) return s.error();
  const bool rollup = UsesRollup(q);
  const RollupPlan plan = rollup ? PlanRollup(q) : RollupPlan{};
  const std::string sql = rollup ? RollupSql(q, plan) : FactsSql(q);
  const uint64_t key = kQueryKeyTag | (std::hash<std::string>{}(sql)&0x0000'FFFF'FFFF'FFFFULL);
  auto st = c.CachedByKey(key, [&sql] { return sql; });
  if (!st) return st.error();

  std::string kind_name, lo, hi;  // bound without a copy: they outlive the steps
  if (rollup) {
    const auto dims = DimsOf(q);
    const PairKind* pair = PairOf(q);
    kind_name = pair ? pair->kind : dims.empty() ? "" : *RollupKindOf(dims[0]);
    st->BindName(":kind", std::string_view(kind_name));
    if (!q.where.empty()) st->BindName(":w0", std::string_view(q.where[0].second));
    if (pair) {
      lo = q.where[0].second + kPairSeparator;
      hi = q.where[0].second + static_cast<char>(kPairSeparator + 1);
      st->BindName(":lo", std::string_view(lo));
      st->BindName(":hi", std::string_view(hi));
    }
    if (plan.from_day) st->BindName(":d0", *plan.from_day);
    if (plan.to_day) st->BindName(":d3", *plan.to_day);
    if (plan.m1) {
      st->BindName(":m1", static_cast<int64_t>(*plan.m1));
      st->BindName(":d1", FirstDayOf(*plan.m1));
    }
    if (plan.m2) {
      st->BindName(":m2", static_cast<int64_t>(*plan.m2));
      st->BindName(":d2", FirstDayOf(*plan.m2));
    }
  } else {
    if (q.from) st->BindName(":from", core::ToMillis(*q.from));
    if (q.to) st->BindName(":to", core::ToMillis(*q.to));
    if (q.open_at) st->BindName(":open_at", core::ToMillis(*q.open_at));
    for (size_t i = 0; i < q.where.size(); ++i) {
      st->BindName((":w" + std::to_string(i)).c_str(), std::string_view(q.where[i].second));
    }
  }
  for (int i = 0; i < 3; ++i) {
    st->BindName((":age" + std::to_string(i)).c_str(),
                 core::ToMillis(q.age_edges[static_cast<size_t>(i)]));
  }

  std::vector<FactRow> rows;
  int rc;
  const int nkeys = static_cast<int>(q.group_by.size());
  while ((rc = st->Step()) == SQLITE_ROW) {
    FactRow row;
    for (int i = 0; i < nkeys; ++i) {
      row.key.push_back(KeyText(q.group_by[static_cast<size_t>(i)], *st, i));
    }
    std::array<int64_t, 18> v{};
    for (int i = 0; i < 18; ++i) v[static_cast<size_t>(i)] = st->Int(nkeys + i);
    row.tally = core::TallyFromValues(v);
    if (q.group_by.empty() && row.tally.received == 0) continue;  // no complaints at all
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, "analytics query");
  core::SortFactRows(q, rows);
  return rows;
}

}  // namespace redress::store::sqlite
