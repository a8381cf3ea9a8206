// JSON mapping of the complaint record (core/codec): the storage view round-trips every field;
// the complainant view never carries staff-only fields; Personal<> values never print. Also the
// enum string tables of core/complaint.
#include "core/codec.hpp"

#include <date/date.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/lifecycle.hpp"
#include "core/personal.hpp"
#include "core/ports/store.hpp"

namespace redress {
namespace {

using namespace redress::core;  // NOLINT: test file
using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;

const Instant kT0 = Instant(date::sys_days(date::year(2026) / 6 / 15)) + hours(9);

// Unique markers for fields the complainant must never see.
constexpr const char* kInternalMarkers[] = {
    "SECRET_HASH_MARKER",
    "ASSIGNEE_MARKER",
    "INVESTIGATOR_MARKER",
    "ASSESS_NOTES_MARKER",
    "CATEGORY_MARKER",
    "PERSONS_NAMED_MARKER",
    "RECEIVED_BY_MARKER",
    "PROPOSER_MARKER",
    "APPROVER_MARKER",
    "VULNERABILITY_MARKER",
    "ACCESSIBILITY_MARKER",
    "ACCOUNT_MARKER",
    "COMPLAINANT_EMAIL_MARKER@example.org",
    "PHONE_MARKER",
    "ADDRESS_MARKER",
    "REPRESENTATIVE_MARKER",
    "CLOSED_BY_MARKER",
    "ACCEPTANCE_REASONS_MARKER",
    "EXTERNAL_REF_MARKER",
    "FLAG_MARKER",
    "IMMEDIATE_ACTION_MARKER",
    "DEPARTMENT_MARKER",
    "QUESTION_MARKER",
};

ClockTrack Track(const std::string& name, ClockState state) {
  ClockTrack t;
  t.name = name;
  t.rule = name + "@hardship";
  t.state = state;
  t.anchor = kT0;
  t.due = kT0 + days(20);
  t.warn = kT0 + days(15);
  t.local_due = date::year(2026) / 7 / 5;
  t.warned = true;
  t.breached = state == ClockState::kBreached;
  t.paused_at = state == ClockState::kPaused ? std::optional<Instant>(kT0 + days(2)) : std::nullopt;
  t.paused_ms = 12345;
  t.ended_at = state == ClockState::kMet ? std::optional<Instant>(kT0 + days(1)) : std::nullopt;
  return t;
}

// Every field set to a non-default value.
Complaint FullComplaint() {
  Complaint c;
  c.id = 42;
  c.reference = Reference{"CMP", 2026, 123};
  c.secret_hash = "SECRET_HASH_MARKER";
  c.state = State::kDecisionCommunicated;
  c.version = 9;
  c.received_at = kT0;
  c.logged_at = kT0 + hours(1);
  c.received_by = "RECEIVED_BY_MARKER";
  c.channel = Channel::kLetter;
  c.complainant.name = "Alice Example";
  c.complainant.organisation = "Example Ltd";
  c.complainant.address = "ADDRESS_MARKER";
  c.complainant.email = "COMPLAINANT_EMAIL_MARKER@example.org";
  c.complainant.phone = "PHONE_MARKER";
  c.complainant.account_number = "ACCOUNT_MARKER";
  c.complainant.is_customer = false;
  c.representative.name = "REPRESENTATIVE_MARKER";
  c.representative.relationship = "daughter";
  c.representative.authority = "power of attorney";
  c.contact = {"letter", "mornings", "cy", "large print"};
  c.accessibility_needs = "ACCESSIBILITY_MARKER";
  c.vulnerability = "VULNERABILITY_MARKER";
  c.subject.type = SubjectType::kStaff;
  c.subject.product = "Current account";
  c.subject.department = "DEPARTMENT_MARKER";
  c.subject.location = "Leeds";
  c.subject.persons_named = "PERSONS_NAMED_MARKER";
  c.description = "Charged twice for one transfer.";
  c.remedy_requested = "Refund the second fee.";
  c.event_date = date::year(2026) / 6 / 1;
  c.immediate_action = "IMMEDIATE_ACTION_MARKER";
  c.assessment.category = "CATEGORY_MARKER";
  c.assessment.flags = {"hardship", "FLAG_MARKER"};
  c.assessment.severity = 3;
  c.assessment.safety = SafetyRisk::kPotential;
  c.assessment.complexity = Complexity::kComplex;
  c.assessment.impact_complainant = "high";
  c.assessment.impact_organisation = "low";
  c.assessment.immediate_action_needed = true;
  c.assessment.notes = "ASSESS_NOTES_MARKER";
  c.priority = Priority::kP2;
  c.escalated = true;
  c.policy_id = "fca-disp";
  c.clocks = {Track("acknowledge", ClockState::kMet),
              Track("final_response", ClockState::kBreached),
              Track("progress", ClockState::kPaused), Track("reopen", ClockState::kRunning),
              Track("summary_resolution", ClockState::kStopped)};
  c.assignee = "ASSIGNEE_MARKER";
  c.investigator = "INVESTIGATOR_MARKER";
  c.decision.outcome = Outcome::kPartlyUpheld;
  c.decision.reasons = "We agree the second fee was wrong.";
  c.decision.remedy = Remedy{"refund", 2500, "GBP", kT0 + days(30), kT0 + days(31)};
  c.decision.proposed_by = "PROPOSER_MARKER";
  c.decision.proposed_at = kT0 + days(10);
  c.decision.approved_by = "APPROVER_MARKER";
  c.decision.communicated_at = kT0 + days(11);
  c.decision.acceptance = Acceptance::kAccepts;
  c.decision.acceptance_at = kT0 + days(12);
  c.decision.acceptance_reasons = "ACCEPTANCE_REASONS_MARKER";
  c.referral.body = "Financial Ombudsman Service";
  c.referral.referred_at = kT0 + days(13);
  c.referral.external_reference = "EXTERNAL_REF_MARKER";
  c.referral.reply_deadline = kT0 + days(40);
  c.referral.outcome = "pending";
  c.pending_question = "QUESTION_MARKER";
  c.closure.closed_at = kT0 + days(50);
  c.closure.closed_by = "CLOSED_BY_MARKER";
  c.closure.reason = ClosureReason::kResolvedAccepted;
  c.closure.cause = CauseCategory::kThirdParty;
  c.closure.summary = "Refunded.";
  c.closure.duplicate_of = "CMP-2026-000001-X";
  c.closure.business_days = 2;
  c.closure.follow_up_on = date::year_month_day{date::year{2026}, date::month{9}, date::day{1}};
  c.closure.follow_up_due = kT0 + days(60);
  c.closure.followed_up_at = kT0 + days(61);
  c.closure.followed_up_by = "FOLLOWED_UP_BY_MARKER";
  c.closure.follow_up_satisfied = true;
  c.closure.follow_up_note = "FOLLOW_UP_NOTE_MARKER";
  c.survey.opted_out_at = kT0 + days(2);
  c.reopen_count = 2;
  c.updated_at = kT0 + days(50);
  return c;
}

// What EncodeStorage promises to leave out, stated as a document transformation: every object
// member holding its reader's default (null, "", false, 0, empty lists and objects), except
// is_customer, whose reader defaults to true.
void PruneDefaults(json& j) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    json& v = it.value();
    if (v.is_object()) PruneDefaults(v);
    if (v.is_array()) {
      for (auto& e : v) PruneDefaults(e);
    }
    const bool drop =
        it.key() != "is_customer" &&
        (v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_boolean() && !v.get<bool>()) || (v.is_number_integer() && v.get<int64_t>() == 0) ||
         (v.is_structured() && v.empty()));
    it = drop ? j.erase(it) : std::next(it);
  }
}

// --- Storage round trip ----------------------------------------------------------------------

TEST(CodecStorageTest, EveryFieldRoundTrips) {
  const Complaint c = FullComplaint();
  const json j = ToStorageJson(c);
  // Through text, as the store keeps it.
  auto back = FromStorageJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(ToStorageJson(*back), j);

  // Field by field, for the ones a JSON comparison could mask (types, optionals, enums).
  const Complaint& b = *back;
  EXPECT_EQ(b.id, 42);
  EXPECT_EQ(b.reference, c.reference);
  EXPECT_EQ(b.secret_hash, c.secret_hash);
  EXPECT_EQ(b.state, State::kDecisionCommunicated);
  EXPECT_EQ(b.version, 9);
  EXPECT_EQ(b.received_at, kT0);
  EXPECT_EQ(b.logged_at, kT0 + hours(1));
  EXPECT_EQ(b.channel, Channel::kLetter);
  EXPECT_EQ(b.complainant.name, c.complainant.name);
  EXPECT_EQ(b.complainant.email, c.complainant.email);
  EXPECT_FALSE(b.complainant.is_customer);
  EXPECT_EQ(b.representative.authority, "power of attorney");
  EXPECT_EQ(b.contact.language, "cy");
  EXPECT_EQ(b.vulnerability, c.vulnerability);
  EXPECT_EQ(b.subject.type, SubjectType::kStaff);
  EXPECT_EQ(b.subject.persons_named, c.subject.persons_named);
  ASSERT_TRUE(b.event_date.has_value());
  EXPECT_EQ(*b.event_date, *c.event_date);
  EXPECT_EQ(b.assessment.flags, c.assessment.flags);
  EXPECT_EQ(b.assessment.severity, 3);
  EXPECT_EQ(b.assessment.safety, SafetyRisk::kPotential);
  EXPECT_EQ(b.assessment.complexity, Complexity::kComplex);
  EXPECT_TRUE(b.assessment.immediate_action_needed);
  EXPECT_EQ(b.priority, Priority::kP2);
  EXPECT_TRUE(b.escalated);
  EXPECT_EQ(b.policy_id, "fca-disp");
  ASSERT_EQ(b.clocks.size(), c.clocks.size());
  for (size_t i = 0; i < c.clocks.size(); ++i) {
    EXPECT_EQ(b.clocks[i].state, c.clocks[i].state) << c.clocks[i].name;
    EXPECT_EQ(b.clocks[i].rule, c.clocks[i].rule);
    EXPECT_EQ(b.clocks[i].due, c.clocks[i].due);
    EXPECT_EQ(b.clocks[i].warn, c.clocks[i].warn);
    EXPECT_EQ(b.clocks[i].local_due, c.clocks[i].local_due);
    EXPECT_EQ(b.clocks[i].paused_at, c.clocks[i].paused_at);
    EXPECT_EQ(b.clocks[i].paused_ms, 12345);
    EXPECT_EQ(b.clocks[i].ended_at, c.clocks[i].ended_at);
    EXPECT_EQ(b.clocks[i].breached, c.clocks[i].breached);
  }
  EXPECT_EQ(b.decision.outcome, Outcome::kPartlyUpheld);
  EXPECT_EQ(b.decision.remedy.amount_minor, 2500);
  EXPECT_EQ(b.decision.remedy.paid_at, kT0 + days(31));
  EXPECT_EQ(b.decision.communicated_at, kT0 + days(11));
  EXPECT_EQ(b.decision.acceptance, Acceptance::kAccepts);
  EXPECT_EQ(b.referral.reply_deadline, kT0 + days(40));
  EXPECT_EQ(b.closure.reason, ClosureReason::kResolvedAccepted);
  EXPECT_EQ(b.closure.cause, CauseCategory::kThirdParty);
  EXPECT_EQ(b.closure.duplicate_of, c.closure.duplicate_of);
  EXPECT_EQ(b.closure.business_days, 2);
  EXPECT_EQ(b.closure.follow_up_on, c.closure.follow_up_on);
  EXPECT_EQ(b.closure.follow_up_due, kT0 + days(60));
  EXPECT_EQ(b.closure.followed_up_at, kT0 + days(61));
  EXPECT_EQ(b.closure.followed_up_by, "FOLLOWED_UP_BY_MARKER");
  EXPECT_TRUE(b.closure.follow_up_satisfied);
  EXPECT_EQ(b.closure.follow_up_note.value, "FOLLOW_UP_NOTE_MARKER");
  EXPECT_EQ(b.survey.opted_out_at, kT0 + days(2));
  EXPECT_EQ(b.reopen_count, 2);
  EXPECT_EQ(b.updated_at, kT0 + days(50));
}

TEST(CodecStorageTest, CompactEncodingRoundTripsAndLeavesOutDefaults) {
  for (Complaint c : {FullComplaint(), Complaint{}}) {
    c.reference = Reference{"CMP", 2026, 7};
    const std::string doc = EncodeStorage(c);
    const json j = json::parse(doc);
    EXPECT_FALSE(j.contains("id"));
    EXPECT_FALSE(j.contains("version"));
    auto back = FromStorageJson(j);
    ASSERT_TRUE(back.ok()) << back.error().detail;
    back->id = c.id;
    back->version = c.version;
    EXPECT_EQ(ToStorageJson(*back), ToStorageJson(c));
  }
  // Exactly the storage view without id and version, less every default member.
  for (const Complaint& c : {FullComplaint(), Complaint{}}) {
    json expected = ToStorageJson(c);
    expected.erase("id");
    expected.erase("version");
    PruneDefaults(expected);
    EXPECT_EQ(json::parse(EncodeStorage(c)), expected);
  }
  Complaint plain;
  plain.reference = Reference{"CMP", 2026, 8};
  const json j = json::parse(EncodeStorage(plain));
  EXPECT_FALSE(j.contains("event_date"));      // null
  EXPECT_FALSE(j.contains("assignee"));        // ""
  EXPECT_FALSE(j.contains("escalated"));       // false
  EXPECT_FALSE(j.contains("reopen_count"));    // 0
  EXPECT_FALSE(j.contains("representative"));  // only defaults inside
  // is_customer defaults to true when read, so false must be kept (and true is kept too).
  EXPECT_EQ(j["complainant"]["is_customer"], true);
  plain.complainant.is_customer = false;
  auto back = FromStorageJson(json::parse(EncodeStorage(plain)));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->complainant.is_customer);
  // The source of an imported complaint survives.
  plain.source = {"cfpb", "1234567", {{"Company", "Acme Bank"}, {"ZIP code", "335XX"}}};
  back = FromStorageJson(json::parse(EncodeStorage(plain)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->source.system, "cfpb");
  EXPECT_EQ(back->source.id, "1234567");
  EXPECT_EQ(back->source.fields, plain.source.fields);
}

// DecodeStorage (simdjson, what the stores use) and FromStorageJson (nlohmann) are one mapping
// over two parsers: they must read every text to the same record, compact or full, and refuse
// the same broken ones.
TEST(CodecStorageTest, SimdjsonAndNlohmannDecodersReadTheSameRecord) {
  Complaint imported;
  imported.reference = Reference{"ACME", 2026, 11};
  imported.description = "Line one\nline two \"quoted\" \u00e9\u2028 \xF0\x9F\x98\x80 tab\t";
  imported.source = {"cfpb", "99", {{"Company", "Acme Bank"}, {"ZIP code", "335XX"}}};
  imported.complainant.is_customer = false;
  Complaint empty;
  empty.reference = Reference{"CMP", 2026, 12};
  std::vector<std::string> texts;
  for (const Complaint& c : {FullComplaint(), empty, imported}) {
    texts.push_back(EncodeStorage(c));         // what the store keeps
    texts.push_back(ToStorageJson(c).dump());  // every member, nulls included
  }
  for (const std::string& text : texts) {
    auto fast = DecodeStorage(text);
    auto slow = FromStorageJson(json::parse(text));
    ASSERT_TRUE(fast.ok()) << fast.error().detail << " in " << text;
    ASSERT_TRUE(slow.ok()) << slow.error().detail;
    EXPECT_EQ(ToStorageJson(*fast), ToStorageJson(*slow)) << text;
    EXPECT_EQ(EncodeStorage(*fast), EncodeStorage(*slow));
  }
  auto back = DecodeStorage(EncodeStorage(FullComplaint()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->reopen_count, 2);
  EXPECT_EQ(back->clocks.size(), FullComplaint().clocks.size());
  EXPECT_EQ(back->closure.business_days, 2);
  back = DecodeStorage(EncodeStorage(imported));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->reference.prefix, "ACME");
  EXPECT_EQ(back->description, imported.description);
  EXPECT_EQ(back->source.fields, imported.source.fields);
  EXPECT_FALSE(back->complainant.is_customer);

  // Broken texts: not JSON, not an object, a member of the wrong type.
  for (const char* bad : {"{\"reference\":\"CMP-2026-000001\"", "[1,2]",
                          "{\"reference\":\"CMP-2026-000001\",\"escalated\":\"yes\"}",
                          "{\"reference\":\"CMP-2026-000001\",\"reopen_count\":\"2\"}",
                          "{\"reference\":\"nonsense\"}"}) {
    EXPECT_FALSE(DecodeStorage(bad).ok()) << bad;
    const json j = json::parse(bad, nullptr, false);
    if (!j.is_discarded()) {
      EXPECT_FALSE(FromStorageJson(j).ok()) << bad;
    }
  }
  EXPECT_FALSE(
      DecodeStorage("{\"reference\":\"CMP-2026-000001\",\"description\":\"\xC3\x28\"}").ok());
}

TEST(CodecStorageTest, DefaultComplaintRoundTripsWithNullOptionals) {
  Complaint c;
  c.reference = Reference{"CMP", 2026, 1};
  const json j = ToStorageJson(c);
  EXPECT_TRUE(j["event_date"].is_null());
  EXPECT_TRUE(j["closure"]["reason"].is_null());
  EXPECT_TRUE(j["decision"]["communicated_at"].is_null());
  auto back = FromStorageJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->event_date.has_value());
  EXPECT_FALSE(back->closure.reason.has_value());
  EXPECT_FALSE(back->decision.communicated_at.has_value());
  EXPECT_EQ(ToStorageJson(*back), j);
}

TEST(CodecStorageTest, EveryStateAndEnumValueRoundTrips) {
  for (State s :
       {State::kReceived, State::kAcknowledged, State::kAssessed, State::kUnderInvestigation,
        State::kAwaitingComplainant, State::kResponseProposed, State::kDecisionCommunicated,
        State::kClosed, State::kReopened, State::kWithdrawn, State::kReferred}) {
    Complaint c = FullComplaint();
    c.state = s;
    auto back = FromStorageJson(ToStorageJson(c));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->state, s);
  }
  for (Channel ch :
       {Channel::kWeb, Channel::kEmail, Channel::kPhone, Channel::kLetter, Channel::kInPerson,
        Channel::kSocialMedia, Channel::kApi, Channel::kReferral}) {
    Complaint c = FullComplaint();
    c.channel = ch;
    auto back = FromStorageJson(ToStorageJson(c));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->channel, ch);
  }
}

TEST(CodecStorageTest, ConfiguredPrefixRoundTrips) {
  Complaint c = FullComplaint();
  c.reference = Reference{"ACME", 2026, 77};
  auto back = FromStorageJson(ToStorageJson(c));
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->reference, c.reference);
}

TEST(CodecStorageTest, BadDocumentsAreErrorsNotExceptions) {
  EXPECT_FALSE(FromStorageJson(json::array()).ok());
  EXPECT_FALSE(FromStorageJson(json("text")).ok());
  json j = ToStorageJson(FullComplaint());
  {
    json bad = j;
    bad["reference"] = "CMP-2026-000123-X";  // wrong check letter
    auto r = FromStorageJson(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kInternal);
  }
  {
    json bad = j;
    bad.erase("reference");
    EXPECT_FALSE(FromStorageJson(bad).ok());
  }
  for (const char* key : {"version", "reopen_count", "escalated", "id"}) {
    json bad = j;
    bad[key] = "not a number";
    auto r = FromStorageJson(bad);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().code, Errc::kInternal);
  }
  {
    json bad = j;
    bad["decision"]["remedy"]["amount_minor"] = "ten";
    EXPECT_FALSE(FromStorageJson(bad).ok());
  }
}

TEST(CodecStorageTest, StoredClockWithoutLocalDueDoesNotBreakLaterWrites) {
  json j = ToStorageJson(FullComplaint());
  j["clocks"][0].erase("local_due");
  j["clocks"][1]["local_due"] = "not a date";
  auto back = FromStorageJson(j);
  if (!back.ok()) return;  // refusing the document at parse time is acceptable too
  EXPECT_NO_THROW(ToStorageJson(*back));
  EXPECT_NO_THROW(ToStaffJson(*back, kT0));
  EXPECT_NO_THROW(ToComplainantJson(*back, kT0));
}

// --- Staff and complainant views -----------------------------------------------------------

TEST(CodecViewTest, StaffViewHasEverythingPlusDueAndOverdue) {
  Complaint c = FullComplaint();
  c.state = State::kUnderInvestigation;
  const json j = ToStaffJson(c, kT0 + days(25));
  EXPECT_EQ(j.value("assignee", ""), "ASSIGNEE_MARKER");
  EXPECT_EQ(j["assessment"].value("notes", ""), "ASSESS_NOTES_MARKER");
  EXPECT_FALSE(j.contains("secret_hash"));
  // Earliest live clock: progress (paused) and reopen (running), both due day 20.
  EXPECT_EQ(j.value("due", ""), FormatInstant(kT0 + days(20)));
  EXPECT_TRUE(j.value("overdue", false));
  EXPECT_FALSE(ToStaffJson(c, kT0 + days(19)).value("overdue", true));
  c.state = State::kClosed;
  EXPECT_FALSE(ToStaffJson(c, kT0 + days(25)).value("overdue", true));
}

TEST(CodecViewTest, WrittenStaffRecordIsTheDocumentsTextByteForByte) {
  Complaint imported = FullComplaint();
  imported.source.system = "cfpb";
  imported.source.id = "4455667";
  imported.source.fields = {{"Timely response?", "Yes"}, {"State", "CA"}, {"ZIP code", "9021X"}};
  imported.survey.answered_at = kT0 + days(70);
  imported.survey.handling = 4;
  imported.survey.outcome = 2;
  imported.survey.comment = "Quick \"and\" fair\n\u00e9\u2028\x01 done";
  imported.description = "Tab\there, a backslash \\ and </script> and \xf0\x9f\x98\x80";
  Complaint open = FullComplaint();
  open.closure = Closure{};
  open.decision = Decision{};
  open.event_date.reset();
  for (const Complaint& c : {FullComplaint(), imported, open, Complaint{}}) {
    std::string text;
    JsonWriter w(text);
    WriteStaffRecord(w, c);
    EXPECT_EQ(text, ToStaffRecordJson(c).dump());
  }
}

TEST(CodecViewTest, WrittenNotesAndAttachmentsAreTheDocumentsText) {
  Note n;
  n.id = 17;
  n.at = kT0;
  n.author = "handler1";
  n.body = "Called back; \"urgent\"\n\u00e9";
  for (auto vis : {NoteVisibility::kInternal, NoteVisibility::kComplainant}) {
    n.visibility = vis;
    std::string text;
    JsonWriter w(text);
    WriteNote(w, n);
    EXPECT_EQ(text, ToJson(n).dump());
  }
  Attachment a;
  a.id = 5;
  a.sha256 = std::string(64, 'a');
  a.content_type = "application/pdf";
  a.size = 123456;
  a.filename = "statement \"march\".pdf";
  a.uploaded_by = "complainant";
  a.at = kT0 + hours(2);
  for (const Attachment& x : {a, Attachment{}}) {
    std::string text;
    JsonWriter w(text);
    WriteAttachment(w, x);
    EXPECT_EQ(text, ToJson(x).dump());
  }
}

// GET /api/v1/complaints's body, written as text, is the document the API documents, byte for
// byte as nlohmann would write it: every state, channel and priority, free text that needs
// escapes or is not UTF-8, no due instant, instants past year 9999, and both cursor forms.
TEST(CodecViewTest, WrittenListPageIsTheDocumentsText) {
  // Every state and channel (both enums run from 0 to their last value, kReferred).
  const int kStateCount = static_cast<int>(State::kReferred) + 1;
  const int kChannelCount = static_cast<int>(Channel::kReferral) + 1;
  const std::vector<std::string> texts = {
      "",
      "Billing",
      "Improper use of your report / Reporting company used your report improperly",
      "Says \"no\" \\ twice\nthen\ttabs \x01",
      "Caf\xc3\xa9 \xe2\x82\xac",
      "bad \xff byte",
      std::string(300, 'x')};
  ListPage page;
  for (size_t i = 0; i < 40; ++i) {
    ComplaintSummary s;
    s.id = static_cast<int64_t>(i + 1);
    s.reference = fmt::format("CMP-2026-{:06}-X", i);
    s.state = static_cast<State>(static_cast<int>(i) % kStateCount);
    s.priority = static_cast<Priority>(1 + i % 4);
    s.category = texts[i % texts.size()];
    s.product = texts[(i + 3) % texts.size()];
    s.channel = static_cast<Channel>(static_cast<int>(i) % kChannelCount);
    s.assignee = i % 3 == 0 ? "" : "handler-" + std::to_string(i);
    s.received_at = kT0 + hours(static_cast<int>(i));
    if (i % 5 != 0) s.due = s.received_at + days(30);
    if (i == 7) s.due = Instant(date::sys_days(date::year(12000) / 1 / 1));
    if (i == 9) s.received_at = Instant(date::sys_days(date::year(-5) / 3 / 1));
    s.overdue = i % 2 == 0;
    page.items.push_back(std::move(s));
  }
  auto document = [](const ListPage& p) {
    using ordered = nlohmann::ordered_json;  // members in the order the API writes them
    ordered items = ordered::array();
    for (const auto& s : p.items) {
      items.push_back({{"reference", s.reference},
                       {"state", ToString(s.state)},
                       {"priority", ToString(s.priority)},
                       {"category", s.category},
                       {"product", s.product},
                       {"channel", ToString(s.channel)},
                       {"assignee", s.assignee},
                       {"received_at", FormatInstant(s.received_at)},
                       {"due", s.due ? ordered(FormatInstant(*s.due)) : ordered(nullptr)},
                       {"overdue", s.overdue}});
    }
    ordered doc = {
        {"items", items},
        {"next_cursor", p.next_cursor.empty() ? ordered(nullptr) : ordered(p.next_cursor)}};
    return doc.dump(-1, ' ', false, ordered::error_handler_t::replace);
  };
  for (const std::string cursor : {"", "eyJzIjowLCJ0IjoxNzc2NDQxNjAwMDAwLCJpIjoxMDAwfQ"}) {
    page.next_cursor = cursor;
    std::string text = "prefix:";
    WriteListPage(text, page);
    EXPECT_EQ(text, "prefix:" + document(page));
  }
  ListPage empty;
  std::string text;
  WriteListPage(text, empty);
  EXPECT_EQ(text, R"({"items":[],"next_cursor":null})");
}

TEST(CodecViewTest, ComplainantViewNeverCarriesInternalFields) {
  for (State s : {State::kAcknowledged, State::kUnderInvestigation, State::kAwaitingComplainant,
                  State::kResponseProposed, State::kDecisionCommunicated, State::kClosed,
                  State::kReferred, State::kWithdrawn}) {
    SCOPED_TRACE(ToString(s));
    Complaint c = FullComplaint();
    c.state = s;
    if (s == State::kAwaitingComplainant) c.pending_question = "What date?";
    const json j = ToComplainantJson(c, kT0 + days(3));
    const std::string text = j.dump();
    for (const char* marker : kInternalMarkers) {
      EXPECT_EQ(text.find(marker), std::string::npos) << marker << " leaked in " << text;
    }
    for (const char* key : {"id", "secret_hash", "assignee", "investigator", "assessment",
                            "priority", "escalated", "version", "received_by", "complainant",
                            "representative", "vulnerability", "accessibility_needs", "subject",
                            "policy_id", "referral", "notes", "closure", "pending_question"}) {
      EXPECT_FALSE(j.contains(key)) << key;
    }
    // The reference, status and what they told us are there.
    EXPECT_EQ(j.value("reference", ""), "CMP-2026-000123-N");
    EXPECT_EQ(j.value("state", ""), ToString(s));
    EXPECT_EQ(j.value("status", ""), PublicStatusText(s));
    EXPECT_EQ(j.value("description", ""), "Charged twice for one transfer.");
    EXPECT_EQ(j["clocks"].size(), c.clocks.size());
    for (const auto& t : j["clocks"]) {
      EXPECT_FALSE(t.contains("rule"));
      EXPECT_FALSE(t.contains("paused_ms"));
    }
  }
}

TEST(CodecViewTest, ComplainantSeesQuestionOnlyWhileAwaiting) {
  Complaint c = FullComplaint();
  c.pending_question = "Which branch?";
  c.state = State::kAwaitingComplainant;
  EXPECT_EQ(ToComplainantJson(c, kT0).value("question", ""), "Which branch?");
  c.state = State::kUnderInvestigation;
  EXPECT_TRUE(ToComplainantJson(c, kT0)["question"].is_null());
}

TEST(CodecViewTest, ComplainantSeesDecisionOnlyOnceCommunicated) {
  Complaint c = FullComplaint();
  c.state = State::kResponseProposed;
  c.decision.communicated_at.reset();
  c.decision.reasons = "DRAFT_REASONS_MARKER";
  json j = ToComplainantJson(c, kT0);
  EXPECT_FALSE(j.contains("decision"));
  EXPECT_EQ(j.dump().find("DRAFT_REASONS_MARKER"), std::string::npos);
  c.state = State::kDecisionCommunicated;
  c.decision.communicated_at = kT0 + days(11);
  j = ToComplainantJson(c, kT0);
  ASSERT_TRUE(j.contains("decision"));
  EXPECT_EQ(j["decision"].value("outcome", ""), "partly_upheld");
  EXPECT_EQ(j["decision"].value("reasons", ""), "DRAFT_REASONS_MARKER");
  EXPECT_FALSE(j["decision"].contains("proposed_by"));
  EXPECT_FALSE(j["decision"].contains("approved_by"));
}

TEST(CodecViewTest, ComplainantActionsFollowState) {
  Complaint c = FullComplaint();
  c.state = State::kUnderInvestigation;
  EXPECT_EQ(ToComplainantJson(c, kT0)["actions"], json({"add_information", "withdraw"}));
  c.state = State::kClosed;
  EXPECT_EQ(ToComplainantJson(c, kT0)["actions"], json::array());
}

TEST(CodecViewTest, UserJsonNeverHasThePasswordHash) {
  User u;
  u.id = 3;
  u.username = "hana";
  u.display_name = "Hana H";
  u.role = Role::kHandler;
  u.password_hash = "$argon2id$v=19$PASSWORD_HASH_MARKER";
  const json j = ToJson(u);
  EXPECT_EQ(j.dump().find("PASSWORD_HASH_MARKER"), std::string::npos);
  EXPECT_FALSE(j.contains("password_hash"));
  EXPECT_EQ(j.value("role", ""), "handler");
}

TEST(CodecViewTest, EventJsonParsesPayloads) {
  Event e;
  e.seq = 5;
  e.reference = "CMP-2026-000123-N";
  e.at = kT0;
  e.actor = "mona";
  e.action = "assign";
  e.before = R"({"assignee":""})";
  e.after = "not json";
  e.hash = "ab";
  const json j = ToJson(e);
  EXPECT_EQ(j["before"], json({{"assignee", ""}}));
  EXPECT_EQ(j["after"], "not json");
  EXPECT_EQ(j.value("at", ""), "2026-06-15T09:00:00.000Z");
}

// --- Personal<> ----------------------------------------------------------------------------

TEST(PersonalTest, FormatsAsRedactedThroughFmtAndOstream) {
  const Personal<std::string> name = std::string("Alice Example");
  const Special<std::string> health = std::string("Diabetic");
  const Personal<int> age = 42;
  EXPECT_EQ(fmt::format("{}", name), "[redacted]");
  EXPECT_EQ(fmt::format("{}", health), "[redacted]");
  EXPECT_EQ(fmt::format("{}", age), "[redacted]");
  EXPECT_EQ(fmt::format("name={} health={}", name, health), "name=[redacted] health=[redacted]");
  EXPECT_EQ(fmt::format("{:>12}", name), "  [redacted]");  // format specs still work
  std::ostringstream os;
  os << name << " " << health << " " << age;
  EXPECT_EQ(os.str(), "[redacted] [redacted] [redacted]");
  // The value is still there for code that needs it.
  EXPECT_EQ(name.get(), "Alice Example");
  EXPECT_EQ(name.value, "Alice Example");
  static_assert(Personal<std::string>::kSensitivity == Sensitivity::kPersonal);
  static_assert(Special<std::string>::kSensitivity == Sensitivity::kSpecial);
}

TEST(PersonalTest, ComplaintFieldsDoNotPrint) {
  const Complaint c = FullComplaint();
  const std::string line =
      fmt::format("complaint {} from {} <{}> about {}: {}", c.reference.ToString(),
                  c.complainant.name, c.complainant.email, c.subject.persons_named, c.description);
  EXPECT_EQ(line.find("Alice"), std::string::npos) << line;
  EXPECT_EQ(line.find("MARKER"), std::string::npos) << line;
  EXPECT_EQ(line.find("Charged"), std::string::npos) << line;
  EXPECT_NE(line.find("CMP-2026-000123-N"), std::string::npos) << line;
}

// --- Enum string round trips (core/complaint) ------------------------------------------------

template <typename E, typename Parse>
void ExpectRoundTrip(const std::vector<E>& values, Parse parse) {
  std::vector<std::string> seen;
  for (E v : values) {
    const std::string name = ToString(v);
    EXPECT_NE(name, "unknown");
    EXPECT_FALSE(name.empty());
    auto back = parse(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, v) << name;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), name), 0) << "duplicate " << name;
    seen.push_back(name);
    // Exact match only: no case folding, no padding.
    std::string upper = name;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (upper != name) {
      EXPECT_FALSE(parse(upper).has_value()) << upper;
    }
    EXPECT_FALSE(parse(" " + name).has_value());
  }
  EXPECT_FALSE(parse("").has_value());
  EXPECT_FALSE(parse("unknown").has_value());
}

TEST(EnumNamesTest, AllEnumsRoundTrip) {
  ExpectRoundTrip<State>(
      {State::kReceived, State::kAcknowledged, State::kAssessed, State::kUnderInvestigation,
       State::kAwaitingComplainant, State::kResponseProposed, State::kDecisionCommunicated,
       State::kClosed, State::kReopened, State::kWithdrawn, State::kReferred},
      ParseState);
  ExpectRoundTrip<Channel>(
      {Channel::kWeb, Channel::kEmail, Channel::kPhone, Channel::kLetter, Channel::kInPerson,
       Channel::kSocialMedia, Channel::kApi, Channel::kReferral},
      ParseChannel);
  ExpectRoundTrip<SubjectType>({SubjectType::kProduct, SubjectType::kService, SubjectType::kStaff,
                                SubjectType::kPolicy, SubjectType::kComplaintHandling},
                               ParseSubjectType);
  ExpectRoundTrip<SafetyRisk>({SafetyRisk::kNone, SafetyRisk::kPotential, SafetyRisk::kActual},
                              ParseSafetyRisk);
  ExpectRoundTrip<Complexity>({Complexity::kSimple, Complexity::kModerate, Complexity::kComplex},
                              ParseComplexity);
  ExpectRoundTrip<Outcome>({Outcome::kUpheld, Outcome::kPartlyUpheld, Outcome::kNotUpheld},
                           ParseOutcome);
  ExpectRoundTrip<Acceptance>(
      {Acceptance::kPending, Acceptance::kAccepts, Acceptance::kRejects, Acceptance::kNoReply},
      ParseAcceptance);
  ExpectRoundTrip<ClosureReason>(
      {ClosureReason::kResolvedAccepted, ClosureReason::kResolvedEarly, ClosureReason::kNoReply,
       ClosureReason::kRejectedRecourseGiven, ClosureReason::kReferralConcluded,
       ClosureReason::kWithdrawn, ClosureReason::kDuplicate},
      ParseClosureReason);
  ExpectRoundTrip<CauseCategory>(
      {CauseCategory::kPeople, CauseCategory::kProcess, CauseCategory::kProduct,
       CauseCategory::kSystem, CauseCategory::kThirdParty, CauseCategory::kPolicy},
      ParseCauseCategory);
  ExpectRoundTrip<Priority>({Priority::kP1, Priority::kP2, Priority::kP3, Priority::kP4},
                            ParsePriority);
  ExpectRoundTrip<ClockState>({ClockState::kRunning, ClockState::kPaused, ClockState::kMet,
                               ClockState::kBreached, ClockState::kStopped},
                              ParseClockState);
}

TEST(EnumNamesTest, DocumentedSpellings) {
  // iso10002.md §3/§4 spell these; the API and stored documents depend on them.
  EXPECT_STREQ(ToString(State::kUnderInvestigation), "under_investigation");
  EXPECT_STREQ(ToString(State::kAwaitingComplainant), "awaiting_complainant");
  EXPECT_STREQ(ToString(State::kDecisionCommunicated), "decision_communicated");
  EXPECT_STREQ(ToString(Channel::kInPerson), "in_person");
  EXPECT_STREQ(ToString(Channel::kSocialMedia), "social_media");
  EXPECT_STREQ(ToString(SubjectType::kComplaintHandling), "complaint_handling");
  EXPECT_STREQ(ToString(ClosureReason::kRejectedRecourseGiven), "rejected_recourse_given");
  EXPECT_STREQ(ToString(CauseCategory::kThirdParty), "third_party");
  EXPECT_STREQ(ToString(Priority::kP1), "P1");
  EXPECT_FALSE(ParsePriority("p1").has_value());
  EXPECT_STREQ(ToString(static_cast<State>(99)), "unknown");
}

}  // namespace
}  // namespace redress

namespace redress::core {
namespace {

TEST(CodecEventsTest, EventsTextMatchesTheDocumentView) {
  Event a;
  a.seq = 7;
  a.reference = "CMP-2026-000001-Y";
  a.at = FromMillis(1795460914417);
  a.actor = "mona";
  a.action = "assign";
  a.before = R"({"assignee":""})";
  a.after = R"({"assignee":"h\u00e9l\u00e8ne","clocks":{"ack":{"state":"met"}}})";
  a.hash = std::string(64, 'f');
  Event broken = a;
  broken.seq = 8;
  broken.after = "{not json";  // a tampered row reads back as a string, not broken output
  std::string out;
  AppendEventsJson(out, {a, broken});
  const nlohmann::json parsed = nlohmann::json::parse(out);
  EXPECT_EQ(parsed, nlohmann::json::array({ToJson(a), ToJson(broken)}));
  std::string empty;
  AppendEventsJson(empty, {});
  EXPECT_EQ(empty, "[]");
}

// --- A change's diff --------------------------------------------------------------------------

// DiffRecords builds only the members whose fields differ; what it finds must be what the
// diff of the two whole storage documents finds, for a change of any one field, of many at
// once, and of fields that differ while their JSON does not.
TEST(CodecDiffTest, DiffRecordsIsTheDiffOfTheWholeDocuments) {
  using Change = std::function<void(Complaint&)>;
  const std::vector<Change> changes = {
      [](Complaint&) {},
      [](Complaint& c) { c.reference.sequence += 1; },
      [](Complaint& c) { c.secret_hash = "other"; },  // never in the history
      [](Complaint& c) { c.id += 1; },
      [](Complaint& c) { c.version += 1; },
      [](Complaint& c) { c.updated_at += hours(1); },
      [](Complaint& c) { c.state = State::kClosed; },
      [](Complaint& c) { c.received_at += hours(2); },
      [](Complaint& c) { c.logged_at += hours(2); },
      [](Complaint& c) { c.received_by = "someone"; },
      [](Complaint& c) { c.channel = Channel::kEmail; },
      [](Complaint& c) { c.complainant.email = "new@example.org"; },
      [](Complaint& c) { c.complainant.is_customer = !c.complainant.is_customer; },
      [](Complaint& c) { c.representative.authority = "consent"; },
      [](Complaint& c) { c.contact.language = "fr"; },
      [](Complaint& c) { c.accessibility_needs = "braille"; },
      [](Complaint& c) { c.vulnerability = ""; },
      [](Complaint& c) { c.subject.type = SubjectType::kPolicy; },
      [](Complaint& c) { c.subject.persons_named = "x"; },
      [](Complaint& c) { c.description = "Changed \"text\"\n"; },
      [](Complaint& c) { c.remedy_requested = ""; },
      [](Complaint& c) { c.event_date.reset(); },
      [](Complaint& c) { c.immediate_action = "call back"; },
      [](Complaint& c) {
        c.assessment.category = "banking/fees";
        c.assessment.severity = 1;
      },
      [](Complaint& c) { c.assessment.flags.push_back("vulnerable_customer"); },
      [](Complaint& c) { c.priority = Priority::kP1; },
      [](Complaint& c) { c.escalated = !c.escalated; },
      [](Complaint& c) { c.policy_id = "other"; },
      [](Complaint& c) {
        if (!c.clocks.empty()) c.clocks[0].state = ClockState::kMet;
      },
      [](Complaint& c) { c.clocks.push_back(Track("extra", ClockState::kRunning)); },
      [](Complaint& c) {
        if (!c.clocks.empty()) c.clocks.erase(c.clocks.begin());
      },
      [](Complaint& c) { c.clocks.clear(); },
      [](Complaint& c) { std::reverse(c.clocks.begin(), c.clocks.end()); },  // "clocks": {}
      [](Complaint& c) {
        if (c.clocks.size() > 1) c.clocks[1].name = c.clocks[0].name;  // a name twice
      },
      [](Complaint& c) {
        for (auto& t : c.clocks) t.paused_ms += 1;
      },
      [](Complaint& c) { c.assignee = "mona"; },
      [](Complaint& c) { c.investigator = ""; },
      [](Complaint& c) { c.decision.remedy.amount_minor += 1; },
      [](Complaint& c) { c.decision.acceptance = Acceptance::kRejects; },
      [](Complaint& c) { c.referral.reply_deadline.reset(); },
      [](Complaint& c) { c.pending_question = "when?"; },
      [](Complaint& c) { c.closure = Closure{}; },
      // Different fields, the same JSON: the satisfaction is null while nobody followed up.
      [](Complaint& c) {
        c.closure.followed_up_at.reset();
        c.closure.follow_up_satisfied = !c.closure.follow_up_satisfied;
      },
      [](Complaint& c) { c.closure.business_days = 7; },
      [](Complaint& c) { c.reopen_count += 1; },
      [](Complaint& c) {
        c.survey.answered_at = kT0 + days(70);
        c.survey.handling = 4;
      },
      [](Complaint& c) {
        c.source.system = "cfpb";
        c.source.fields["State"] = "CA";
      },
  };
  Complaint followed = FullComplaint();
  followed.closure.followed_up_at.reset();
  for (const Complaint& base : {FullComplaint(), Complaint{}, followed}) {
    for (size_t i = 0; i < changes.size(); ++i) {
      Complaint after = base;
      changes[i](after);
      using Pair = std::pair<const Complaint*, const Complaint*>;
      for (const auto& [b, a] : {Pair{&base, &after}, Pair{&after, &base}}) {
        json want_b;
        json want_a;
        DiffJson(ToStorageJson(*b), ToStorageJson(*a),
                 {"version", "updated_at", "id", "secret_hash"}, want_b, want_a);
        json got_b;
        json got_a;
        DiffRecords(*b, *a, got_b, got_a);
        EXPECT_EQ(got_b.dump(), want_b.dump()) << "change " << i;
        EXPECT_EQ(got_a.dump(), want_a.dump()) << "change " << i;
      }
    }
  }
  // Everything at once.
  json want_b;
  json want_a;
  DiffJson(ToStorageJson(Complaint{}), ToStorageJson(FullComplaint()),
           {"version", "updated_at", "id", "secret_hash"}, want_b, want_a);
  json got_b;
  json got_a;
  DiffRecords(Complaint{}, FullComplaint(), got_b, got_a);
  EXPECT_EQ(got_b.dump(), want_b.dump());
  EXPECT_EQ(got_a.dump(), want_a.dump());
  EXPECT_GT(got_a.size(), 25u);  // not an empty diff that matched an empty diff
}

}  // namespace
}  // namespace redress::core
