#include "core/learning.hpp"

#include <nlohmann/json.hpp>

#include "core/enum_names.hpp"

namespace redress::core {
namespace {

using nlohmann::json;

constexpr EnumNames<RecordKind, 4> kRecordKinds{{
    {RecordKind::kRootCause, "root_cause"},
    {RecordKind::kAction, "action"},
    {RecordKind::kAnnotation, "annotation"},
    {RecordKind::kAudit, "audit"},
}};
constexpr EnumNames<RcaMethod, 3> kMethods{{
    {RcaMethod::kFiveWhys, "five_whys"},
    {RcaMethod::kFishbone, "fishbone"},
    {RcaMethod::kOther, "other"},
}};
constexpr EnumNames<ActionKind, 2> kActionKinds{{
    {ActionKind::kCorrective, "corrective"},
    {ActionKind::kPreventive, "preventive"},
}};
constexpr EnumNames<ActionStatus, 4> kActionStatuses{{
    {ActionStatus::kPlanned, "planned"},
    {ActionStatus::kInProgress, "in_progress"},
    {ActionStatus::kDone, "done"},
    {ActionStatus::kCancelled, "cancelled"},
}};
constexpr EnumNames<CheckMeasure, 4> kMeasures{{
    {CheckMeasure::kVolume, "volume"},
    {CheckMeasure::kUpheldRate, "upheld_rate"},
    {CheckMeasure::kFinalOnTime, "final_on_time"},
    {CheckMeasure::kSatisfaction, "satisfaction"},
}};
constexpr EnumNames<FindingSeverity, 4> kSeverities{{
    {FindingSeverity::kNone, "none"},
    {FindingSeverity::kMinor, "minor"},
    {FindingSeverity::kMajor, "major"},
    {FindingSeverity::kCritical, "critical"},
}};

json OptInstant(const std::optional<Instant>& t) {
  return t ? json(FormatInstant(*t)) : json(nullptr);
}
std::optional<Instant> ReadOptInstant(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return ParseInstant(j[key].get<std::string>());
}
Instant ReadInstant(const json& j, const char* key) {
  return ReadOptInstant(j, key).value_or(Instant{});
}
LocalDate ReadDate(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return LocalDate{};
  return ParseDate(j[key].get<std::string>()).value_or(LocalDate{});
}

json EncodeWhere(const std::vector<std::pair<FactDim, std::string>>& where) {
  json w = json::object();
  for (const auto& [d, v] : where) w[ToString(d)] = v;
  return w;
}
std::vector<std::pair<FactDim, std::string>> DecodeWhere(const json& j) {
  std::vector<std::pair<FactDim, std::string>> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (auto d = ParseFactDim(k); d && v.is_string()) out.emplace_back(*d, v.get<std::string>());
  }
  return out;
}

// Parses `doc` and runs `read` on it; a malformed document or a missing key is kInvalid.
template <typename T, typename Fn>
Result<T> Decode(std::string_view doc, const char* what, Fn read) {
  auto j = json::parse(doc.begin(), doc.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(Errc::kInvalid, std::string("stored ") + what + " is not a JSON object");
  }
  try {
    return read(j);
  } catch (const json::exception& e) {
    return MakeError(Errc::kInvalid, std::string("stored ") + what + ": " + e.what());
  }
}

AuditCheck Check(std::string name, bool passed, std::string detail) {
  return AuditCheck{std::move(name), passed, std::move(detail)};
}

const ClockTrack* FindClock(const Complaint& c, std::string_view name) {
  for (const auto& t : c.clocks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

const char* ToString(RecordKind k) { return NameOf(kRecordKinds, k); }
const char* ToString(RcaMethod m) { return NameOf(kMethods, m); }
std::optional<RcaMethod> ParseRcaMethod(std::string_view s) { return ValueOf(kMethods, s); }
const char* ToString(ActionKind k) { return NameOf(kActionKinds, k); }
const char* ToString(ActionStatus s) { return NameOf(kActionStatuses, s); }
std::optional<ActionKind> ParseActionKind(std::string_view s) { return ValueOf(kActionKinds, s); }
std::optional<ActionStatus> ParseActionStatus(std::string_view s) {
  return ValueOf(kActionStatuses, s);
}
const char* ToString(CheckMeasure m) { return NameOf(kMeasures, m); }
std::optional<CheckMeasure> ParseCheckMeasure(std::string_view s) { return ValueOf(kMeasures, s); }
const char* ToString(FindingSeverity s) { return NameOf(kSeverities, s); }
std::optional<FindingSeverity> ParseFindingSeverity(std::string_view s) {
  return ValueOf(kSeverities, s);
}

std::string AttentionOf(const CorrectiveAction& a, LocalDate today) {
  const bool finished = a.status == ActionStatus::kDone || a.status == ActionStatus::kCancelled;
  if (!finished && date::sys_days{a.due} < date::sys_days{today}) return "overdue";
  if (a.check.effective == false) return "ineffective";
  if (!a.check.evaluated_at && a.status != ActionStatus::kCancelled &&
      date::sys_days{a.check.check_on} <= date::sys_days{today}) {
    return "check due";
  }
  return "";
}

std::vector<AuditCheck> AuditChecks(const Complaint& c, std::optional<bool> referral_named) {
  std::vector<AuditCheck> out;
  if (const ClockTrack* ack = FindClock(c, "acknowledge")) {
    const bool ok = ack->state == ClockState::kMet && !ack->breached;
    out.push_back(Check("acknowledged_on_time", ok,
                        ok ? "acknowledged by the due date" : "acknowledgement late or missing"));
  } else {
    out.push_back(Check("acknowledged_on_time", true, "the policy sets no acknowledgement clock"));
  }
  const bool assessed = c.assessment.severity > 0 && !c.assessment.category.empty();
  out.push_back(Check("assessed", assessed,
                      assessed ? "category and severity recorded" : "no initial assessment"));
  const bool early = c.closure.reason == ClosureReason::kResolvedEarly ||
                     c.closure.reason == ClosureReason::kDuplicate ||
                     c.closure.reason == ClosureReason::kWithdrawn;
  if (early) {
    const bool summary =
        !c.closure.summary.value.empty() || c.closure.reason == ClosureReason::kWithdrawn;
    out.push_back(Check("decision_reasoned", summary,
                        summary ? "closed early with a summary" : "closed early without summary"));
    out.push_back(Check("referral_rights", true, "no final response: closed early"));
  } else {
    const bool reasoned = c.decision.communicated_at && !c.decision.reasons.value.empty();
    out.push_back(Check(
        "decision_reasoned", reasoned,
        reasoned ? "decision communicated with reasons" : "no decision with reasons communicated"));
    if (!referral_named) {
      out.push_back(Check("referral_rights", false,
                          "the final response was not sent through Redress: check it by hand"));
    } else {
      out.push_back(Check("referral_rights", *referral_named,
                          *referral_named ? "the final response names the outside body"
                                          : "the final response does not name the outside body"));
    }
  }
  if (const ClockTrack* fin = FindClock(c, "final_response")) {
    const bool ok = !fin->breached;
    out.push_back(Check("final_response_on_time", ok,
                        ok ? "within the time limit" : "the final response clock was breached"));
  }
  const bool closed = c.closure.closed_at && c.closure.reason &&
                      (c.closure.cause || c.closure.reason == ClosureReason::kWithdrawn);
  out.push_back(
      Check("closed_with_outcome", closed,
            closed ? "closure reason and cause recorded" : "closure reason or cause missing"));
  bool breached = false;
  for (const auto& t : c.clocks) breached = breached || t.breached;
  out.push_back(Check("breaches_escalated", !breached || c.escalated,
                      !breached     ? "no clock breached"
                      : c.escalated ? "breach escalated"
                                    : "a clock was breached and the complaint not escalated"));
  return out;
}

std::string EncodeRecord(const RootCause& r) {
  json j{{"id", r.id},
         {"title", r.title},
         {"method", ToString(r.method)},
         {"category", r.category ? json(ToString(*r.category)) : json(nullptr)},
         {"whys", r.whys},
         {"description", r.description},
         {"complaints", r.complaints},
         {"created_by", r.created_by},
         {"created_at", FormatInstant(r.created_at)},
         {"updated_at", FormatInstant(r.updated_at)}};
  return j.dump();
}

Result<RootCause> DecodeRootCause(std::string_view doc) {
  return Decode<RootCause>(doc, "root cause", [](const json& j) {
    RootCause r;
    r.id = j.at("id").get<int64_t>();
    r.title = j.at("title").get<std::string>();
    r.method = ParseRcaMethod(j.at("method").get<std::string>()).value_or(RcaMethod::kOther);
    if (j.contains("category") && j["category"].is_string()) {
      r.category = ParseCauseCategory(j["category"].get<std::string>());
    }
    r.whys = j.value("whys", std::vector<std::string>{});
    r.description = j.value("description", "");
    r.complaints = j.value("complaints", std::vector<std::string>{});
    r.created_by = j.value("created_by", "");
    r.created_at = ReadInstant(j, "created_at");
    r.updated_at = ReadInstant(j, "updated_at");
    return r;
  });
}

std::string EncodeRecord(const CorrectiveAction& a) {
  const auto& k = a.check;
  json check{{"measure", ToString(k.measure)},
             {"where", EncodeWhere(k.where)},
             {"window", ToString(k.window)},
             {"below", k.below},
             {"threshold", k.threshold},
             {"check_on", FormatDate(k.check_on)},
             {"evaluated_at", OptInstant(k.evaluated_at)},
             {"measured", k.measured ? json(*k.measured) : json(nullptr)},
             {"effective", k.effective ? json(*k.effective) : json(nullptr)}};
  json j{{"id", a.id},
         {"root_cause_id", a.root_cause_id},
         {"kind", ToString(a.kind)},
         {"title", a.title},
         {"description", a.description},
         {"owner", a.owner},
         {"due", FormatDate(a.due)},
         {"status", ToString(a.status)},
         {"done_at", OptInstant(a.done_at)},
         {"check", check},
         {"created_by", a.created_by},
         {"created_at", FormatInstant(a.created_at)},
         {"updated_at", FormatInstant(a.updated_at)}};
  return j.dump();
}

Result<CorrectiveAction> DecodeAction(std::string_view doc) {
  return Decode<CorrectiveAction>(doc, "action", [](const json& j) {
    CorrectiveAction a;
    a.id = j.at("id").get<int64_t>();
    a.root_cause_id = j.value("root_cause_id", int64_t{0});
    a.kind = ParseActionKind(j.value("kind", "")).value_or(ActionKind::kCorrective);
    a.title = j.at("title").get<std::string>();
    a.description = j.value("description", "");
    a.owner = j.value("owner", "");
    a.due = ReadDate(j, "due");
    a.status = ParseActionStatus(j.value("status", "")).value_or(ActionStatus::kPlanned);
    a.done_at = ReadOptInstant(j, "done_at");
    const json& k = j.at("check");
    a.check.measure = ParseCheckMeasure(k.value("measure", "")).value_or(CheckMeasure::kVolume);
    a.check.where = DecodeWhere(k.value("where", json::object()));
    a.check.window = ParseFactPeriod(k.value("window", "")).value_or(FactPeriod::kMonth);
    a.check.below = k.value("below", true);
    a.check.threshold = k.value("threshold", 0.0);
    a.check.check_on = ReadDate(k, "check_on");
    a.check.evaluated_at = ReadOptInstant(k, "evaluated_at");
    if (k.contains("measured") && k["measured"].is_number()) a.check.measured = k["measured"];
    if (k.contains("effective") && k["effective"].is_boolean()) a.check.effective = k["effective"];
    a.created_by = j.value("created_by", "");
    a.created_at = ReadInstant(j, "created_at");
    a.updated_at = ReadInstant(j, "updated_at");
    return a;
  });
}

std::string EncodeRecord(const Annotation& a) {
  json j{{"id", a.id},
         {"day", FormatDate(a.day)},
         {"kind", a.kind},
         {"label", a.label},
         {"scope", a.scope ? EncodeWhere({*a.scope}) : json(nullptr)},
         {"created_by", a.created_by},
         {"created_at", FormatInstant(a.created_at)}};
  return j.dump();
}

Result<Annotation> DecodeAnnotation(std::string_view doc) {
  return Decode<Annotation>(doc, "annotation", [](const json& j) {
    Annotation a;
    a.id = j.at("id").get<int64_t>();
    a.day = ReadDate(j, "day");
    a.kind = j.value("kind", "other");
    a.label = j.at("label").get<std::string>();
    if (j.contains("scope") && j["scope"].is_object()) {
      auto w = DecodeWhere(j["scope"]);
      if (!w.empty()) a.scope = w.front();
    }
    a.created_by = j.value("created_by", "");
    a.created_at = ReadInstant(j, "created_at");
    return a;
  });
}

std::string EncodeRecord(const Audit& a) {
  json items = json::array();
  for (const auto& it : a.items) {
    json checks = json::array();
    for (const auto& c : it.checks) {
      checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    }
    items.push_back({{"reference", it.reference},
                     {"checks", checks},
                     {"severity", ToString(it.severity)},
                     {"note", it.note},
                     {"reviewed_by", it.reviewed_by},
                     {"reviewed_at", OptInstant(it.reviewed_at)}});
  }
  json j{{"id", a.id},
         {"auditor", a.auditor},
         {"from", FormatDate(a.from)},
         {"to", FormatDate(a.to)},
         {"size", a.size},
         {"seed", std::to_string(a.seed)},
         {"population", a.population},
         {"items", items},
         {"created_at", FormatInstant(a.created_at)}};
  return j.dump();
}

Result<Audit> DecodeAudit(std::string_view doc) {
  return Decode<Audit>(doc, "audit", [](const json& j) {
    Audit a;
    a.id = j.at("id").get<int64_t>();
    a.auditor = j.value("auditor", "");
    a.from = ReadDate(j, "from");
    a.to = ReadDate(j, "to");
    a.size = j.value("size", 0);
    a.seed = std::stoull(j.value("seed", std::string("0")));
    a.population = j.value("population", int64_t{0});
    for (const auto& it : j.value("items", json::array())) {
      AuditItem item;
      item.reference = it.at("reference").get<std::string>();
      for (const auto& c : it.value("checks", json::array())) {
        item.checks.push_back(
            {c.value("name", ""), c.value("passed", false), c.value("detail", "")});
      }
      item.severity =
          ParseFindingSeverity(it.value("severity", "")).value_or(FindingSeverity::kNone);
      item.note = it.value("note", "");
      item.reviewed_by = it.value("reviewed_by", "");
      item.reviewed_at = ReadOptInstant(it, "reviewed_at");
      a.items.push_back(std::move(item));
    }
    a.created_at = ReadInstant(j, "created_at");
    return a;
  });
}

}  // namespace redress::core
