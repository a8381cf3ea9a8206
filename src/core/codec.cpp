#include "core/codec.hpp"

#include "core/lifecycle.hpp"

namespace redress::core {
namespace {

using nlohmann::json;

json OptInstant(const std::optional<Instant>& t) {
  return t ? json(FormatInstant(*t)) : json(nullptr);
}

std::optional<Instant> ReadOptInstant(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return ParseInstant(it->get<std::string>());
}

Instant ReadInstant(const json& j, const char* key) {
  return ReadOptInstant(j, key).value_or(Instant{});
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename E, typename Parse>
E ReadEnum(const json& j, const char* key, E fallback, Parse parse) {
  auto s = Str(j, key);
  if (auto v = parse(s)) return *v;
  return fallback;
}

json ComplainantJson(const Complainant& c) {
  return {{"name", c.name.value},        {"organisation", c.organisation.value},
          {"address", c.address.value},  {"email", c.email.value},
          {"phone", c.phone.value},      {"account_number", c.account_number.value},
          {"is_customer", c.is_customer}};
}

Complainant ReadComplainant(const json& j) {
  Complainant c;
  if (!j.is_object()) return c;
  c.name = Str(j, "name");
  c.organisation = Str(j, "organisation");
  c.address = Str(j, "address");
  c.email = Str(j, "email");
  c.phone = Str(j, "phone");
  c.account_number = Str(j, "account_number");
  c.is_customer = j.value("is_customer", true);
  return c;
}

json RemedyJson(const Remedy& r) {
  return {{"type", r.type},
          {"amount_minor", r.amount_minor},
          {"currency", r.currency},
          {"due", OptInstant(r.due)},
          {"paid_at", OptInstant(r.paid_at)}};
}

Remedy ReadRemedy(const json& j) {
  Remedy r;
  if (!j.is_object()) return r;
  r.type = Str(j, "type");
  r.amount_minor = j.value("amount_minor", int64_t{0});
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

Assessment ReadAssessment(const json& j) {
  Assessment a;
  if (!j.is_object()) return a;
  a.category = Str(j, "category");
  if (auto it = j.find("flags"); it != j.end() && it->is_array()) {
    for (const auto& f : *it) {
      if (f.is_string()) a.flags.push_back(f.get<std::string>());
    }
  }
  a.severity = j.value("severity", 0);
  a.safety = ReadEnum(j, "safety", SafetyRisk::kNone, ParseSafetyRisk);
  a.complexity = ReadEnum(j, "complexity", Complexity::kSimple, ParseComplexity);
  a.impact_complainant = Str(j, "impact_complainant");
  a.impact_organisation = Str(j, "impact_organisation");
  a.immediate_action_needed = j.value("immediate_action_needed", false);
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

Decision ReadDecision(const json& j) {
  Decision d;
  if (!j.is_object()) return d;
  d.outcome = ReadEnum(j, "outcome", Outcome::kNotUpheld, ParseOutcome);
  d.reasons = Str(j, "reasons");
  if (auto it = j.find("remedy"); it != j.end()) d.remedy = ReadRemedy(*it);
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

ExternalReferral ReadReferral(const json& j) {
  ExternalReferral r;
  if (!j.is_object()) return r;
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
          {"duplicate_of", c.duplicate_of}};
}

Closure ReadClosure(const json& j) {
  Closure c;
  if (!j.is_object()) return c;
  c.closed_at = ReadOptInstant(j, "closed_at");
  c.closed_by = Str(j, "closed_by");
  c.reason = ParseClosureReason(Str(j, "reason"));
  c.cause = ParseCauseCategory(Str(j, "cause"));
  c.summary = Str(j, "summary");
  c.duplicate_of = Str(j, "duplicate_of");
  return c;
}

ClockTrack ReadClock(const json& j) {
  ClockTrack t;
  t.name = Str(j, "name");
  t.rule = Str(j, "rule");
  t.state = ParseClockState(Str(j, "state")).value_or(ClockState::kRunning);
  t.anchor = ReadInstant(j, "anchor");
  t.due = ReadInstant(j, "due");
  t.warn = ReadInstant(j, "warn");
  t.local_due = ParseDate(Str(j, "local_due")).value_or(LocalDate{});
  t.warned = j.value("warned", false);
  t.breached = j.value("breached", false);
  t.paused_at = ReadOptInstant(j, "paused_at");
  t.paused_ms = j.value("paused_ms", int64_t{0});
  t.ended_at = ReadOptInstant(j, "ended_at");
  return t;
}

// Fields common to the storage and staff views.
json RecordJson(const Complaint& c) {
  json clocks = json::array();
  for (const auto& t : c.clocks) clocks.push_back(ToJson(t));
  return {
      {"reference", c.reference.ToString()},
      {"state", ToString(c.state)},
      {"version", c.version},
      {"received_at", FormatInstant(c.received_at)},
      {"logged_at", FormatInstant(c.logged_at)},
      {"received_by", c.received_by},
      {"channel", ToString(c.channel)},
      {"complainant", ComplainantJson(c.complainant)},
      {"representative",
       {{"name", c.representative.name.value},
        {"relationship", c.representative.relationship},
        {"authority", c.representative.authority}}},
      {"contact_preference",
       {{"channel", c.contact.channel},
        {"times", c.contact.times},
        {"language", c.contact.language},
        {"format", c.contact.format}}},
      {"accessibility_needs", c.accessibility_needs.value},
      {"vulnerability", c.vulnerability.value},
      {"subject",
       {{"type", ToString(c.subject.type)},
        {"product", c.subject.product},
        {"department", c.subject.department},
        {"location", c.subject.location},
        {"persons_named", c.subject.persons_named.value}}},
      {"description", c.description.value},
      {"remedy_requested", c.remedy_requested.value},
      {"event_date", c.event_date ? json(FormatDate(*c.event_date)) : json(nullptr)},
      {"immediate_action", c.immediate_action.value},
      {"assessment", AssessmentJson(c.assessment)},
      {"priority", ToString(c.priority)},
      {"escalated", c.escalated},
      {"policy_id", c.policy_id},
      {"clocks", std::move(clocks)},
      {"assignee", c.assignee},
      {"investigator", c.investigator},
      {"decision", DecisionJson(c.decision)},
      {"referral", ReferralJson(c.referral)},
      {"pending_question", c.pending_question.value},
      {"closure", ClosureJson(c.closure)},
      {"reopen_count", c.reopen_count},
      {"updated_at", FormatInstant(c.updated_at)},
      {"source", {{"system", c.source.system}, {"id", c.source.id}, {"fields", c.source.fields}}},
  };
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

Result<Complaint> FromStorageJson(const json& j) {
  if (!j.is_object()) return MakeError(Errc::kInternal, "stored complaint is not an object");
  try {
    Complaint c;
    c.id = j.value("id", int64_t{0});
    auto ref = ParseReference(Str(j, "reference"));
    if (!ref) {
      // Prefix may be configured: take it from the stored string.
      const std::string s = Str(j, "reference");
      auto dash = s.find('-');
      if (dash == std::string::npos) return MakeError(Errc::kInternal, "bad stored reference");
      ref = ParseReference(s, s.substr(0, dash));
      if (!ref) return MakeError(Errc::kInternal, "bad stored reference");
    }
    c.reference = *ref;
    c.secret_hash = Str(j, "secret_hash");
    c.state = ReadEnum(j, "state", State::kReceived, ParseState);
    c.version = j.value("version", int64_t{0});
    c.received_at = ReadInstant(j, "received_at");
    c.logged_at = ReadInstant(j, "logged_at");
    c.received_by = Str(j, "received_by");
    c.channel = ReadEnum(j, "channel", Channel::kWeb, ParseChannel);
    if (auto it = j.find("complainant"); it != j.end()) c.complainant = ReadComplainant(*it);
    if (auto it = j.find("representative"); it != j.end() && it->is_object()) {
      c.representative.name = Str(*it, "name");
      c.representative.relationship = Str(*it, "relationship");
      c.representative.authority = Str(*it, "authority");
    }
    if (auto it = j.find("contact_preference"); it != j.end() && it->is_object()) {
      c.contact.channel = Str(*it, "channel");
      c.contact.times = Str(*it, "times");
      c.contact.language = Str(*it, "language");
      c.contact.format = Str(*it, "format");
    }
    c.accessibility_needs = Str(j, "accessibility_needs");
    c.vulnerability = Str(j, "vulnerability");
    if (auto it = j.find("subject"); it != j.end() && it->is_object()) {
      c.subject.type = ReadEnum(*it, "type", SubjectType::kProduct, ParseSubjectType);
      c.subject.product = Str(*it, "product");
      c.subject.department = Str(*it, "department");
      c.subject.location = Str(*it, "location");
      c.subject.persons_named = Str(*it, "persons_named");
    }
    c.description = Str(j, "description");
    c.remedy_requested = Str(j, "remedy_requested");
    c.event_date = ParseDate(Str(j, "event_date"));
    c.immediate_action = Str(j, "immediate_action");
    if (auto it = j.find("assessment"); it != j.end()) c.assessment = ReadAssessment(*it);
    c.priority = ReadEnum(j, "priority", Priority::kP3, ParsePriority);
    c.escalated = j.value("escalated", false);
    c.policy_id = Str(j, "policy_id");
    if (auto it = j.find("clocks"); it != j.end() && it->is_array()) {
      for (const auto& t : *it) {
        if (t.is_object()) c.clocks.push_back(ReadClock(t));
      }
    }
    c.assignee = Str(j, "assignee");
    c.investigator = Str(j, "investigator");
    if (auto it = j.find("decision"); it != j.end()) c.decision = ReadDecision(*it);
    if (auto it = j.find("referral"); it != j.end()) c.referral = ReadReferral(*it);
    c.pending_question = Str(j, "pending_question");
    if (auto it = j.find("closure"); it != j.end()) c.closure = ReadClosure(*it);
    c.reopen_count = j.value("reopen_count", 0);
    c.updated_at = ReadInstant(j, "updated_at");
    if (auto it = j.find("source"); it != j.end() && it->is_object()) {
      c.source.system = Str(*it, "system");
      c.source.id = Str(*it, "id");
      if (auto f = it->find("fields"); f != it->end() && f->is_object()) {
        for (auto fit = f->begin(); fit != f->end(); ++fit) {
          if (fit->is_string()) c.source.fields[fit.key()] = fit->get<std::string>();
        }
      }
    }
    return c;
  } catch (const json::exception&) {
    return MakeError(Errc::kInternal, "stored complaint has a field of the wrong type");
  }
}

json ToStaffJson(const Complaint& c, Instant now) {
  json j = RecordJson(c);
  const auto due = EarliestDue(c.clocks);
  j["due"] = OptInstant(due);
  j["overdue"] = IsOpen(c.state) && due && *due < now;
  return j;
}

json ToComplainantJson(const Complaint& c, Instant now) {
  json clocks = json::array();
  for (const auto& t : c.clocks) {
    clocks.push_back({{"name", t.name},
                      {"due", FormatInstant(t.due)},
                      {"local_due", FormatDate(t.local_due)},
                      {"state", ToString(t.state)}});
  }
  const auto due = EarliestDue(c.clocks);
  json j = {
      {"reference", c.reference.ToString()},
      {"state", ToString(c.state)},
      {"status", PublicStatusText(c.state)},
      {"received_at", FormatInstant(c.received_at)},
      {"channel", ToString(c.channel)},
      {"product", c.subject.product},
      {"description", c.description.value},
      {"remedy_requested", c.remedy_requested.value},
      {"due", OptInstant(due)},
      {"clocks", std::move(clocks)},
      {"question",
       c.state == State::kAwaitingComplainant ? json(c.pending_question.value) : json(nullptr)},
      {"updated_at", FormatInstant(c.updated_at)},
  };
  (void)now;
  if (c.decision.communicated_at) {
    j["decision"] = {{"outcome", ToString(c.decision.outcome)},
                     {"reasons", c.decision.reasons.value},
                     {"remedy", RemedyJson(c.decision.remedy)},
                     {"communicated_at", OptInstant(c.decision.communicated_at)}};
  }
  if (c.closure.closed_at) {
    j["closed_at"] = OptInstant(c.closure.closed_at);
  }
  j["actions"] = ComplainantActions(c.state);
  return j;
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

json ToJson(const User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name.value},
          {"role", ToString(u.role)},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"created_at", FormatInstant(u.created_at)}};
}

}  // namespace redress::core
