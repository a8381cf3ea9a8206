// Request mapping (app/requests, app/json_input): strict, never throws, refuses unknown fields,
// wrong types and missing required fields, and names every problem by JSON pointer.
#include "app/requests.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app/json_input.hpp"
#include "core/codec.hpp"

namespace redress {
namespace {

using app::Intake;
using app::ParseNoteInput;
using core::Action;
using core::Errc;
using core::Error;
using nlohmann::json;
using std::chrono::hours;

// What a reader made of a body: the error's code, detail and fields, or (through `ok`) the
// value.
template <typename T, typename Ok>
std::string Outcome(const core::Result<T>& r, Ok ok) {
  if (r.ok()) return "ok " + ok(*r);
  std::string out =
      "error " + std::to_string(static_cast<int>(r.error().code)) + " " + r.error().detail;
  for (const auto& f : r.error().fields) out += " | " + f.pointer + " " + f.message;
  return out;
}

// Every case below runs both readers of a body, the nlohmann document's (the web form's) and
// the simdjson text's (the API's, ParseNewComplaintText), and they must agree: the same
// refusals, or the same stored record. A body that is not an object is refused by the text
// reader before any field (kMalformed, as ParseJsonObject).
core::Result<core::Complaint> BothNewComplaint(const json& body, Intake intake, core::Instant now) {
  auto doc = app::ParseNewComplaint(body, intake, now);
  const std::string text = body.dump();
  auto parsed = app::ParseNewComplaintText(text, intake, now);
  if (body.is_object()) {
    auto record = [](const core::Complaint& c) { return core::EncodeStorage(c); };
    EXPECT_EQ(Outcome(doc, record), Outcome(parsed, record)) << text;
  } else {
    EXPECT_TRUE(!parsed.ok() && parsed.error().code == Errc::kMalformed) << text;
  }
  return doc;
}

core::Result<core::ActionInput> BothActionInput(Action action, const json& body) {
  auto doc = app::ParseActionInput(action, body);
  const std::string text = body.dump();
  auto parsed = app::ParseActionInputText(action, text);
  if (body.is_object()) {
    EXPECT_EQ(Outcome(doc, [](const auto&) { return std::string(); }),
              Outcome(parsed, [](const auto&) { return std::string(); }))
        << text;
    if (doc.ok() && parsed.ok()) {
      EXPECT_TRUE(*doc == *parsed) << text;
    }
  } else {
    EXPECT_TRUE(!parsed.ok() && parsed.error().code == Errc::kMalformed) << text;
  }
  return doc;
}

const core::Instant kNow = core::Instant(date::sys_days(date::year(2026) / 6 / 15)) + hours(9);

json Minimal() {
  return {{"complainant", {{"name", "Alice Example"}, {"email", "alice@example.org"}}},
          {"description", "I was charged twice."}};
}

std::vector<std::string> Pointers(const Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.fields) out.push_back(f.pointer);
  return out;
}

bool Names(const Error& e, const std::string& pointer) {
  const auto p = Pointers(e);
  return std::find(p.begin(), p.end(), pointer) != p.end();
}

std::string MessageAt(const Error& e, const std::string& pointer) {
  for (const auto& f : e.fields) {
    if (f.pointer == pointer) return f.message;
  }
  return "";
}

template <typename T>
::testing::AssertionResult RefusedAt(const core::Result<T>& r, const std::string& pointer,
                                     const std::string& message_part = "") {
  if (r.ok()) return ::testing::AssertionFailure() << "accepted; wanted a refusal at " << pointer;
  const Error& e = r.error();
  if (e.code != Errc::kInvalid) {
    return ::testing::AssertionFailure() << "code " << static_cast<int>(e.code) << ": " << e.detail;
  }
  if (!Names(e, pointer)) {
    std::string got;
    for (const auto& p : Pointers(e)) got += p + " ";
    return ::testing::AssertionFailure() << "no error at " << pointer << "; got: " << got;
  }
  if (!message_part.empty() && MessageAt(e, pointer).find(message_part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message at " << pointer << " is '" << MessageAt(e, pointer) << "'";
  }
  return ::testing::AssertionSuccess();
}

// --- ParseNewComplaint ---------------------------------------------------------------------

TEST(ParseNewComplaintTest, MinimalPublicComplaint) {
  auto r = BothNewComplaint(Minimal(), Intake::kPublic, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->complainant.name.value, "Alice Example");
  EXPECT_EQ(r->complainant.email.value, "alice@example.org");
  EXPECT_TRUE(r->complainant.is_customer);
  EXPECT_EQ(r->description.value, "I was charged twice.");
  EXPECT_EQ(r->channel, core::Channel::kApi);
  EXPECT_EQ(r->subject.type, core::SubjectType::kProduct);
  EXPECT_EQ(r->received_at, core::Instant{});  // set by the service
}

TEST(ParseNewComplaintTest, FullStaffComplaint) {
  json body = Minimal();
  body["complainant"]["phone"] = "+44 20 7946 0000";
  body["complainant"]["is_customer"] = false;
  body["representative"] = {{"name", "Ben"}, {"relationship", "son"}, {"authority", "letter"}};
  body["contact_preference"] = {{"channel", "phone"}, {"language", "cy"}};
  body["channel"] = "letter";
  body["subject_type"] = "staff";
  body["product"] = "Mortgage";
  body["persons_named"] = "bob.smith";
  body["remedy_requested"] = "An apology";
  body["event_date"] = "2026-06-01";
  body["flags"] = {"hardship"};
  body["received_at"] = "2026-06-12T10:00:00Z";
  body["vulnerability"] = "recently bereaved";
  auto r = BothNewComplaint(body, Intake::kStaff, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->channel, core::Channel::kLetter);
  EXPECT_EQ(r->subject.type, core::SubjectType::kStaff);
  EXPECT_EQ(r->subject.persons_named.value, "bob.smith");
  EXPECT_FALSE(r->complainant.is_customer);
  EXPECT_EQ(r->representative.relationship, "son");
  EXPECT_EQ(r->contact.language, "cy");
  EXPECT_EQ(r->assessment.flags, std::vector<std::string>{"hardship"});
  EXPECT_EQ(core::FormatInstant(r->received_at), "2026-06-12T10:00:00.000Z");
  ASSERT_TRUE(r->event_date.has_value());
  EXPECT_EQ(core::FormatDate(*r->event_date), "2026-06-01");
  EXPECT_EQ(r->vulnerability.value, "recently bereaved");
}

TEST(ParseNewComplaintTest, StaffDefaultChannelIsPhone) {
  auto r = BothNewComplaint(Minimal(), Intake::kStaff, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->channel, core::Channel::kPhone);
}

TEST(ParseNewComplaintTest, UnknownFieldsAreRefusedAtEveryLevel) {
  json body = Minimal();
  body["is_admin"] = true;
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/is_admin", "unknown"));
  body = Minimal();
  body["complainant"]["password"] = "x";
  EXPECT_TRUE(
      RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/complainant/password", "unknown"));
  body = Minimal();
  body["representative"] = {{"name", "Ben"}, {"ssn", "1"}};
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/representative/ssn"));
  body = Minimal();
  body["contact_preference"] = {{"colour", "blue"}};
  EXPECT_TRUE(
      RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/contact_preference/colour"));
  // Internal fields cannot be smuggled in.
  for (const char* key : {"state", "assignee", "priority", "reference", "id", "secret_hash",
                          "assessment", "decision", "policy_id"}) {
    body = Minimal();
    body[key] = "x";
    EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kStaff, kNow), std::string("/") + key))
        << key;
  }
}

TEST(ParseNewComplaintTest, PointersAreEscaped) {
  json body = Minimal();
  body["a/b"] = 1;
  body["m~n"] = 1;
  auto r = BothNewComplaint(body, Intake::kPublic, kNow);
  EXPECT_TRUE(RefusedAt(r, "/a~1b"));
  EXPECT_TRUE(RefusedAt(r, "/m~0n"));
}

TEST(ParseNewComplaintTest, MissingRequiredFields) {
  auto r = BothNewComplaint(json::object(), Intake::kPublic, kNow);
  EXPECT_TRUE(RefusedAt(r, "/complainant", "required"));
  EXPECT_TRUE(RefusedAt(r, "/description", "required"));

  json body = Minimal();
  body["complainant"].erase("name");
  EXPECT_TRUE(
      RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/complainant/name", "required"));

  body = Minimal();
  body.erase("description");
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/description", "required"));

  // Blank counts as missing; so does null.
  body = Minimal();
  body["description"] = "   \n\t ";
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/description", "required"));
  body = Minimal();
  body["description"] = nullptr;
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/description", "required"));
}

TEST(ParseNewComplaintTest, SomeWayToReachTheComplainantIsRequired) {
  json body = Minimal();
  body["complainant"].erase("email");
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/complainant/email"));
  for (const char* key : {"phone", "address"}) {
    json with = body;
    with["complainant"][key] = "somewhere 1";
    EXPECT_TRUE(BothNewComplaint(with, Intake::kPublic, kNow).ok()) << key;
  }
}

TEST(ParseNewComplaintTest, EmailMustLookLikeOne) {
  for (const char* bad : {"alice", "alice@", "@example.org", "alice@example", "a b@example.org"}) {
    json body = Minimal();
    body["complainant"]["email"] = bad;
    EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/complainant/email"))
        << bad;
  }
}

TEST(ParseNewComplaintTest, WrongTypesAreNamed) {
  struct Case {
    json body;
    std::string pointer;
    std::string message;
  };
  auto with = [](const std::string& key, json v) {
    json b = Minimal();
    b[key] = std::move(v);
    return b;
  };
  auto with_c = [](const std::string& key, json v) {
    json b = Minimal();
    b["complainant"][key] = std::move(v);
    return b;
  };
  const std::vector<Case> cases = {
      {with("description", 5), "/description", "string"},
      {with("description", json::array({"a"})), "/description", "string"},
      {with("complainant", "Alice"), "/complainant", "object"},
      {with("representative", json::array()), "/representative", "object"},
      {with_c("name", true), "/complainant/name", "string"},
      {with_c("is_customer", "yes"), "/complainant/is_customer", "true or false"},
      {with("flags", "hardship"), "/flags", "array"},
      {with("flags", json::array({1})), "/flags", "strings"},
      {with("channel", "pigeon"), "/channel", "one of"},
      {with("channel", 3), "/channel", "string"},
      {with("subject_type", "weather"), "/subject_type", "one of"},
      {with("event_date", "01/06/2026"), "/event_date", "YYYY-MM-DD"},
      {with("event_date", "2026-02-30"), "/event_date", "YYYY-MM-DD"},
      {with("event_date", "2099-01-01"), "/event_date", "future"},
  };
  for (const auto& k : cases) {
    EXPECT_TRUE(RefusedAt(BothNewComplaint(k.body, Intake::kStaff, kNow), k.pointer, k.message))
        << k.body.dump();
  }
}

TEST(ParseNewComplaintTest, LengthsAndControlCharacters) {
  json body = Minimal();
  body["complainant"]["name"] = std::string(201, 'a');
  EXPECT_TRUE(
      RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/complainant/name", "longer"));
  body = Minimal();
  body["complainant"]["name"] = std::string(200, 'a');
  EXPECT_TRUE(BothNewComplaint(body, Intake::kPublic, kNow).ok());
  body = Minimal();
  body["description"] = std::string(20001, 'x');
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/description", "longer"));
  body = Minimal();
  body["description"] = std::string("bell\x07here");
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/description", "control"));
  body = Minimal();
  body["description"] = "line one\nline two\ttabbed";
  EXPECT_TRUE(BothNewComplaint(body, Intake::kPublic, kNow).ok());
  body = Minimal();
  body["flags"] = json::array();
  for (int i = 0; i < 17; ++i) body["flags"].push_back("f" + std::to_string(i));
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/flags"));
}

TEST(ParseNewComplaintTest, StringsAreTrimmed) {
  json body = Minimal();
  body["complainant"]["name"] = "  Alice  ";
  body["description"] = "\n I was charged twice. \n";
  auto r = BothNewComplaint(body, Intake::kPublic, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->complainant.name.value, "Alice");
  EXPECT_EQ(r->description.value, "I was charged twice.");
}

TEST(ParseNewComplaintTest, PublicCallersCannotSetStaffOnlyFields) {
  json body = Minimal();
  body["channel"] = "phone";
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/channel"));
  EXPECT_TRUE(BothNewComplaint(body, Intake::kStaff, kNow).ok());
  for (const char* ok : {"web", "api"}) {
    body["channel"] = ok;
    auto r = BothNewComplaint(body, Intake::kPublic, kNow);
    ASSERT_TRUE(r.ok()) << ok;
    EXPECT_STREQ(core::ToString(r->channel), ok);
  }
  body = Minimal();
  body["received_at"] = "2026-06-01T10:00:00Z";
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kPublic, kNow), "/received_at"));
  EXPECT_TRUE(BothNewComplaint(body, Intake::kStaff, kNow).ok());
  body["received_at"] = "2026-06-16T10:00:00Z";  // tomorrow
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kStaff, kNow), "/received_at", "future"));
  body["received_at"] = "yesterday";
  EXPECT_TRUE(RefusedAt(BothNewComplaint(body, Intake::kStaff, kNow), "/received_at", "RFC 3339"));
}

TEST(ParseNewComplaintTest, AllErrorsAreReportedAtOnce) {
  json body = {{"complainant", {{"email", "nope"}, {"x", 1}}},
               {"description", 7},
               {"channel", "pigeon"},
               {"extra", true}};
  auto r = BothNewComplaint(body, Intake::kPublic, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  for (const char* p : {"/complainant/x", "/complainant/name", "/complainant/email", "/description",
                        "/channel", "/extra"}) {
    EXPECT_TRUE(Names(r.error(), p)) << p;
  }
  EXPECT_NE(r.error().detail.find("fields are invalid"), std::string::npos) << r.error().detail;
  // A single error is spelled out in the detail, without the value.
  json one = Minimal();
  one["complainant"]["email"] = "secret-value";
  auto single = BothNewComplaint(one, Intake::kPublic, kNow);
  ASSERT_FALSE(single.ok());
  EXPECT_NE(single.error().detail.find("/complainant/email"), std::string::npos);
  EXPECT_EQ(single.error().detail.find("secret-value"), std::string::npos);
}

TEST(ParseNewComplaintTest, NonObjectBodiesNeverThrow) {
  for (const json& body : {json::array(), json(nullptr), json(42), json("text"), json(true)}) {
    core::Result<core::Complaint> r = core::MakeError(Errc::kInternal, "not run");
    EXPECT_NO_THROW(r = BothNewComplaint(body, Intake::kPublic, kNow)) << body.dump();
    EXPECT_FALSE(r.ok()) << body.dump();
  }
}

TEST(ParseJsonObjectTest, MalformedAndNonObjectBodies) {
  for (const char* bad : {"", "{", "not json", "{\"a\":}", "[]", "42", "\"s\"", "null"}) {
    auto r = app::ParseJsonObject(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << bad;
  }
  auto ok = app::ParseJsonObject(R"({"a": 1})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"], 1);
}

TEST(ParseNewComplaintTextTest, BodiesThatAreNotAnObjectAreMalformed) {
  for (const char* bad : {"{", "not json", "{\"a\":}", "[]", "42", "\"s\"", "null",
                          "{\"description\":\"\xff\"}", "{\"a\":1} {\"b\":2}"}) {
    auto r = app::ParseNewComplaintText(bad, Intake::kPublic, kNow);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << bad;
    auto a = app::ParseActionInputText(Action::kAssess, bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.error().code, Errc::kMalformed) << bad;
  }
  // Nesting deeper than the parser's limit is refused, not a crash.
  std::string deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  auto r = app::ParseNewComplaintText(deep, Intake::kPublic, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(ParseNewComplaintTextTest, AByteOrderMarkIsSkippedAsTheDocumentReaderSkipsIt) {
  const std::string text = "\xEF\xBB\xBF" + Minimal().dump();
  ASSERT_FALSE(json::parse(text, nullptr, false).is_discarded());
  auto r = app::ParseNewComplaintText(text, Intake::kPublic, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->description.value, "I was charged twice.");
  EXPECT_TRUE(app::ParseActionInputText(Action::kReopen, "\xEF\xBB\xBF{\"reason\":\"r\"}").ok());
}

TEST(ParseNewComplaintTextTest, AnEmptyBodyReadsAsAnEmptyObject) {
  auto r = app::ParseNewComplaintText("", Intake::kPublic, kNow);
  EXPECT_TRUE(RefusedAt(r, "/description", "required"));
  EXPECT_TRUE(RefusedAt(r, "/complainant", "required"));
  EXPECT_TRUE(RefusedAt(app::ParseActionInputText(Action::kReopen, ""), "/reason", "required"));
  EXPECT_TRUE(app::ParseActionInputText(Action::kAcknowledge, "").ok());
}

TEST(ParseNewComplaintTextTest, OfTwoMembersWithOneKeyTheLastCounts) {
  auto r = app::ParseNewComplaintText(
      R"({"complainant":{"name":"A","email":"a@example.org"},"description":"first",)"
      R"("description":"second","product":null})",
      Intake::kPublic, kNow);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->description.value, "second");
  EXPECT_EQ(r->subject.product, "");  // null counts as missing
}

TEST(ParseNewComplaintTextTest, IntegersOutOfRangeAreNamed) {
  EXPECT_TRUE(RefusedAt(app::ParseActionInputText(
                            Action::kAssess, R"({"category":"c","severity":18446744073709551615})"),
                        "/severity", "at most"));
  EXPECT_TRUE(
      RefusedAt(app::ParseActionInputText(Action::kAssess, R"({"category":"c","severity":-9})"),
                "/severity", "between"));
  EXPECT_TRUE(
      RefusedAt(app::ParseActionInputText(Action::kAssess, R"({"category":"c","severity":2.0})"),
                "/severity", "integer"));
}

// --- ParseActionInput ------------------------------------------------------------------------

TEST(ParseActionInputTest, AssessHappyPath) {
  json body = {{"category", "banking/fees"},
               {"severity", 3},
               {"flags", {"hardship"}},
               {"safety", "potential"},
               {"complexity", "complex"},
               {"impact_complainant", "high"},
               {"impact_organisation", "low"},
               {"immediate_action_needed", true},
               {"notes", "n"},
               {"assignee", "hana"}};
  auto r = BothActionInput(Action::kAssess, body);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_TRUE(r->assessment.has_value());
  EXPECT_EQ(r->assessment->category, "banking/fees");
  EXPECT_EQ(r->assessment->severity, 3);
  EXPECT_EQ(r->assessment->safety, core::SafetyRisk::kPotential);
  EXPECT_EQ(r->assessment->complexity, core::Complexity::kComplex);
  EXPECT_EQ(r->assessment->impact_complainant, "high");
  EXPECT_EQ(r->assessment->impact_organisation, "low");
  EXPECT_TRUE(r->assessment->immediate_action_needed);
  EXPECT_EQ(r->assignee, "hana");
}

TEST(ParseActionInputTest, AssessRefusals) {
  auto missing = BothActionInput(Action::kAssess, json::object());
  EXPECT_TRUE(RefusedAt(missing, "/category", "required"));
  EXPECT_TRUE(RefusedAt(missing, "/severity", "required"));
  auto with = [](const std::string& key, json v) {
    json b = {{"category", "x"}, {"severity", 2}};
    b[key] = std::move(v);
    return b;
  };
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("severity", 0)), "/severity", "between"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("severity", 5)), "/severity", "between"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("severity", -1)), "/severity"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("severity", 18446744073709551615ULL)),
                        "/severity"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("severity", "3")), "/severity", "integer"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("severity", 2.5)), "/severity", "integer"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("safety", "maybe")), "/safety", "one of"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("complexity", "hard")), "/complexity",
                        "one of"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("impact_complainant", "extreme")),
                        "/impact_complainant", "one of"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("impact_organisation", 3)),
                        "/impact_organisation", "string"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kAssess, with("immediate_action_needed", "yes")),
                        "/immediate_action_needed"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kAssess, with("priority", "P1")), "/priority", "unknown"));
  for (int ok = 1; ok <= 4; ++ok) {
    EXPECT_TRUE(BothActionInput(Action::kAssess, with("severity", ok)).ok()) << ok;
  }
}

TEST(ParseActionInputTest, ActionsWithoutFieldsRefuseAny) {
  for (Action a : {Action::kAcknowledge, Action::kCommunicateDecision}) {
    EXPECT_TRUE(BothActionInput(a, json::object()).ok()) << core::ToString(a);
    EXPECT_TRUE(RefusedAt(BothActionInput(a, {{"approved_by", "me"}}), "/approved_by", "unknown"))
        << core::ToString(a);
  }
}

TEST(ParseActionInputTest, ReasonRequiredExceptForWithdraw) {
  for (Action a : {Action::kReturnProposal, Action::kReview, Action::kReferBack, Action::kReopen}) {
    SCOPED_TRACE(core::ToString(a));
    EXPECT_TRUE(RefusedAt(BothActionInput(a, json::object()), "/reason", "required"));
    EXPECT_TRUE(RefusedAt(BothActionInput(a, {{"reason", 1}}), "/reason", "string"));
    EXPECT_TRUE(RefusedAt(BothActionInput(a, {{"reason", "x"}, {"why", "y"}}), "/why", "unknown"));
    auto r = BothActionInput(a, {{"reason", " New facts "}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->reason, "New facts");
  }
  EXPECT_TRUE(BothActionInput(Action::kWithdraw, json::object()).ok());
  EXPECT_EQ(BothActionInput(Action::kWithdraw, {{"reason", "by phone"}})->reason, "by phone");
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kWithdraw, {{"reason", false}}), "/reason"));
}

TEST(ParseActionInputTest, InvestigateAndInformation) {
  EXPECT_EQ(BothActionInput(Action::kInvestigate, {{"investigator", "ivan"}})->investigator,
            "ivan");
  EXPECT_TRUE(BothActionInput(Action::kInvestigate, json::object()).ok());
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kInvestigate, {{"investigator", 7}}), "/investigator"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kRequestInformation, json::object()), "/question",
                        "required"));
  EXPECT_EQ(BothActionInput(Action::kRequestInformation, {{"question", "Which branch?"}})->question,
            "Which branch?");
  EXPECT_TRUE(BothActionInput(Action::kProvideInformation, json::object()).ok());
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kProvideInformation, {{"question", "x"}}),
                        "/question", "unknown"));
}

TEST(ParseActionInputTest, ProposeDecision) {
  json body = {{"outcome", "upheld"},
               {"reasons", "Because."},
               {"remedy",
                {{"type", "refund"},
                 {"amount_minor", 2500},
                 {"currency", "GBP"},
                 {"due", "2026-07-01T00:00:00Z"}}}};
  auto r = BothActionInput(Action::kProposeDecision, body);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->outcome, core::Outcome::kUpheld);
  EXPECT_EQ(r->reasons, "Because.");
  ASSERT_TRUE(r->remedy.has_value());
  EXPECT_EQ(r->remedy->amount_minor, 2500);
  EXPECT_EQ(r->remedy->currency, "GBP");
  EXPECT_TRUE(r->remedy->due.has_value());

  auto missing = BothActionInput(Action::kProposeDecision, json::object());
  EXPECT_TRUE(RefusedAt(missing, "/outcome", "required"));
  EXPECT_TRUE(RefusedAt(missing, "/reasons", "required"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kProposeDecision, {{"outcome", "won"}, {"reasons", "r"}}),
                "/outcome", "one of"));
  auto with_remedy = [](json remedy) {
    return json{{"outcome", "upheld"}, {"reasons", "r"}, {"remedy", std::move(remedy)}};
  };
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy({{"amount_minor", -1}})),
                "/remedy/amount_minor"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy({{"amount_minor", "25.00"}})),
                "/remedy/amount_minor", "integer"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy({{"currency", "POUND"}})),
                "/remedy/currency"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy({{"approved", true}})),
                "/remedy/approved", "unknown"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy("refund")), "/remedy",
                        "object"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kProposeDecision, with_remedy({{"due", "soon"}})),
                        "/remedy/due"));
  // An empty remedy is no remedy.
  auto empty = BothActionInput(Action::kProposeDecision, with_remedy(json::object()));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->remedy.has_value());
}

TEST(ParseActionInputTest, CloseAndCloseEarly) {
  auto r = BothActionInput(Action::kClose, {{"cause", "third_party"}, {"acceptance", "accepts"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cause, core::CauseCategory::kThirdParty);
  EXPECT_EQ(r->acceptance, core::Acceptance::kAccepts);
  EXPECT_TRUE(BothActionInput(Action::kClose, json::object()).ok());  // the gate decides
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kClose, {{"cause", "gremlins"}}), "/cause", "one of"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kClose, {{"acceptance", "maybe"}}), "/acceptance",
                        "one of"));
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kClose, {{"summary", "x"}}), "/summary", "unknown"));

  auto early = BothActionInput(Action::kCloseEarly, json::object());
  EXPECT_TRUE(RefusedAt(early, "/summary", "required"));
  EXPECT_TRUE(RefusedAt(early, "/cause", "required"));
  auto ok = BothActionInput(
      Action::kCloseEarly, {{"summary", "Sorted"}, {"cause", "system"}, {"duplicate_of", "CMP-1"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->summary, "Sorted");
  EXPECT_EQ(ok->duplicate_of, "CMP-1");
}

TEST(ParseActionInputTest, CloseReasonIsLimitedToTheAdvertisedValues) {
  // The close action may record resolved_accepted, no_reply or rejected_recourse_given (its
  // error message lists exactly these). The other closure reasons belong to other actions:
  // withdrawn to withdraw, resolved_early/duplicate to close_early, referral_concluded to
  // conclude_referral — letting close record them would miscount withdrawals and duplicates.
  for (const char* ok : {"resolved_accepted", "no_reply", "rejected_recourse_given"}) {
    EXPECT_TRUE(BothActionInput(Action::kClose, {{"reason", ok}}).ok()) << ok;
  }
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kClose, {{"reason", "gone"}}), "/reason", "one of"));
  for (const char* bad : {"withdrawn", "duplicate", "resolved_early", "referral_concluded"}) {
    EXPECT_TRUE(RefusedAt(BothActionInput(Action::kClose, {{"reason", bad}}), "/reason")) << bad;
  }
}

TEST(ParseActionInputTest, ReferAndConclude) {
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kRefer, json::object()), "/body", "required"));
  auto r = BothActionInput(Action::kRefer, {{"body", "FOS"},
                                            {"external_reference", "PNX-1"},
                                            {"reply_deadline", "2026-09-01T17:00:00+01:00"}});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->body, "FOS");
  ASSERT_TRUE(r->reply_deadline.has_value());
  EXPECT_EQ(core::FormatInstant(*r->reply_deadline), "2026-09-01T16:00:00.000Z");
  EXPECT_TRUE(
      RefusedAt(BothActionInput(Action::kRefer, {{"body", "FOS"}, {"reply_deadline", "soon"}}),
                "/reply_deadline", "RFC 3339"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kRefer, {{"body", std::string(201, 'b')}}), "/body",
                        "longer"));
  EXPECT_TRUE(RefusedAt(BothActionInput(Action::kConcludeReferral, json::object()),
                        "/external_outcome", "required"));
  auto c = BothActionInput(Action::kConcludeReferral,
                           {{"external_outcome", "upheld"}, {"cause", "people"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->cause, core::CauseCategory::kPeople);
}

TEST(ParseActionInputTest, NonObjectBodyNeverThrows) {
  for (Action a : {Action::kAssess, Action::kReview, Action::kProposeDecision, Action::kClose}) {
    for (const json& body : {json::array({1}), json(nullptr), json("x")}) {
      EXPECT_NO_THROW((void)BothActionInput(a, body)) << core::ToString(a) << " " << body.dump();
    }
  }
}

// --- ParseNoteInput --------------------------------------------------------------------------

TEST(ParseNoteInputTest, BodyRequiredVisibilityInternalByDefault) {
  auto r = ParseNoteInput({{"body", "Called the branch."}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "Called the branch.");
  EXPECT_EQ(r->visibility, core::NoteVisibility::kInternal);
  EXPECT_EQ(ParseNoteInput({{"body", "b"}, {"visibility", "internal"}})->visibility,
            core::NoteVisibility::kInternal);
  EXPECT_EQ(ParseNoteInput({{"body", "b"}, {"visibility", "complainant"}})->visibility,
            core::NoteVisibility::kComplainant);

  EXPECT_TRUE(RefusedAt(ParseNoteInput(json::object()), "/body", "required"));
  EXPECT_TRUE(RefusedAt(ParseNoteInput({{"body", ""}}), "/body", "required"));
  EXPECT_TRUE(RefusedAt(ParseNoteInput({{"body", 3}}), "/body", "string"));
  EXPECT_TRUE(RefusedAt(ParseNoteInput({{"body", "b"}, {"visibility", "public"}}), "/visibility"));
  EXPECT_TRUE(
      RefusedAt(ParseNoteInput({{"body", "b"}, {"visibility", true}}), "/visibility", "string"));
  EXPECT_TRUE(RefusedAt(ParseNoteInput({{"body", "b"}, {"author", "x"}}), "/author", "unknown"));
  EXPECT_TRUE(RefusedAt(ParseNoteInput({{"body", std::string(20001, 'n')}}), "/body", "longer"));
}

}  // namespace
}  // namespace redress
