// Messages to the complainant (app/notify.hpp) and mail intake (ComplaintService::ReceiveMail)
// over the memory store and a FakeClock: which event queues which message with what in it,
// the retry schedule, and how an incoming message becomes a complaint or joins one.
#include "app/notify.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/service.hpp"
#include "config/policy_loader.hpp"
#include "store/memory/memory_store.hpp"

namespace redress {
namespace {

using app::ComplaintService;
using core::Action;
using core::Complaint;
using core::Errc;
using core::Instant;
using core::Notification;
using core::SendOutcome;
using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Monday 15 June 2026, 10:00 in London.
const Instant kT0 = Instant(date::sys_days(date::year(2026) / 6 / 15)) + hours(9);

template <typename T, typename F>
core::Result<T> Sync(F&& start) {
  std::optional<core::Result<T>> out;
  start([&out](core::Result<T> r) { out.emplace(std::move(r)); });
  if (!out) return core::MakeError(Errc::kInternal, "callback not called");
  return std::move(*out);
}

app::ServiceConfig Config(bool enabled) {
  app::ServiceConfig config;
  config.notify.enabled = enabled;
  config.notify.organisation = "Example Bank";
  config.notify.public_url = "https://complaints.example.org";
  return config;
}

class NotifyTest : public ::testing::Test {
 protected:
  explicit NotifyTest(bool enabled = true)
      : clock_(kT0), service_(store_, clock_, Policies(), Config(enabled)) {
    for (auto [name, role] :
         {std::pair{"hana", core::Role::kHandler}, std::pair{"mona", core::Role::kManager}}) {
      core::User u;
      u.username = name;
      u.role = role;
      u.password_hash = "x";
      auto r = Sync<core::User>([&](auto cb) { service_.CreateUser(u, "setup", cb); });
      EXPECT_TRUE(r.ok());
      users_[name] = r.ok() ? *r : u;
    }
  }

  static std::vector<core::Policy> Policies() {
    auto p = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(p).value() : std::vector<core::Policy>{};
  }

  // A complaint under the FCA policy (it names the Financial Ombudsman Service).
  app::CreateResult Create(std::string email = "alice@example.org",
                           std::string name = "Alice Example") {
    Complaint c;
    c.complainant.name = std::move(name);
    c.complainant.email = std::move(email);
    c.contact.language = "fr";
    c.description = "I was charged a fee twice.";
    c.policy_id = "fca-disp";
    auto r = Sync<app::CreateResult>([&](auto cb) {
      service_.Create(std::move(c), core::Actor::Complainant(), "public", "", "", cb);
    });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : app::CreateResult{};
  }

  core::Result<Complaint> Act(const std::string& ref, Action a, core::ActionInput in,
                              const std::string& user = "mona") {
    return Sync<Complaint>(
        [&](auto cb) { service_.Act(ref, a, std::move(in), users_.at(user), cb); });
  }

  Complaint Stored(const std::string& ref) {
    auto c = store_.GetComplaint(*core::ParseReference(ref));
    EXPECT_TRUE(c.ok() && c->has_value()) << ref;
    return c.ok() && c->has_value() ? **c : Complaint{};
  }

  std::vector<Notification> Outbox(const std::string& ref) {
    auto n = store_.NotificationsOf(Stored(ref).id);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : std::vector<Notification>{};
  }

  std::vector<std::string> Kinds(const std::string& ref) {
    std::vector<std::string> out;
    for (const auto& n : Outbox(ref)) out.push_back(n.kind);
    return out;
  }

  // Walks a complaint to decision_communicated (partly upheld, a refund of 50.00 GBP).
  void Decide(const std::string& ref) {
    core::ActionInput assess;
    assess.assessment = core::Assessment{};
    assess.assessment->category = "banking/fees";
    assess.assessment->severity = 2;
    ASSERT_TRUE(Act(ref, Action::kAssess, assess).ok());
    core::ActionInput inv;
    inv.investigator = "hana";
    auto investigated = Act(ref, Action::kInvestigate, inv);
    ASSERT_TRUE(investigated.ok()) << investigated.error().detail;
    core::ActionInput q;
    q.question = "Which branch did you visit?";
    ASSERT_TRUE(Act(ref, Action::kRequestInformation, q).ok());
    core::ActionInput answer;
    answer.information = "High Street.";
    ASSERT_TRUE(Act(ref, Action::kProvideInformation, answer).ok());
    core::ActionInput propose;
    propose.outcome = core::Outcome::kPartlyUpheld;
    propose.reasons = "The second fee was an error.";
    propose.remedy = core::Remedy{};
    propose.remedy->type = "refund";
    propose.remedy->amount_minor = 5000;
    propose.remedy->currency = "GBP";
    ASSERT_TRUE(Act(ref, Action::kProposeDecision, propose, "hana").ok());
    ASSERT_TRUE(Act(ref, Action::kCommunicateDecision, {}).ok());
  }

  core::Result<app::MailReceipt> Receive(app::InboundMail m) {
    return Sync<app::MailReceipt>([&](auto cb) { service_.ReceiveMail(std::move(m), cb); });
  }

  store::MemoryStore store_;
  core::FakeClock clock_;
  ComplaintService service_;
  std::map<std::string, core::User> users_;
};

TEST_F(NotifyTest, CreateQueuesTheAcknowledgementInItsTransaction) {
  auto r = Create();
  auto out = Outbox(r.reference);
  ASSERT_EQ(out.size(), 1u);
  const Notification& n = out[0];
  EXPECT_EQ(n.kind, "acknowledgement");
  EXPECT_EQ(n.reference, r.reference);
  EXPECT_EQ(n.recipient.value, "alice@example.org");
  EXPECT_EQ(n.language, "fr");
  EXPECT_EQ(n.state, core::DeliveryState::kPending);
  EXPECT_EQ(n.next_attempt_at, kT0);
  const json v = json::parse(n.vars.value);
  EXPECT_EQ(v["reference"], r.reference);
  EXPECT_EQ(v["access_code"], r.Body()["secret"]);
  EXPECT_EQ(v["name"], "Alice Example");
  EXPECT_EQ(v["organisation"], "Example Bank");
  EXPECT_EQ(v["status_url"], "https://complaints.example.org/status?reference=" + r.reference);
  EXPECT_EQ(v["received_date"], "2026-06-15");
  // FCA DISP: 8 weeks from receipt.
  EXPECT_EQ(v["respond_by"], "2026-08-10");
  auto due = store_.DueNotifications(kT0, 10);
  ASSERT_EQ(due->size(), 1u);
  // The first create numbered its complaint in its transaction, which built the message there;
  // the next ones take numbers from the block it reserved, and their messages are built before
  // the writer sees them: each is queued under its own complaint, with its own access code.
  for (int i = 0; i < 3; ++i) {
    auto next = Create("bob@example.org");
    auto mine = Outbox(next.reference);
    ASSERT_EQ(mine.size(), 1u) << next.reference;
    EXPECT_EQ(mine[0].complaint_id, Stored(next.reference).id);
    EXPECT_EQ(mine[0].reference, next.reference);
    EXPECT_EQ(mine[0].recipient.value, "bob@example.org");
    EXPECT_EQ(json::parse(mine[0].vars.value)["access_code"], next.Body()["secret"]);
  }
  EXPECT_EQ(store_.DueNotifications(kT0, 10)->size(), 4u);
}

// A message's variables are JSON text: a name with quotes, a backslash, a line break and
// letters beyond ASCII comes back from it as it was given.
TEST_F(NotifyTest, VariablesKeepAnyName) {
  const std::string name = "Zo\u00eb \"Bo\" O'Brien\\\n\u00c5s\u00e9 \u4e2d";
  auto r = Create("zoe@example.org", name);
  auto out = Outbox(r.reference);
  ASSERT_EQ(out.size(), 1u);
  const json v = json::parse(out[0].vars.value);
  EXPECT_EQ(v["name"], name);
  EXPECT_EQ(v["reference"], r.reference);
  EXPECT_EQ(v.size(), 7u) << v.dump();  // six every message has, and the access code
}

TEST_F(NotifyTest, NoAddressNoMessage) {
  auto r = Create("");
  EXPECT_TRUE(Outbox(r.reference).empty());
}

class NotifyOffTest : public NotifyTest {
 protected:
  NotifyOffTest() : NotifyTest(false) {}
};

TEST_F(NotifyOffTest, NothingIsQueuedWithoutAMailServer) {
  auto r = Create();
  EXPECT_TRUE(Outbox(r.reference).empty());
}

TEST_F(NotifyTest, EachStepQueuesItsMessage) {
  auto r = Create();
  Decide(r.reference);
  EXPECT_EQ(Kinds(r.reference),
            (std::vector<std::string>{"acknowledgement", "information_request", "final_response"}));
  auto out = Outbox(r.reference);
  const json ask = json::parse(out[1].vars.value);
  EXPECT_EQ(ask["question"], "Which branch did you visit?");
  EXPECT_FALSE(ask.contains("access_code"));
  const json fin = json::parse(out[2].vars.value);
  EXPECT_EQ(fin["outcome_partly_upheld"], "true");
  EXPECT_FALSE(fin.contains("outcome_upheld"));
  EXPECT_FALSE(fin.contains("outcome_not_upheld"));
  EXPECT_EQ(fin["reasons"], "The second fee was an error.");
  EXPECT_EQ(fin["remedy"], "true");
  EXPECT_EQ(fin["remedy_type"], "refund");
  EXPECT_EQ(fin["remedy_amount"], "50.00 GBP");
  EXPECT_EQ(fin["referral"], "true");
  EXPECT_EQ(fin["ombudsman_name"], "Financial Ombudsman Service");
  EXPECT_EQ(fin["ombudsman_time_limit"],
            "6 months from the date of the final response (DISP 2.8.2R)");

  // Closing invites the survey; answering it sends nothing more.
  core::ActionInput close;
  close.cause = core::CauseCategory::kProcess;
  close.acceptance = core::Acceptance::kRejects;
  auto closed = Act(r.reference, Action::kClose, close);
  ASSERT_TRUE(closed.ok()) << closed.error().detail;
  EXPECT_EQ(Kinds(r.reference).back(), "survey_invitation");
  const json survey = json::parse(Outbox(r.reference).back().vars.value);
  EXPECT_EQ(survey["survey_url"], "https://complaints.example.org/status?reference=" + r.reference);
  auto answered = Sync<Complaint>(
      [&](auto cb) { service_.ComplainantSurvey(r.reference, r.Body()["secret"], 4, 3, "", cb); });
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(Outbox(r.reference).size(), 4u);
}

TEST_F(NotifyTest, TheSurveyInvitationWaitsTwoDaysAndIsCancelledOnceTheSurveyCloses) {
  core::ActionInput close;
  close.cause = core::CauseCategory::kProcess;
  close.acceptance = core::Acceptance::kRejects;
  std::vector<std::string> refs;
  for (int i = 0; i < 3; ++i) {
    auto r = Create();
    Decide(r.reference);
    ASSERT_TRUE(Act(r.reference, Action::kClose, close).ok());
    refs.push_back(r.reference);
  }
  auto invitation = [&](const std::string& ref) {
    auto out = Outbox(ref);
    EXPECT_EQ(out.back().kind, "survey_invitation");
    return out.back();
  };
  // Due two days (the policy's survey_delay_days) after closure, not before.
  for (const auto& p : service_.policies()) {
    if (p.id == "fca-disp") {
      EXPECT_EQ(p.survey_delay_days, 2);
    }
  }
  for (const auto& ref : refs) EXPECT_EQ(invitation(ref).next_attempt_at, kT0 + days(2));
  auto due_now = store_.DueNotifications(kT0 + days(2) - minutes(1), 100);
  ASSERT_TRUE(due_now.ok());
  for (const auto& n : *due_now) EXPECT_NE(n.kind, "survey_invitation");
  // One answered on the status page meanwhile, one opted out, one still open.
  for (auto changed : {core::AnswerSurvey(Stored(refs[0]), 5, 5, "", kT0 + days(1)),
                       core::OptOutOfSurvey(Stored(refs[1]), kT0 + days(1))}) {
    ASSERT_TRUE(changed.ok());
    ASSERT_TRUE(
        store_.WriteSync([&](core::StoreTx& tx) { return tx.UpdateComplaint(changed->after); })
            .ok());
  }
  clock_.Set(kT0 + days(2));
  for (int i = 0; i < 3; ++i) {
    auto moot = service_.CancelIfMoot(invitation(refs[i]));
    ASSERT_TRUE(moot.ok()) << moot.error().detail;
    EXPECT_EQ(*moot, i < 2) << i;
    EXPECT_EQ(invitation(refs[i]).state,
              i < 2 ? core::DeliveryState::kCancelled : core::DeliveryState::kPending);
  }
  auto events = store_.EventsOf(Stored(refs[1]).id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().action, "notification_cancelled");
  // Other kinds are never moot.
  auto ack = Outbox(refs[2]).front();
  EXPECT_FALSE(*service_.CancelIfMoot(ack));
}

TEST_F(NotifyTest, NoSurveyInvitationForAComplainantWhoOptedOutAtIntake) {
  Complaint c;
  c.complainant.name = "Bob Example";
  c.complainant.email = "bob@example.org";
  c.description = "Charged twice.";
  c.policy_id = "fca-disp";
  c.survey.opted_out_at = kT0;
  auto r = Sync<app::CreateResult>([&](auto cb) {
    service_.Create(std::move(c), core::Actor::Complainant(), "public", "", "", cb);
  });
  ASSERT_TRUE(r.ok());
  Decide(r->reference);
  core::ActionInput close;
  close.cause = core::CauseCategory::kProcess;
  close.acceptance = core::Acceptance::kRejects;
  ASSERT_TRUE(Act(r->reference, Action::kClose, close).ok());
  auto kinds = Kinds(r->reference);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "survey_invitation"), 0);
  EXPECT_EQ(kinds.back(), "final_response");
}

TEST_F(NotifyTest, HoldingResponseWhenTheFinalResponseClockWarnsOnce) {
  auto r = Create();
  const Complaint c = Stored(r.reference);
  Instant warn{};
  for (const auto& t : c.clocks) {
    if (t.name == "final_response") warn = t.warn;
  }
  ASSERT_GT(warn, kT0);
  clock_.Set(warn + minutes(1));
  ASSERT_TRUE(service_.RunClockChecks(100).ok());
  ASSERT_TRUE(service_.RunClockChecks(100).ok());
  auto kinds = Kinds(r.reference);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "holding_response"), 1);
  const json v = json::parse(Outbox(r.reference).back().vars.value);
  EXPECT_EQ(v["respond_by"], "2026-08-10");
}

// --- Delivery attempts -------------------------------------------------------------------------

TEST(RecordAttemptTest, TemporaryFailuresBackOffThenGiveUp) {
  app::RetryPolicy retry{seconds(60), seconds(600), hours(1)};
  Notification n;
  n.id = 7;
  n.reference = "CMP-2026-000001-A";
  n.kind = "acknowledgement";
  n.created_at = kT0;
  Instant now = kT0;
  const core::SendResult refused{SendOutcome::kTemporary, 0, "Connection refused"};
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(app::RecordAttempt(n, refused, now, retry).has_value());
    EXPECT_EQ(n.state, core::DeliveryState::kPending);
    delays.push_back(std::chrono::duration_cast<seconds>(n.next_attempt_at - now).count());
    now = n.next_attempt_at;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{60, 120, 240, 480, 600, 600}));
  EXPECT_EQ(n.attempts, 6);
  EXPECT_EQ(n.last_error, "Connection refused");
  // 2100 s after creation: still trying; at one hour: given up, and recorded.
  now = kT0 + hours(1);
  auto e = app::RecordAttempt(n, {SendOutcome::kTemporary, 451, "try later"}, now, retry);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(n.state, core::DeliveryState::kFailed);
  EXPECT_EQ(e->action, "notification_failed");
  EXPECT_EQ(e->reference, "CMP-2026-000001-A");
  const json after = json::parse(e->after);
  EXPECT_EQ(after["notification"], 7);
  EXPECT_EQ(after["attempts"], 7);
  EXPECT_EQ(after["code"], 451);
  EXPECT_EQ(after["error"], "gave up after 7 attempts; last: try later");
}

TEST(RecordAttemptTest, PermanentFailureAndSuccessAreRecordedAtOnce) {
  Notification n;
  n.created_at = kT0;
  n.vars = R"({"reference":"R","access_code":"SECRET"})";
  auto failed =
      app::RecordAttempt(n, {SendOutcome::kPermanent, 550, "mailbox unavailable (550)"}, kT0, {});
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(n.state, core::DeliveryState::kFailed);
  EXPECT_EQ(json::parse(failed->after)["error"], "mailbox unavailable (550)");

  Notification m;
  m.created_at = kT0;
  m.vars = R"({"reference":"R","access_code":"SECRET"})";
  auto sent = app::RecordAttempt(m, {SendOutcome::kSent, 250, ""}, kT0 + seconds(3), {});
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->action, "notification_sent");
  EXPECT_EQ(m.state, core::DeliveryState::kSent);
  EXPECT_EQ(m.sent_at, kT0 + seconds(3));
  EXPECT_EQ(m.attempts, 1);
  // The access code does not outlive delivery.
  EXPECT_EQ(m.vars.value, R"({"reference":"R"})");
}

TEST_F(NotifyTest, RecordDeliveryWritesTheRowAndTheEventTogether) {
  auto r = Create();
  Notification n = Outbox(r.reference)[0];
  ASSERT_TRUE(service_.RecordDelivery(n, {SendOutcome::kPermanent, 550, "no such user (550)"}, {}));
  Notification stored = Outbox(r.reference)[0];
  EXPECT_EQ(stored.state, core::DeliveryState::kFailed);
  EXPECT_EQ(stored.last_error, "no such user (550)");
  auto events = store_.EventsOf(Stored(r.reference).id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().action, "notification_failed");
  EXPECT_TRUE(store_.DueNotifications(kT0 + days(1), 10)->empty());
}

// --- Mail intake -------------------------------------------------------------------------------

TEST(ReferencesInTest, FindsValidReferencesOnly) {
  const std::string good = core::Reference{"CMP", 2026, 12}.ToString();
  const std::string other = core::Reference{"CMP", 2025, 7}.ToString();
  std::string bad = good;
  bad.back() = bad.back() == 'A' ? 'B' : 'A';  // wrong check letter
  auto refs = app::ReferencesIn(
      "Re: [" + good + "] and " + bad + ", again " + good + " also n4." + other + "@redress.test",
      "CMP");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].ToString(), good);
  EXPECT_EQ(refs[1].ToString(), other);
  EXPECT_TRUE(app::ReferencesIn("company compliance", "CMP").empty());
  EXPECT_EQ(app::ReferencesIn("re: " + good, "cmp").size(), 1u);
}

app::InboundMail Mail(std::string id, std::string from, std::string subject, std::string text) {
  app::InboundMail m;
  m.message_id = std::move(id);
  m.from_address = std::move(from);
  m.from_name = "Bob Sender";
  m.subject = std::move(subject);
  m.text = std::move(text);
  return m;
}

TEST_F(NotifyTest, AMailWithoutAReferenceIsANewComplaintAcknowledgedInItsThread) {
  auto got = Receive(Mail("m1@mail.example", "bob@example.net", "Overcharged", "Twice, again."));
  ASSERT_TRUE(got.ok()) << got.error().detail;
  EXPECT_EQ(got->outcome, "created");
  const Complaint c = Stored(got->reference);
  EXPECT_EQ(c.channel, core::Channel::kEmail);
  EXPECT_EQ(c.state, core::State::kAcknowledged);
  EXPECT_EQ(c.complainant.email.value, "bob@example.net");
  EXPECT_EQ(c.complainant.name.value, "Bob Sender");
  EXPECT_EQ(c.description.value, "Overcharged\n\nTwice, again.");
  auto out = Outbox(got->reference);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, "acknowledgement");
  EXPECT_EQ(out[0].in_reply_to, "m1@mail.example");
  EXPECT_FALSE(json::parse(out[0].vars.value)["access_code"].get<std::string>().empty());

  // The same message again (an MTA retry) changes nothing.
  auto again = Receive(Mail("m1@mail.example", "bob@example.net", "Overcharged", "Twice."));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, "duplicate");
  EXPECT_EQ(again->reference, got->reference);
  EXPECT_EQ(store_.CountComplaints().value(), 1);
  EXPECT_EQ(Outbox(got->reference).size(), 1u);
}

TEST_F(NotifyTest, TheComplainantsReplyAnswersTheQuestion) {
  auto r = Create();
  core::ActionInput assess;
  assess.assessment = core::Assessment{};
  assess.assessment->category = "banking/fees";
  assess.assessment->severity = 2;
  ASSERT_TRUE(Act(r.reference, Action::kAssess, assess).ok());
  core::ActionInput inv;
  inv.investigator = "hana";
  ASSERT_TRUE(Act(r.reference, Action::kInvestigate, inv).ok());
  core::ActionInput q;
  q.question = "Which branch?";
  ASSERT_TRUE(Act(r.reference, Action::kRequestInformation, q).ok());
  // Threaded by our Message-ID, from the complainant's address in another case.
  auto m = Mail("reply1@mail.example", "ALICE@example.org", "Re: your question", "High Street.");
  m.thread_ids = {"n2." + r.reference + "@redress.test"};
  auto got = Receive(m);
  ASSERT_TRUE(got.ok()) << got.error().detail;
  EXPECT_EQ(got->outcome, "added");
  EXPECT_EQ(got->reference, r.reference);
  EXPECT_EQ(Stored(r.reference).state, core::State::kUnderInvestigation);
  auto notes = store_.NotesOf(Stored(r.reference).id);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].visibility, core::NoteVisibility::kComplainant);
  EXPECT_EQ((*notes)[0].body.value, "High Street.");
  EXPECT_EQ(store_.CountComplaints().value(), 1);
}

TEST_F(NotifyTest, AStrangersMailAboutAComplaintIsAnInternalNoteOnly) {
  auto r = Create();
  const int64_t version = Stored(r.reference).version;
  auto got =
      Receive(Mail("x1@mail.example", "mallory@example.com", "About " + r.reference, "Close it."));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->outcome, "added");
  auto notes = store_.NotesOf(Stored(r.reference).id);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].visibility, core::NoteVisibility::kInternal);
  EXPECT_NE((*notes)[0].body.value.find("not the complainant"), std::string::npos);
  EXPECT_EQ(Stored(r.reference).version, version);  // no state change
  EXPECT_TRUE(service_.ComplainantMessages(Stored(r.reference))->empty());
}

TEST_F(NotifyTest, AReplyReopensAClosedComplaintWithinThePolicysWindowOnly) {
  // iso-default reopens on a reply within 30 days of closure; fca-disp does not.
  for (const std::string policy : {"iso-default", "fca-disp"}) {
    Complaint c;
    c.complainant.email = "carol@example.org";
    c.description = "Lost parcel.";
    c.policy_id = policy;
    auto r = Sync<app::CreateResult>([&](auto cb) {
      service_.Create(std::move(c), core::Actor::Complainant(), "public", "", "", cb);
    });
    ASSERT_TRUE(r.ok());
    core::ActionInput early;
    early.summary = "Refunded on the phone.";
    early.cause = core::CauseCategory::kThirdParty;
    ASSERT_TRUE(Act(r->reference, Action::kCloseEarly, early).ok());
    ASSERT_EQ(Stored(r->reference).state, core::State::kClosed);
    clock_.Advance(days(10));
    auto got = Receive(Mail("again-" + policy + "@mail.example", "carol@example.org",
                            "Re: " + r->reference, "The refund never came."));
    ASSERT_TRUE(got.ok()) << got.error().detail;
    EXPECT_EQ(got->outcome, "added");
    EXPECT_EQ(got->reopened, policy == "iso-default") << policy;
    EXPECT_EQ(Stored(r->reference).state,
              policy == "iso-default" ? core::State::kReopened : core::State::kClosed);
  }
}

TEST_F(NotifyTest, NoReopenAfterTheWindow) {
  Complaint c;
  c.complainant.email = "dan@example.org";
  c.description = "Lost parcel.";
  auto r = Sync<app::CreateResult>([&](auto cb) {
    service_.Create(std::move(c), core::Actor::Complainant(), "public", "", "", cb);
  });
  ASSERT_TRUE(r.ok());
  core::ActionInput early;
  early.summary = "Refunded.";
  early.cause = core::CauseCategory::kThirdParty;
  ASSERT_TRUE(Act(r->reference, Action::kCloseEarly, early).ok());
  clock_.Advance(days(31));
  auto got = Receive(Mail("late@mail.example", "dan@example.org", r->reference, "Hello?"));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->reopened);
  EXPECT_EQ(Stored(r->reference).state, core::State::kClosed);
  EXPECT_EQ(store_.NotesOf(Stored(r->reference).id)->size(), 1u);
}

}  // namespace
}  // namespace redress
