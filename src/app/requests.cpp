#include "app/requests.hpp"

#include "app/json_input.hpp"

namespace redress::app {
namespace {

using core::Errc;
using core::FieldError;

constexpr size_t kTextMax = 20000;  // description, reasons: long letters fit
// The values a `cause` may take, as a refusal lists them.
constexpr std::string_view kCauses = "people, process, product, system, third_party, policy";

core::Error InvalidFields(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1
                           ? "The field " + errors[0].pointer + " " + errors[0].message + "."
                           : std::to_string(errors.size()) + " fields are invalid.";
  return core::MakeError(Errc::kInvalid, std::move(detail), std::move(errors));
}

bool LooksLikeEmail(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find('.', at) != std::string::npos && s.find(' ') == std::string::npos;
}

template <class View>
std::optional<core::Remedy> ReadRemedy(BasicJsonInput<View>& parent, const char* key) {
  BasicJsonInput<View> r = parent.Object(key, false);
  r.AllowOnly({"type", "amount_minor", "currency", "due", "paid_at"});
  core::Remedy remedy;
  remedy.type = r.String("type", false, 64);
  remedy.amount_minor = r.Integer("amount_minor", false, 0, int64_t{1} << 50).value_or(0);
  remedy.currency = r.String("currency", false, 3);
  remedy.due = r.Instant("due", false);
  remedy.paid_at = r.Instant("paid_at", false);
  if (remedy.type.empty() && remedy.amount_minor == 0 && remedy.currency.empty()) {
    return std::nullopt;
  }
  return remedy;
}

template <class View>
core::Result<core::Complaint> NewComplaintFrom(View body, Intake intake, core::Instant now) {
  std::vector<FieldError> errors;
  BasicJsonInput<View> in(body, "", &errors);
  in.AllowOnly({"complainant", "representative", "contact_preference", "channel", "subject_type",
                "product", "department", "location", "persons_named", "description",
                "remedy_requested", "event_date", "immediate_action", "accessibility_needs",
                "vulnerability", "received_at", "flags", "survey_opt_out"});
  core::Complaint c;

  BasicJsonInput<View> who = in.Object("complainant", true);
  who.AllowOnly(
      {"name", "organisation", "address", "email", "phone", "account_number", "is_customer"});
  c.complainant.name = who.String("name", true, 200);
  c.complainant.organisation = who.String("organisation", false, 200);
  c.complainant.address = who.String("address", false, 500);
  c.complainant.email = who.String("email", false, 254);
  c.complainant.phone = who.String("phone", false, 40);
  c.complainant.account_number = who.String("account_number", false, 64);
  c.complainant.is_customer = who.Bool("is_customer").value_or(true);
  if (!c.complainant.email.value.empty() && !LooksLikeEmail(c.complainant.email.value)) {
    who.Fail("email", "is not an email address");
  }
  if (who.is_object() && c.complainant.email.value.empty() && c.complainant.phone.value.empty() &&
      c.complainant.address.value.empty() && !c.complainant.name.value.empty()) {
    errors.push_back({"/complainant/email", "give an email, phone or postal address to reach you"});
  }

  BasicJsonInput<View> rep = in.Object("representative", false);
  rep.AllowOnly({"name", "relationship", "authority"});
  c.representative.name = rep.String("name", false, 200);
  c.representative.relationship = rep.String("relationship", false, 100);
  c.representative.authority = rep.String("authority", false, 500);

  BasicJsonInput<View> pref = in.Object("contact_preference", false);
  pref.AllowOnly({"channel", "times", "language", "format"});
  c.contact.channel = pref.String("channel", false, 32);
  c.contact.times = pref.String("times", false, 200);
  c.contact.language = pref.String("language", false, 35);
  c.contact.format = pref.String("format", false, 100);

  const auto channel = in.Enum("channel", false, core::ParseChannel,
                               "web, email, phone, letter, in_person, social_media, api, referral");
  if (intake == Intake::kPublic) {
    if (channel && *channel != core::Channel::kWeb && *channel != core::Channel::kApi) {
      in.Fail("channel", "must be web or api for a complaint made directly");
    }
    c.channel = channel.value_or(core::Channel::kApi);
  } else {
    c.channel = channel.value_or(core::Channel::kPhone);
  }
  c.subject.type = in.Enum("subject_type", false, core::ParseSubjectType,
                           "product, service, staff, policy, complaint_handling")
                       .value_or(core::SubjectType::kProduct);
  c.subject.product = in.String("product", false, 200);
  c.subject.department = in.String("department", false, 200);
  c.subject.location = in.String("location", false, 200);
  c.subject.persons_named = in.String("persons_named", false, 500);
  c.description = in.String("description", true, kTextMax);
  c.remedy_requested = in.String("remedy_requested", false, kTextMax);
  c.event_date = in.Date("event_date", false);
  c.immediate_action = in.String("immediate_action", false, 2000);
  c.accessibility_needs = in.String("accessibility_needs", false, 2000);
  c.vulnerability = in.String("vulnerability", false, 2000);
  c.assessment.flags = in.StringArray("flags", 16, 64);
  if (in.Bool("survey_opt_out").value_or(false)) c.survey.opted_out_at = now;
  if (c.event_date && date::sys_days(*c.event_date) > std::chrono::floor<date::days>(now)) {
    in.Fail("event_date", "is in the future");
  }
  if (auto received = in.Instant("received_at", false)) {
    if (intake == Intake::kPublic) {
      in.Fail("received_at", "is set by the service for a complaint made directly");
    } else if (*received > now) {
      in.Fail("received_at", "is in the future");
    } else {
      c.received_at = *received;
    }
  }
  if (!errors.empty()) return InvalidFields(std::move(errors));
  return c;
}

template <class View>
core::Result<core::ActionInput> ActionInputFrom(core::Action action, View body) {
  using core::Action;
  std::vector<FieldError> errors;
  BasicJsonInput<View> in(body, "", &errors);
  core::ActionInput out;
  switch (action) {
    case Action::kAcknowledge:
      in.AllowOnly({});
      break;
    case Action::kAssess: {
      in.AllowOnly({"category", "flags", "severity", "safety", "complexity", "impact_complainant",
                    "impact_organisation", "immediate_action_needed", "notes", "assignee"});
      core::Assessment a;
      a.category = in.String("category", true, 200);
      a.flags = in.StringArray("flags", 16, 64);
      a.severity = static_cast<int>(in.Integer("severity", true, 1, 4).value_or(0));
      a.safety = in.Enum("safety", false, core::ParseSafetyRisk, "none, potential, actual")
                     .value_or(core::SafetyRisk::kNone);
      a.complexity =
          in.Enum("complexity", false, core::ParseComplexity, "simple, moderate, complex")
              .value_or(core::Complexity::kSimple);
      for (const char* key : {"impact_complainant", "impact_organisation"}) {
        std::string level = in.String(key, false, 16);
        if (!level.empty() && level != "none" && level != "low" && level != "medium" &&
            level != "high") {
          in.Fail(key, "must be one of: none, low, medium, high");
        }
        (std::string_view(key) == "impact_complainant" ? a.impact_complainant
                                                       : a.impact_organisation) = level;
      }
      a.immediate_action_needed = in.Bool("immediate_action_needed").value_or(false);
      a.notes = in.String("notes", false, kTextMax);
      out.assignee = in.String("assignee", false, 64);
      out.assessment = a;
      break;
    }
    case Action::kInvestigate:
      in.AllowOnly({"investigator"});
      out.investigator = in.String("investigator", false, 64);
      break;
    case Action::kRequestInformation:
      in.AllowOnly({"question"});
      out.question = in.String("question", true, kTextMax);
      break;
    case Action::kProvideInformation:
      in.AllowOnly({"information"});
      out.information = in.String("information", false, kTextMax);
      break;
    case Action::kProposeDecision:
      in.AllowOnly({"outcome", "reasons", "remedy"});
      out.outcome =
          in.Enum("outcome", true, core::ParseOutcome, "upheld, partly_upheld, not_upheld");
      out.reasons = in.String("reasons", true, kTextMax);
      out.remedy = ReadRemedy(in, "remedy");
      break;
    case Action::kCommunicateDecision:
      in.AllowOnly({});
      break;
    case Action::kClose:
      in.AllowOnly({"cause", "acceptance", "reason", "follow_up_on"});
      out.follow_up_on = in.Date("follow_up_on", false);
      out.cause = in.Enum("cause", false, core::ParseCauseCategory, kCauses);
      out.acceptance =
          in.Enum("acceptance", false, core::ParseAcceptance, "accepts, rejects, no_reply");
      // Only the reasons a normal close can have; withdrawal, early resolution, duplicates and
      // concluded referrals have their own actions.
      out.closure_reason = in.Enum(
          "reason", false,
          [](std::string_view v) -> std::optional<core::ClosureReason> {
            auto r = core::ParseClosureReason(v);
            if (r == core::ClosureReason::kResolvedAccepted || r == core::ClosureReason::kNoReply ||
                r == core::ClosureReason::kRejectedRecourseGiven) {
              return r;
            }
            return std::nullopt;
          },
          "resolved_accepted, no_reply, rejected_recourse_given");
      break;
    case Action::kCloseEarly:
      in.AllowOnly({"summary", "cause", "duplicate_of", "follow_up_on"});
      out.follow_up_on = in.Date("follow_up_on", false);
      out.summary = in.String("summary", true, kTextMax);
      out.cause = in.Enum("cause", true, core::ParseCauseCategory, kCauses);
      out.duplicate_of = in.String("duplicate_of", false, 40);
      break;
    case Action::kRefer:
      in.AllowOnly({"body", "external_reference", "reply_deadline"});
      out.body = in.String("body", true, 200);
      out.external_reference = in.String("external_reference", false, 100);
      out.reply_deadline = in.Instant("reply_deadline", false);
      break;
    case Action::kConcludeReferral:
      in.AllowOnly({"external_outcome", "cause", "follow_up_on"});
      out.follow_up_on = in.Date("follow_up_on", false);
      out.external_outcome = in.String("external_outcome", true, 2000);
      out.cause = in.Enum("cause", false, core::ParseCauseCategory, kCauses);
      break;
    case Action::kReturnProposal:
    case Action::kReview:
    case Action::kReferBack:
    case Action::kReopen:
      in.AllowOnly({"reason"});
      out.reason = in.String("reason", true, kTextMax);
      break;
    case Action::kWithdraw:
      in.AllowOnly({"reason"});
      out.reason = in.String("reason", false, kTextMax);
      break;
  }
  if (!errors.empty()) return InvalidFields(std::move(errors));
  return out;
}

}  // namespace

core::Result<core::Complaint> ParseNewComplaint(const nlohmann::json& body, Intake intake,
                                                core::Instant now) {
  return NewComplaintFrom(core::NlohmannView(body), intake, now);
}

core::Result<core::Complaint> ParseNewComplaintText(std::string_view body, Intake intake,
                                                    core::Instant now) {
  return ReadJsonObject(body, [&](core::SimdView v) { return NewComplaintFrom(v, intake, now); });
}

core::Result<core::ActionInput> ParseActionInput(core::Action action, const nlohmann::json& body) {
  return ActionInputFrom(action, core::NlohmannView(body));
}

core::Result<core::ActionInput> ParseActionInputText(core::Action action, std::string_view body) {
  return ReadJsonObject(body, [&](core::SimdView v) { return ActionInputFrom(action, v); });
}

core::Result<NoteInput> ParseNoteInput(const nlohmann::json& body) {
  std::vector<FieldError> errors;
  JsonInput in(body, "", &errors);
  in.AllowOnly({"body", "visibility"});
  NoteInput out;
  out.body = in.String("body", true, kTextMax);
  std::string vis = in.String("visibility", false, 16);
  if (vis.empty() || vis == "internal") {
    out.visibility = core::NoteVisibility::kInternal;
  } else if (vis == "complainant") {
    out.visibility = core::NoteVisibility::kComplainant;
  } else {
    in.Fail("visibility", "must be internal or complainant");
  }
  if (!errors.empty()) return InvalidFields(std::move(errors));
  return out;
}

}  // namespace redress::app
