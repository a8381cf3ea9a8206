// The clause 7 lifecycle (iso10002.md §4): the transition table walked exhaustively (state ×
// action × actor kind), every guard, Receive, reopen without resetting clocks, ChangeEvent,
// CheckClocks, and the priority matrix. Uses the shipped iso-default (pause allowed) and
// fca-disp (no pause) policies.
#include "core/lifecycle.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "core/facts.hpp"

namespace redress {
namespace {

using namespace redress::core;  // NOLINT: test file, many core names
using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;

Instant Utc(int y, unsigned m, unsigned d, int h = 0) {
  return Instant(date::sys_days(date::year(y) / m / d)) + hours(h);
}

// Monday 15 June 2026, 10:00 in London.
const Instant kT0 = Utc(2026, 6, 15, 9);

const Policy& GetPolicy(const std::string& id) {
  static const std::vector<Policy> all = [] {
    auto loaded = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
    if (!loaded) {
      ADD_FAILURE() << loaded.error().detail;
      return std::vector<Policy>{};
    }
    return std::move(loaded).value();
  }();
  for (const auto& p : all) {
    if (p.id == id) return p;
  }
  ADD_FAILURE() << "no policy " << id;
  static const Policy empty;
  return empty;
}
const Policy& Iso() { return GetPolicy("iso-default"); }
const Policy& Fca() { return GetPolicy("fca-disp"); }

const std::vector<State> kAllStates = {State::kReceived,
                                       State::kAcknowledged,
                                       State::kAssessed,
                                       State::kUnderInvestigation,
                                       State::kAwaitingComplainant,
                                       State::kResponseProposed,
                                       State::kDecisionCommunicated,
                                       State::kClosed,
                                       State::kReopened,
                                       State::kWithdrawn,
                                       State::kReferred};

const std::vector<Action> kAllActions = {Action::kAcknowledge,
                                         Action::kAssess,
                                         Action::kInvestigate,
                                         Action::kRequestInformation,
                                         Action::kProvideInformation,
                                         Action::kProposeDecision,
                                         Action::kReturnProposal,
                                         Action::kCommunicateDecision,
                                         Action::kReview,
                                         Action::kClose,
                                         Action::kCloseEarly,
                                         Action::kRefer,
                                         Action::kConcludeReferral,
                                         Action::kReferBack,
                                         Action::kWithdraw,
                                         Action::kReopen};

const std::vector<ActorKind> kAllKinds = {
    ActorKind::kComplainant, ActorKind::kSystem,  ActorKind::kHandler, ActorKind::kInvestigator,
    ActorKind::kManager,     ActorKind::kAuditor, ActorKind::kAdmin};

// Actors used to build complaints, and different people of each kind used by the table walk.
const Actor kHana{ActorKind::kHandler, "hana"};
const Actor kIvan{ActorKind::kInvestigator, "ivan"};
const Actor kMona{ActorKind::kManager, "mona"};
const Actor kMax{ActorKind::kManager, "max"};

Actor ActorOf(ActorKind k) {
  switch (k) {
    case ActorKind::kComplainant:
      return Actor::Complainant();
    case ActorKind::kSystem:
      return Actor::System();
    default:
      return Actor{k, std::string("t-") + ToString(k)};
  }
}

bool IsIn(const std::vector<Action>& v, Action a) {
  return std::find(v.begin(), v.end(), a) != v.end();
}

Assessment ValidAssessment() {
  Assessment a;
  a.category = "banking/current-account/fees";
  a.severity = 2;
  return a;
}

// An input that satisfies every guard of `action` on a complaint built by Builder.
ActionInput ValidInput(Action action) {
  ActionInput in;
  switch (action) {
    case Action::kAcknowledge:
      break;
    case Action::kAssess:
      in.assessment = ValidAssessment();
      break;
    case Action::kInvestigate:
      in.investigator = "ivan";
      break;
    case Action::kRequestInformation:
      in.question = "Which branch did you visit?";
      break;
    case Action::kProvideInformation:
      in.information = "The High Street branch.";
      break;
    case Action::kProposeDecision:
      in.outcome = Outcome::kPartlyUpheld;
      in.reasons = "The fee was charged in error; the delay was reasonable.";
      break;
    case Action::kCommunicateDecision:
      break;
    case Action::kClose:
      in.cause = CauseCategory::kProcess;
      in.acceptance = Acceptance::kAccepts;
      break;
    case Action::kCloseEarly:
      in.summary = "Fee refunded on the call.";
      in.cause = CauseCategory::kSystem;
      break;
    case Action::kRefer:
      in.body = "Financial Ombudsman Service";
      break;
    case Action::kConcludeReferral:
      in.external_outcome = "Not upheld by the ombudsman";
      break;
    case Action::kReturnProposal:
    case Action::kReview:
    case Action::kReferBack:
    case Action::kWithdraw:
    case Action::kReopen:
      in.reason = "Asked in writing on 1 July.";
      break;
  }
  return in;
}

Complaint Receipt(Instant received) {
  Complaint c;
  c.id = 7;
  c.reference = Reference{"CMP", 2026, 123};
  c.secret_hash = std::string(64, 'a');
  c.received_at = received;
  c.received_by = "complainant";
  c.complainant.name = "Alice Example";
  c.complainant.email = "alice@example.org";
  c.description = "I was charged a fee twice.";
  c.subject.persons_named = "bob.smith, Carol Jones";
  return c;
}

// Drives a complaint through the lifecycle with valid inputs, one hour per step.
class Builder {
 public:
  explicit Builder(const Policy& policy = Iso(), Instant t0 = kT0)
      : policy_(policy),
        now_(t0),
        c_(Receive(Receipt(t0), policy, Actor::Complainant(), t0).after) {}

  Builder& Do(Action a, const ActionInput& in, const Actor& who) {
    now_ += hours(1);
    auto r = ApplyAction(c_, a, in, who, policy_, now_);
    if (!r) {
      ADD_FAILURE() << "setup step " << ToString(a) << " from " << ToString(c_.state)
                    << " failed: " << r.error().detail;
      return *this;
    }
    c_ = std::move(r).value().after;
    return *this;
  }
  Builder& Do(Action a, const Actor& who) { return Do(a, ValidInput(a), who); }
  Builder& At(Instant t) {
    now_ = t - hours(1);  // the next Do() happens at t
    return *this;
  }

  // Brings the complaint to `s` by the shortest valid path from acknowledged.
  Builder& To(State s) {
    switch (s) {
      case State::kReceived:
        c_.state = State::kReceived;
        c_.clocks = StartClocks(policy_, {}, c_.received_at);
        c_.version = 1;
        break;
      case State::kAcknowledged:
        break;
      case State::kAssessed:
        Do(Action::kAssess, kHana);
        break;
      case State::kUnderInvestigation:
        To(State::kAssessed).Do(Action::kInvestigate, kHana);
        break;
      case State::kAwaitingComplainant:
        To(State::kUnderInvestigation).Do(Action::kRequestInformation, kIvan);
        break;
      case State::kResponseProposed:
        To(State::kUnderInvestigation).Do(Action::kProposeDecision, kIvan);
        break;
      case State::kDecisionCommunicated:
        To(State::kResponseProposed).Do(Action::kCommunicateDecision, kMona);
        break;
      case State::kClosed:
        To(State::kDecisionCommunicated).Do(Action::kClose, kHana);
        break;
      case State::kReopened:
        To(State::kClosed).Do(Action::kReopen, kMona);
        break;
      case State::kWithdrawn:
        Do(Action::kWithdraw, ActionInput{}, Actor::Complainant());
        break;
      case State::kReferred:
        To(State::kUnderInvestigation).Do(Action::kRefer, kHana);
        break;
    }
    if (c_.state != s) ADD_FAILURE() << "could not reach " << ToString(s);
    return *this;
  }

  const Complaint& c() const { return c_; }
  Complaint& mutable_c() { return c_; }
  Instant now() const { return now_; }
  Instant next() const { return now_ + hours(1); }
  const Policy& policy() const { return policy_; }

 private:
  const Policy& policy_;
  Instant now_;
  Complaint c_;
};

Complaint InState(State s, const Policy& p = Iso()) { return Builder(p).To(s).c(); }

const ClockTrack* FindClock(const Complaint& c, const std::string& name) {
  for (const auto& t : c.clocks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool AnyLiveClock(const Complaint& c) {
  return std::any_of(c.clocks.begin(), c.clocks.end(), [](const ClockTrack& t) {
    return t.state == ClockState::kRunning || t.state == ClockState::kPaused;
  });
}

std::string Dump(const Complaint& c) { return ToStorageJson(c).dump(); }

void ExpectInvalid(const Result<Applied>& r, const std::string& pointer) {
  ASSERT_FALSE(r.ok()) << "expected a refusal at " << pointer;
  EXPECT_EQ(r.error().code, Errc::kInvalid) << r.error().detail;
  ASSERT_FALSE(r.error().fields.empty()) << r.error().detail;
  EXPECT_EQ(r.error().fields[0].pointer, pointer) << r.error().detail;
}

// --- The table -------------------------------------------------------------------------------

TEST(LifecycleTableTest, EveryStateActionPairHasAtMostOneRule) {
  for (State s : kAllStates) {
    for (Action a : kAllActions) {
      int rules = 0;
      for (const auto& r : TransitionTable()) {
        if (r.action == a && std::find(r.from.begin(), r.from.end(), s) != r.from.end()) ++rules;
      }
      EXPECT_LE(rules, 1) << ToString(s) << " × " << ToString(a);
    }
  }
}

TEST(LifecycleTableTest, TableMatchesTheSpecification) {
  // iso10002.md §4, written out independently: (from, action) → to.
  std::map<std::pair<State, Action>, State> want;
  auto add = [&](std::vector<State> from, Action a, State to) {
    for (State s : from) want[{s, a}] = to;
  };
  using S = State;
  const std::vector<S> open_but_referred = {S::kReceived,
                                            S::kAcknowledged,
                                            S::kAssessed,
                                            S::kUnderInvestigation,
                                            S::kAwaitingComplainant,
                                            S::kResponseProposed,
                                            S::kDecisionCommunicated,
                                            S::kReopened};
  std::vector<S> open = open_but_referred;
  open.push_back(S::kReferred);
  add({S::kReceived}, Action::kAcknowledge, S::kAcknowledged);
  add({S::kAcknowledged, S::kReopened}, Action::kAssess, S::kAssessed);
  add({S::kAssessed, S::kReopened}, Action::kInvestigate, S::kUnderInvestigation);
  add({S::kUnderInvestigation}, Action::kRequestInformation, S::kAwaitingComplainant);
  add({S::kAwaitingComplainant}, Action::kProvideInformation, S::kUnderInvestigation);
  add({S::kUnderInvestigation}, Action::kProposeDecision, S::kResponseProposed);
  add({S::kResponseProposed}, Action::kReturnProposal, S::kUnderInvestigation);
  add({S::kResponseProposed}, Action::kCommunicateDecision, S::kDecisionCommunicated);
  add({S::kDecisionCommunicated}, Action::kReview, S::kUnderInvestigation);
  add({S::kDecisionCommunicated}, Action::kClose, S::kClosed);
  add({S::kReceived, S::kAcknowledged, S::kAssessed}, Action::kCloseEarly, S::kClosed);
  add(open_but_referred, Action::kRefer, S::kReferred);
  add({S::kReferred}, Action::kConcludeReferral, S::kClosed);
  add({S::kReferred}, Action::kReferBack, S::kUnderInvestigation);
  add(open, Action::kWithdraw, S::kWithdrawn);
  add({S::kClosed, S::kWithdrawn}, Action::kReopen, S::kReopened);

  std::map<std::pair<State, Action>, State> got;
  for (const auto& r : TransitionTable()) {
    for (State s : r.from) got[{s, r.action}] = r.to;
  }
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [key, to] : want) {
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "missing " << ToString(key.first) << " × " << ToString(key.second);
    EXPECT_EQ(it->second, to) << ToString(key.first) << " × " << ToString(key.second);
  }
  // Closed and withdrawn allow nothing but reopen.
  EXPECT_EQ(AllowedActions(State::kClosed), std::vector<Action>{Action::kReopen});
  EXPECT_EQ(AllowedActions(State::kWithdrawn), std::vector<Action>{Action::kReopen});
}

TEST(LifecycleTableTest, ActorsMatchTheSpecification) {
  auto by = [](Action a) {
    for (const auto& r : TransitionTable()) {
      if (r.action == a) return r.by;
    }
    return std::vector<ActorKind>{};
  };
  auto has = [&](Action a, ActorKind k) {
    auto v = by(a);
    return std::find(v.begin(), v.end(), k) != v.end();
  };
  using K = ActorKind;
  EXPECT_TRUE(has(Action::kAcknowledge, K::kSystem));
  EXPECT_TRUE(has(Action::kAcknowledge, K::kHandler));
  EXPECT_TRUE(has(Action::kAssess, K::kHandler));
  EXPECT_FALSE(has(Action::kAssess, K::kInvestigator));
  EXPECT_TRUE(has(Action::kRequestInformation, K::kInvestigator));
  EXPECT_FALSE(has(Action::kRequestInformation, K::kComplainant));
  EXPECT_TRUE(has(Action::kProvideInformation, K::kComplainant));
  EXPECT_TRUE(has(Action::kProvideInformation, K::kSystem));  // timeout
  EXPECT_TRUE(has(Action::kProposeDecision, K::kInvestigator));
  EXPECT_EQ(by(Action::kReturnProposal), std::vector<K>{K::kManager});
  EXPECT_TRUE(has(Action::kCommunicateDecision, K::kHandler));
  EXPECT_FALSE(has(Action::kCommunicateDecision, K::kInvestigator));
  EXPECT_EQ(by(Action::kReview), std::vector<K>{K::kManager});
  EXPECT_TRUE(has(Action::kClose, K::kSystem));  // after the silence window
  EXPECT_FALSE(has(Action::kClose, K::kComplainant));
  EXPECT_FALSE(has(Action::kCloseEarly, K::kInvestigator));
  EXPECT_EQ(by(Action::kConcludeReferral), std::vector<K>{K::kManager});
  EXPECT_EQ(by(Action::kReferBack), std::vector<K>{K::kManager});
  EXPECT_TRUE(has(Action::kWithdraw, K::kComplainant));
  EXPECT_FALSE(has(Action::kWithdraw, K::kInvestigator));
  EXPECT_EQ(by(Action::kReopen), (std::vector<K>{K::kManager, K::kSystem}));
  // Auditors and admins never change a complaint.
  for (const auto& r : TransitionTable()) {
    EXPECT_FALSE(std::find(r.by.begin(), r.by.end(), K::kAuditor) != r.by.end())
        << ToString(r.action);
    EXPECT_FALSE(std::find(r.by.begin(), r.by.end(), K::kAdmin) != r.by.end())
        << ToString(r.action);
  }
}

TEST(LifecycleTableTest, AllowedActionsFollowTheTable) {
  for (State s : kAllStates) {
    std::vector<Action> any;
    for (ActorKind k : kAllKinds) {
      for (Action a : AllowedActions(s, k)) {
        EXPECT_TRUE(IsIn(AllowedActions(s), a)) << ToString(s) << " " << ToString(a);
        if (!IsIn(any, a)) any.push_back(a);
      }
    }
    // Every action allowed to someone is allowed to some actor kind.
    for (Action a : AllowedActions(s))
      EXPECT_TRUE(IsIn(any, a)) << ToString(s) << " " << ToString(a);
  }
  EXPECT_EQ(AllowedActions(State::kAwaitingComplainant, ActorKind::kComplainant),
            (std::vector<Action>{Action::kProvideInformation, Action::kWithdraw}));
  EXPECT_TRUE(AllowedActions(State::kUnderInvestigation, ActorKind::kAdmin).empty());
}

// The heart of it: 11 states × 16 actions × 7 actor kinds.
TEST(LifecycleTableTest, ApplyActionSucceedsExactlyWhenTheTableAllows) {
  int allowed = 0;
  int conflicts = 0;
  int forbidden = 0;
  for (State s : kAllStates) {
    const Builder b = Builder().To(s);
    const Complaint& before = b.c();
    const std::string before_json = Dump(before);
    for (Action a : kAllActions) {
      const TransitionRule* rule = nullptr;
      for (const auto& r : TransitionTable()) {
        if (r.action == a && std::find(r.from.begin(), r.from.end(), s) != r.from.end()) rule = &r;
      }
      for (ActorKind k : kAllKinds) {
        SCOPED_TRACE(std::string(ToString(s)) + " × " + ToString(a) + " × " + ToString(k));
        const Actor actor = ActorOf(k);
        auto r = ApplyAction(before, a, ValidInput(a), actor, Iso(), b.next());
        const bool permitted =
            rule != nullptr && std::find(rule->by.begin(), rule->by.end(), k) != rule->by.end();
        EXPECT_EQ(permitted, IsIn(AllowedActions(s, k), a));
        // The input is never modified, whatever the outcome.
        ASSERT_EQ(Dump(before), before_json);
        if (permitted) {
          ++allowed;
          ASSERT_TRUE(r.ok()) << r.error().detail;
          EXPECT_EQ(r->after.state, rule->to);
          EXPECT_EQ(r->after.version, before.version + 1);
          EXPECT_EQ(r->after.updated_at, b.next());
          EXPECT_EQ(r->after.reference, before.reference);
          EXPECT_EQ(r->after.received_at, before.received_at);
          ASSERT_EQ(r->events.size(), 1u);
          EXPECT_EQ(r->events[0].action, ToString(a));
          EXPECT_EQ(r->events[0].actor, actor.name);
          EXPECT_EQ(r->events[0].at, b.next());
          EXPECT_EQ(r->events[0].reference, before.reference.ToString());
          continue;
        }
        ASSERT_FALSE(r.ok()) << "applied " << ToString(a) << " to " << ToString(s);
        const Error& e = r.error();
        EXPECT_NE(e.detail.find(ToString(s)), std::string::npos) << e.detail;
        if (rule == nullptr) {
          ++conflicts;
          EXPECT_EQ(e.code, Errc::kConflict) << e.detail;
          EXPECT_EQ(e.type, "illegal-transition");
          const auto names = AllowedActions(s);
          for (Action ok : names) {
            EXPECT_NE(e.detail.find(ToString(ok)), std::string::npos)
                << e.detail << " should name " << ToString(ok);
          }
          if (names.empty()) {
            EXPECT_NE(e.detail.find("none"), std::string::npos) << e.detail;
          }
        } else {
          ++forbidden;
          EXPECT_EQ(e.code, Errc::kForbidden) << e.detail;
          EXPECT_EQ(e.type, "action-not-permitted");
          EXPECT_NE(e.detail.find(ToString(a)), std::string::npos) << e.detail;
          EXPECT_NE(e.detail.find(ToString(k)), std::string::npos) << e.detail;
        }
      }
    }
  }
  // Sanity: the walk covered all three outcomes in bulk.
  EXPECT_EQ(allowed + conflicts + forbidden, 11 * 16 * 7);
  EXPECT_GT(allowed, 40);
  EXPECT_GT(conflicts, 500);
  EXPECT_GT(forbidden, 50);
}

TEST(LifecycleTableTest, ForbiddenDetailNamesTheActionsThisActorMayTake) {
  const Complaint c = InState(State::kDecisionCommunicated);
  auto r = ApplyAction(c, Action::kReview, ValidInput(Action::kReview),
                       ActorOf(ActorKind::kHandler), Iso(), kT0 + days(30));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kForbidden);
  for (Action a : AllowedActions(State::kDecisionCommunicated, ActorKind::kHandler)) {
    EXPECT_NE(r.error().detail.find(ToString(a)), std::string::npos) << r.error().detail;
  }
}

TEST(LifecycleTableTest, ActionNamesRoundTrip) {
  std::vector<std::string> names;
  for (Action a : kAllActions) {
    const std::string n = ToString(a);
    EXPECT_NE(n, "unknown");
    EXPECT_EQ(ParseAction(n), a) << n;
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 0) << n;
    names.push_back(n);
  }
  EXPECT_FALSE(ParseAction("Withdraw").has_value());
  EXPECT_FALSE(ParseAction("").has_value());
  EXPECT_FALSE(ParseAction("delete").has_value());
  for (ActorKind k : kAllKinds) EXPECT_STRNE(ToString(k), "unknown");
}

// --- Receive -------------------------------------------------------------------------------

TEST(ReceiveTest, AcknowledgesAtOnceWithTwoEvents) {
  const Applied a = Receive(Receipt(kT0), Iso(), Actor::Complainant(), kT0);
  EXPECT_EQ(a.after.state, State::kAcknowledged);
  EXPECT_EQ(a.after.policy_id, "iso-default");
  EXPECT_EQ(a.after.received_at, kT0);
  EXPECT_EQ(a.after.logged_at, kT0);
  EXPECT_EQ(a.after.version, 2);
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].action, "received");
  EXPECT_EQ(a.events[0].actor, "complainant");
  const json received = json::parse(a.events[0].after);
  EXPECT_EQ(received.value("received_at", ""), FormatInstant(kT0));
  EXPECT_EQ(received.value("description", ""), "I was charged a fee twice.");
  EXPECT_TRUE(received.contains("clocks"));
  EXPECT_EQ(a.events[1].action, "acknowledge");
  EXPECT_EQ(a.events[1].actor, "system");
  EXPECT_EQ(json::parse(a.events[1].before).value("state", ""), "received");
  EXPECT_EQ(json::parse(a.events[1].after).value("state", ""), "acknowledged");
  for (const auto& e : a.events) EXPECT_EQ(e.reference, "CMP-2026-000123-N");

  const ClockTrack* ack = FindClock(a.after, "acknowledge");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->state, ClockState::kMet);
  EXPECT_EQ(ack->ended_at, kT0);
  // Every other clock of the policy is running from receipt.
  EXPECT_EQ(a.after.clocks.size(), 5u);
  for (const auto& t : a.after.clocks) {
    EXPECT_EQ(t.anchor, kT0) << t.name;
    if (t.name != "acknowledge") {
      EXPECT_EQ(t.state, ClockState::kRunning) << t.name;
    }
  }
}

TEST(ReceiveTest, KeepsAnEarlierReceiptInstantAndRunsClocksFromIt) {
  // Staff log on Thursday a letter received on Monday.
  const Instant logged = kT0 + days(3);
  const Applied a = Receive(Receipt(kT0), Iso(), kHana, logged);
  EXPECT_EQ(a.after.received_at, kT0);
  EXPECT_EQ(a.after.logged_at, logged);
  for (const auto& t : a.after.clocks) EXPECT_EQ(t.anchor, kT0) << t.name;
  // The 1 BD acknowledgement was due Tuesday: acknowledging on Thursday is a breach.
  const ClockTrack* ack = FindClock(a.after, "acknowledge");
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->state, ClockState::kBreached);
  EXPECT_EQ(a.events[0].actor, "hana");
}

// The acknowledgement's before/after are written as text; they must be what the general diff
// (ChangeEvent's DiffJson over the documents) makes of the same change, byte for byte, whether
// the clock was met (on time) or breached (logged late).
TEST(ReceiveTest, AcknowledgementRecordsTheDiffOfStateAndClock) {
  for (const Instant logged : {kT0, kT0 + days(3)}) {
    const Applied a = Receive(Receipt(kT0), Iso(), kHana, logged);
    const ClockTrack* met = FindClock(a.after, "acknowledge");
    ASSERT_NE(met, nullptr);
    // The clock as it was before the acknowledgement: running, not ended.
    ClockTrack running = *met;
    running.state = ClockState::kRunning;
    running.ended_at.reset();
    running.breached = false;
    json db;
    json da;
    DiffJson(ToJson(running), ToJson(*met), {}, db, da);
    ASSERT_FALSE(da.empty());
    const json before = {{"state", "received"}, {"clocks", {{"acknowledge", db}}}};
    const json after = {{"state", "acknowledged"}, {"clocks", {{"acknowledge", da}}}};
    EXPECT_EQ(a.events[1].before, before.dump());
    EXPECT_EQ(a.events[1].after, after.dump());
    EXPECT_TRUE(da.contains("ended_at"));
    EXPECT_EQ(da.contains("breached"), logged != kT0);
  }
  // A policy without an acknowledgement clock records only the state.
  Policy bare = Iso();
  bare.clocks.erase(std::remove_if(bare.clocks.begin(), bare.clocks.end(),
                                   [](const ClockRule& r) { return r.name == "acknowledge"; }),
                    bare.clocks.end());
  const Applied a = Receive(Receipt(kT0), bare, kHana, kT0);
  EXPECT_EQ(a.events[1].before, R"({"state":"received"})");
  EXPECT_EQ(a.events[1].after, R"({"state":"acknowledged"})");
}

TEST(ReceiveTest, UnsetReceiptInstantBecomesNow) {
  Complaint c = Receipt(kT0);
  c.received_at = Instant{};
  const Applied a = Receive(c, Iso(), Actor::Complainant(), kT0 + hours(5));
  EXPECT_EQ(a.after.received_at, kT0 + hours(5));
}

TEST(ReceiveTest, FlagsAtReceiptSelectClocks) {
  Complaint c = Receipt(kT0);
  c.assessment.flags = {"payment_service"};
  const Applied fca_psd = Receive(c, Fca(), Actor::Complainant(), kT0);
  const Applied fca = Receive(Receipt(kT0), Fca(), Actor::Complainant(), kT0);
  const ClockTrack* f1 = FindClock(fca_psd.after, "final_response");
  const ClockTrack* f2 = FindClock(fca.after, "final_response");
  ASSERT_NE(f1, nullptr);
  ASSERT_NE(f2, nullptr);
  EXPECT_LT(f1->due, f2->due);  // 15 BD is sooner than 8 weeks
  EXPECT_EQ(f1->rule, "final_response@payment_service");
}

// --- Guards --------------------------------------------------------------------------------

TEST(AssessGuardTest, NeedsAssessmentSeverityOneToFourAndCategory) {
  const Builder b;
  const Complaint& c = b.c();
  ActionInput in;
  ExpectInvalid(ApplyAction(c, Action::kAssess, in, kHana, Iso(), b.next()), "/assessment");
  for (int bad : {-1, 0, 5, 100}) {
    in.assessment = ValidAssessment();
    in.assessment->severity = bad;
    ExpectInvalid(ApplyAction(c, Action::kAssess, in, kHana, Iso(), b.next()),
                  "/assessment/severity");
  }
  in.assessment = ValidAssessment();
  in.assessment->category = "";
  ExpectInvalid(ApplyAction(c, Action::kAssess, in, kHana, Iso(), b.next()),
                "/assessment/category");
  for (int ok : {1, 2, 3, 4}) {
    in.assessment = ValidAssessment();
    in.assessment->severity = ok;
    auto r = ApplyAction(c, Action::kAssess, in, kHana, Iso(), b.next());
    ASSERT_TRUE(r.ok()) << ok << ": " << r.error().detail;
    EXPECT_EQ(r->after.assessment.severity, ok);
    EXPECT_EQ(r->after.priority, ComputePriority(*in.assessment));
  }
}

TEST(AssessGuardTest, RecordsAssessmentAssigneeAndMeetsAssessClock) {
  const Builder b;
  ActionInput in = ValidInput(Action::kAssess);
  in.assignee = "hugo";
  auto r = ApplyAction(b.c(), Action::kAssess, in, kHana, Iso(), b.next());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.assignee, "hugo");
  EXPECT_EQ(r->after.assessment.category, "banking/current-account/fees");
  const ClockTrack* assess = FindClock(r->after, "assess");
  ASSERT_NE(assess, nullptr);
  EXPECT_EQ(assess->state, ClockState::kMet);
  // The event records the changed fields.
  json after = json::parse(r->events[0].after);
  EXPECT_EQ(after.value("assignee", ""), "hugo");
  EXPECT_EQ(after.value("state", ""), "assessed");
  EXPECT_TRUE(after.contains("assessment"));
}

TEST(AssessGuardTest, EscalatedComplaintKeepsItsRaisedPriority) {
  Builder b;
  b.mutable_c().escalated = true;
  auto r = ApplyAction(b.c(), Action::kAssess, ValidInput(Action::kAssess), kHana, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.priority, Raise(ComputePriority(ValidAssessment())));
}

TEST(ConflictOfInterestTest, AssigneeNamedInComplaintIsRefused) {
  const Builder b;
  for (const char* named : {"bob.smith", "BOB.SMITH", "carol", "Jones"}) {
    ActionInput in = ValidInput(Action::kAssess);
    in.assignee = named;
    auto r = ApplyAction(b.c(), Action::kAssess, in, kHana, Iso(), b.next());
    ASSERT_FALSE(r.ok()) << named;
    EXPECT_EQ(r.error().code, Errc::kConflict);
    EXPECT_EQ(r.error().type, "conflict-of-interest");
    ASSERT_FALSE(r.error().fields.empty());
    EXPECT_EQ(r.error().fields[0].pointer, "/assignee");
    // The detail never repeats the (personal) name.
    EXPECT_EQ(r.error().detail.find(named), std::string::npos);
  }
}

TEST(ConflictOfInterestTest, InvestigatorNamedInComplaintIsRefused) {
  const Builder b = Builder().To(State::kAssessed);
  ActionInput in;
  in.investigator = "Bob.Smith";
  auto r = ApplyAction(b.c(), Action::kInvestigate, in, kHana, Iso(), b.next());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(r.error().type, "conflict-of-interest");
  EXPECT_EQ(r.error().fields.at(0).pointer, "/investigator");
}

TEST(ConflictOfInterestTest, ReassignToNamedPersonIsRefused) {
  const Complaint c = InState(State::kUnderInvestigation);
  auto r = Reassign(c, "carol", kMona, kT0 + days(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(r.error().type, "conflict-of-interest");
  auto ok = Reassign(c, "hugo", kMona, kT0 + days(2));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->after.assignee, "hugo");
  EXPECT_EQ(ok->after.version, c.version + 1);
  ASSERT_EQ(ok->events.size(), 1u);
  EXPECT_EQ(ok->events[0].action, "assign");
  EXPECT_EQ(json::parse(ok->events[0].after), json({{"assignee", "hugo"}}));
}

TEST(ReassignTest, RefusedOnceClosedOrWithdrawn) {
  for (State s : {State::kClosed, State::kWithdrawn}) {
    auto r = Reassign(InState(s), "hugo", kMona, kT0 + days(60));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kConflict);
  }
}

TEST(NamesPersonTest, WholeWordCaseInsensitive) {
  Complaint c;
  c.subject.persons_named = "bob.smith, Carol Jones; dave_k and Eve-Marie";
  for (const char* yes : {"bob.smith", "BOB.SMITH", "carol", "jones", "dave_k", "Eve-Marie"}) {
    EXPECT_TRUE(NamesPerson(c, yes)) << yes;
  }
  for (const char* no : {"", "bob", "smith", "car", "jone", "dave", "eve", "marie", "x"}) {
    EXPECT_FALSE(NamesPerson(c, no)) << no;
  }
  c.subject.persons_named = "";
  EXPECT_FALSE(NamesPerson(c, "bob.smith"));
}

TEST(InvestigateGuardTest, NeedsAnInvestigator) {
  const Builder b = Builder().To(State::kAssessed);
  ExpectInvalid(ApplyAction(b.c(), Action::kInvestigate, ActionInput{}, kHana, Iso(), b.next()),
                "/investigator");
  auto r = ApplyAction(b.c(), Action::kInvestigate, ValidInput(Action::kInvestigate), kHana, Iso(),
                       b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.investigator, "ivan");
  // Once set, investigating again (after a reopen) may keep the investigator.
  Builder reopened = Builder().To(State::kReopened);
  reopened.Do(Action::kAssess, kHana);
  auto again =
      ApplyAction(reopened.c(), Action::kInvestigate, ActionInput{}, kHana, Iso(), reopened.next());
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(again->after.investigator, "ivan");
}

TEST(RequestInformationTest, NeedsAQuestion) {
  const Builder b = Builder().To(State::kUnderInvestigation);
  ExpectInvalid(
      ApplyAction(b.c(), Action::kRequestInformation, ActionInput{}, kIvan, Iso(), b.next()),
      "/question");
}

TEST(RequestInformationTest, PausesClocksWhereThePolicyAllowsAndProvideResumes) {
  Builder b = Builder(Iso()).To(State::kUnderInvestigation);
  const Complaint running = b.c();
  b.Do(Action::kRequestInformation, kIvan);
  const Complaint paused = b.c();
  EXPECT_EQ(paused.pending_question.value, "Which branch did you visit?");
  int n_paused = 0;
  for (size_t i = 0; i < paused.clocks.size(); ++i) {
    if (running.clocks[i].state == ClockState::kRunning) {
      EXPECT_EQ(paused.clocks[i].state, ClockState::kPaused) << paused.clocks[i].name;
      ++n_paused;
    } else {
      EXPECT_EQ(paused.clocks[i].state, running.clocks[i].state) << paused.clocks[i].name;
    }
  }
  EXPECT_GE(n_paused, 2);

  // Two days later the complainant answers: clocks run again, due later by the pause.
  auto r = ApplyAction(paused, Action::kProvideInformation, ValidInput(Action::kProvideInformation),
                       Actor::Complainant(), Iso(), b.now() + days(2));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.state, State::kUnderInvestigation);
  EXPECT_TRUE(r->after.pending_question.value.empty());
  for (size_t i = 0; i < paused.clocks.size(); ++i) {
    if (paused.clocks[i].state != ClockState::kPaused) continue;
    EXPECT_EQ(r->after.clocks[i].state, ClockState::kRunning) << paused.clocks[i].name;
    EXPECT_EQ(r->after.clocks[i].due, running.clocks[i].due + days(2)) << paused.clocks[i].name;
    EXPECT_EQ(r->after.clocks[i].anchor, running.clocks[i].anchor);  // never reset
    EXPECT_EQ(r->after.clocks[i].paused_ms, 2 * 24 * 3600 * 1000LL);
  }
}

TEST(RequestInformationTest, ClocksKeepRunningUnderFcaDisp) {
  Builder b = Builder(Fca()).To(State::kUnderInvestigation);
  const Complaint running = b.c();
  b.Do(Action::kRequestInformation, kIvan);
  EXPECT_EQ(b.c().state, State::kAwaitingComplainant);
  ASSERT_EQ(b.c().clocks.size(), running.clocks.size());
  for (size_t i = 0; i < running.clocks.size(); ++i) {
    EXPECT_EQ(b.c().clocks[i].state, running.clocks[i].state) << running.clocks[i].name;
    EXPECT_FALSE(b.c().clocks[i].paused_at.has_value());
  }
  auto r = ApplyAction(b.c(), Action::kProvideInformation, ActionInput{}, Actor::System(), Fca(),
                       b.now() + days(2));
  ASSERT_TRUE(r.ok());
  for (size_t i = 0; i < running.clocks.size(); ++i) {
    EXPECT_EQ(r->after.clocks[i].due, running.clocks[i].due) << running.clocks[i].name;
  }
}

TEST(ProposeGuardTest, NeedsOutcomeAndReasons) {
  const Builder b = Builder().To(State::kUnderInvestigation);
  ActionInput in = ValidInput(Action::kProposeDecision);
  in.outcome.reset();
  ExpectInvalid(ApplyAction(b.c(), Action::kProposeDecision, in, kIvan, Iso(), b.next()),
                "/outcome");
  in = ValidInput(Action::kProposeDecision);
  in.reasons.clear();
  ExpectInvalid(ApplyAction(b.c(), Action::kProposeDecision, in, kIvan, Iso(), b.next()),
                "/reasons");
  in = ValidInput(Action::kProposeDecision);
  in.remedy = Remedy{"refund", -1, "GBP", {}, {}};
  ExpectInvalid(ApplyAction(b.c(), Action::kProposeDecision, in, kIvan, Iso(), b.next()),
                "/remedy/amount");
  in.remedy = Remedy{"refund", 1000, "", {}, {}};
  ExpectInvalid(ApplyAction(b.c(), Action::kProposeDecision, in, kIvan, Iso(), b.next()),
                "/remedy/currency");
  in.remedy = Remedy{"refund", 1000, "GBP", {}, {}};
  auto r = ApplyAction(b.c(), Action::kProposeDecision, in, kIvan, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.decision.outcome, Outcome::kPartlyUpheld);
  EXPECT_EQ(r->after.decision.proposed_by, "ivan");
  EXPECT_EQ(r->after.decision.proposed_at, b.next());
  EXPECT_EQ(r->after.decision.remedy.amount_minor, 1000);
  EXPECT_FALSE(r->after.decision.communicated_at.has_value());
}

TEST(ReasonGuardTest, ReturnReviewReferBackAndReopenNeedAReason) {
  struct Case {
    State from;
    Action action;
  };
  for (const Case& k :
       {Case{State::kResponseProposed, Action::kReturnProposal},
        Case{State::kDecisionCommunicated, Action::kReview},
        Case{State::kReferred, Action::kReferBack}, Case{State::kClosed, Action::kReopen},
        Case{State::kWithdrawn, Action::kReopen}}) {
    const Builder b = Builder().To(k.from);
    SCOPED_TRACE(ToString(k.action));
    ExpectInvalid(ApplyAction(b.c(), k.action, ActionInput{}, kMax, Iso(), b.next()), "/reason");
    auto r = ApplyAction(b.c(), k.action, ValidInput(k.action), kMax, Iso(), b.next());
    ASSERT_TRUE(r.ok()) << r.error().detail;
    // The reason is recorded in the event.
    EXPECT_EQ(json::parse(r->events[0].after).value("reason", ""), "Asked in writing on 1 July.");
  }
}

TEST(ReopenOnReplyTest, TheSystemReopensOnlyWithinThePolicysWindow) {
  // iso-default: a reply within 30 days of closure reopens; fca-disp: staff decide.
  const Builder closed = Builder().To(State::kClosed);
  const Instant closed_at = *closed.c().closure.closed_at;
  ActionInput in = ValidInput(Action::kReopen);
  auto within =
      ApplyAction(closed.c(), Action::kReopen, in, Actor::System(), Iso(), closed_at + days(30));
  ASSERT_TRUE(within.ok()) << within.error().detail;
  EXPECT_EQ(within->after.state, State::kReopened);
  EXPECT_EQ(within->events[0].actor, "system");
  auto late = ApplyAction(closed.c(), Action::kReopen, in, Actor::System(), Iso(),
                          closed_at + days(30) + std::chrono::minutes(1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::kConflict);
  const Builder fca = Builder(Fca()).To(State::kClosed);
  auto never = ApplyAction(fca.c(), Action::kReopen, in, Actor::System(), Fca(), fca.next());
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().code, Errc::kConflict);
  // A manager may reopen whatever the window.
  EXPECT_TRUE(ApplyAction(fca.c(), Action::kReopen, in, kMax, Fca(), fca.next() + days(400)).ok());
}

// --- Communicate: authority limits ---------------------------------------------------------

// A proposed decision with a remedy of `amount` minor units, proposed by `proposer`.
Builder Proposed(int64_t amount, const Actor& proposer) {
  Builder b = Builder().To(State::kUnderInvestigation);
  ActionInput in = ValidInput(Action::kProposeDecision);
  in.remedy = Remedy{"refund", amount, "GBP", {}, {}};
  b.Do(Action::kProposeDecision, in, proposer);
  return b;
}

Result<Applied> Communicate(const Builder& b, const Actor& who) {
  return ApplyAction(b.c(), Action::kCommunicateDecision, ActionInput{}, who, Iso(), b.next());
}

TEST(AuthorityLimitTest, HandlerMayApproveUpToTheHandlerLimit) {
  const AuthorityLimits limits;
  EXPECT_EQ(limits.handler, 50'000);  // 500.00
  auto at_limit = Communicate(Proposed(50'000, kIvan), kHana);
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().detail;
  EXPECT_EQ(at_limit->after.state, State::kDecisionCommunicated);
  EXPECT_EQ(at_limit->after.decision.approved_by, "hana");
  EXPECT_TRUE(at_limit->after.decision.communicated_at.has_value());
  const ClockTrack* fr = FindClock(at_limit->after, "final_response");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->state, ClockState::kMet);

  auto above = Communicate(Proposed(50'001, kIvan), kHana);
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().code, Errc::kForbidden);
  EXPECT_EQ(above.error().type, "authority-limit");
}

TEST(AuthorityLimitTest, HandlerProposingWithinLimitMayApproveOwnProposal) {
  auto r = Communicate(Proposed(40'000, kHana), kHana);
  ASSERT_TRUE(r.ok()) << r.error().detail;
}

TEST(AuthorityLimitTest, AboveHandlerLimitNeedsASecondApprover) {
  // The manager proposed 600.00: the same manager may not approve it alone.
  auto own = Communicate(Proposed(60'000, kMona), kMona);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, Errc::kForbidden);
  EXPECT_EQ(own.error().type, "second-approver");
  // Another manager may.
  auto other = Communicate(Proposed(60'000, kMona), kMax);
  ASSERT_TRUE(other.ok()) << other.error().detail;
  EXPECT_EQ(other->after.decision.approved_by, "max");
  EXPECT_EQ(other->after.decision.proposed_by, "mona");
  // At exactly the handler limit the proposer may approve alone.
  EXPECT_TRUE(Communicate(Proposed(50'000, kMona), kMona).ok());
}

TEST(AuthorityLimitTest, ManagerLimit) {
  EXPECT_TRUE(Communicate(Proposed(5'000'000, kIvan), kMona).ok());
  auto above = Communicate(Proposed(5'000'001, kIvan), kMona);
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().code, Errc::kForbidden);
  EXPECT_EQ(above.error().type, "authority-limit");
  // Configured limits are honoured.
  const Builder b = Proposed(70'000, kIvan);
  AuthorityLimits generous{100'000, 200'000};
  EXPECT_TRUE(ApplyAction(b.c(), Action::kCommunicateDecision, ActionInput{}, kHana, Iso(),
                          b.next(), generous)
                  .ok());
}

// --- Review --------------------------------------------------------------------------------

TEST(ReviewTest, ReviewerMustNotBeTheDecider) {
  const Builder b = Builder().To(State::kDecisionCommunicated);  // approved by mona
  ASSERT_EQ(b.c().decision.approved_by, "mona");
  auto same =
      ApplyAction(b.c(), Action::kReview, ValidInput(Action::kReview), kMona, Iso(), b.next());
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, Errc::kForbidden);
  EXPECT_EQ(same.error().type, "conflict-of-interest");
  auto other =
      ApplyAction(b.c(), Action::kReview, ValidInput(Action::kReview), kMax, Iso(), b.next());
  ASSERT_TRUE(other.ok()) << other.error().detail;
  EXPECT_EQ(other->after.state, State::kUnderInvestigation);
  EXPECT_EQ(other->after.decision.acceptance, Acceptance::kRejects);
}

// --- Close: the closure gate ---------------------------------------------------------------

Builder Communicated(int64_t amount = 0) {
  Builder b = Proposed(amount, kIvan);
  b.Do(Action::kCommunicateDecision, kMona);
  return b;
}

Result<Applied> Close(const Complaint& c, const ActionInput& in, const Actor& who, Instant at) {
  return ApplyAction(c, Action::kClose, in, who, Iso(), at);
}

TEST(ClosureGateTest, CauseIsRequired) {
  const Builder b = Communicated();
  ActionInput in = ValidInput(Action::kClose);
  in.cause.reset();
  ExpectInvalid(Close(b.c(), in, kHana, b.next()), "/cause");
}

TEST(ClosureGateTest, NoReplyClosureWaitsForTheReplyWindow) {
  const Builder b = Communicated();
  const Instant communicated = *b.c().decision.communicated_at;
  ASSERT_EQ(Iso().auto_close_days, 14);
  ActionInput in;
  in.cause = CauseCategory::kPeople;  // no acceptance: the complainant has not replied
  const Instant window_end = communicated + days(Iso().auto_close_days);
  for (Instant t :
       {communicated + hours(1), communicated + days(13), window_end - milliseconds(1)}) {
    auto early = Close(b.c(), in, Actor::System(), t);
    ExpectInvalid(early, "/acceptance");
    auto by_handler = Close(b.c(), in, kHana, t);
    ExpectInvalid(by_handler, "/acceptance");
  }
  auto r = Close(b.c(), in, Actor::System(), window_end);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.state, State::kClosed);
  EXPECT_EQ(r->after.decision.acceptance, Acceptance::kNoReply);
  EXPECT_EQ(r->after.closure.reason, ClosureReason::kNoReply);
  EXPECT_EQ(r->after.closure.closed_by, "system");
  EXPECT_EQ(r->after.closure.cause, CauseCategory::kPeople);
  EXPECT_FALSE(AnyLiveClock(r->after));
}

TEST(ClosureGateTest, AcceptedMonetaryRemedyMustBePaid) {
  const Builder b = Communicated(12'500);
  ActionInput in = ValidInput(Action::kClose);  // accepts
  ExpectInvalid(Close(b.c(), in, kHana, b.next()), "/remedy/paid_at");
  Complaint paid = b.c();
  paid.decision.remedy.paid_at = b.next();
  auto r = Close(paid, in, kHana, b.next());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.closure.reason, ClosureReason::kResolvedAccepted);
  EXPECT_EQ(r->after.decision.acceptance, Acceptance::kAccepts);
  EXPECT_EQ(r->after.closure.closed_at, b.next());
  // A rejected remedy need not be paid.
  in.acceptance = Acceptance::kRejects;
  auto rejected = Close(b.c(), in, kHana, b.next());
  ASSERT_TRUE(rejected.ok()) << rejected.error().detail;
  EXPECT_EQ(rejected->after.closure.reason, ClosureReason::kRejectedRecourseGiven);
}

TEST(ClosureGateTest, NonMonetaryAcceptedRemedyClosesAtOnce) {
  const Builder b = Communicated(0);
  auto r = Close(b.c(), ValidInput(Action::kClose), kMona, b.next());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.closure.cause, CauseCategory::kProcess);
}

TEST(ClosureGateTest, CauseSetEarlierIsEnough) {
  Builder b = Communicated();
  b.mutable_c().closure.cause = CauseCategory::kProduct;
  ActionInput in;
  in.acceptance = Acceptance::kAccepts;
  auto r = Close(b.c(), in, kHana, b.next());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->after.closure.cause, CauseCategory::kProduct);
}

TEST(CloseEarlyTest, NeedsSummaryAndCauseAndMeetsSummaryResolution) {
  for (State s : {State::kReceived, State::kAcknowledged, State::kAssessed}) {
    SCOPED_TRACE(ToString(s));
    const Builder b = Builder().To(s);
    ActionInput in = ValidInput(Action::kCloseEarly);
    in.summary.clear();
    ExpectInvalid(ApplyAction(b.c(), Action::kCloseEarly, in, kHana, Iso(), b.next()), "/summary");
    in = ValidInput(Action::kCloseEarly);
    in.cause.reset();
    ExpectInvalid(ApplyAction(b.c(), Action::kCloseEarly, in, kHana, Iso(), b.next()), "/cause");
    auto r = ApplyAction(b.c(), Action::kCloseEarly, ValidInput(Action::kCloseEarly), kHana, Iso(),
                         b.next());
    ASSERT_TRUE(r.ok()) << r.error().detail;
    EXPECT_EQ(r->after.state, State::kClosed);
    EXPECT_EQ(r->after.closure.reason, ClosureReason::kResolvedEarly);
    EXPECT_EQ(r->after.closure.summary.value, "Fee refunded on the call.");
    const ClockTrack* src = FindClock(r->after, "summary_resolution");
    ASSERT_NE(src, nullptr);
    EXPECT_EQ(src->state, ClockState::kMet);
    EXPECT_FALSE(AnyLiveClock(r->after));
  }
}

TEST(CloseEarlyTest, LateSummaryResolutionIsBreachedNotMet) {
  Builder b;
  b.At(kT0 + days(10));  // well after the 3rd business day
  auto r = ApplyAction(b.c(), Action::kCloseEarly, ValidInput(Action::kCloseEarly), kHana, Iso(),
                       b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FindClock(r->after, "summary_resolution")->state, ClockState::kBreached);
}

TEST(CloseEarlyTest, DuplicateClosesAsDuplicate) {
  const Builder b;
  ActionInput in = ValidInput(Action::kCloseEarly);
  in.duplicate_of = "CMP-2026-000122-" + std::string(1, CheckLetter(2026, 122));
  auto r = ApplyAction(b.c(), Action::kCloseEarly, in, kHana, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.closure.reason, ClosureReason::kDuplicate);
  EXPECT_EQ(r->after.closure.duplicate_of, in.duplicate_of);
}

// --- Refer ---------------------------------------------------------------------------------

TEST(ReferTest, NeedsABodyFromEveryReferableState) {
  for (State s : {State::kReceived, State::kAcknowledged, State::kAssessed,
                  State::kUnderInvestigation, State::kAwaitingComplainant, State::kResponseProposed,
                  State::kDecisionCommunicated, State::kReopened}) {
    SCOPED_TRACE(ToString(s));
    const Builder b = Builder().To(s);
    ExpectInvalid(ApplyAction(b.c(), Action::kRefer, ActionInput{}, kHana, Iso(), b.next()),
                  "/body");
    ActionInput in = ValidInput(Action::kRefer);
    in.external_reference = "FOS-123";
    in.reply_deadline = b.next() + days(30);
    auto r = ApplyAction(b.c(), Action::kRefer, in, kMona, Iso(), b.next());
    ASSERT_TRUE(r.ok()) << r.error().detail;
    EXPECT_EQ(r->after.state, State::kReferred);
    EXPECT_EQ(r->after.referral.body, "Financial Ombudsman Service");
    EXPECT_EQ(r->after.referral.external_reference, "FOS-123");
    EXPECT_EQ(r->after.referral.referred_at, b.next());
    EXPECT_EQ(r->after.referral.reply_deadline, b.next() + days(30));
  }
}

TEST(ReferTest, ConcludeNeedsOutcomeAndCloses) {
  const Builder b = Builder().To(State::kReferred);
  ExpectInvalid(
      ApplyAction(b.c(), Action::kConcludeReferral, ActionInput{}, kMona, Iso(), b.next()),
      "/external_outcome");
  auto r = ApplyAction(b.c(), Action::kConcludeReferral, ValidInput(Action::kConcludeReferral),
                       kMona, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.state, State::kClosed);
  EXPECT_EQ(r->after.closure.reason, ClosureReason::kReferralConcluded);
  EXPECT_EQ(r->after.referral.outcome, "Not upheld by the ombudsman");
  EXPECT_FALSE(AnyLiveClock(r->after));
}

// --- Withdraw ------------------------------------------------------------------------------

TEST(WithdrawTest, FromEveryOpenStateComplainantNeedsNoReasonStaffDo) {
  for (State s : kAllStates) {
    if (!IsOpen(s)) continue;
    SCOPED_TRACE(ToString(s));
    const Builder b = Builder().To(s);
    auto by_complainant =
        ApplyAction(b.c(), Action::kWithdraw, ActionInput{}, Actor::Complainant(), Iso(), b.next());
    ASSERT_TRUE(by_complainant.ok()) << by_complainant.error().detail;
    EXPECT_EQ(by_complainant->after.state, State::kWithdrawn);
    EXPECT_EQ(by_complainant->after.closure.reason, ClosureReason::kWithdrawn);
    EXPECT_EQ(by_complainant->after.closure.closed_at, b.next());
    EXPECT_FALSE(AnyLiveClock(by_complainant->after));

    for (const Actor& staff : {kHana, kMona}) {
      ExpectInvalid(ApplyAction(b.c(), Action::kWithdraw, ActionInput{}, staff, Iso(), b.next()),
                    "/reason");
      auto with_reason = ApplyAction(b.c(), Action::kWithdraw, ValidInput(Action::kWithdraw), staff,
                                     Iso(), b.next());
      ASSERT_TRUE(with_reason.ok()) << with_reason.error().detail;
      EXPECT_EQ(with_reason->after.closure.closed_by, staff.name);
    }
  }
}

TEST(WithdrawTest, ClosedOrWithdrawnCannotBeWithdrawn) {
  for (State s : {State::kClosed, State::kWithdrawn}) {
    const Builder b = Builder().To(s);
    auto r =
        ApplyAction(b.c(), Action::kWithdraw, ActionInput{}, Actor::Complainant(), Iso(), b.next());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kConflict);
    EXPECT_NE(r.error().detail.find(ToString(s)), std::string::npos);
    EXPECT_NE(r.error().detail.find("reopen"), std::string::npos);
  }
}

// --- Reopen --------------------------------------------------------------------------------

// Closed late: acknowledge met, final_response breached (decision after 20 BD).
Builder ClosedWithMetAndBreachedClocks(const Policy& p = Iso()) {
  Builder b(p);
  b.To(State::kUnderInvestigation);
  b.At(kT0 + days(40));
  b.Do(Action::kProposeDecision, kIvan).Do(Action::kCommunicateDecision, kMona);
  b.Do(Action::kClose, kHana);
  return b;
}

void ExpectSameTrack(const ClockTrack& a, const ClockTrack& b) {
  EXPECT_EQ(ToJson(a), ToJson(b)) << a.name;
}

TEST(ReopenTest, KeepsReferenceReceiptAndClockHistory) {
  Builder b = ClosedWithMetAndBreachedClocks();
  const Complaint closed = b.c();
  ASSERT_EQ(closed.state, State::kClosed);
  ASSERT_EQ(FindClock(closed, "acknowledge")->state, ClockState::kMet);
  ASSERT_EQ(FindClock(closed, "final_response")->state, ClockState::kBreached);

  const Instant reopen_at = b.now() + days(5);
  auto r =
      ApplyAction(closed, Action::kReopen, ValidInput(Action::kReopen), kMona, Iso(), reopen_at);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  const Complaint& re = r->after;
  EXPECT_EQ(re.state, State::kReopened);
  EXPECT_EQ(re.reference, closed.reference);
  EXPECT_EQ(re.received_at, closed.received_at);
  EXPECT_EQ(re.reopen_count, 1);
  EXPECT_FALSE(re.closure.closed_at.has_value());
  ASSERT_EQ(re.clocks.size(), closed.clocks.size() + 1);
  for (size_t i = 0; i < closed.clocks.size(); ++i) ExpectSameTrack(re.clocks[i], closed.clocks[i]);
  const ClockTrack& reopen = re.clocks.back();
  EXPECT_EQ(reopen.name, "reopen");
  EXPECT_EQ(reopen.state, ClockState::kRunning);
  EXPECT_EQ(reopen.anchor, reopen_at);
  EXPECT_GT(reopen.due, reopen_at + days(10));  // 10 business days is two calendar weeks
  EXPECT_LT(reopen.due, reopen_at + days(16));
}

TEST(ReopenTest, LaterWorkNeverResetsTheOriginalClocks) {
  Builder b = ClosedWithMetAndBreachedClocks();
  const Complaint closed = b.c();
  b.Do(Action::kReopen, kMona);
  ActionInput assess = ValidInput(Action::kAssess);
  assess.assessment->flags = {"vulnerable_customer", "payment_service"};
  b.Do(Action::kAssess, assess, kHana).Do(Action::kInvestigate, kHana);
  b.Do(Action::kRequestInformation, kIvan).Do(Action::kProvideInformation, Actor::Complainant());
  b.Do(Action::kProposeDecision, kIvan).Do(Action::kCommunicateDecision, kMona);
  b.Do(Action::kClose, kHana);
  const Complaint& again = b.c();
  ASSERT_EQ(again.state, State::kClosed);
  for (size_t i = 0; i < closed.clocks.size(); ++i)
    ExpectSameTrack(again.clocks[i], closed.clocks[i]);
  const ClockTrack* reopen = FindClock(again, "reopen");
  ASSERT_NE(reopen, nullptr);
  EXPECT_EQ(reopen->state, ClockState::kMet);  // the decision within 10 BD of reopening

  // A second reopen adds a second reopen clock and counts it.
  auto r = ApplyAction(again, Action::kReopen, ValidInput(Action::kReopen), kMona, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->after.reopen_count, 2);
  EXPECT_EQ(std::count_if(r->after.clocks.begin(), r->after.clocks.end(),
                          [](const ClockTrack& t) { return t.name == "reopen"; }),
            2);
}

TEST(ReopenTest, WithdrawnComplaintCanBeReopened) {
  Builder b = Builder().To(State::kWithdrawn);
  const Complaint w = b.c();
  auto r = ApplyAction(w, Action::kReopen, ValidInput(Action::kReopen), kMona, Iso(), b.next());
  ASSERT_TRUE(r.ok());
  for (size_t i = 0; i < w.clocks.size(); ++i) ExpectSameTrack(r->after.clocks[i], w.clocks[i]);
  EXPECT_EQ(r->after.reopen_count, 1);
}

// --- ChangeEvent ---------------------------------------------------------------------------

TEST(ChangeEventTest, RecordsOnlyChangedTopLevelFields) {
  const Complaint before = InState(State::kAssessed);
  Complaint after = before;
  after.assignee = "hugo";
  after.version += 1;  // bookkeeping fields are not changes
  after.updated_at += hours(1);
  Event e = ChangeEvent(before, after, kMona, "assign", kT0 + days(1));
  EXPECT_EQ(json::parse(e.before), json({{"assignee", before.assignee}}));
  EXPECT_EQ(json::parse(e.after), json({{"assignee", "hugo"}}));
  EXPECT_EQ(e.actor, "mona");
  EXPECT_EQ(e.action, "assign");
  EXPECT_EQ(e.at, kT0 + days(1));
  EXPECT_EQ(e.reference, before.reference.ToString());
  EXPECT_EQ(e.complaint_id, before.id);

  after.escalated = true;
  after.priority = Priority::kP1;
  e = ChangeEvent(before, after, kMona, "x", kT0);
  EXPECT_EQ(json::parse(e.after),
            json({{"assignee", "hugo"}, {"escalated", true}, {"priority", "P1"}}));
  EXPECT_EQ(json::parse(e.before).size(), 3u);
  EXPECT_EQ(json::parse(e.before).value("escalated", true), false);

  // A nested change is recorded as the changed members only, nested as in the record.
  Complaint nested = before;
  nested.decision.reasons = "new reasons";
  e = ChangeEvent(before, nested, kMona, "x", kT0);
  EXPECT_EQ(json::parse(e.after), json({{"decision", {{"reasons", "new reasons"}}}}));
  EXPECT_EQ(json::parse(e.before), json({{"decision", {{"reasons", ""}}}}));
}

TEST(ChangeEventTest, ClocksAreComparedByName) {
  const Complaint before = InState(State::kAssessed);
  ASSERT_GE(before.clocks.size(), 2u);
  Complaint after = before;
  after.clocks[1].warned = true;
  const std::string name = after.clocks[1].name;
  Event e = ChangeEvent(before, after, kMona, "x", kT0);
  EXPECT_EQ(json::parse(e.after), json({{"clocks", {{name, {{"warned", true}}}}}}));
  EXPECT_EQ(json::parse(e.before), json({{"clocks", {{name, {{"warned", false}}}}}}));

  // A clock that appears (reopen) is recorded whole, with null before.
  Complaint more = before;
  ClockTrack extra = before.clocks[0];
  extra.name = "reopen";
  more.clocks.push_back(extra);
  e = ChangeEvent(before, more, kMona, "x", kT0);
  const json a = json::parse(e.after);
  EXPECT_EQ(a["clocks"]["reopen"]["due"], FormatInstant(extra.due));
  EXPECT_TRUE(json::parse(e.before)["clocks"]["reopen"].is_null());
}

TEST(ChangeEventTest, NoChangeGivesEmptyObjects) {
  const Complaint c = InState(State::kAssessed);
  Event e = ChangeEvent(c, c, kMona, "noop", kT0);
  EXPECT_EQ(e.before, "{}");
  EXPECT_EQ(e.after, "{}");
}

// --- Escalate ------------------------------------------------------------------------------

TEST(EscalateTest, RaisesPriorityAndSetsFlag) {
  const Complaint c = InState(State::kAssessed);
  ASSERT_EQ(c.priority, Priority::kP3);
  ExpectInvalid(Escalate(c, "", kMona, kT0 + days(1)), "/reason");
  auto r = Escalate(c, "Complainant is in hospital", kMona, kT0 + days(1));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->after.escalated);
  EXPECT_EQ(r->after.priority, Priority::kP2);
  EXPECT_EQ(r->after.state, c.state);  // escalation is a flag, not a state
  EXPECT_EQ(json::parse(r->events[0].after).value("reason", ""), "Complainant is in hospital");
  auto closed = Escalate(InState(State::kClosed), "late", kMona, kT0 + days(60));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code, Errc::kConflict);
}

// --- CheckClocks ---------------------------------------------------------------------------

// An assessed complaint with one running clock: warn at day 15, due at day 20.
Complaint WithOneClock(State s = State::kAssessed) {
  Complaint c = InState(State::kAssessed);
  ClockTrack t;
  t.name = "final_response";
  t.rule = "final_response";
  t.anchor = kT0;
  t.warn = kT0 + days(15);
  t.due = kT0 + days(20);
  t.local_due = date::year(2026) / 7 / 5;
  c.clocks = {t};
  c.state = s;
  return c;
}

std::vector<std::string> ActionsOf(const Applied& a) {
  std::vector<std::string> out;
  for (const auto& e : a.events) out.push_back(e.action);
  return out;
}

TEST(CheckClocksTest, WarningThenBreachEachFireOnce) {
  Complaint c = WithOneClock();
  const Priority p0 = c.priority;
  EXPECT_FALSE(CheckClocks(c, kT0 + days(1)).has_value());
  EXPECT_FALSE(CheckClocks(c, kT0 + days(15) - milliseconds(1)).has_value());

  auto warn = CheckClocks(c, kT0 + days(15));
  ASSERT_TRUE(warn.has_value());
  EXPECT_EQ(ActionsOf(*warn), std::vector<std::string>{"clock_warning"});
  const json wa = json::parse(warn->events[0].after);
  EXPECT_EQ(wa.value("clock", ""), "final_response");
  EXPECT_EQ(wa.value("due", ""), FormatInstant(kT0 + days(20)));
  EXPECT_EQ(warn->events[0].actor, "system");
  EXPECT_TRUE(warn->after.clocks[0].warned);
  EXPECT_EQ(warn->after.priority, p0);
  EXPECT_FALSE(warn->after.escalated);
  EXPECT_EQ(warn->after.version, c.version + 1);
  c = warn->after;

  EXPECT_FALSE(CheckClocks(c, kT0 + days(16)).has_value());
  EXPECT_FALSE(CheckClocks(c, kT0 + days(20)).has_value());  // due instant itself is on time

  auto breach = CheckClocks(c, kT0 + days(20) + milliseconds(1));
  ASSERT_TRUE(breach.has_value());
  EXPECT_EQ(ActionsOf(*breach), std::vector<std::string>{"clock_breach"});
  EXPECT_EQ(json::parse(breach->events[0].after).value("clock", ""), "final_response");
  EXPECT_TRUE(breach->after.clocks[0].breached);
  EXPECT_TRUE(breach->after.escalated);
  EXPECT_EQ(breach->after.priority, Raise(p0));
  EXPECT_EQ(breach->after.state, State::kAssessed);
  c = breach->after;

  EXPECT_FALSE(CheckClocks(c, kT0 + days(21)).has_value());
  EXPECT_FALSE(CheckClocks(c, kT0 + days(400)).has_value());
}

TEST(CheckClocksTest, JumpingPastDueFiresOnlyTheBreach) {
  auto r = CheckClocks(WithOneClock(), kT0 + days(30));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(ActionsOf(*r), std::vector<std::string>{"clock_breach"});
  EXPECT_FALSE(CheckClocks(r->after, kT0 + days(31)).has_value());
}

TEST(CheckClocksTest, BreachOfP1StaysP1) {
  Complaint c = WithOneClock();
  c.priority = Priority::kP1;
  auto r = CheckClocks(c, kT0 + days(30));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->after.priority, Priority::kP1);
}

TEST(CheckClocksTest, NothingFiresForClosedOrWithdrawnComplaints) {
  for (State s : {State::kClosed, State::kWithdrawn}) {
    EXPECT_FALSE(CheckClocks(WithOneClock(s), kT0 + days(16)).has_value()) << ToString(s);
    EXPECT_FALSE(CheckClocks(WithOneClock(s), kT0 + days(30)).has_value()) << ToString(s);
  }
  // A really closed complaint, months later.
  EXPECT_FALSE(CheckClocks(InState(State::kClosed), kT0 + days(365)).has_value());
}

TEST(CheckClocksTest, PausedClockDoesNotFire) {
  Complaint c = WithOneClock(State::kAwaitingComplainant);
  c.clocks[0].state = ClockState::kPaused;
  c.clocks[0].paused_at = kT0 + days(1);
  EXPECT_FALSE(CheckClocks(c, kT0 + days(30)).has_value());
}

TEST(CheckClocksTest, RealPolicyClocksEachBreachOnce) {
  const Complaint c = InState(State::kAssessed);
  auto r = CheckClocks(c, kT0 + days(90));
  ASSERT_TRUE(r.has_value());
  std::map<std::string, int> breaches;
  for (const auto& e : r->events) {
    EXPECT_EQ(e.actor, "system");
    if (e.action == "clock_breach") ++breaches[json::parse(e.after).value("clock", "")];
    EXPECT_NE(e.action, "clock_warning");  // jumping past due: no late warnings
  }
  // acknowledge and assess were met; the deadlines still running breach, once each.
  EXPECT_EQ(breaches["final_response"], 1);
  EXPECT_EQ(breaches["progress"], 1);
  EXPECT_EQ(breaches.count("acknowledge"), 0u);
  EXPECT_EQ(breaches.count("assess"), 0u);
  for (const auto& [name, n] : breaches) EXPECT_EQ(n, 1) << name;
  EXPECT_TRUE(r->after.escalated);
  EXPECT_FALSE(CheckClocks(r->after, kT0 + days(91)).has_value());
  EXPECT_FALSE(CheckClocks(r->after, kT0 + days(400)).has_value());
}

// StoreTx::UpdateComplaint requires the saved version to be exactly one above the stored one
// (core/ports/store.hpp), and every other mutation bumps it by one.
TEST(CheckClocksTest, SeveralAlertsAtOnceBumpTheVersionByOne) {
  const Complaint c = InState(State::kAssessed);
  auto r = CheckClocks(c, kT0 + days(90));
  ASSERT_TRUE(r.has_value());
  ASSERT_GT(r->events.size(), 1u);
  EXPECT_EQ(r->after.version, c.version + 1);
}

// --- Priority matrix -----------------------------------------------------------------------

TEST(PriorityTest, Matrix) {
  struct Case {
    int severity;
    SafetyRisk safety;
    bool immediate;
    const char* impact_c;
    const char* impact_o;
    Complexity complexity;
    Priority want;
  };
  using SR = SafetyRisk;
  using CX = Complexity;
  const std::vector<Case> cases = {
      // Actual safety risk or immediate action forces P1 whatever else.
      {1, SR::kActual, false, "", "", CX::kSimple, Priority::kP1},
      {1, SR::kNone, true, "", "", CX::kSimple, Priority::kP1},
      {1, SR::kActual, true, "none", "none", CX::kSimple, Priority::kP1},
      // Severity 4 (critical) is P1.
      {4, SR::kNone, false, "", "", CX::kSimple, Priority::kP1},
      // Otherwise: severity + larger impact (+1 potential safety, +1 complex).
      {1, SR::kNone, false, "", "", CX::kSimple, Priority::kP4},
      {1, SR::kNone, false, "low", "none", CX::kSimple, Priority::kP4},
      {2, SR::kNone, false, "", "", CX::kSimple, Priority::kP3},
      {3, SR::kNone, false, "", "", CX::kSimple, Priority::kP3},
      {1, SR::kNone, false, "medium", "", CX::kSimple, Priority::kP3},
      {1, SR::kPotential, false, "", "", CX::kSimple, Priority::kP3},
      {1, SR::kNone, false, "", "", CX::kComplex, Priority::kP3},
      {1, SR::kNone, false, "", "", CX::kModerate, Priority::kP4},
      {2, SR::kNone, false, "high", "", CX::kSimple, Priority::kP2},
      {2, SR::kNone, false, "", "high", CX::kSimple, Priority::kP2},
      {3, SR::kNone, false, "medium", "", CX::kSimple, Priority::kP2},
      {2, SR::kPotential, false, "", "", CX::kComplex, Priority::kP2},
      {3, SR::kNone, false, "high", "", CX::kSimple, Priority::kP1},
      {3, SR::kPotential, false, "", "", CX::kComplex, Priority::kP1},
      {2, SR::kPotential, false, "medium", "low", CX::kComplex, Priority::kP1},
  };
  for (const Case& k : cases) {
    Assessment a;
    a.category = "x";
    a.severity = k.severity;
    a.safety = k.safety;
    a.immediate_action_needed = k.immediate;
    a.impact_complainant = k.impact_c;
    a.impact_organisation = k.impact_o;
    a.complexity = k.complexity;
    EXPECT_EQ(ComputePriority(a), k.want)
        << "severity " << k.severity << " safety " << ToString(k.safety) << " immediate "
        << k.immediate << " impact " << k.impact_c << "/" << k.impact_o << " "
        << ToString(k.complexity);
  }
}

TEST(PriorityTest, PriorityNeverFallsAsRiskRises) {
  // Monotonic in severity and impact.
  for (int sev = 1; sev <= 3; ++sev) {
    for (const char* lo : {"none", "low", "medium"}) {
      Assessment a;
      a.severity = sev;
      a.impact_complainant = lo;
      Assessment b = a;
      b.severity = sev + 1;
      EXPECT_LE(static_cast<int>(ComputePriority(b)), static_cast<int>(ComputePriority(a)));
      Assessment c = a;
      c.impact_complainant = "high";
      EXPECT_LE(static_cast<int>(ComputePriority(c)), static_cast<int>(ComputePriority(a)));
    }
  }
}

TEST(PriorityTest, Raise) {
  EXPECT_EQ(Raise(Priority::kP4), Priority::kP3);
  EXPECT_EQ(Raise(Priority::kP3), Priority::kP2);
  EXPECT_EQ(Raise(Priority::kP2), Priority::kP1);
  EXPECT_EQ(Raise(Priority::kP1), Priority::kP1);
}

// --- Complainant-facing helpers ------------------------------------------------------------

TEST(ComplainantActionsTest, OpenComplaintsOfferInformationAndWithdrawal) {
  for (State s : kAllStates) {
    const auto actions = ComplainantActions(s);
    const bool has_withdraw = std::count(actions.begin(), actions.end(), "withdraw") == 1;
    const bool has_info = std::count(actions.begin(), actions.end(), "add_information") == 1;
    EXPECT_EQ(has_withdraw, IsOpen(s)) << ToString(s);
    EXPECT_EQ(has_info, IsOpen(s)) << ToString(s);
    EXPECT_NE(std::string(PublicStatusText(s)), "") << ToString(s);
  }
}

// --- Satisfaction survey --------------------------------------------------------------------

TEST(SurveyTest, OpensAtClosureAndIsAnsweredOnce) {
  Complaint c = Receive(Receipt(kT0), Iso(), Actor::Complainant(), kT0).after;
  EXPECT_FALSE(SurveyOpen(c));
  auto early = AnswerSurvey(c, 4, 4, "", kT0);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::kConflict);
  c.state = State::kClosed;
  EXPECT_TRUE(SurveyOpen(c));
  auto bad = AnswerSurvey(c, 0, 6, std::string(4001, 'x'), kT0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalid);
  ASSERT_EQ(bad.error().fields.size(), 3u);
  EXPECT_EQ(bad.error().fields[0].pointer, "/handling");
  EXPECT_EQ(bad.error().fields[1].pointer, "/outcome");
  EXPECT_EQ(bad.error().fields[2].pointer, "/comment");
  auto ok = AnswerSurvey(c, 2, 5, "Slow, but fair.", kT0 + hours(1));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->after.survey.handling, 2);
  EXPECT_EQ(ok->after.survey.outcome, 5);
  EXPECT_EQ(ok->after.survey.comment.value, "Slow, but fair.");
  EXPECT_EQ(ok->after.survey.answered_at, kT0 + hours(1));
  EXPECT_EQ(ok->after.version, c.version + 1);
  ASSERT_EQ(ok->events.size(), 1u);
  EXPECT_EQ(ok->events[0].action, "survey_answered");
  EXPECT_NE(ok->events[0].after.find("\"handling\":2"), std::string::npos);
  EXPECT_FALSE(SurveyOpen(ok->after));
  auto again = AnswerSurvey(ok->after, 5, 5, "", kT0 + hours(2));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  // Withdrawn complaints get no survey.
  c.state = State::kWithdrawn;
  EXPECT_FALSE(SurveyOpen(c));
}

TEST(SurveyTest, AnOptOutKeepsTheSurveyClosedAndIsRecordedOnce) {
  Complaint c = Receive(Receipt(kT0), Iso(), Actor::Complainant(), kT0).after;
  auto out = OptOutOfSurvey(c, kT0 + hours(2));
  ASSERT_TRUE(out) << out.error().detail;
  EXPECT_EQ(out->after.survey.opted_out_at, kT0 + hours(2));
  EXPECT_EQ(out->after.version, c.version + 1);
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].action, "survey_opted_out");
  EXPECT_EQ(out->events[0].actor, "complainant");
  Complaint closed = out->after;
  closed.state = State::kClosed;
  EXPECT_FALSE(SurveyOpen(closed));
  auto answer = AnswerSurvey(closed, 4, 4, "", kT0 + hours(3));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, Errc::kConflict);
  auto again = OptOutOfSurvey(closed, kT0 + hours(4));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
}

// --- Follow-up after closure ----------------------------------------------------------------

TEST(FollowUpTest, ClosureSetsTheDateFromThePolicyRolledToABusinessDay) {
  const Builder b = Communicated();
  ASSERT_EQ(Iso().follow_up_days, 14);
  // Monday 17 August 2026, 11:00 in London; 14 days on is Monday 31 August, the summer bank
  // holiday, so the follow-up falls on Tuesday 1 September, from midnight London time (BST).
  const Instant at = Utc(2026, 8, 17, 10);
  auto r = Close(b.c(), ValidInput(Action::kClose), kHana, at);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_TRUE(r->after.closure.follow_up_on);
  EXPECT_EQ(FormatDate(*r->after.closure.follow_up_on), "2026-09-01");
  EXPECT_EQ(r->after.closure.follow_up_due, Utc(2026, 8, 31, 23));
  EXPECT_TRUE(FollowUpOpen(r->after));
  EXPECT_EQ(FollowUpDue(r->after), Utc(2026, 8, 31, 23));
  // A date given at closure wins; one before today (in London) is refused.
  ActionInput in = ValidInput(Action::kClose);
  in.follow_up_on = ParseDate("2026-08-20");
  auto given = Close(b.c(), in, kHana, at);
  ASSERT_TRUE(given) << given.error().detail;
  EXPECT_EQ(FormatDate(*given->after.closure.follow_up_on), "2026-08-20");
  EXPECT_EQ(given->after.closure.follow_up_due, Utc(2026, 8, 19, 23));
  in.follow_up_on = ParseDate("2026-08-16");
  ExpectInvalid(Close(b.c(), in, kHana, at), "/follow_up_on");
  // A policy without follow-ups sets none.
  Policy none = Iso();
  none.follow_up_days = 0;
  auto plain = ApplyAction(b.c(), Action::kClose, ValidInput(Action::kClose), kHana, none, at);
  ASSERT_TRUE(plain) << plain.error().detail;
  EXPECT_FALSE(plain->after.closure.follow_up_on);
  EXPECT_FALSE(FollowUpOpen(plain->after));
}

TEST(FollowUpTest, IsRecordedOnceAfterClosureAndAReopeningClearsIt) {
  const Complaint open = InState(State::kDecisionCommunicated);
  auto early = RecordFollowUp(open, true, "", kHana, kT0 + days(30));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::kConflict);

  Builder b = Communicated();
  b.Do(Action::kClose, kHana);
  const Complaint& closed = b.c();
  ASSERT_TRUE(FollowUpOpen(closed));
  auto too_long = RecordFollowUp(closed, true, std::string(4001, 'x'), kHana, kT0 + days(30));
  ExpectInvalid(too_long, "/note");
  auto r = RecordFollowUp(closed, false, "Still unhappy about the fee.", kHana, kT0 + days(30));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->after.closure.followed_up_at, kT0 + days(30));
  EXPECT_EQ(r->after.closure.followed_up_by, "hana");
  EXPECT_FALSE(r->after.closure.follow_up_satisfied);
  EXPECT_EQ(r->after.closure.follow_up_note.value, "Still unhappy about the fee.");
  EXPECT_EQ(r->after.version, closed.version + 1);
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].action, "followed_up");
  EXPECT_FALSE(FollowUpOpen(r->after));
  EXPECT_FALSE(FollowUpDue(r->after));
  auto again = RecordFollowUp(r->after, true, "", kHana, kT0 + days(31));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);

  // Reopened, the follow-up goes with the closure; the next closure sets a new one.
  auto reopened = ApplyAction(r->after, Action::kReopen, ValidInput(Action::kReopen), kMona, Iso(),
                              kT0 + days(32));
  ASSERT_TRUE(reopened) << reopened.error().detail;
  EXPECT_FALSE(reopened->after.closure.follow_up_on);
  EXPECT_FALSE(reopened->after.closure.followed_up_at);
  EXPECT_FALSE(FollowUpOpen(reopened->after));
}

TEST(ClosureTest, RecordsBusinessDaysOnThePolicysCalendar) {
  // Received Friday 28 August 2026; Monday 31 August is a bank holiday in England, so closing
  // on Thursday 3 September is three business days after receipt (four weekdays).
  Builder b(Iso(), Utc(2026, 8, 28, 9));
  b.To(State::kDecisionCommunicated);
  auto r = Close(b.c(), ValidInput(Action::kClose), kHana, Utc(2026, 9, 3, 15));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->after.closure.business_days, 3);
  EXPECT_EQ(FactsOf(r->after).resolve_band, ResolveBand::kWithin3BusinessDays);
  Complaint unknown = r->after;  // recorded before business days were kept
  unknown.closure.business_days.reset();
  EXPECT_EQ(FactsOf(unknown).resolve_band, ResolveBand::kWithin8Weeks);
  auto withdrawn =
      ApplyAction(b.c(), Action::kWithdraw, ValidInput(Action::kWithdraw), kHana, Iso(), b.next());
  ASSERT_TRUE(withdrawn) << withdrawn.error().detail;
  EXPECT_EQ(withdrawn->after.closure.business_days, 0);
}

TEST(FollowUpTest, DuplicatesAndWithdrawalsHaveNone) {
  Builder dup(Iso());
  ActionInput in = ValidInput(Action::kCloseEarly);
  in.duplicate_of = "CMP-2026-000001-X";
  dup.Do(Action::kCloseEarly, in, kHana);
  EXPECT_FALSE(dup.c().closure.follow_up_on);
  Builder early(Iso());
  early.Do(Action::kCloseEarly, ValidInput(Action::kCloseEarly), kHana);
  EXPECT_TRUE(early.c().closure.follow_up_on);
  EXPECT_FALSE(FollowUpOpen(InState(State::kWithdrawn)));
}

}  // namespace
}  // namespace redress
