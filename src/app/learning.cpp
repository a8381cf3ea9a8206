#include "app/learning.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

namespace redress::app {

using core::Errc;
using core::FactDim;
using core::FactKey;
using core::FactPeriod;
using core::FactQuery;
using core::FactRow;
using core::MakeError;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr int kTopRows = 20;
constexpr int64_t kMaxWeeks = 1100;  // about 21 years

core::Instant StartOf(core::LocalDate d) { return core::Instant(date::sys_days(d)); }
core::LocalDate DateOfDay(int64_t day) { return core::LocalDate{date::sys_days{date::days{day}}}; }
int64_t DayNumber(core::LocalDate d) { return date::sys_days(d).time_since_epoch().count(); }

core::Error Invalid(std::string detail, std::string pointer) {
  return MakeError(Errc::kInvalid, detail, {{std::move(pointer), detail}});
}

std::vector<report::Breakdown> Breakdowns(const std::vector<FactRow>& rows) {
  std::vector<report::Breakdown> out;
  for (const auto& r : rows) out.push_back({r.key.empty() ? "" : r.key[0], core::KpisOf(r.tally)});
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.kpis.received > b.kpis.received; });
  if (out.size() > kTopRows) out.resize(kTopRows);
  return out;
}

core::Event RecordEvent(int64_t complaint_id, std::string reference, const std::string& actor,
                        std::string action, core::Instant at, json after) {
  core::Event e;
  e.complaint_id = complaint_id;
  e.reference = std::move(reference);
  e.at = at;
  e.actor = actor;
  e.action = std::move(action);
  e.before = "{}";
  e.after = after.dump();
  return e;
}

// Mondays from `first` through `last` (day numbers): the latest kMaxWeeks of them.
std::vector<int64_t> WeeksBetween(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  first = std::max(first, last - 7 * (kMaxWeeks - 1));
  for (int64_t w = core::WeekStart(first); w <= last; w += 7) {
    out.push_back(w);
  }
  return out;
}

}  // namespace

std::vector<report::Target> DefaultTargets() {
  std::vector<report::Target> out;
  for (auto [kpi, objective] : {std::pair{"ack_on_time", 0.95},
                                {"final_on_time", 0.95},
                                {"reopen_rate", 0.05},
                                {"survey_response", 0.20}}) {
    out.push_back(TargetFor(kpi, objective));
  }
  return out;
}

report::Target TargetFor(std::string_view kpi, double objective) {
  report::Target t;
  t.kpi = std::string(kpi);
  t.objective = objective;
  if (const core::KpiDef* d = core::FindKpi(kpi)) {
    t.name = std::string(d->name);
    t.higher_is_better = d->higher_is_better;
    t.share = d->share;
  }
  return t;
}

Learning::Learning(core::Store& store, ComplaintService& service, LearningConfig config)
    : store_(store), service_(service), config_(std::move(config)) {
  if (config_.targets.empty()) config_.targets = DefaultTargets();
}

core::LocalDate Learning::Today() const {
  return core::LocalDate{std::chrono::floor<date::days>(service_.clock().Now())};
}

std::array<core::Instant, 3> Learning::AgeEdges() const { return service_.AgeEdges(); }

Result<FactQuery> Learning::QueryOf(const AnalyticsFilter& f) const {
  FactQuery q;
  if (f.from) q.from = StartOf(*f.from);
  if (f.to) q.to = StartOf(*f.to) + date::days(1);
  if (f.from && f.to && *f.from > *f.to) {
    return Invalid("The start date must not be after the end date.", "/query/from");
  }
  q.where = f.where;
  for (const auto& [d, v] : q.where) {
    if (!core::Filterable(d)) {
      return Invalid(std::string("Cannot filter on ") + core::ToString(d) + ".", "/query");
    }
  }
  if (auto s = core::ValidateFactQuery(q); !s) return s.error();
  return q;
}

// --- Analytics -------------------------------------------------------------------------------

Result<report::ReviewData> Learning::Dashboard(const AnalyticsFilter& f) {
  auto base = QueryOf(f);
  if (!base) return base.error();
  auto grouped = [&base](std::vector<FactKey> by) {
    FactQuery q = *base;
    q.group_by = std::move(by);
    return q;
  };
  const int64_t today = core::DayOf(service_.clock().Now());
  const int64_t end_day = f.to ? DayNumber(*f.to) : today;
  // Spikes: the 13 weeks that end with the week of the period's end.
  FactQuery spikes = grouped({FactDim::kCategory, FactPeriod::kWeek});
  const int64_t last_week = core::WeekStart(end_day);
  spikes.from = core::FromMillis((last_week - 7 * core::kSpikeBaselineWeeks) * 86'400'000LL);
  spikes.to = core::FromMillis((last_week + 7) * 86'400'000LL);
  // The time to resolve needs only the number of closed complaints by days to resolve: a
  // filtered dashboard reads them from its dimension's index alone.
  FactQuery resolve = grouped({FactDim::kResolveDays});
  resolve.closed_only = true;
  FactQuery open;
  open.where = base->where;
  open.open_only = true;
  open.group_by = {FactDim::kAge};
  open.age_edges = AgeEdges();
  std::vector<FactQuery> qs = {*base,
                               grouped({FactPeriod::kWeek}),
                               grouped({FactDim::kCategory}),
                               grouped({FactDim::kProduct}),
                               grouped({FactDim::kChannel}),
                               resolve,
                               open,
                               grouped({FactDim::kCause}),
                               spikes};
  const bool has_previous = f.from && f.to;
  if (has_previous) {
    FactQuery prev = *base;
    const auto span = *base->to - *base->from;
    prev.to = base->from;
    prev.from = *base->from - span;
    qs.push_back(prev);
  }
  auto res = store_.Facts(qs);
  if (!res) return res.error();
  const auto& r = *res;

  report::ReviewData d;
  d.organisation = config_.organisation;
  d.from = f.from ? core::FormatDate(*f.from) : "";
  d.to = f.to ? core::FormatDate(DateOfDay(DayNumber(*f.to) + 1)) : "";
  d.generated_at = core::FormatInstant(service_.clock().Now());
  d.kpis = core::KpisOf(r[0].empty() ? core::FactTally{} : r[0].front().tally);
  // The previous period of the same length, zero when it had no complaints.
  if (has_previous)
    d.previous = core::KpisOf(r[9].empty() ? core::FactTally{} : r[9].front().tally);
  d.targets = config_.targets;
  for (auto& t : d.targets) {
    if (const core::KpiDef* def = core::FindKpi(t.kpi)) t.actual = d.kpis.*(def->value);
  }

  std::map<std::string, int64_t> weekly;
  for (const auto& row : r[1]) weekly[row.key[0]] = row.tally.received;
  if (!r[1].empty() || f.from) {
    const int64_t first =
        f.from ? DayNumber(*f.from) : DayNumber(*core::ParseDate(r[1].front().key[0]));
    const int64_t last =
        f.to ? end_day : std::max(end_day, DayNumber(*core::ParseDate(r[1].back().key[0])));
    for (int64_t w : WeeksBetween(first, last)) {
      const std::string k = core::DayKey(w);
      d.weekly.emplace_back(k, weekly.count(k) ? weekly[k] : 0);
    }
  }
  d.by_category = Breakdowns(r[2]);
  d.by_product = Breakdowns(r[3]);
  d.by_channel = Breakdowns(r[4]);
  std::vector<std::pair<int64_t, int64_t>> hist;
  for (const auto& row : r[5]) {
    if (!row.key[0].empty()) hist.emplace_back(std::stoll(row.key[0]), row.tally.closed);
  }
  d.resolve = core::PercentilesOf(std::move(hist));
  for (const auto& row : r[6])
    d.open_by_age[static_cast<size_t>(std::stoi(row.key[0]))] = row.tally.open;
  std::vector<FactRow> causes;
  for (const auto& row : r[7]) {
    if (!row.key[0].empty()) causes.push_back(row);
  }
  d.pareto = core::ParetoOf(causes);

  std::vector<std::string> weeks;
  for (int64_t w = last_week - 7 * core::kSpikeBaselineWeeks; w <= last_week; w += 7) {
    weeks.push_back(core::DayKey(w));
  }
  std::map<std::string, std::vector<int64_t>> series;
  for (const auto& row : r[8]) {
    auto& v = series[row.key[0]];
    v.resize(weeks.size());
    const auto it = std::find(weeks.begin(), weeks.end(), row.key[1]);
    if (it != weeks.end()) v[static_cast<size_t>(it - weeks.begin())] = row.tally.received;
  }
  for (const auto& [value, counts] : series) {
    for (auto& s : core::DetectSpikes("category", value, weeks, counts)) d.spikes.push_back(s);
  }

  auto notes = Annotations();
  if (!notes) return notes.error();
  for (auto& a : *notes) {
    if (a.kind == "deleted") continue;
    if (f.from && a.day < *f.from) continue;
    if (f.to && a.day > *f.to) continue;
    d.annotations.push_back(std::move(a));
  }
  return d;
}

Result<std::vector<FactRow>> Learning::Breakdown(const AnalyticsFilter& f,
                                                 std::vector<FactKey> by) {
  auto q = QueryOf(f);
  if (!q) return q.error();
  q->group_by = std::move(by);
  return store_.Facts(*q);
}

Result<std::vector<FactRow>> Learning::OpenByAge(const AnalyticsFilter& f) {
  auto q = QueryOf(AnalyticsFilter{std::nullopt, std::nullopt, f.where});
  if (!q) return q.error();
  q->open_only = true;
  q->group_by = {FactDim::kState, FactDim::kAge};
  q->age_edges = AgeEdges();
  return store_.Facts(*q);
}

Result<std::vector<core::Spike>> Learning::Spikes(const AnalyticsFilter& f, FactDim dim) {
  if (!core::Filterable(dim))
    return Invalid("Spikes are found per category, product, ...", "/query/by");
  auto q = QueryOf(AnalyticsFilter{std::nullopt, std::nullopt, f.where});
  if (!q) return q.error();
  const int64_t last_week =
      core::WeekStart(f.to ? DayNumber(*f.to) : core::DayOf(service_.clock().Now()));
  const int64_t first_week = last_week - 7 * (core::kSpikeBaselineWeeks + 12);  // 25 weeks
  q->from = core::FromMillis(first_week * 86'400'000LL);
  q->to = core::FromMillis((last_week + 7) * 86'400'000LL);
  q->group_by = {dim, FactPeriod::kWeek};
  auto rows = store_.Facts(*q);
  if (!rows) return rows.error();
  std::vector<std::string> weeks;
  for (int64_t w = first_week; w <= last_week; w += 7) weeks.push_back(core::DayKey(w));
  std::map<std::string, std::vector<int64_t>> series;
  for (const auto& row : *rows) {
    auto& v = series[row.key[0]];
    v.resize(weeks.size());
    const auto it = std::find(weeks.begin(), weeks.end(), row.key[1]);
    if (it != weeks.end()) v[static_cast<size_t>(it - weeks.begin())] = row.tally.received;
  }
  std::vector<core::Spike> out;
  for (const auto& [value, counts] : series) {
    for (auto& s : core::DetectSpikes(core::ToString(dim), value, weeks, counts)) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.week != b.week ? a.week > b.week : a.z > b.z;
  });
  return out;
}

Result<std::vector<core::ParetoRow>> Learning::Pareto(const AnalyticsFilter& f, FactDim by) {
  if (!core::Filterable(by)) return Invalid("Pareto groups by a dimension.", "/query/by");
  auto rows = Breakdown(f, {by});
  if (!rows) return rows.error();
  std::vector<FactRow> kept;
  for (auto& r : *rows) {
    if (!r.key[0].empty()) kept.push_back(std::move(r));
  }
  return core::ParetoOf(kept);
}

Result<ComplaintsReturn> Learning::Return(core::LocalDate from, core::LocalDate to) {
  if (from > to) return Invalid("The start date must not be after the end date.", "/query/from");
  const core::Instant start = StartOf(from);
  const core::Instant end = StartOf(to) + date::days(1);
  FactQuery opened;
  opened.from = start;
  opened.to = end;
  opened.group_by = {FactDim::kCategory};
  FactQuery closed;
  closed.date_field = FactQuery::DateField::kClosed;
  closed.from = start;
  closed.to = end;
  closed.group_by = {FactDim::kCategory, FactDim::kResolveBand};
  FactQuery at_start;
  at_start.open_at = start;
  at_start.group_by = {FactDim::kCategory};
  FactQuery at_end = at_start;
  at_end.open_at = end;
  FactQuery causes = closed;
  causes.group_by = {FactDim::kCategory, FactDim::kCause};
  auto res = store_.Facts({opened, closed, at_start, at_end, causes});
  if (!res) return res.error();

  auto group_of = [this](const std::string& category) {
    auto it = config_.fca_group.find(category);
    return it == config_.fca_group.end() || it->second.empty() ? std::string("Unmapped")
                                                               : it->second;
  };
  std::map<std::string, ReturnRow> products;
  std::map<std::pair<std::string, std::string>, ReturnRow> by_cause;
  auto row = [&](const std::string& category) -> ReturnRow& {
    ReturnRow& r = products[group_of(category)];
    r.product_group = group_of(category);
    return r;
  };
  for (const auto& x : (*res)[0]) row(x.key[0]).opened += x.tally.received;
  for (const auto& x : (*res)[1]) {
    ReturnRow& r = row(x.key[0]);
    r.closed += x.tally.received;
    r.upheld += x.tally.upheld + x.tally.partly_upheld;
    r.redress_minor += x.tally.redress_minor;
    if (x.key[1] == "3bd") r.within_3_business_days += x.tally.received;
    if (x.key[1] == "8w") r.within_8_weeks += x.tally.received;
    if (x.key[1] == "later") r.later += x.tally.received;
  }
  for (const auto& x : (*res)[2]) row(x.key[0]).open_at_start += x.tally.received;
  for (const auto& x : (*res)[3]) row(x.key[0]).open_at_end += x.tally.received;
  for (const auto& x : (*res)[4]) {
    const std::string cause = x.key[1].empty() ? "not recorded" : x.key[1];
    ReturnRow& r = by_cause[{group_of(x.key[0]), cause}];
    r.product_group = group_of(x.key[0]);
    r.cause = cause;
    r.closed += x.tally.received;
    r.upheld += x.tally.upheld + x.tally.partly_upheld;
    r.redress_minor += x.tally.redress_minor;
  }
  ComplaintsReturn out;
  out.from = from;
  out.to = to;
  for (auto& [k, r] : products) out.by_product.push_back(std::move(r));
  for (auto& [k, r] : by_cause) out.by_cause.push_back(std::move(r));
  return out;
}

Result<report::ReviewData> Learning::Review(core::LocalDate from, core::LocalDate to) {
  auto d = Dashboard(AnalyticsFilter{from, to, {}});
  if (!d) return d.error();
  auto actions = Actions();
  if (!actions) return actions.error();
  auto causes = RootCauses();
  if (!causes) return causes.error();
  const core::LocalDate today = Today();
  std::set<int64_t> cause_ids;
  for (auto& a : *actions) {
    const bool open =
        a.status == core::ActionStatus::kPlanned || a.status == core::ActionStatus::kInProgress;
    const bool checked_in = a.check.evaluated_at && *a.check.evaluated_at >= StartOf(from) &&
                            *a.check.evaluated_at < StartOf(to) + date::days(1);
    if (!open && !checked_in) continue;
    std::string title;
    for (const auto& rc : *causes) {
      if (rc.id == a.root_cause_id) title = rc.title;
    }
    cause_ids.insert(a.root_cause_id);
    d->actions.push_back({a, title, core::AttentionOf(a, today)});
  }
  for (auto& rc : *causes) {
    const bool in_period =
        rc.created_at >= StartOf(from) && rc.created_at < StartOf(to) + date::days(1);
    if (in_period || cause_ids.count(rc.id)) d->root_causes.push_back(std::move(rc));
  }
  auto audits = Audits();
  if (!audits) return audits.error();
  for (auto& a : *audits) {
    if (a.created_at >= StartOf(from) && a.created_at < StartOf(to) + date::days(1)) {
      d->audits.push_back(std::move(a));
    }
  }
  return d;
}

// --- Records ---------------------------------------------------------------------------------

Status Learning::PutRecord(core::RecordKind kind, int64_t* id,
                           const std::function<std::string(int64_t)>& encode,
                           std::vector<int64_t> complaint_ids, const std::string& actor,
                           const std::string& action, const std::vector<core::Event>& extra) {
  const core::Instant now = service_.clock().Now();
  return store_.WriteSync([&](core::StoreTx& tx) -> Status {
    if (*id == 0) {
      auto next = tx.NextRecordId(kind);
      if (!next) return next.error();
      *id = *next;
    }
    core::Record r;
    r.kind = kind;
    r.id = *id;
    r.doc = encode(*id);
    r.complaint_ids = complaint_ids;
    r.updated_at = now;
    if (auto s = tx.PutRecord(r); !s) return s;
    core::Event e =
        RecordEvent(0, "", actor, action, now, json{{"record", core::ToString(kind)}, {"id", *id}});
    if (auto s = tx.AppendEvent(e); !s) return s;
    for (core::Event x : extra) {
      x.after = json{{"record", core::ToString(kind)}, {"id", *id}}.dump();
      if (auto s = tx.AppendEvent(x); !s) return s;
    }
    return {};
  });
}

template <typename T, typename Decode>
Result<std::vector<T>> DecodeAll(core::Store& store, core::RecordKind kind, Decode decode) {
  auto rows = store.ListRecords(kind);
  if (!rows) return rows.error();
  std::vector<T> out;
  for (const auto& r : *rows) {
    auto v = decode(r.doc);
    if (!v) return v.error();
    v->id = r.id;
    out.push_back(std::move(*v));
  }
  return out;
}

template <typename T, typename Decode>
Result<T> DecodeOne(core::Store& store, core::RecordKind kind, int64_t id, Decode decode,
                    const char* what) {
  auto r = store.GetRecord(kind, id);
  if (!r) return r.error();
  if (!*r) return MakeError(Errc::kNotFound, std::string("No ") + what + " with that id.");
  auto v = decode((*r)->doc);
  if (!v) return v.error();
  v->id = id;
  return v;
}

Result<std::vector<core::Annotation>> Learning::Annotations() {
  auto all =
      DecodeAll<core::Annotation>(store_, core::RecordKind::kAnnotation, core::DecodeAnnotation);
  if (!all) return all.error();
  std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) { return a.day < b.day; });
  return all;
}

Result<core::Annotation> Learning::AddAnnotation(core::Annotation a, const core::User& by) {
  if (a.label.empty() || a.label.size() > 200) {
    return Invalid("A label of 1 to 200 bytes is required.", "/label");
  }
  if (!a.day.ok()) return Invalid("A valid day (YYYY-MM-DD) is required.", "/day");
  static const std::set<std::string> kKinds = {"launch", "policy_change", "incident", "other"};
  if (a.kind.empty()) a.kind = "other";
  if (!kKinds.count(a.kind)) {
    return Invalid("kind must be launch, policy_change, incident or other.", "/kind");
  }
  a.created_by = by.username;
  a.created_at = service_.clock().Now();
  int64_t id = 0;
  auto s = PutRecord(core::RecordKind::kAnnotation, &id,
                     [&a](int64_t n) {
                       a.id = n;
                       return core::EncodeRecord(a);
                     },
                     {}, by.username, "annotation_added", {});
  if (!s) return s.error();
  return a;
}

Status Learning::DeleteAnnotation(int64_t id, const core::User& by) {
  auto a = DecodeOne<core::Annotation>(store_, core::RecordKind::kAnnotation, id,
                                       core::DecodeAnnotation, "annotation");
  if (!a) return a.error();
  // Records are kept; a deleted annotation is marked so (kind "deleted") and hidden.
  a->kind = "deleted";
  return PutRecord(core::RecordKind::kAnnotation, &id,
                   [&a](int64_t) { return core::EncodeRecord(*a); }, {}, by.username,
                   "annotation_deleted", {});
}

Result<std::vector<core::RootCause>> Learning::RootCauses() {
  return DecodeAll<core::RootCause>(store_, core::RecordKind::kRootCause, core::DecodeRootCause);
}

Result<core::RootCause> Learning::GetRootCause(int64_t id) {
  return DecodeOne<core::RootCause>(store_, core::RecordKind::kRootCause, id, core::DecodeRootCause,
                                    "root cause");
}

Result<core::RootCause> Learning::SaveRootCause(core::RootCause r, const core::User& by) {
  if (r.title.empty() || r.title.size() > 200) {
    return Invalid("A title of 1 to 200 bytes is required.", "/title");
  }
  if (r.description.size() > 20000) return Invalid("The description is too long.", "/description");
  if (r.whys.size() > 10) return Invalid("At most 10 whys.", "/whys");
  if (r.complaints.empty()) {
    return Invalid("Link the root cause to at least one complaint.", "/complaints");
  }
  std::optional<core::RootCause> before;
  if (r.id != 0) {
    auto old = GetRootCause(r.id);
    if (!old) return old.error();
    before = std::move(*old);
  }
  std::vector<int64_t> ids;
  std::vector<core::Event> linked;
  std::set<std::string> seen;
  const core::Instant now = service_.clock().Now();
  std::vector<std::string> refs;
  for (size_t i = 0; i < r.complaints.size(); ++i) {
    auto file = service_.GetFile(r.complaints[i], by);
    if (!file) {
      return MakeError(Errc::kInvalid, "No complaint " + r.complaints[i] + " that you can see.",
                       {{"/complaints/" + std::to_string(i), "unknown complaint"}});
    }
    const std::string ref = file->complaint().reference.ToString();
    if (!seen.insert(ref).second) continue;
    refs.push_back(ref);
    ids.push_back(file->complaint().id);
    const bool was_linked =
        before && std::find(before->complaints.begin(), before->complaints.end(), ref) !=
                      before->complaints.end();
    if (!was_linked) {
      linked.push_back(RecordEvent(file->complaint().id, ref, by.username, "root_cause_linked", now,
                                   json::object()));
    }
  }
  r.complaints = std::move(refs);
  r.created_by = before ? before->created_by : by.username;
  r.created_at = before ? before->created_at : now;
  r.updated_at = now;
  int64_t id = r.id;
  auto s = PutRecord(
      core::RecordKind::kRootCause, &id,
      [&r](int64_t n) {
        r.id = n;
        return core::EncodeRecord(r);
      },
      ids, by.username, before ? "root_cause_updated" : "root_cause_created", linked);
  if (!s) return s.error();
  return r;
}

Result<std::vector<core::CorrectiveAction>> Learning::Actions() {
  return DecodeAll<core::CorrectiveAction>(store_, core::RecordKind::kAction, core::DecodeAction);
}

Result<core::CorrectiveAction> Learning::GetAction(int64_t id) {
  return DecodeOne<core::CorrectiveAction>(store_, core::RecordKind::kAction, id,
                                           core::DecodeAction, "action");
}

Result<core::CorrectiveAction> Learning::SaveAction(core::CorrectiveAction a,
                                                    const core::User& by) {
  if (a.title.empty() || a.title.size() > 200) {
    return Invalid("A title of 1 to 200 bytes is required.", "/title");
  }
  if (a.owner.empty()) return Invalid("An owner is required.", "/owner");
  if (!a.due.ok()) return Invalid("A due date (YYYY-MM-DD) is required.", "/due");
  if (!a.check.check_on.ok()) {
    return Invalid("The effectiveness check needs a date (YYYY-MM-DD).", "/check/check_on");
  }
  if (a.check.window != FactPeriod::kWeek && a.check.window != FactPeriod::kMonth) {
    return Invalid("The check window is week or month.", "/check/window");
  }
  for (const auto& [d, v] : a.check.where) {
    if (!core::Filterable(d)) return Invalid("The check filters on a dimension.", "/check/where");
  }
  if (auto rc = GetRootCause(a.root_cause_id); !rc) {
    return Invalid("No root cause with that id.", "/root_cause_id");
  }
  auto owner = store_.FindUser(a.owner);
  if (!owner) return owner.error();
  if (!*owner || (*owner)->disabled) return Invalid("The owner must be an active user.", "/owner");
  std::optional<core::CorrectiveAction> before;
  if (a.id != 0) {
    auto old = GetAction(a.id);
    if (!old) return old.error();
    before = std::move(*old);
  }
  const core::Instant now = service_.clock().Now();
  a.created_by = before ? before->created_by : by.username;
  a.created_at = before ? before->created_at : now;
  a.updated_at = now;
  if (a.status == core::ActionStatus::kDone && !a.done_at) a.done_at = now;
  if (a.status != core::ActionStatus::kDone) a.done_at.reset();
  // A result stands for the check it measured: keep it unless the check changed.
  a.check.evaluated_at.reset();
  a.check.measured.reset();
  a.check.effective.reset();
  if (before) {
    const auto& k = before->check;
    if (k.measure == a.check.measure && k.where == a.check.where && k.window == a.check.window &&
        k.below == a.check.below && k.threshold == a.check.threshold &&
        k.check_on == a.check.check_on) {
      a.check = k;
    }
  }
  int64_t id = a.id;
  auto s = PutRecord(core::RecordKind::kAction, &id,
                     [&a](int64_t n) {
                       a.id = n;
                       return core::EncodeRecord(a);
                     },
                     {}, by.username, before ? "action_updated" : "action_created", {});
  if (!s) return s.error();
  return a;
}

Result<double> Learning::Measure(const core::EffectivenessCheck& c, bool* has_data) {
  FactQuery q;
  q.to = StartOf(c.check_on);
  q.from = *q.to - date::days(c.window == FactPeriod::kWeek ? 7 : 30);
  q.where = c.where;
  auto rows = store_.Facts(q);
  if (!rows) return rows.error();
  const core::FactTally t = rows->empty() ? core::FactTally{} : rows->front().tally;
  const core::Kpis k = core::KpisOf(t);
  std::optional<double> v;
  switch (c.measure) {
    case core::CheckMeasure::kVolume:
      v = static_cast<double>(t.received);
      break;
    case core::CheckMeasure::kUpheldRate:
      if (k.decided > 0) {
        v = static_cast<double>(t.upheld + t.partly_upheld) / static_cast<double>(k.decided);
      }
      break;
    case core::CheckMeasure::kFinalOnTime:
      v = k.final_on_time;
      break;
    case core::CheckMeasure::kSatisfaction:
      v = k.satisfaction_handling;
      break;
  }
  *has_data = v.has_value();
  return v.value_or(0.0);
}

Result<core::CorrectiveAction> Learning::EvaluateCheck(int64_t id, const std::string& actor) {
  auto a = GetAction(id);
  if (!a) return a.error();
  bool has_data = false;
  auto m = Measure(a->check, &has_data);
  if (!m) return m.error();
  a->check.evaluated_at = service_.clock().Now();
  a->check.measured = has_data ? std::optional<double>(*m) : std::nullopt;
  a->check.effective = has_data ? std::optional<bool>(a->check.below ? *m < a->check.threshold
                                                                     : *m >= a->check.threshold)
                                : std::nullopt;
  int64_t n = id;
  auto s =
      PutRecord(core::RecordKind::kAction, &n, [&a](int64_t) { return core::EncodeRecord(*a); }, {},
                actor, "action_checked", {});
  if (!s) return s.error();
  return a;
}

Result<int> Learning::EvaluateChecks() {
  auto all = Actions();
  if (!all) return all.error();
  const core::LocalDate today = Today();
  int done = 0;
  for (const auto& a : *all) {
    if (a.check.evaluated_at || a.status == core::ActionStatus::kCancelled) continue;
    if (a.check.check_on > today) continue;
    auto r = EvaluateCheck(a.id, "system");
    if (!r) return r.error();
    ++done;
  }
  return done;
}

// --- Audit -----------------------------------------------------------------------------------

Result<std::vector<core::Audit>> Learning::Audits() {
  return DecodeAll<core::Audit>(store_, core::RecordKind::kAudit, core::DecodeAudit);
}

Result<core::Audit> Learning::GetAudit(int64_t id) {
  return DecodeOne<core::Audit>(store_, core::RecordKind::kAudit, id, core::DecodeAudit, "audit");
}

Result<core::Audit> Learning::DrawAudit(core::LocalDate from, core::LocalDate to, int size,
                                        std::optional<uint64_t> seed, const core::User& auditor) {
  if (!from.ok() || !to.ok() || from > to) {
    return Invalid("A period with from on or before to is required.", "/from");
  }
  if (size < 1 || size > 500) return Invalid("The sample size is 1 to 500.", "/size");
  auto closed = store_.ClosedIn(StartOf(from), StartOf(to) + date::days(1));
  if (!closed) return closed.error();
  core::Audit a;
  a.auditor = auditor.username;
  a.from = from;
  a.to = to;
  a.size = size;
  a.seed = seed.value_or(static_cast<uint64_t>(core::ToMillis(service_.clock().Now())) ^
                         0x9E3779B97F4A7C15ULL);
  a.population = static_cast<int64_t>(closed->size());
  a.created_at = service_.clock().Now();
  std::vector<std::pair<int64_t, std::string>> order = *closed;
  std::mt19937_64 rng(a.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int64_t> ids;
  for (const auto& [id, ref] : order) {
    if (static_cast<int>(a.items.size()) >= size) break;
    auto events = store_.EventsOf(id);
    if (!events) return events.error();
    const bool handled = std::any_of(events->begin(), events->end(), [&](const core::Event& e) {
      return e.actor == auditor.username;
    });
    if (handled) continue;  // an auditor never audits their own work
    auto parsed = core::ParseReference(ref, service_.config().reference_prefix);
    if (!parsed) continue;
    auto c = store_.GetComplaint(*parsed);
    if (!c) return c.error();
    if (!*c) continue;
    auto notes = store_.NotificationsOf(id);
    if (!notes) return notes.error();
    std::optional<bool> referral;
    for (const auto& n : *notes) {
      if (n.kind != "final_response") continue;
      auto vars = json::parse(n.vars.value, nullptr, false);
      referral = vars.is_object() && vars.value("ombudsman_name", "") != "";
    }
    core::AuditItem item;
    item.reference = ref;
    item.checks = core::AuditChecks(**c, referral);
    a.items.push_back(std::move(item));
    ids.push_back(id);
  }
  int64_t id = 0;
  auto s = PutRecord(core::RecordKind::kAudit, &id,
                     [&a](int64_t n) {
                       a.id = n;
                       return core::EncodeRecord(a);
                     },
                     ids, auditor.username, "audit_drawn", {});
  if (!s) return s.error();
  return a;
}

Result<core::Audit> Learning::RecordFinding(int64_t audit_id, const std::string& reference,
                                            core::FindingSeverity severity, std::string note,
                                            const core::User& by) {
  auto a = GetAudit(audit_id);
  if (!a) return a.error();
  if (note.size() > 4000) return Invalid("The note is at most 4000 bytes.", "/note");
  auto it = std::find_if(a->items.begin(), a->items.end(),
                         [&](const core::AuditItem& i) { return i.reference == reference; });
  if (it == a->items.end()) {
    return MakeError(Errc::kNotFound, "That complaint is not in the sample.");
  }
  it->severity = severity;
  it->note = std::move(note);
  it->reviewed_by = by.username;
  it->reviewed_at = service_.clock().Now();
  auto record = store_.GetRecord(core::RecordKind::kAudit, audit_id);
  if (!record) return record.error();
  const std::vector<int64_t> ids = *record ? (*record)->complaint_ids : std::vector<int64_t>{};
  int64_t id = audit_id;
  auto s =
      PutRecord(core::RecordKind::kAudit, &id, [&a](int64_t) { return core::EncodeRecord(*a); },
                ids, by.username, "audit_finding", {});
  if (!s) return s.error();
  return a;
}

}  // namespace redress::app
