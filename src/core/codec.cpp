#include "core/codec.hpp"

#include <algorithm>
#include <cstring>

#include "core/json_view.hpp"
#include "core/json_writer.hpp"
#include "core/lifecycle.hpp"
#include "core/ports/store.hpp"

namespace redress::core {
namespace {

using nlohmann::json;

json OptInstant(const std::optional<Instant>& t) {
  return t ? json(FormatInstant(*t)) : json(nullptr);
}

// The readers below are templates over a JSON view (core/json_view.hpp): one mapping for the
// nlohmann document and for simdjson's.

// A member's text, or "" when it is missing or not a string.
template <class V>
std::string_view TextOf(const V& j, const char* key) {
  auto m = j.Find(key);
  return m && m->IsString() ? m->Text() : std::string_view();
}

template <class V>
std::string Str(const V& j, const char* key) {
  return std::string(TextOf(j, key));
}

template <class V>
std::optional<Instant> ReadOptInstant(const V& j, const char* key) {
  auto m = j.Find(key);
  if (!m || !m->IsString()) return std::nullopt;
  return ParseInstant(m->Text());
}

template <class V>
Instant ReadInstant(const V& j, const char* key) {
  return ReadOptInstant(j, key).value_or(Instant{});
}

// A number member, or `fallback` when missing; another type throws WrongJsonType.
template <class V>
int64_t IntOr(const V& j, const char* key, int64_t fallback) {
  auto m = j.Find(key);
  return m ? m->Int() : fallback;
}

template <class V>
bool BoolOr(const V& j, const char* key, bool fallback) {
  auto m = j.Find(key);
  return m ? m->Bool() : fallback;
}

template <typename E, class V, typename Parse>
E ReadEnum(const V& j, const char* key, E fallback, Parse parse) {
  if (auto v = parse(TextOf(j, key))) return *v;
  return fallback;
}

json ComplainantJson(const Complainant& c) {
  return {{"name", c.name.value},        {"organisation", c.organisation.value},
          {"address", c.address.value},  {"email", c.email.value},
          {"phone", c.phone.value},      {"account_number", c.account_number.value},
          {"is_customer", c.is_customer}};
}

template <class V>
Complainant ReadComplainant(const V& j) {
  Complainant c;
  if (!j.IsObject()) return c;
  c.name = Str(j, "name");
  c.organisation = Str(j, "organisation");
  c.address = Str(j, "address");
  c.email = Str(j, "email");
  c.phone = Str(j, "phone");
  c.account_number = Str(j, "account_number");
  c.is_customer = BoolOr(j, "is_customer", true);
  return c;
}

json RemedyJson(const Remedy& r) {
  return {{"type", r.type},
          {"amount_minor", r.amount_minor},
          {"currency", r.currency},
          {"due", OptInstant(r.due)},
          {"paid_at", OptInstant(r.paid_at)}};
}

template <class V>
Remedy ReadRemedy(const V& j) {
  Remedy r;
  if (!j.IsObject()) return r;
  r.type = Str(j, "type");
  r.amount_minor = IntOr(j, "amount_minor", 0);
  r.currency = Str(j, "currency");
  r.due = ReadOptInstant(j, "due");
  r.paid_at = ReadOptInstant(j, "paid_at");
  return r;
}

json AssessmentJson(const Assessment& a) {
  return {{"category", a.category},
          {"flags", a.flags},
          {"severity", a.severity},
          {"safety", ToString(a.safety)},
          {"complexity", ToString(a.complexity)},
          {"impact_complainant", a.impact_complainant},
          {"impact_organisation", a.impact_organisation},
          {"immediate_action_needed", a.immediate_action_needed},
          {"notes", a.notes}};
}

template <class V>
Assessment ReadAssessment(const V& j) {
  Assessment a;
  if (!j.IsObject()) return a;
  a.category = Str(j, "category");
  if (auto flags = j.Find("flags")) {
    flags->ForEachElement([&](const V& f) {
      if (f.IsString()) a.flags.emplace_back(f.Text());
    });
  }
  a.severity = static_cast<int>(IntOr(j, "severity", 0));
  a.safety = ReadEnum(j, "safety", SafetyRisk::kNone, ParseSafetyRisk);
  a.complexity = ReadEnum(j, "complexity", Complexity::kSimple, ParseComplexity);
  a.impact_complainant = Str(j, "impact_complainant");
  a.impact_organisation = Str(j, "impact_organisation");
  a.immediate_action_needed = BoolOr(j, "immediate_action_needed", false);
  a.notes = Str(j, "notes");
  return a;
}

json DecisionJson(const Decision& d) {
  return {{"outcome", ToString(d.outcome)},
          {"reasons", d.reasons.value},
          {"remedy", RemedyJson(d.remedy)},
          {"proposed_by", d.proposed_by},
          {"proposed_at", OptInstant(d.proposed_at)},
          {"approved_by", d.approved_by},
          {"communicated_at", OptInstant(d.communicated_at)},
          {"acceptance", ToString(d.acceptance)},
          {"acceptance_at", OptInstant(d.acceptance_at)},
          {"acceptance_reasons", d.acceptance_reasons.value}};
}

template <class V>
Decision ReadDecision(const V& j) {
  Decision d;
  if (!j.IsObject()) return d;
  d.outcome = ReadEnum(j, "outcome", Outcome::kNotUpheld, ParseOutcome);
  d.reasons = Str(j, "reasons");
  if (auto m = j.Find("remedy")) d.remedy = ReadRemedy(*m);
  d.proposed_by = Str(j, "proposed_by");
  d.proposed_at = ReadOptInstant(j, "proposed_at");
  d.approved_by = Str(j, "approved_by");
  d.communicated_at = ReadOptInstant(j, "communicated_at");
  d.acceptance = ReadEnum(j, "acceptance", Acceptance::kPending, ParseAcceptance);
  d.acceptance_at = ReadOptInstant(j, "acceptance_at");
  d.acceptance_reasons = Str(j, "acceptance_reasons");
  return d;
}

json ReferralJson(const ExternalReferral& r) {
  return {{"body", r.body},
          {"referred_at", OptInstant(r.referred_at)},
          {"external_reference", r.external_reference},
          {"reply_deadline", OptInstant(r.reply_deadline)},
          {"outcome", r.outcome}};
}

template <class V>
ExternalReferral ReadReferral(const V& j) {
  ExternalReferral r;
  if (!j.IsObject()) return r;
  r.body = Str(j, "body");
  r.referred_at = ReadOptInstant(j, "referred_at");
  r.external_reference = Str(j, "external_reference");
  r.reply_deadline = ReadOptInstant(j, "reply_deadline");
  r.outcome = Str(j, "outcome");
  return r;
}

json ClosureJson(const Closure& c) {
  return {{"closed_at", OptInstant(c.closed_at)},
          {"closed_by", c.closed_by},
          {"reason", c.reason ? json(ToString(*c.reason)) : json(nullptr)},
          {"cause", c.cause ? json(ToString(*c.cause)) : json(nullptr)},
          {"summary", c.summary.value},
          {"duplicate_of", c.duplicate_of},
          {"business_days", c.business_days ? json(*c.business_days) : json(nullptr)},
          {"follow_up_on", c.follow_up_on ? json(FormatDate(*c.follow_up_on)) : json(nullptr)},
          {"follow_up_due", OptInstant(c.follow_up_due)},
          {"followed_up_at", OptInstant(c.followed_up_at)},
          {"followed_up_by", c.followed_up_by},
          {"follow_up_satisfied", c.followed_up_at ? json(c.follow_up_satisfied) : json(nullptr)},
          {"follow_up_note", c.follow_up_note.value}};
}

template <class V>
Closure ReadClosure(const V& j) {
  Closure c;
  if (!j.IsObject()) return c;
  c.closed_at = ReadOptInstant(j, "closed_at");
  c.closed_by = Str(j, "closed_by");
  c.reason = ParseClosureReason(TextOf(j, "reason"));
  c.cause = ParseCauseCategory(TextOf(j, "cause"));
  c.summary = Str(j, "summary");
  c.duplicate_of = Str(j, "duplicate_of");
  if (auto m = j.Find("business_days"); m && m->IsInt()) {
    c.business_days = static_cast<int>(m->Int());
  }
  c.follow_up_on = ParseDate(TextOf(j, "follow_up_on"));
  c.follow_up_due = ReadOptInstant(j, "follow_up_due");
  c.followed_up_at = ReadOptInstant(j, "followed_up_at");
  c.followed_up_by = Str(j, "followed_up_by");
  if (auto m = j.Find("follow_up_satisfied"); m && m->IsBool()) {
    c.follow_up_satisfied = m->Bool();
  }
  c.follow_up_note = Str(j, "follow_up_note");
  return c;
}

template <class V>
ClockTrack ReadClock(const V& j) {
  ClockTrack t;
  t.name = Str(j, "name");
  t.rule = Str(j, "rule");
  t.state = ParseClockState(TextOf(j, "state")).value_or(ClockState::kRunning);
  t.anchor = ReadInstant(j, "anchor");
  t.due = ReadInstant(j, "due");
  t.warn = ReadInstant(j, "warn");
  t.local_due = ParseDate(TextOf(j, "local_due")).value_or(LocalDate{});
  t.warned = BoolOr(j, "warned", false);
  t.breached = BoolOr(j, "breached", false);
  t.paused_at = ReadOptInstant(j, "paused_at");
  t.paused_ms = IntOr(j, "paused_ms", 0);
  t.ended_at = ReadOptInstant(j, "ended_at");
  return t;
}

// One member of the record's JSON, common to the storage and staff views: its key, its value,
// and whether two records agree on the fields it is made of, so that a change's diff
// (DiffRecords) builds the JSON of the members that differ only.
struct RecordMember {
  const char* key;
  json (*value)(const Complaint&);
  bool (*same)(const Complaint&, const Complaint&);
};

template <auto Field>
bool Same(const Complaint& a, const Complaint& b) {
  return a.*Field == b.*Field;
}

using C = Complaint;

const RecordMember kRecordMembers[] = {
    {"reference", [](const C& c) -> json { return c.reference.ToString(); }, Same<&C::reference>},
    {"state", [](const C& c) -> json { return ToString(c.state); }, Same<&C::state>},
    {"version", [](const C& c) -> json { return c.version; }, Same<&C::version>},
    {"received_at", [](const C& c) -> json { return FormatInstant(c.received_at); },
     Same<&C::received_at>},
    {"logged_at", [](const C& c) -> json { return FormatInstant(c.logged_at); },
     Same<&C::logged_at>},
    {"received_by", [](const C& c) -> json { return c.received_by; }, Same<&C::received_by>},
    {"channel", [](const C& c) -> json { return ToString(c.channel); }, Same<&C::channel>},
    {"complainant", [](const C& c) { return ComplainantJson(c.complainant); },
     Same<&C::complainant>},
    {"representative",
     [](const C& c) -> json {
       return {{"name", c.representative.name.value},
               {"relationship", c.representative.relationship},
               {"authority", c.representative.authority}};
     },
     Same<&C::representative>},
    {"contact_preference",
     [](const C& c) -> json {
       return {{"channel", c.contact.channel},
               {"times", c.contact.times},
               {"language", c.contact.language},
               {"format", c.contact.format}};
     },
     Same<&C::contact>},
    {"accessibility_needs", [](const C& c) -> json { return c.accessibility_needs.value; },
     Same<&C::accessibility_needs>},
    {"vulnerability", [](const C& c) -> json { return c.vulnerability.value; },
     Same<&C::vulnerability>},
    {"subject",
     [](const C& c) -> json {
       return {{"type", ToString(c.subject.type)},
               {"product", c.subject.product},
               {"department", c.subject.department},
               {"location", c.subject.location},
               {"persons_named", c.subject.persons_named.value}};
     },
     Same<&C::subject>},
    {"description", [](const C& c) -> json { return c.description.value; }, Same<&C::description>},
    {"remedy_requested", [](const C& c) -> json { return c.remedy_requested.value; },
     Same<&C::remedy_requested>},
    {"event_date",
     [](const C& c) { return c.event_date ? json(FormatDate(*c.event_date)) : json(nullptr); },
     Same<&C::event_date>},
    {"immediate_action", [](const C& c) -> json { return c.immediate_action.value; },
     Same<&C::immediate_action>},
    {"assessment", [](const C& c) { return AssessmentJson(c.assessment); }, Same<&C::assessment>},
    {"priority", [](const C& c) -> json { return ToString(c.priority); }, Same<&C::priority>},
    {"escalated", [](const C& c) -> json { return c.escalated; }, Same<&C::escalated>},
    {"policy_id", [](const C& c) -> json { return c.policy_id; }, Same<&C::policy_id>},
    {"clocks",
     [](const C& c) {
       json clocks = json::array();
       for (const auto& t : c.clocks) clocks.push_back(ToJson(t));
       return clocks;
     },
     Same<&C::clocks>},
    {"assignee", [](const C& c) -> json { return c.assignee; }, Same<&C::assignee>},
    {"investigator", [](const C& c) -> json { return c.investigator; }, Same<&C::investigator>},
    {"decision", [](const C& c) { return DecisionJson(c.decision); }, Same<&C::decision>},
    {"referral", [](const C& c) { return ReferralJson(c.referral); }, Same<&C::referral>},
    {"pending_question", [](const C& c) -> json { return c.pending_question.value; },
     Same<&C::pending_question>},
    {"closure", [](const C& c) { return ClosureJson(c.closure); }, Same<&C::closure>},
    {"reopen_count", [](const C& c) -> json { return c.reopen_count; }, Same<&C::reopen_count>},
    {"survey",
     [](const C& c) -> json {
       return {{"answered_at", OptInstant(c.survey.answered_at)},
               {"handling", c.survey.handling},
               {"outcome", c.survey.outcome},
               {"comment", c.survey.comment.value},
               {"opted_out_at", OptInstant(c.survey.opted_out_at)}};
     },
     Same<&C::survey>},
    {"updated_at", [](const C& c) -> json { return FormatInstant(c.updated_at); },
     Same<&C::updated_at>},
    {"source",
     [](const C& c) -> json {
       return {{"system", c.source.system}, {"id", c.source.id}, {"fields", c.source.fields}};
     },
     Same<&C::source>},
};

json RecordJson(const Complaint& c) {
  json j = json::object();
  for (const auto& m : kRecordMembers) j[m.key] = m.value(c);
  return j;
}

}  // namespace

json ToJson(const ClockTrack& t) {
  return {{"name", t.name},
          {"rule", t.rule},
          {"state", ToString(t.state)},
          {"anchor", FormatInstant(t.anchor)},
          {"due", FormatInstant(t.due)},
          {"warn", FormatInstant(t.warn)},
          {"local_due", FormatDate(t.local_due)},
          {"warned", t.warned},
          {"breached", t.breached},
          {"paused_at", OptInstant(t.paused_at)},
          {"paused_ms", t.paused_ms},
          {"ended_at", OptInstant(t.ended_at)}};
}

json ToStorageJson(const Complaint& c) {
  json j = RecordJson(c);
  j["id"] = c.id;
  j["secret_hash"] = c.secret_hash;
  return j;
}

namespace {

// The members EncodeStorage keeps, written without a document in between; its result parses
// to exactly what PruneDefaults leaves of the storage view (a test compares them).
void Str(JsonWriter& w, const char* key, std::string_view v) {
  if (v.empty()) return;
  w.Key(key);
  w.String(v);
}

void At(JsonWriter& w, const char* key, Instant t) {
  w.Key(key);
  w.Timestamp(t);
}

void OptAt(JsonWriter& w, const char* key, const std::optional<Instant>& t) {
  if (t) At(w, key, *t);
}

void Num(JsonWriter& w, const char* key, int64_t v) {
  if (v == 0) return;
  w.Key(key);
  w.Int(v);
}

void Flag(JsonWriter& w, const char* key, bool v) {
  if (!v) return;
  w.Key(key);
  w.Bool(true);
}

// Opens `key: {`; close with w.EndObjectOrDrop(mark) so an object of defaults disappears.
JsonWriter::Mark Sub(JsonWriter& w, const char* key) {
  JsonWriter::Mark m = w.Here();
  w.Key(key);
  w.BeginObject();
  return m;
}

void WriteClock(JsonWriter& w, const ClockTrack& t) {
  w.BeginObject();
  Str(w, "name", t.name);
  Str(w, "rule", t.rule);
  Str(w, "state", ToString(t.state));
  At(w, "anchor", t.anchor);
  At(w, "due", t.due);
  At(w, "warn", t.warn);
  Str(w, "local_due", FormatDate(t.local_due));
  Flag(w, "warned", t.warned);
  Flag(w, "breached", t.breached);
  OptAt(w, "paused_at", t.paused_at);
  Num(w, "paused_ms", t.paused_ms);
  OptAt(w, "ended_at", t.ended_at);
  w.EndObject();
}

}  // namespace

void WriteCompactRecord(JsonWriter& w, const Complaint& c, bool with_secret, bool with_updated_at) {
  w.BeginObject();
  Str(w, "reference", c.reference.ToString());
  Str(w, "state", ToString(c.state));
  At(w, "received_at", c.received_at);
  At(w, "logged_at", c.logged_at);
  Str(w, "received_by", c.received_by);
  Str(w, "channel", ToString(c.channel));
  w.Key("complainant");
  w.BeginObject();
  Str(w, "name", c.complainant.name.value);
  Str(w, "organisation", c.complainant.organisation.value);
  Str(w, "address", c.complainant.address.value);
  Str(w, "email", c.complainant.email.value);
  Str(w, "phone", c.complainant.phone.value);
  Str(w, "account_number", c.complainant.account_number.value);
  w.Key("is_customer");
  w.Bool(c.complainant.is_customer);
  w.EndObject();
  auto m = Sub(w, "representative");
  Str(w, "name", c.representative.name.value);
  Str(w, "relationship", c.representative.relationship);
  Str(w, "authority", c.representative.authority);
  w.EndObjectOrDrop(m);
  m = Sub(w, "contact_preference");
  Str(w, "channel", c.contact.channel);
  Str(w, "times", c.contact.times);
  Str(w, "language", c.contact.language);
  Str(w, "format", c.contact.format);
  w.EndObjectOrDrop(m);
  Str(w, "accessibility_needs", c.accessibility_needs.value);
  Str(w, "vulnerability", c.vulnerability.value);
  m = Sub(w, "subject");
  Str(w, "type", ToString(c.subject.type));
  Str(w, "product", c.subject.product);
  Str(w, "department", c.subject.department);
  Str(w, "location", c.subject.location);
  Str(w, "persons_named", c.subject.persons_named.value);
  w.EndObjectOrDrop(m);
  Str(w, "description", c.description.value);
  Str(w, "remedy_requested", c.remedy_requested.value);
  if (c.event_date) Str(w, "event_date", FormatDate(*c.event_date));
  Str(w, "immediate_action", c.immediate_action.value);
  const Assessment& a = c.assessment;
  m = Sub(w, "assessment");
  Str(w, "category", a.category);
  if (!a.flags.empty()) {
    w.Key("flags");
    w.BeginArray();
    for (const auto& f : a.flags) w.String(f);
    w.EndArray();
  }
  Num(w, "severity", a.severity);
  Str(w, "safety", ToString(a.safety));
  Str(w, "complexity", ToString(a.complexity));
  Str(w, "impact_complainant", a.impact_complainant);
  Str(w, "impact_organisation", a.impact_organisation);
  Flag(w, "immediate_action_needed", a.immediate_action_needed);
  Str(w, "notes", a.notes);
  w.EndObjectOrDrop(m);
  Str(w, "priority", ToString(c.priority));
  Flag(w, "escalated", c.escalated);
  Str(w, "policy_id", c.policy_id);
  if (!c.clocks.empty()) {
    w.Key("clocks");
    w.BeginArray();
    for (const auto& t : c.clocks) WriteClock(w, t);
    w.EndArray();
  }
  Str(w, "assignee", c.assignee);
  Str(w, "investigator", c.investigator);
  const Decision& d = c.decision;
  m = Sub(w, "decision");
  Str(w, "outcome", ToString(d.outcome));
  Str(w, "reasons", d.reasons.value);
  auto rm = Sub(w, "remedy");
  Str(w, "type", d.remedy.type);
  Num(w, "amount_minor", d.remedy.amount_minor);
  Str(w, "currency", d.remedy.currency);
  OptAt(w, "due", d.remedy.due);
  OptAt(w, "paid_at", d.remedy.paid_at);
  w.EndObjectOrDrop(rm);
  Str(w, "proposed_by", d.proposed_by);
  OptAt(w, "proposed_at", d.proposed_at);
  Str(w, "approved_by", d.approved_by);
  OptAt(w, "communicated_at", d.communicated_at);
  Str(w, "acceptance", ToString(d.acceptance));
  OptAt(w, "acceptance_at", d.acceptance_at);
  Str(w, "acceptance_reasons", d.acceptance_reasons.value);
  w.EndObjectOrDrop(m);
  m = Sub(w, "referral");
  Str(w, "body", c.referral.body);
  OptAt(w, "referred_at", c.referral.referred_at);
  Str(w, "external_reference", c.referral.external_reference);
  OptAt(w, "reply_deadline", c.referral.reply_deadline);
  Str(w, "outcome", c.referral.outcome);
  w.EndObjectOrDrop(m);
  Str(w, "pending_question", c.pending_question.value);
  m = Sub(w, "closure");
  OptAt(w, "closed_at", c.closure.closed_at);
  Str(w, "closed_by", c.closure.closed_by);
  if (c.closure.reason) Str(w, "reason", ToString(*c.closure.reason));
  if (c.closure.cause) Str(w, "cause", ToString(*c.closure.cause));
  Str(w, "summary", c.closure.summary.value);
  Str(w, "duplicate_of", c.closure.duplicate_of);
  // 0 (closed on the day of receipt) is left out like every default; read back as unset, it
  // falls in the same band.
  if (c.closure.business_days) Num(w, "business_days", *c.closure.business_days);
  if (c.closure.follow_up_on) Str(w, "follow_up_on", FormatDate(*c.closure.follow_up_on));
  OptAt(w, "follow_up_due", c.closure.follow_up_due);
  OptAt(w, "followed_up_at", c.closure.followed_up_at);
  Str(w, "followed_up_by", c.closure.followed_up_by);
  Flag(w, "follow_up_satisfied", c.closure.follow_up_satisfied);
  Str(w, "follow_up_note", c.closure.follow_up_note.value);
  w.EndObjectOrDrop(m);
  Num(w, "reopen_count", c.reopen_count);
  m = Sub(w, "survey");
  OptAt(w, "answered_at", c.survey.answered_at);
  Num(w, "handling", c.survey.handling);
  Num(w, "outcome", c.survey.outcome);
  Str(w, "comment", c.survey.comment.value);
  OptAt(w, "opted_out_at", c.survey.opted_out_at);
  w.EndObjectOrDrop(m);
  if (with_updated_at) At(w, "updated_at", c.updated_at);
  m = Sub(w, "source");
  Str(w, "system", c.source.system);
  Str(w, "id", c.source.id);
  if (!c.source.fields.empty()) {
    auto fm = Sub(w, "fields");
    for (const auto& [k, v] : c.source.fields) Str(w, k.c_str(), v);
    w.EndObjectOrDrop(fm);
  }
  w.EndObjectOrDrop(m);
  if (with_secret) Str(w, "secret_hash", c.secret_hash);
  w.EndObject();
}

std::string EncodeStorage(const Complaint& c) {
  std::string out;
  out.reserve(2048);
  JsonWriter w(out);
  WriteCompactRecord(w, c, true, true);
  return out;
}

namespace {

// Clock lists become objects keyed by clock name, so a diff names the clocks that changed.
json KeyClocks(const json& clocks) {
  if (!clocks.is_array()) return clocks;
  json out = json::object();
  for (const auto& t : clocks) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) return clocks;
    json rest = t;
    rest.erase("name");
    out[t["name"].get<std::string>()] = std::move(rest);
  }
  return out;
}

void DiffInto(const json& b, const json& a, json& out_b, json& out_a);

// The member `key`, whose values in the two documents are `vb` and `va`, into the diff.
void DiffMember(const std::string& key, const json& vb, const json& va, json& out_b, json& out_a) {
  if (vb == va) return;
  // Clock lists are compared as objects keyed by clock name.
  const bool clocks = key == "clocks";
  const json kb = clocks ? KeyClocks(vb) : json();
  const json ka = clocks ? KeyClocks(va) : json();
  const json& b = clocks ? kb : vb;
  const json& a = clocks ? ka : va;
  if (b.is_object() && a.is_object()) {
    json db = json::object();
    json da = json::object();
    DiffInto(b, a, db, da);
    out_b[key] = std::move(db);
    out_a[key] = std::move(da);
    return;
  }
  out_b[key] = vb;
  out_a[key] = va;
}

void DiffInto(const json& b, const json& a, json& out_b, json& out_a) {
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto bit = b.find(it.key());
    if (bit == b.end()) {
      out_b[it.key()] = nullptr;
      out_a[it.key()] = it.value();
      continue;
    }
    DiffMember(it.key(), *bit, it.value(), out_b, out_a);
  }
  for (auto bit = b.begin(); bit != b.end(); ++bit) {
    if (!a.contains(bit.key())) {
      out_b[bit.key()] = bit.value();
      out_a[bit.key()] = nullptr;
    }
  }
}

}  // namespace

void DiffJson(const json& before, const json& after, std::initializer_list<const char*> skip,
              json& out_before, json& out_after) {
  out_before = json::object();
  out_after = json::object();
  DiffInto(before, after, out_before, out_after);
  for (const char* key : skip) {
    out_before.erase(key);
    out_after.erase(key);
  }
}

namespace {

bool NamesUnique(const std::vector<ClockTrack>& clocks) {
  for (size_t i = 0; i < clocks.size(); ++i) {
    for (size_t j = i + 1; j < clocks.size(); ++j) {
      if (clocks[i].name == clocks[j].name) return false;
    }
  }
  return true;
}

const ClockTrack* Named(const std::vector<ClockTrack>& clocks, const std::string& name) {
  for (const auto& t : clocks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// A clock as KeyClocks keys it: its members without the name.
json Unnamed(const ClockTrack& t) {
  json j = ToJson(t);
  j.erase("name");
  return j;
}

// The "clocks" member's diff as DiffMember finds it on the two lists' documents, building the
// JSON of the clocks that differ only. False when a list names a clock twice (KeyClocks keeps
// the last of them): the caller then diffs the documents.
bool DiffClocks(const std::vector<ClockTrack>& b, const std::vector<ClockTrack>& a, json& out_b,
                json& out_a) {
  if (!NamesUnique(b) || !NamesUnique(a)) return false;
  // DiffMember compares the lists as arrays first: equal arrays leave no "clocks" member.
  bool lists_differ = b.size() != a.size();
  for (size_t i = 0; !lists_differ && i < b.size(); ++i) {
    lists_differ = !(b[i] == a[i]) && ToJson(b[i]) != ToJson(a[i]);
  }
  if (!lists_differ) return true;
  json db = json::object();
  json da = json::object();
  for (const auto& ta : a) {
    const ClockTrack* tb = Named(b, ta.name);
    if (tb == nullptr) {
      db[ta.name] = nullptr;
      da[ta.name] = Unnamed(ta);
    } else if (!(*tb == ta)) {
      DiffMember(ta.name, Unnamed(*tb), Unnamed(ta), db, da);
    }
  }
  for (const auto& tb : b) {
    if (Named(a, tb.name) == nullptr) {
      db[tb.name] = Unnamed(tb);
      da[tb.name] = nullptr;
    }
  }
  out_b["clocks"] = std::move(db);
  out_a["clocks"] = std::move(da);
  return true;
}

}  // namespace

void DiffRecords(const Complaint& before, const Complaint& after, json& out_before,
                 json& out_after) {
  out_before = json::object();
  out_after = json::object();
  for (const auto& m : kRecordMembers) {
    if (m.same(before, after)) continue;
    const std::string_view key = m.key;
    if (key == "version" || key == "updated_at") continue;
    if (key == "clocks" && DiffClocks(before.clocks, after.clocks, out_before, out_after)) {
      continue;
    }
    DiffMember(m.key, m.value(before), m.value(after), out_before, out_after);
  }
}

namespace {

template <class V>
Result<Complaint> ReadStored(const V& j) {
  if (!j.IsObject()) return MakeError(Errc::kInternal, "stored complaint is not an object");
  try {
    Complaint c;
    c.id = IntOr(j, "id", 0);
    const std::string_view reference = TextOf(j, "reference");
    auto ref = ParseReference(reference);
    if (!ref) {
      // Prefix may be configured: take it from the stored string.
      auto dash = reference.find('-');
      if (dash == std::string_view::npos) {
        return MakeError(Errc::kInternal, "bad stored reference");
      }
      ref = ParseReference(reference, reference.substr(0, dash));
      if (!ref) return MakeError(Errc::kInternal, "bad stored reference");
    }
    c.reference = *ref;
    c.secret_hash = Str(j, "secret_hash");
    c.state = ReadEnum(j, "state", State::kReceived, ParseState);
    c.version = IntOr(j, "version", 0);
    c.received_at = ReadInstant(j, "received_at");
    c.logged_at = ReadInstant(j, "logged_at");
    c.received_by = Str(j, "received_by");
    c.channel = ReadEnum(j, "channel", Channel::kWeb, ParseChannel);
    if (auto m = j.Find("complainant")) c.complainant = ReadComplainant(*m);
    if (auto m = j.Find("representative"); m && m->IsObject()) {
      c.representative.name = Str(*m, "name");
      c.representative.relationship = Str(*m, "relationship");
      c.representative.authority = Str(*m, "authority");
    }
    if (auto m = j.Find("contact_preference"); m && m->IsObject()) {
      c.contact.channel = Str(*m, "channel");
      c.contact.times = Str(*m, "times");
      c.contact.language = Str(*m, "language");
      c.contact.format = Str(*m, "format");
    }
    c.accessibility_needs = Str(j, "accessibility_needs");
    c.vulnerability = Str(j, "vulnerability");
    if (auto m = j.Find("subject"); m && m->IsObject()) {
      c.subject.type = ReadEnum(*m, "type", SubjectType::kProduct, ParseSubjectType);
      c.subject.product = Str(*m, "product");
      c.subject.department = Str(*m, "department");
      c.subject.location = Str(*m, "location");
      c.subject.persons_named = Str(*m, "persons_named");
    }
    c.description = Str(j, "description");
    c.remedy_requested = Str(j, "remedy_requested");
    c.event_date = ParseDate(TextOf(j, "event_date"));
    c.immediate_action = Str(j, "immediate_action");
    if (auto m = j.Find("assessment")) c.assessment = ReadAssessment(*m);
    c.priority = ReadEnum(j, "priority", Priority::kP3, ParsePriority);
    c.escalated = BoolOr(j, "escalated", false);
    c.policy_id = Str(j, "policy_id");
    if (auto m = j.Find("clocks")) {
      m->ForEachElement([&](const V& t) {
        if (t.IsObject()) c.clocks.push_back(ReadClock(t));
      });
    }
    c.assignee = Str(j, "assignee");
    c.investigator = Str(j, "investigator");
    if (auto m = j.Find("decision")) c.decision = ReadDecision(*m);
    if (auto m = j.Find("referral")) c.referral = ReadReferral(*m);
    c.pending_question = Str(j, "pending_question");
    if (auto m = j.Find("closure")) c.closure = ReadClosure(*m);
    c.reopen_count = static_cast<int>(IntOr(j, "reopen_count", 0));
    if (auto m = j.Find("survey"); m && m->IsObject()) {
      c.survey.answered_at = ReadOptInstant(*m, "answered_at");
      c.survey.handling = static_cast<int>(IntOr(*m, "handling", 0));
      c.survey.outcome = static_cast<int>(IntOr(*m, "outcome", 0));
      c.survey.comment = Str(*m, "comment");
      c.survey.opted_out_at = ReadOptInstant(*m, "opted_out_at");
    }
    c.updated_at = ReadInstant(j, "updated_at");
    if (auto m = j.Find("source"); m && m->IsObject()) {
      c.source.system = Str(*m, "system");
      c.source.id = Str(*m, "id");
      if (auto f = m->Find("fields")) {
        f->ForEachMember([&](std::string_view key, const V& v) {
          if (v.IsString()) c.source.fields[std::string(key)] = std::string(v.Text());
        });
      }
    }
    return c;
  } catch (const WrongJsonType&) {
    return MakeError(Errc::kInternal, "stored complaint has a field of the wrong type");
  } catch (const json::exception&) {
    return MakeError(Errc::kInternal, "stored complaint has a field of the wrong type");
  }
}

}  // namespace

Result<Complaint> FromStorageJson(const json& j) { return ReadStored(NlohmannView(j)); }

Result<Complaint> DecodeStorage(std::string_view doc) {
  // ReadStored copies what it reads, so the thread's parser is free again on return.
  auto root = ParseJson(doc);
  if (!root) return MakeError(Errc::kInternal, "stored complaint is not JSON");
  return ReadStored(SimdView(*root));
}

json ToStaffRecordJson(const Complaint& c) { return RecordJson(c); }

namespace {

// The staff view's members, every one written (defaults too), in nlohmann's key order.
void Text(JsonWriter& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v);
}

void Int(JsonWriter& w, const char* key, int64_t v) {
  w.Key(key);
  w.Int(v);
}

void Bool(JsonWriter& w, const char* key, bool v) {
  w.Key(key);
  w.Bool(v);
}

void Null(JsonWriter& w, const char* key) {
  w.Key(key);
  w.Null();
}

// `key`: format(*v), or null when v is empty.
template <class T, class Format>
void OrNull(JsonWriter& w, const char* key, const std::optional<T>& v, Format format) {
  if (v) {
    Text(w, key, format(*v));
  } else {
    Null(w, key);
  }
}

// One value as the views write it: an instant as text, a missing instant as null.
void WriteValue(JsonWriter& w, Instant v) { w.Timestamp(v); }
void WriteValue(JsonWriter& w, const std::optional<Instant>& v) {
  if (v) {
    WriteValue(w, *v);
  } else {
    w.Null();
  }
}
void WriteValue(JsonWriter& w, bool v) { w.Bool(v); }
void WriteValue(JsonWriter& w, int64_t v) { w.Int(v); }
void WriteValue(JsonWriter& w, std::string_view v) { w.String(v); }

void OptText(JsonWriter& w, const char* key, const std::optional<Instant>& t) {
  w.Key(key);
  WriteValue(w, t);
}

// A clock's local due date as a member value: written as FormatDate writes it, and equal to
// another exactly when their texts are (every unset date writes "").
struct ClockDate {
  LocalDate d;
  bool operator==(const ClockDate& o) const { return (d.ok() || o.d.ok()) ? d == o.d : true; }
};
void WriteValue(JsonWriter& w, ClockDate v) { w.String(FormatDate(v.d)); }

// Calls f(key, a's value, b's value) for each member of ToJson(ClockTrack), in the order
// nlohmann writes them: the one list of a clock's members, for the record and for a clock's
// change.
template <class F>
void ForEachClockMemberOfBoth(const ClockTrack& a, const ClockTrack& b, F&& f) {
  f("anchor", a.anchor, b.anchor);
  f("breached", a.breached, b.breached);
  f("due", a.due, b.due);
  f("ended_at", a.ended_at, b.ended_at);
  f("local_due", ClockDate{a.local_due}, ClockDate{b.local_due});
  f("name", std::string_view(a.name), std::string_view(b.name));
  f("paused_at", a.paused_at, b.paused_at);
  f("paused_ms", int64_t{a.paused_ms}, int64_t{b.paused_ms});
  f("rule", std::string_view(a.rule), std::string_view(b.rule));
  f("state", std::string_view(ToString(a.state)), std::string_view(ToString(b.state)));
  f("warn", a.warn, b.warn);
  f("warned", a.warned, b.warned);
}

// Calls f(key, value) for each member of one clock.
template <class F>
void ForEachClockMember(const ClockTrack& t, F&& f) {
  ForEachClockMemberOfBoth(t, t, [&f](const char* key, const auto& v, const auto&) { f(key, v); });
}

void WriteRemedy(JsonWriter& w, const Remedy& r) {
  w.Key("remedy");
  w.BeginObject();
  Int(w, "amount_minor", r.amount_minor);
  Text(w, "currency", r.currency);
  OptText(w, "due", r.due);
  OptText(w, "paid_at", r.paid_at);
  Text(w, "type", r.type);
  w.EndObject();
}

void WriteFullClock(JsonWriter& w, const ClockTrack& t) {
  w.BeginObject();
  ForEachClockMember(t, [&w](const char* key, const auto& v) {
    w.Key(key);
    WriteValue(w, v);
  });
  w.EndObject();
}

}  // namespace

void WriteInstantMember(JsonWriter& w, const char* key, const std::optional<Instant>& at) {
  OptText(w, key, at);
}

void WriteClockChange(JsonWriter& before, JsonWriter& after, const ClockTrack& b,
                      const ClockTrack& a) {
  // Two values are written alike exactly when they are equal: compared as they are, not as
  // text.
  ForEachClockMemberOfBoth(b, a, [&](const char* key, const auto& vb, const auto& va) {
    if (vb == va) return;
    before.Key(key);
    WriteValue(before, vb);
    after.Key(key);
    WriteValue(after, va);
  });
}

void WriteStaffRecord(JsonWriter& w, const Complaint& c) {
  w.BeginObject();
  Text(w, "accessibility_needs", c.accessibility_needs.value);
  const Assessment& a = c.assessment;
  w.Key("assessment");
  w.BeginObject();
  Text(w, "category", a.category);
  Text(w, "complexity", ToString(a.complexity));
  w.Key("flags");
  w.BeginArray();
  for (const auto& f : a.flags) w.String(f);
  w.EndArray();
  Bool(w, "immediate_action_needed", a.immediate_action_needed);
  Text(w, "impact_complainant", a.impact_complainant);
  Text(w, "impact_organisation", a.impact_organisation);
  Text(w, "notes", a.notes);
  Text(w, "safety", ToString(a.safety));
  Int(w, "severity", a.severity);
  w.EndObject();
  Text(w, "assignee", c.assignee);
  Text(w, "channel", ToString(c.channel));
  w.Key("clocks");
  w.BeginArray();
  for (const auto& t : c.clocks) WriteFullClock(w, t);
  w.EndArray();
  const Closure& cl = c.closure;
  w.Key("closure");
  w.BeginObject();
  if (cl.business_days) {
    Int(w, "business_days", *cl.business_days);
  } else {
    Null(w, "business_days");
  }
  OrNull(w, "cause", cl.cause, [](auto v) { return ToString(v); });
  OptText(w, "closed_at", cl.closed_at);
  Text(w, "closed_by", cl.closed_by);
  Text(w, "duplicate_of", cl.duplicate_of);
  OptText(w, "follow_up_due", cl.follow_up_due);
  Text(w, "follow_up_note", cl.follow_up_note.value);
  OrNull(w, "follow_up_on", cl.follow_up_on, FormatDate);
  if (cl.followed_up_at) {
    Bool(w, "follow_up_satisfied", cl.follow_up_satisfied);
  } else {
    Null(w, "follow_up_satisfied");
  }
  OptText(w, "followed_up_at", cl.followed_up_at);
  Text(w, "followed_up_by", cl.followed_up_by);
  OrNull(w, "reason", cl.reason, [](auto v) { return ToString(v); });
  Text(w, "summary", cl.summary.value);
  w.EndObject();
  w.Key("complainant");
  w.BeginObject();
  Text(w, "account_number", c.complainant.account_number.value);
  Text(w, "address", c.complainant.address.value);
  Text(w, "email", c.complainant.email.value);
  Bool(w, "is_customer", c.complainant.is_customer);
  Text(w, "name", c.complainant.name.value);
  Text(w, "organisation", c.complainant.organisation.value);
  Text(w, "phone", c.complainant.phone.value);
  w.EndObject();
  w.Key("contact_preference");
  w.BeginObject();
  Text(w, "channel", c.contact.channel);
  Text(w, "format", c.contact.format);
  Text(w, "language", c.contact.language);
  Text(w, "times", c.contact.times);
  w.EndObject();
  const Decision& d = c.decision;
  w.Key("decision");
  w.BeginObject();
  Text(w, "acceptance", ToString(d.acceptance));
  OptText(w, "acceptance_at", d.acceptance_at);
  Text(w, "acceptance_reasons", d.acceptance_reasons.value);
  Text(w, "approved_by", d.approved_by);
  OptText(w, "communicated_at", d.communicated_at);
  Text(w, "outcome", ToString(d.outcome));
  OptText(w, "proposed_at", d.proposed_at);
  Text(w, "proposed_by", d.proposed_by);
  Text(w, "reasons", d.reasons.value);
  WriteRemedy(w, d.remedy);
  w.EndObject();
  Text(w, "description", c.description.value);
  Bool(w, "escalated", c.escalated);
  OrNull(w, "event_date", c.event_date, FormatDate);
  Text(w, "immediate_action", c.immediate_action.value);
  Text(w, "investigator", c.investigator);
  At(w, "logged_at", c.logged_at);
  Text(w, "pending_question", c.pending_question.value);
  Text(w, "policy_id", c.policy_id);
  Text(w, "priority", ToString(c.priority));
  At(w, "received_at", c.received_at);
  Text(w, "received_by", c.received_by);
  Text(w, "reference", c.reference.ToString());
  w.Key("referral");
  w.BeginObject();
  Text(w, "body", c.referral.body);
  Text(w, "external_reference", c.referral.external_reference);
  Text(w, "outcome", c.referral.outcome);
  OptText(w, "referred_at", c.referral.referred_at);
  OptText(w, "reply_deadline", c.referral.reply_deadline);
  w.EndObject();
  Text(w, "remedy_requested", c.remedy_requested.value);
  Int(w, "reopen_count", c.reopen_count);
  w.Key("representative");
  w.BeginObject();
  Text(w, "authority", c.representative.authority);
  Text(w, "name", c.representative.name.value);
  Text(w, "relationship", c.representative.relationship);
  w.EndObject();
  w.Key("source");
  w.BeginObject();
  w.Key("fields");
  w.BeginObject();
  for (const auto& [k, v] : c.source.fields) Text(w, k.c_str(), v);
  w.EndObject();
  Text(w, "id", c.source.id);
  Text(w, "system", c.source.system);
  w.EndObject();
  Text(w, "state", ToString(c.state));
  w.Key("subject");
  w.BeginObject();
  Text(w, "department", c.subject.department);
  Text(w, "location", c.subject.location);
  Text(w, "persons_named", c.subject.persons_named.value);
  Text(w, "product", c.subject.product);
  Text(w, "type", ToString(c.subject.type));
  w.EndObject();
  w.Key("survey");
  w.BeginObject();
  OptText(w, "answered_at", c.survey.answered_at);
  Text(w, "comment", c.survey.comment.value);
  Int(w, "handling", c.survey.handling);
  OptText(w, "opted_out_at", c.survey.opted_out_at);
  Int(w, "outcome", c.survey.outcome);
  w.EndObject();
  At(w, "updated_at", c.updated_at);
  Int(w, "version", c.version);
  Text(w, "vulnerability", c.vulnerability.value);
  w.EndObject();
}

void WriteStaffTime(JsonWriter& w, const Complaint& c, Instant now) {
  const auto due = EarliestDue(c.clocks);
  OptText(w, "due", due);
  Bool(w, "overdue", IsOpen(c.state) && due && *due < now);
}

json ToStaffJson(const Complaint& c, Instant now) {
  std::string time = "{";
  JsonWriter w(time);
  WriteStaffTime(w, c, now);
  time += '}';
  json j = RecordJson(c);
  j.update(json::parse(time));
  return j;
}

void WriteComplainantMembers(JsonWriter& w, const Complaint& c) {
  w.Key("actions");
  w.BeginArray();
  for (const auto& action : ComplainantActions(c.state)) w.String(action);
  w.EndArray();
  Text(w, "channel", ToString(c.channel));
  w.Key("clocks");
  w.BeginArray();
  for (const auto& t : c.clocks) {
    w.BeginObject();
    At(w, "due", t.due);
    Text(w, "local_due", FormatDate(t.local_due));
    Text(w, "name", t.name);
    Text(w, "state", ToString(t.state));
    w.EndObject();
  }
  w.EndArray();
  if (c.closure.closed_at) OptText(w, "closed_at", c.closure.closed_at);
  if (c.decision.communicated_at) {
    const Decision& d = c.decision;
    w.Key("decision");
    w.BeginObject();
    OptText(w, "communicated_at", d.communicated_at);
    Text(w, "outcome", ToString(d.outcome));
    Text(w, "reasons", d.reasons.value);
    WriteRemedy(w, d.remedy);
    w.EndObject();
  }
  Text(w, "description", c.description.value);
  OptText(w, "due", EarliestDue(c.clocks));
  Text(w, "product", c.subject.product);
  if (c.state == State::kAwaitingComplainant) {
    Text(w, "question", c.pending_question.value);
  } else {
    Null(w, "question");
  }
  At(w, "received_at", c.received_at);
  Text(w, "reference", c.reference.ToString());
  Text(w, "remedy_requested", c.remedy_requested.value);
  Text(w, "state", ToString(c.state));
  Text(w, "status", PublicStatusText(c.state));
  // The satisfaction survey opens at closure (not after a withdrawal) and is answered once.
  if (c.survey.answered_at) {
    w.Key("survey");
    w.BeginObject();
    OptText(w, "answered_at", c.survey.answered_at);
    Int(w, "handling", c.survey.handling);
    Int(w, "outcome", c.survey.outcome);
    w.EndObject();
  } else {
    Null(w, "survey");
  }
  Bool(w, "survey_open", SurveyOpen(c));
  Bool(w, "survey_opted_out", c.survey.opted_out_at.has_value());
  At(w, "updated_at", c.updated_at);
}

json ToComplainantJson(const Complaint& c, Instant now) {
  (void)now;
  std::string text;
  JsonWriter w(text);
  w.BeginObject();
  WriteComplainantMembers(w, c);
  w.EndObject();
  return json::parse(text);
}

json ToJson(const Event& e) {
  auto parse_or_string = [](const std::string& s) {
    json j = json::parse(s, nullptr, false);
    return j.is_discarded() ? json(s) : j;
  };
  return {{"seq", e.seq},
          {"reference", e.reference},
          {"at", FormatInstant(e.at)},
          {"actor", e.actor},
          {"action", e.action},
          {"before", parse_or_string(e.before)},
          {"after", parse_or_string(e.after)},
          {"hash", e.hash}};
}

void AppendEventsJson(std::string& out, const std::vector<Event>& events) {
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& e : events) {
    w.BeginObject();
    w.Key("seq");
    w.Int(e.seq);
    w.Key("reference");
    w.String(e.reference);
    w.Key("at");
    w.Timestamp(e.at);
    w.Key("actor");
    w.String(e.actor);
    w.Key("action");
    w.String(e.action);
    for (const auto& [key, text] : {std::pair{"before", &e.before}, std::pair{"after", &e.after}}) {
      w.Key(key);
      if (IsJson(*text)) {
        w.Raw(*text);
      } else {
        w.String(*text);
      }
    }
    w.Key("hash");
    w.String(e.hash);
    w.EndObject();
  }
  w.EndArray();
}

json ToJson(const Note& n) {
  return {{"id", n.id},
          {"at", FormatInstant(n.at)},
          {"author", n.author},
          {"visibility", n.visibility == NoteVisibility::kInternal ? "internal" : "complainant"},
          {"body", n.body.value}};
}

json ToJson(const Attachment& a) {
  return {{"id", a.id},
          {"sha256", a.sha256},
          {"content_type", a.content_type},
          {"size", a.size},
          {"filename", a.filename.value},
          {"uploaded_by", a.uploaded_by},
          {"at", FormatInstant(a.at)}};
}

void WriteNote(JsonWriter& w, const Note& n) {
  w.BeginObject();
  At(w, "at", n.at);
  Text(w, "author", n.author);
  Text(w, "body", n.body.value);
  Int(w, "id", n.id);
  Text(w, "visibility", n.visibility == NoteVisibility::kInternal ? "internal" : "complainant");
  w.EndObject();
}

void WriteAttachment(JsonWriter& w, const Attachment& a) {
  w.BeginObject();
  At(w, "at", a.at);
  Text(w, "content_type", a.content_type);
  Text(w, "filename", a.filename.value);
  Int(w, "id", a.id);
  Text(w, "sha256", a.sha256);
  Int(w, "size", a.size);
  Text(w, "uploaded_by", a.uploaded_by);
  w.EndObject();
}

json ToJson(const User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name.value},
          {"role", ToString(u.role)},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"created_at", FormatInstant(u.created_at)}};
}

namespace {

// The constant text of a list row and the values of our own spelling between its free-text
// strings, put together on the stack and appended in one call: a row written member by member
// (JsonWriter's Key and String, each looking at its bytes for escapes) cost about 4,000
// instructions, a third of a page's (docs/performance.md).
class RowText {
 public:
  template <size_t N>
  RowText& operator<<(const char (&text)[N]) {
    static_assert(N - 1 <= kMaxLiteral);
    std::memcpy(buf_ + n_, text, N - 1);
    n_ += N - 1;
    return *this;
  }
  // A state, priority or channel's name: short, and never needs an escape.
  RowText& Name(const char* name) {
    const std::string_view v(name);
    std::memcpy(buf_ + n_, v.data(), std::min(v.size(), kMaxName));
    n_ += std::min(v.size(), kMaxName);
    return *this;
  }
  // An instant in quotes; false (writing nothing) for a year FormatInstant alone can write.
  bool Quoted(Instant t) {
    buf_[n_] = '"';
    if (!PutInstant(buf_ + n_ + 1, t)) return false;
    buf_[n_ + 25] = '"';
    n_ += 26;
    return true;
  }
  void AppendTo(std::string& out) {
    out.append(buf_, n_);
    n_ = 0;
  }

 private:
  static constexpr size_t kMaxLiteral = 24;
  static constexpr size_t kMaxName = 32;
  // The longest run between two appends: three literals and two names, or three literals and
  // two quoted instants (26 bytes each).
  char buf_[3 * kMaxLiteral + 2 * kMaxName];
  size_t n_ = 0;
};

// `t` as a JSON string at the end of `out`: through `row` when its year has four digits.
void AppendInstant(std::string& out, RowText& row, Instant t) {
  if (!row.Quoted(t)) {
    row.AppendTo(out);
    AppendJsonString(out, FormatInstant(t));
  }
}

}  // namespace

ListPageWriter::ListPageWriter(std::string& out, size_t rows) : out_(out) {
  out_.reserve(out_.size() + 64 + rows * 400);  // a CFPB row is about 350 bytes
  out_ += "{\"items\":[";
}

void ListPageWriter::Add(const ComplaintSummaryView& s) {
  std::string& out = out_;
  RowText row;
  if (!first_) row << ",";
  first_ = false;
  row << "{\"reference\":";
  row.AppendTo(out);
  AppendJsonString(out, s.reference);
  row << ",\"state\":\"";
  row.Name(ToString(s.state)) << "\",\"priority\":\"";
  row.Name(ToString(s.priority)) << "\",\"category\":";
  row.AppendTo(out);
  AppendJsonString(out, s.category);
  row << ",\"product\":";
  row.AppendTo(out);
  AppendJsonString(out, s.product);
  row << ",\"channel\":\"";
  row.Name(ToString(s.channel)) << "\",\"assignee\":";
  row.AppendTo(out);
  AppendJsonString(out, s.assignee);
  row << ",\"received_at\":";
  AppendInstant(out, row, s.received_at);
  row << ",\"due\":";
  if (s.due) {
    AppendInstant(out, row, *s.due);
  } else {
    row << "null";
  }
  if (s.overdue) {
    row << ",\"overdue\":true}";
  } else {
    row << ",\"overdue\":false}";
  }
  row.AppendTo(out);
}

void ListPageWriter::Finish(std::string_view next_cursor) {
  out_ += "],\"next_cursor\":";
  if (next_cursor.empty()) {
    out_ += "null";
  } else {
    AppendJsonString(out_, next_cursor);
  }
  out_ += '}';
}

void WriteListPage(std::string& out, const ListPage& page) {
  ListPageWriter w(out, page.items.size());
  for (const auto& s : page.items) w.Add(ComplaintSummaryView::Of(s));
  w.Finish(page.next_cursor);
}

}  // namespace redress::core
