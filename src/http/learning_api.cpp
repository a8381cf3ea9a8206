// Clause 8 routes (docs/analytics.md): analytics with a CSV form of each, annotations, root
// causes and actions, internal audits, the management review report and the complaints return.
// Every job handed to Offload is a named lambda: GCC 12 mis-copies the captures of a lambda
// that is a temporary inside a co_await expression (it was seen freeing the coroutine frame).
#include <fmt/format.h>

#include <charconv>

#include "app/learning.hpp"
#include "http/api.hpp"
#include "http/api_util.hpp"
#include "http/async.hpp"
#include "importer/csv_reader.hpp"
#include "report/review.hpp"

namespace redress::http {
namespace asio = boost::asio;
using core::Errc;
using core::FactDim;
using core::MakeError;
using nlohmann::json;

namespace {

constexpr FactDim kFilterDims[] = {FactDim::kCategory,   FactDim::kProduct,  FactDim::kChannel,
                                   FactDim::kDepartment, FactDim::kLocation, FactDim::kHandler,
                                   FactDim::kCause,      FactDim::kState,    FactDim::kPolicy,
                                   FactDim::kCurrency};

core::Error BadQuery(const std::string& name, const std::string& detail) {
  return MakeError(Errc::kInvalid, detail, {{"/query/" + name, detail}});
}

core::Result<std::optional<core::LocalDate>> DateParam(const Request& req, const char* name) {
  const std::string v = req.Query(name);
  if (v.empty()) return std::optional<core::LocalDate>();
  auto d = core::ParseDate(v);
  if (!d) return BadQuery(name, std::string(name) + " must be a date, YYYY-MM-DD.");
  return std::optional<core::LocalDate>(*d);
}

// from, to and the dimension filters; any other parameter must be in `extra`.
core::Result<app::AnalyticsFilter> FilterOf(const Request& req,
                                            std::initializer_list<std::string_view> extra) {
  app::AnalyticsFilter f;
  for (const auto& [k, v] : req.query) {
    if (k == "from" || k == "to" || k == "format") continue;
    if (std::find(extra.begin(), extra.end(), k) != extra.end()) continue;
    auto d = core::ParseFactDim(k);
    if (!d ||
        std::find(std::begin(kFilterDims), std::end(kFilterDims), *d) == std::end(kFilterDims)) {
      return BadQuery(k, "Unknown parameter " + k + ".");
    }
    f.where.emplace_back(*d, v);
  }
  auto from = DateParam(req, "from");
  if (!from) return from.error();
  auto to = DateParam(req, "to");
  if (!to) return to.error();
  f.from = *from;
  f.to = *to;
  return f;
}

core::Result<bool> WantsCsv(const Request& req) {
  const std::string f = req.Query("format");
  if (f.empty() || f == "json") return false;
  if (f == "csv") return true;
  return BadQuery("format", "format must be json or csv.");
}

json Rate(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json KpisJson(const core::Kpis& k) {
  return {{"received", k.received},
          {"open", k.open},
          {"closed", k.closed},
          {"ack_on_time", Rate(k.ack_on_time)},
          {"final_on_time", Rate(k.final_on_time)},
          {"decided", k.decided},
          {"upheld", Rate(k.upheld)},
          {"partly_upheld", Rate(k.partly_upheld)},
          {"not_upheld", Rate(k.not_upheld)},
          {"redress_minor", k.redress_minor},
          {"redressed", k.redressed},
          {"redress_mean_minor", Rate(k.redress_mean_minor)},
          {"reopen_rate", Rate(k.reopen_rate)},
          {"referral_rate", Rate(k.referral_rate)},
          {"early_resolution", Rate(k.early_resolution)},
          {"surveys", k.surveys},
          {"survey_response", Rate(k.survey_response)},
          {"satisfaction_handling", Rate(k.satisfaction_handling)},
          {"satisfaction_outcome", Rate(k.satisfaction_outcome)}};
}

std::string Num(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return fmt::format("{:.4f}", v.get<double>());
  return v.dump();
}

// CSV of flat JSON objects (every row has the first row's keys).
std::string CsvOf(const json& rows) {
  std::string out;
  if (!rows.is_array() || rows.empty()) return out;
  std::vector<std::string> header;
  for (const auto& [k, v] : rows.front().items()) header.push_back(k);
  importer::AppendCsvRecord(out, header);
  for (const auto& row : rows) {
    std::vector<std::string> fields;
    for (const auto& k : header) {
      const json& v = row.contains(k) ? row[k] : json(nullptr);
      fields.push_back(v.is_string() ? v.get<std::string>() : Num(v));
    }
    importer::AppendCsvRecord(out, fields);
  }
  return out;
}

Response CsvResponse(const json& rows, const std::string& name) {
  Response r = Response::Text(200, CsvOf(rows), "text/csv; charset=utf-8");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
  return r;
}

std::string KeyName(const core::FactKey& k) {
  if (const auto* p = std::get_if<core::FactPeriod>(&k)) return core::ToString(*p);
  return core::ToString(std::get<FactDim>(k));
}

json RowsJson(const std::vector<core::FactKey>& by, const std::vector<core::FactRow>& rows) {
  json out = json::array();
  for (const auto& r : rows) {
    json o;
    for (size_t i = 0; i < by.size(); ++i) o[KeyName(by[i])] = r.key[i];
    const json kpis = KpisJson(core::KpisOf(r.tally));
    o.update(kpis);
    out.push_back(std::move(o));
  }
  return out;
}

json SpikeJson(const core::Spike& s) {
  return {{"dimension", s.dimension},
          {"value", s.value},
          {"week", s.week},
          {"count", s.count},
          {"baseline_median", s.baseline_median},
          {"z", std::isinf(s.z) ? json("inf") : json(s.z)}};
}

json ParetoJson(const std::vector<core::ParetoRow>& rows) {
  json out = json::array();
  for (const auto& r : rows) {
    out.push_back({{"key", r.key},
                   {"count", r.count},
                   {"redress_minor", r.redress_minor},
                   {"share", r.share},
                   {"cumulative", r.cumulative},
                   {"vital", r.vital}});
  }
  return out;
}

json AnnotationJson(const core::Annotation& a) {
  json j = json::parse(core::EncodeRecord(a));
  return j;
}

json BreakdownJson(const std::vector<report::Breakdown>& rows) {
  json out = json::array();
  for (const auto& b : rows) {
    json o = KpisJson(b.kpis);
    o["key"] = b.key;
    out.push_back(std::move(o));
  }
  return out;
}

json DashboardJson(const report::ReviewData& d) {
  json weekly = json::array();
  for (const auto& [w, n] : d.weekly) weekly.push_back({{"week", w}, {"received", n}});
  json spikes = json::array();
  for (const auto& s : d.spikes) spikes.push_back(SpikeJson(s));
  json notes = json::array();
  for (const auto& a : d.annotations) notes.push_back(AnnotationJson(a));
  static constexpr const char* kBuckets[] = {"le_3_business_days", "le_4_weeks", "le_8_weeks",
                                             "gt_8_weeks"};
  json ages = json::array();
  for (size_t i = 0; i < 4; ++i)
    ages.push_back({{"bucket", kBuckets[i]}, {"count", d.open_by_age[i]}});
  json out{
      {"from", d.from.empty() ? json(nullptr) : json(d.from)},
      // ReviewData's end is exclusive; the JSON gives the last day, as asked for.
      {"to", d.to.empty()
                 ? json(nullptr)
                 : json(core::FormatDate(date::sys_days(*core::ParseDate(d.to)) - date::days(1)))},
      {"kpis", KpisJson(d.kpis)},
      {"previous", d.previous ? KpisJson(*d.previous) : json(nullptr)},
      {"weekly", weekly},
      {"annotations", notes},
      {"spikes", spikes},
      {"by_category", BreakdownJson(d.by_category)},
      {"by_product", BreakdownJson(d.by_product)},
      {"by_channel", BreakdownJson(d.by_channel)},
      {"resolve_days",
       {{"resolved", d.resolve.resolved},
        {"p50", d.resolve.p50 ? json(*d.resolve.p50) : json(nullptr)},
        {"p90", d.resolve.p90 ? json(*d.resolve.p90) : json(nullptr)}}},
      {"open_by_age", ages},
      {"pareto_causes", ParetoJson(d.pareto)}};
  json objectives = json::array();
  for (const auto& t : d.targets) {
    json met = nullptr;
    if (t.actual) met = t.higher_is_better ? *t.actual >= t.objective : *t.actual <= t.objective;
    objectives.push_back({{"kpi", t.kpi},
                          {"name", t.name},
                          {"objective", t.objective},
                          {"higher_is_better", t.higher_is_better},
                          {"share", t.share},
                          {"actual", t.actual ? json(*t.actual) : json(nullptr)},
                          {"met", met}});
  }
  out["objectives"] = std::move(objectives);
  return out;
}

core::Result<int64_t> IdParam(const Request& req, size_t i) {
  int64_t v = 0;
  const std::string& s = req.params[i];
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) {
    return MakeError(Errc::kNotFound, "No such resource.");
  }
  return v;
}

// --- Request bodies ----------------------------------------------------------------------------

template <typename T>
core::Result<T> Field(const json& body, const char* name, bool required, T fallback) {
  if (!body.contains(name) || body[name].is_null()) {
    if (required) {
      return MakeError(Errc::kInvalid, std::string(name) + " is required.",
                       {{std::string("/") + name, "required"}});
    }
    return fallback;
  }
  try {
    return body[name].get<T>();
  } catch (const json::exception&) {
    return MakeError(Errc::kInvalid, std::string(name) + " has the wrong type.",
                     {{std::string("/") + name, "wrong type"}});
  }
}

core::Result<core::LocalDate> DateField(const json& body, const char* name) {
  auto s = Field<std::string>(body, name, true, "");
  if (!s) return s.error();
  auto d = core::ParseDate(*s);
  if (!d) {
    return MakeError(Errc::kInvalid, std::string(name) + " must be a date, YYYY-MM-DD.",
                     {{std::string("/") + name, "date"}});
  }
  return *d;
}

core::Status OnlyKeys(const json& body, std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : body.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      return MakeError(Errc::kInvalid, "Unknown field " + k + ".", {{"/" + k, "unknown field"}});
    }
  }
  return {};
}

core::Result<core::RootCause> RootCauseOf(const json& b) {
  if (auto s = OnlyKeys(b, {"title", "method", "category", "whys", "description", "complaints"});
      !s) {
    return s.error();
  }
  core::RootCause r;
  auto title = Field<std::string>(b, "title", true, "");
  if (!title) return title.error();
  r.title = *title;
  auto method = Field<std::string>(b, "method", false, "five_whys");
  if (!method) return method.error();
  auto m = core::ParseRcaMethod(*method);
  if (!m)
    return MakeError(Errc::kInvalid, "method must be five_whys, fishbone or other.",
                     {{"/method", "enum"}});
  r.method = *m;
  auto cat = Field<std::string>(b, "category", false, "");
  if (!cat) return cat.error();
  if (!cat->empty()) {
    r.category = core::ParseCauseCategory(*cat);
    if (!r.category) {
      return MakeError(Errc::kInvalid,
                       "category must be people, process, product, system, third_party or policy.",
                       {{"/category", "enum"}});
    }
  }
  auto whys = Field<std::vector<std::string>>(b, "whys", false, {});
  if (!whys) return whys.error();
  r.whys = *whys;
  auto desc = Field<std::string>(b, "description", false, "");
  if (!desc) return desc.error();
  r.description = *desc;
  auto refs = Field<std::vector<std::string>>(b, "complaints", true, {});
  if (!refs) return refs.error();
  r.complaints = *refs;
  return r;
}

core::Result<core::CorrectiveAction> ActionOf(const json& b) {
  if (auto s = OnlyKeys(
          b, {"root_cause_id", "kind", "title", "description", "owner", "due", "status", "check"});
      !s) {
    return s.error();
  }
  core::CorrectiveAction a;
  auto rc = Field<int64_t>(b, "root_cause_id", true, 0);
  if (!rc) return rc.error();
  a.root_cause_id = *rc;
  auto kind = Field<std::string>(b, "kind", false, "corrective");
  if (!kind) return kind.error();
  auto k = core::ParseActionKind(*kind);
  if (!k)
    return MakeError(Errc::kInvalid, "kind must be corrective or preventive.", {{"/kind", "enum"}});
  a.kind = *k;
  auto title = Field<std::string>(b, "title", true, "");
  if (!title) return title.error();
  a.title = *title;
  auto desc = Field<std::string>(b, "description", false, "");
  if (!desc) return desc.error();
  a.description = *desc;
  auto owner = Field<std::string>(b, "owner", true, "");
  if (!owner) return owner.error();
  a.owner = *owner;
  auto due = DateField(b, "due");
  if (!due) return due.error();
  a.due = *due;
  auto status = Field<std::string>(b, "status", false, "planned");
  if (!status) return status.error();
  auto st = core::ParseActionStatus(*status);
  if (!st) {
    return MakeError(Errc::kInvalid, "status must be planned, in_progress, done or cancelled.",
                     {{"/status", "enum"}});
  }
  a.status = *st;
  auto check = Field<json>(b, "check", true, json());
  if (!check) return check.error();
  if (!check->is_object())
    return MakeError(Errc::kInvalid, "check must be an object.", {{"/check", "object"}});
  if (auto s = OnlyKeys(*check, {"measure", "where", "window", "below", "threshold", "check_on"});
      !s) {
    return s.error();
  }
  auto measure = Field<std::string>(*check, "measure", false, "volume");
  if (!measure) return measure.error();
  auto ms = core::ParseCheckMeasure(*measure);
  if (!ms) {
    return MakeError(Errc::kInvalid,
                     "check.measure must be volume, upheld_rate, final_on_time or satisfaction.",
                     {{"/check/measure", "enum"}});
  }
  a.check.measure = *ms;
  auto where = Field<std::map<std::string, std::string>>(*check, "where", false, {});
  if (!where) return where.error();
  for (const auto& [k2, v] : *where) {
    auto d = core::ParseFactDim(k2);
    if (!d || !core::Filterable(*d)) {
      return MakeError(Errc::kInvalid, "Unknown dimension " + k2 + " in check.where.",
                       {{"/check/where/" + k2, "unknown dimension"}});
    }
    a.check.where.emplace_back(*d, v);
  }
  auto window = Field<std::string>(*check, "window", false, "month");
  if (!window) return window.error();
  auto w = core::ParseFactPeriod(*window);
  if (!w || *w == core::FactPeriod::kDay) {
    return MakeError(Errc::kInvalid, "check.window must be week or month.",
                     {{"/check/window", "enum"}});
  }
  a.check.window = *w;
  auto below = Field<bool>(*check, "below", false, true);
  if (!below) return below.error();
  a.check.below = *below;
  auto threshold = Field<double>(*check, "threshold", true, 0);
  if (!threshold) return threshold.error();
  a.check.threshold = *threshold;
  auto on = DateField(*check, "check_on");
  if (!on) return on.error();
  a.check.check_on = *on;
  return a;
}

json RootCauseJson(const core::RootCause& r) { return json::parse(core::EncodeRecord(r)); }

json ActionJson(const core::CorrectiveAction& a, core::LocalDate today) {
  json j = json::parse(core::EncodeRecord(a));
  const std::string attention = core::AttentionOf(a, today);
  j["attention"] = attention.empty() ? json(nullptr) : json(attention);
  return j;
}

json AuditJson(const core::Audit& a) { return json::parse(core::EncodeRecord(a)); }

core::LocalDate TodayOf(const app::ComplaintService& s) {
  return core::LocalDate{std::chrono::floor<date::days>(s.clock().Now())};
}

}  // namespace

// --- Analytics ---------------------------------------------------------------------------------

asio::awaitable<Response> Api::AnalyticsDashboard(Request& req, const core::User*) {
  auto f = FilterOf(req, {});
  if (!f) co_return ErrorOf(f.error(), req);
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  auto job = [this, f = *f] { return learning_->Dashboard(f); };
  auto d = co_await Offload(blocking_, std::move(job));
  if (!d) co_return ErrorOf(d.error(), req);
  json body = DashboardJson(*d);
  if (*csv) {
    json rows = json::array();
    for (const auto& [k, v] : body["kpis"].items()) rows.push_back({{"kpi", k}, {"value", Num(v)}});
    co_return CsvResponse(rows, "kpis");
  }
  co_return Response::Json(200, body);
}

asio::awaitable<Response> Api::AnalyticsBreakdown(Request& req, const core::User*) {
  auto f = FilterOf(req, {"by"});
  if (!f) co_return ErrorOf(f.error(), req);
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  std::vector<core::FactKey> by;
  std::string spec = req.Query("by");
  if (spec.empty()) spec = "week";
  for (size_t i = 0; i <= spec.size();) {
    size_t j = spec.find(',', i);
    if (j == std::string::npos) j = spec.size();
    const std::string part = spec.substr(i, j - i);
    if (auto p = core::ParseFactPeriod(part)) {
      by.emplace_back(*p);
    } else if (auto d = core::ParseFactDim(part)) {
      by.emplace_back(*d);
    } else {
      co_return ErrorOf(
          BadQuery("by", "by names day, week, month or a dimension; '" + part + "' is neither."),
          req);
    }
    i = j + 1;
  }
  auto job = [this, f = *f, by] { return learning_->Breakdown(f, by); };
  auto rows = co_await Offload(blocking_, std::move(job));
  if (!rows) co_return ErrorOf(rows.error(), req);
  json body = RowsJson(by, *rows);
  if (*csv) co_return CsvResponse(body, "breakdown");
  co_return Response::Json(200, {{"by", spec}, {"rows", body}});
}

asio::awaitable<Response> Api::AnalyticsOpen(Request& req, const core::User*) {
  auto f = FilterOf(req, {});
  if (!f) co_return ErrorOf(f.error(), req);
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  auto job = [this, f = *f] { return learning_->OpenByAge(f); };
  auto rows = co_await Offload(blocking_, std::move(job));
  if (!rows) co_return ErrorOf(rows.error(), req);
  static constexpr const char* kBuckets[] = {"le_3_business_days", "le_4_weeks", "le_8_weeks",
                                             "gt_8_weeks"};
  json out = json::array();
  for (const auto& r : *rows) {
    out.push_back({{"state", r.key[0]},
                   {"age", kBuckets[std::clamp(std::stoi(r.key[1]), 0, 3)]},
                   {"count", r.tally.open}});
  }
  if (*csv) co_return CsvResponse(out, "open");
  co_return Response::Json(200, {{"rows", out}});
}

asio::awaitable<Response> Api::AnalyticsSpikes(Request& req, const core::User*) {
  auto f = FilterOf(req, {"by"});
  if (!f) co_return ErrorOf(f.error(), req);
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  const std::string by = req.Query("by").empty() ? "category" : req.Query("by");
  auto dim = core::ParseFactDim(by);
  if (!dim || !core::Filterable(*dim))
    co_return ErrorOf(BadQuery("by", "by must be a dimension."), req);
  auto job = [this, f = *f, d = *dim] { return learning_->Spikes(f, d); };
  auto spikes = co_await Offload(blocking_, std::move(job));
  if (!spikes) co_return ErrorOf(spikes.error(), req);
  json out = json::array();
  for (const auto& s : *spikes) out.push_back(SpikeJson(s));
  if (*csv) co_return CsvResponse(out, "spikes");
  co_return Response::Json(200, {{"by", by}, {"spikes", out}});
}

asio::awaitable<Response> Api::AnalyticsPareto(Request& req, const core::User*) {
  auto f = FilterOf(req, {"by"});
  if (!f) co_return ErrorOf(f.error(), req);
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  const std::string by = req.Query("by").empty() ? "cause" : req.Query("by");
  auto dim = core::ParseFactDim(by);
  if (!dim || !core::Filterable(*dim))
    co_return ErrorOf(BadQuery("by", "by must be a dimension."), req);
  auto job = [this, f = *f, d = *dim] { return learning_->Pareto(f, d); };
  auto rows = co_await Offload(blocking_, std::move(job));
  if (!rows) co_return ErrorOf(rows.error(), req);
  json out = ParetoJson(*rows);
  if (*csv) co_return CsvResponse(out, "pareto");
  co_return Response::Json(200, {{"by", by}, {"rows", out}});
}

// --- Annotations -------------------------------------------------------------------------------

asio::awaitable<Response> Api::ListAnnotations(Request& req, const core::User*) {
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  auto job = [this] { return learning_->Annotations(); };
  auto all = co_await Offload(blocking_, std::move(job));
  if (!all) co_return ErrorOf(all.error(), req);
  json out = json::array();
  for (const auto& a : *all) {
    if (a.kind != "deleted") out.push_back(AnnotationJson(a));
  }
  if (*csv) {
    for (auto& a : out) a["scope"] = a["scope"].is_null() ? "" : a["scope"].dump();
    co_return CsvResponse(out, "annotations");
  }
  co_return Response::Json(200, {{"annotations", out}});
}

asio::awaitable<Response> Api::AddAnnotation(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  if (auto s = OnlyKeys(*body, {"day", "kind", "label", "scope"}); !s)
    co_return ErrorOf(s.error(), req);
  core::Annotation a;
  auto day = DateField(*body, "day");
  if (!day) co_return ErrorOf(day.error(), req);
  a.day = *day;
  auto kind = Field<std::string>(*body, "kind", false, "other");
  if (!kind) co_return ErrorOf(kind.error(), req);
  a.kind = *kind;
  auto label = Field<std::string>(*body, "label", true, "");
  if (!label) co_return ErrorOf(label.error(), req);
  a.label = *label;
  auto scope = Field<std::map<std::string, std::string>>(*body, "scope", false, {});
  if (!scope) co_return ErrorOf(scope.error(), req);
  if (scope->size() > 1) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "scope names one dimension.", {{"/scope", "one"}}),
                      req);
  }
  for (const auto& [k, v] : *scope) {
    auto d = core::ParseFactDim(k);
    if (!d || !core::Filterable(*d)) {
      co_return ErrorOf(
          MakeError(Errc::kInvalid, "Unknown dimension " + k + ".", {{"/scope/" + k, "unknown"}}),
          req);
    }
    a.scope = std::make_pair(*d, v);
  }
  auto job = [this, a, u = *user] { return learning_->AddAnnotation(a, u); };
  auto saved = co_await Offload(blocking_, std::move(job));
  if (!saved) co_return ErrorOf(saved.error(), req);
  co_return Json201(AnnotationJson(*saved),
                    fmt::format("/api/v1/analytics/annotations/{}", saved->id));
}

asio::awaitable<Response> Api::DeleteAnnotation(Request& req, const core::User* user) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto job = [this, id = *id, u = *user] { return learning_->DeleteAnnotation(id, u); };
  auto s = co_await Offload(blocking_, std::move(job));
  if (!s) co_return ErrorOf(s.error(), req);
  co_return Response::Text(204, "", "application/json");
}

// --- Root causes and actions -------------------------------------------------------------------

asio::awaitable<Response> Api::ListRootCauses(Request& req, const core::User*) {
  auto job = [this] { return learning_->RootCauses(); };
  auto all = co_await Offload(blocking_, std::move(job));
  if (!all) co_return ErrorOf(all.error(), req);
  json out = json::array();
  for (const auto& r : *all) out.push_back(RootCauseJson(r));
  co_return Response::Json(200, {{"root_causes", out}});
}

asio::awaitable<Response> Api::GetRootCause(Request& req, const core::User*) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto job = [this, id = *id] { return learning_->GetRootCause(id); };
  auto r = co_await Offload(blocking_, std::move(job));
  if (!r) co_return ErrorOf(r.error(), req);
  co_return Response::Json(200, RootCauseJson(*r));
}

asio::awaitable<Response> Api::SaveRootCause(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  auto r = RootCauseOf(*body);
  if (!r) co_return ErrorOf(r.error(), req);
  const bool create = req.params.empty();
  if (!create) {
    auto id = IdParam(req, 0);
    if (!id) co_return ErrorOf(id.error(), req);
    r->id = *id;
  }
  auto job = [this, r = *r, u = *user] { return learning_->SaveRootCause(r, u); };
  auto saved = co_await Offload(blocking_, std::move(job));
  if (!saved) co_return ErrorOf(saved.error(), req);
  if (create)
    co_return Json201(RootCauseJson(*saved), fmt::format("/api/v1/root-causes/{}", saved->id));
  co_return Response::Json(200, RootCauseJson(*saved));
}

asio::awaitable<Response> Api::ListActions(Request& req, const core::User*) {
  const std::string attention = req.Query("attention");
  if (!attention.empty() && attention != "true" && attention != "false") {
    co_return ErrorOf(BadQuery("attention", "attention must be true or false."), req);
  }
  auto job = [this] { return learning_->Actions(); };
  auto all = co_await Offload(blocking_, std::move(job));
  if (!all) co_return ErrorOf(all.error(), req);
  const core::LocalDate today = TodayOf(service_);
  json out = json::array();
  for (const auto& a : *all) {
    if (attention == "true" && core::AttentionOf(a, today).empty()) continue;
    out.push_back(ActionJson(a, today));
  }
  co_return Response::Json(200, {{"actions", out}});
}

asio::awaitable<Response> Api::GetAction(Request& req, const core::User*) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto job = [this, id = *id] { return learning_->GetAction(id); };
  auto a = co_await Offload(blocking_, std::move(job));
  if (!a) co_return ErrorOf(a.error(), req);
  co_return Response::Json(200, ActionJson(*a, TodayOf(service_)));
}

asio::awaitable<Response> Api::SaveAction(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  auto a = ActionOf(*body);
  if (!a) co_return ErrorOf(a.error(), req);
  const bool create = req.params.empty();
  if (!create) {
    auto id = IdParam(req, 0);
    if (!id) co_return ErrorOf(id.error(), req);
    a->id = *id;
  }
  auto job = [this, a = *a, u = *user] { return learning_->SaveAction(a, u); };
  auto saved = co_await Offload(blocking_, std::move(job));
  if (!saved) co_return ErrorOf(saved.error(), req);
  json j = ActionJson(*saved, TodayOf(service_));
  if (create) co_return Json201(j, fmt::format("/api/v1/actions/{}", saved->id));
  co_return Response::Json(200, j);
}

asio::awaitable<Response> Api::CheckAction(Request& req, const core::User* user) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto job = [this, id = *id, name = user->username] { return learning_->EvaluateCheck(id, name); };
  auto a = co_await Offload(blocking_, std::move(job));
  if (!a) co_return ErrorOf(a.error(), req);
  co_return Response::Json(200, ActionJson(*a, TodayOf(service_)));
}

// --- Audits ------------------------------------------------------------------------------------

asio::awaitable<Response> Api::ListAudits(Request& req, const core::User*) {
  auto job = [this] { return learning_->Audits(); };
  auto all = co_await Offload(blocking_, std::move(job));
  if (!all) co_return ErrorOf(all.error(), req);
  json out = json::array();
  for (const auto& a : *all) out.push_back(AuditJson(a));
  co_return Response::Json(200, {{"audits", out}});
}

asio::awaitable<Response> Api::GetAudit(Request& req, const core::User*) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto job = [this, id = *id] { return learning_->GetAudit(id); };
  auto a = co_await Offload(blocking_, std::move(job));
  if (!a) co_return ErrorOf(a.error(), req);
  co_return Response::Json(200, AuditJson(*a));
}

asio::awaitable<Response> Api::CreateAudit(Request& req, const core::User* user) {
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  if (auto s = OnlyKeys(*body, {"from", "to", "size", "seed"}); !s)
    co_return ErrorOf(s.error(), req);
  auto from = DateField(*body, "from");
  if (!from) co_return ErrorOf(from.error(), req);
  auto to = DateField(*body, "to");
  if (!to) co_return ErrorOf(to.error(), req);
  auto size = Field<int>(*body, "size", false, 20);
  if (!size) co_return ErrorOf(size.error(), req);
  std::optional<uint64_t> seed;
  if (body->contains("seed") && !(*body)["seed"].is_null()) {
    auto s = Field<std::string>(*body, "seed", false, "");
    uint64_t v = 0;
    if (!s || std::from_chars(s->data(), s->data() + s->size(), v).ec != std::errc()) {
      co_return ErrorOf(
          MakeError(Errc::kInvalid, "seed must be a string of digits.", {{"/seed", "digits"}}),
          req);
    }
    seed = v;
  }
  auto job = [this, f = *from, t = *to, n = *size, seed, u = *user] {
    return learning_->DrawAudit(f, t, n, seed, u);
  };
  auto a = co_await Offload(blocking_, std::move(job));
  if (!a) co_return ErrorOf(a.error(), req);
  co_return Json201(AuditJson(*a), fmt::format("/api/v1/audits/{}", a->id));
}

asio::awaitable<Response> Api::PutFinding(Request& req, const core::User* user) {
  auto id = IdParam(req, 0);
  if (!id) co_return ErrorOf(id.error(), req);
  auto body = JsonBody(req);
  if (!body) co_return ErrorOf(body.error(), req);
  if (auto s = OnlyKeys(*body, {"severity", "note"}); !s) co_return ErrorOf(s.error(), req);
  auto sev = Field<std::string>(*body, "severity", true, "");
  if (!sev) co_return ErrorOf(sev.error(), req);
  auto severity = core::ParseFindingSeverity(*sev);
  if (!severity) {
    co_return ErrorOf(MakeError(Errc::kInvalid, "severity must be none, minor, major or critical.",
                                {{"/severity", "enum"}}),
                      req);
  }
  auto note = Field<std::string>(*body, "note", false, "");
  if (!note) co_return ErrorOf(note.error(), req);
  auto job = [this, id = *id, ref = req.params[1], s = *severity, n = *note, u = *user] {
    return learning_->RecordFinding(id, ref, s, n, u);
  };
  auto a = co_await Offload(blocking_, std::move(job));
  if (!a) co_return ErrorOf(a.error(), req);
  co_return Response::Json(200, AuditJson(*a));
}

// --- Reports and exports -----------------------------------------------------------------------

asio::awaitable<Response> Api::ReviewReport(Request& req, const core::User*) {
  auto from = DateParam(req, "from");
  if (!from) co_return ErrorOf(from.error(), req);
  auto to = DateParam(req, "to");
  if (!to) co_return ErrorOf(to.error(), req);
  if (!*from || !*to) co_return ErrorOf(BadQuery("from", "from and to are required."), req);
  const std::string format = req.Query("format").empty() ? "html" : req.Query("format");
  if (format != "html" && format != "pdf" && format != "json") {
    co_return ErrorOf(BadQuery("format", "format must be html, pdf or json."), req);
  }
  auto job = [this, f = **from, t = **to] { return learning_->Review(f, t); };
  auto data = co_await Offload(blocking_, std::move(job));
  if (!data) co_return ErrorOf(data.error(), req);
  if (format == "json") co_return Response::Json(200, DashboardJson(*data));
  std::string html = report::RenderReviewHtml(*data);
  if (format == "html") {
    // The report is one static page with its own stylesheet: styles inline, never a script.
    Response r = Response::Text(200, std::move(html), "text/html; charset=utf-8");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "frame-ancestors 'none'");
    co_return r;
  }
  auto pdf_job = [h = std::move(html)] { return report::RenderPdf(h); };
  auto pdf = co_await Offload(blocking_, std::move(pdf_job));
  if (!pdf) co_return ErrorOf(pdf.error(), req);
  Response r = Response::Text(200, std::move(*pdf), "application/pdf");
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"review-" + req.Query("from") + ".pdf\"");
  co_return r;
}

asio::awaitable<Response> Api::ComplaintsReturn(Request& req, const core::User*) {
  auto from = DateParam(req, "from");
  if (!from) co_return ErrorOf(from.error(), req);
  auto to = DateParam(req, "to");
  if (!to) co_return ErrorOf(to.error(), req);
  if (!*from || !*to) co_return ErrorOf(BadQuery("from", "from and to are required."), req);
  const std::string table = req.Query("table").empty() ? "product" : req.Query("table");
  if (table != "product" && table != "cause") {
    co_return ErrorOf(BadQuery("table", "table must be product or cause."), req);
  }
  auto csv = WantsCsv(req);
  if (!csv) co_return ErrorOf(csv.error(), req);
  auto job = [this, f = **from, t = **to] { return learning_->Return(f, t); };
  auto ret = co_await Offload(blocking_, std::move(job));
  if (!ret) co_return ErrorOf(ret.error(), req);
  auto rows = [](const std::vector<app::ReturnRow>& v, bool by_cause) {
    json out = json::array();
    for (const auto& r : v) {
      json o{{"product_group", r.product_group}};
      if (by_cause) o["cause"] = r.cause;
      o["open_at_start"] = r.open_at_start;
      o["opened"] = r.opened;
      o["closed"] = r.closed;
      o["upheld"] = r.upheld;
      o["upheld_pct"] =
          r.closed ? json(100.0 * static_cast<double>(r.upheld) / static_cast<double>(r.closed))
                   : json(nullptr);
      o["within_3_business_days"] = r.within_3_business_days;
      o["within_8_weeks"] = r.within_8_weeks;
      o["later"] = r.later;
      o["redress_minor"] = r.redress_minor;
      o["open_at_end"] = r.open_at_end;
      out.push_back(std::move(o));
    }
    return out;
  };
  json products = rows(ret->by_product, false);
  json causes = rows(ret->by_cause, true);
  if (*csv) {
    const json& rows_out = table == "cause" ? causes : products;
    if (rows_out.empty()) {  // the header alone
      std::string header = table == "cause" ? "product_group,cause," : "product_group,";
      header +=
          "open_at_start,opened,closed,upheld,upheld_pct,within_3_business_days,"
          "within_8_weeks,later,redress_minor,open_at_end\n";
      Response empty = Response::Text(200, std::move(header), "text/csv; charset=utf-8");
      co_return empty;
    }
    co_return CsvResponse(rows_out, "complaints-return-" + table);
  }
  co_return Response::Json(200, {{"from", core::FormatDate(ret->from)},
                                 {"to", core::FormatDate(ret->to)},
                                 {"by_product", products},
                                 {"by_cause", causes}});
}

}  // namespace redress::http
