#include "core/lifecycle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/codec.hpp"
#include "core/enum_names.hpp"

namespace redress::core {
namespace {

using nlohmann::json;
using S = State;
using A = ActorKind;

constexpr EnumNames<Action, 16> kActions{{
    {Action::kAcknowledge, "acknowledge"},
    {Action::kAssess, "assess"},
    {Action::kInvestigate, "investigate"},
    {Action::kRequestInformation, "request_information"},
    {Action::kProvideInformation, "provide_information"},
    {Action::kProposeDecision, "propose_decision"},
    {Action::kReturnProposal, "return_proposal"},
    {Action::kCommunicateDecision, "communicate_decision"},
    {Action::kReview, "review"},
    {Action::kClose, "close"},
    {Action::kCloseEarly, "close_early"},
    {Action::kRefer, "refer"},
    {Action::kConcludeReferral, "conclude_referral"},
    {Action::kReferBack, "refer_back"},
    {Action::kWithdraw, "withdraw"},
    {Action::kReopen, "reopen"},
}};

constexpr EnumNames<ActorKind, 7> kActorKinds{{
    {A::kComplainant, "complainant"},
    {A::kSystem, "system"},
    {A::kHandler, "handler"},
    {A::kInvestigator, "investigator"},
    {A::kManager, "manager"},
    {A::kAuditor, "auditor"},
    {A::kAdmin, "admin"},
}};

// Clocks that are eligibility windows, not deadlines: when one ends it closes quietly (no
// warning, no breach, no escalation). The FCA summary resolution window is one: missing it
// only means the complaint needs a full final response.
bool IsWindow(const std::string& clock_name) { return clock_name == "summary_resolution"; }

// Open states a complaint can be referred or withdrawn from.
const std::vector<State> kReferable = {S::kReceived,
                                       S::kAcknowledged,
                                       S::kAssessed,
                                       S::kUnderInvestigation,
                                       S::kAwaitingComplainant,
                                       S::kResponseProposed,
                                       S::kDecisionCommunicated,
                                       S::kReopened};

std::vector<State> Withdrawable() {
  auto v = kReferable;
  v.push_back(S::kReferred);
  return v;
}

Error Invalid(std::string detail, std::string pointer) {
  return MakeError(Errc::kInvalid, detail, {{std::move(pointer), detail}});
}

Error IllegalTransition(State from, Action action, ActorKind who) {
  std::vector<std::string> allowed;
  for (Action a : AllowedActions(from)) allowed.push_back(ToString(a));
  const bool exists_for_someone =
      std::find(allowed.begin(), allowed.end(), std::string(ToString(action))) != allowed.end();
  Error e;
  if (exists_for_someone) {
    std::vector<std::string> mine;
    for (Action a : AllowedActions(from, who)) mine.push_back(ToString(a));
    e = MakeError(Errc::kForbidden,
                  fmt::format("A {} may not {} a complaint that is {}; a {} may: {}.",
                              ToString(who), ToString(action), ToString(from), ToString(who),
                              mine.empty() ? std::string("nothing")
                                           : fmt::format("{}", fmt::join(mine, ", "))));
    e.type = "action-not-permitted";
  } else {
    e = MakeError(
        Errc::kConflict,
        fmt::format(
            "Cannot {} a complaint that is {}; allowed: {}.", ToString(action), ToString(from),
            allowed.empty() ? std::string("none") : fmt::format("{}", fmt::join(allowed, ", "))));
    e.type = "illegal-transition";
  }
  return e;
}

Status CheckNotNamed(const Complaint& c, const std::string& username, const char* pointer) {
  if (NamesPerson(c, username)) {
    Error e = MakeError(Errc::kConflict,
                        "A person named in the complaint cannot handle it (conflict of interest).",
                        {{pointer, "named in the complaint"}});
    e.type = "conflict-of-interest";
    return e;
  }
  return {};
}

// The follow-up date of a closure (FollowUpDate), and the instant it falls due: the start of
// that day in the policy's zone.
Status SetFollowUp(Complaint& c, const Policy& policy, const ActionInput& in, Instant now) {
  auto d = FollowUpDate(policy, in.follow_up_on, now);
  if (!d) return d.error();
  c.closure.follow_up_on = *d;
  if (*d) c.closure.follow_up_due = policy.calendar.AtLocal(**d, std::chrono::minutes(0));
  return {};
}

// Business days after the local day of `from` up to and including that of `to` (capped at
// 366: beyond a year the exact count no longer matters to any figure).
int BusinessDaysAfter(const Calendar& cal, Instant from, Instant to) {
  const auto first = date::sys_days(cal.LocalDateOf(from));
  const auto last = date::sys_days(cal.LocalDateOf(to));
  int n = 0;
  for (auto d = first + date::days(1); d <= last && n < 366; d += date::days(1)) {
    if (cal.IsBusinessDay(LocalDate(d))) ++n;
  }
  return n;
}

// The closure gate (iso10002.md §4).
Status ClosureGate(const Complaint& c, const ActionInput& in, const Actor& actor,
                   const Policy& policy, Instant now) {
  if (!in.cause && !c.closure.cause)
    return Invalid("A cause category is required to close.", "/cause");
  if (!c.decision.communicated_at)
    return Invalid("The decision has not been communicated.", "/state");
  const Acceptance acceptance = in.acceptance.value_or(c.decision.acceptance);
  if (acceptance == Acceptance::kPending) {
    const Instant window_end =
        *c.decision.communicated_at + std::chrono::days(policy.auto_close_days);
    if (now < window_end) {
      return Invalid(fmt::format("The complainant has not replied and the reply window runs to {}.",
                                 FormatInstant(window_end)),
                     "/acceptance");
    }
  }
  if (acceptance == Acceptance::kAccepts && c.decision.remedy.amount_minor > 0 &&
      !c.decision.remedy.paid_at) {
    return Invalid("The accepted remedy has not been paid.", "/remedy/paid_at");
  }
  (void)actor;
  return {};
}

}  // namespace

Actor Actor::Staff(Role role, std::string username) {
  ActorKind k = ActorKind::kHandler;
  switch (role) {
    case Role::kHandler:
      k = A::kHandler;
      break;
    case Role::kInvestigator:
      k = A::kInvestigator;
      break;
    case Role::kManager:
      k = A::kManager;
      break;
    case Role::kAuditor:
      k = A::kAuditor;
      break;
    case Role::kAdmin:
      k = A::kAdmin;
      break;
  }
  return {k, std::move(username)};
}

const std::vector<TransitionRule>& TransitionTable() {
  static const std::vector<TransitionRule> table = {
      {{S::kReceived},
       Action::kAcknowledge,
       S::kAcknowledged,
       {A::kSystem, A::kHandler, A::kManager}},
      {{S::kAcknowledged, S::kReopened}, Action::kAssess, S::kAssessed, {A::kHandler, A::kManager}},
      {{S::kAssessed, S::kReopened},
       Action::kInvestigate,
       S::kUnderInvestigation,
       {A::kHandler, A::kManager}},
      {{S::kUnderInvestigation},
       Action::kRequestInformation,
       S::kAwaitingComplainant,
       {A::kInvestigator, A::kManager}},
      {{S::kAwaitingComplainant},
       Action::kProvideInformation,
       S::kUnderInvestigation,
       {A::kComplainant, A::kInvestigator, A::kManager, A::kSystem}},
      {{S::kUnderInvestigation},
       Action::kProposeDecision,
       S::kResponseProposed,
       {A::kInvestigator, A::kHandler, A::kManager}},
      {{S::kResponseProposed}, Action::kReturnProposal, S::kUnderInvestigation, {A::kManager}},
      {{S::kResponseProposed},
       Action::kCommunicateDecision,
       S::kDecisionCommunicated,
       {A::kManager, A::kHandler}},
      {{S::kDecisionCommunicated}, Action::kReview, S::kUnderInvestigation, {A::kManager}},
      {{S::kDecisionCommunicated},
       Action::kClose,
       S::kClosed,
       {A::kHandler, A::kManager, A::kSystem}},
      {{S::kReceived, S::kAcknowledged, S::kAssessed},
       Action::kCloseEarly,
       S::kClosed,
       {A::kHandler, A::kManager}},
      {kReferable, Action::kRefer, S::kReferred, {A::kHandler, A::kManager}},
      {{S::kReferred}, Action::kConcludeReferral, S::kClosed, {A::kManager}},
      {{S::kReferred}, Action::kReferBack, S::kUnderInvestigation, {A::kManager}},
      {Withdrawable(),
       Action::kWithdraw,
       S::kWithdrawn,
       {A::kComplainant, A::kHandler, A::kManager}},
      // The system reopens on the complainant's reply by mail, within the policy's window.
      {{S::kClosed, S::kWithdrawn}, Action::kReopen, S::kReopened, {A::kManager, A::kSystem}},
  };
  return table;
}

std::vector<Action> AllowedActions(State from, ActorKind who) {
  std::vector<Action> out;
  for (const auto& r : TransitionTable()) {
    if (std::find(r.from.begin(), r.from.end(), from) == r.from.end()) continue;
    if (std::find(r.by.begin(), r.by.end(), who) == r.by.end()) continue;
    out.push_back(r.action);
  }
  return out;
}

std::vector<Action> AllowedActions(State from) {
  std::vector<Action> out;
  for (const auto& r : TransitionTable()) {
    if (std::find(r.from.begin(), r.from.end(), from) != r.from.end()) out.push_back(r.action);
  }
  return out;
}

Event ChangeEvent(const Complaint& before, const Complaint& after, const Actor& actor,
                  std::string action, Instant now) {
  json diff_before;
  json diff_after;
  DiffRecords(before, after, diff_before, diff_after);
  Event e;
  e.complaint_id = after.id;
  e.reference = after.reference.ToString();
  e.at = now;
  e.actor = actor.name;
  e.action = std::move(action);
  e.before = diff_before.dump();
  e.after = diff_after.dump();
  return e;
}

Applied Receive(Complaint c, const Policy& policy, const Actor& actor, Instant now) {
  c.state = S::kReceived;
  c.policy_id = policy.id;
  c.logged_at = now;
  if (c.received_at == Instant{}) c.received_at = now;
  c.clocks = StartClocks(policy, c.assessment.flags, c.received_at);
  for (auto& t : c.clocks) {
    if (IsWindow(t.name)) t.warned = true;  // windows never warn
  }
  c.version = 1;
  c.updated_at = now;

  // Built directly rather than by ChangeEvent: intake is the hottest write path, and the two
  // events differ from "nothing" and from each other in known fields. The receipt records
  // every field that holds a value (as EncodeStorage keeps them); the acknowledgement, the
  // state and the one clock it meets.
  Applied out;
  Event received;
  received.reference = c.reference.ToString();
  received.at = now;
  received.actor = actor.name;
  received.action = "received";
  received.before = "{}";
  received.after.reserve(2048);
  JsonWriter w(received.after);
  WriteCompactRecord(w, c, false, false);

  // The acknowledgement, made on the receipt itself (a Complaint is large to move).
  Complaint& acked = c;
  acked.state = S::kAcknowledged;
  std::optional<ClockTrack> clock_before;
  for (const auto& t : acked.clocks) {
    if (t.name == "acknowledge") clock_before = t;
  }
  MeetClock(acked.clocks, "acknowledge", now);
  acked.version = 2;
  // The acknowledge clock's members that changed, then {"clocks":{"acknowledge":{...}},
  // "state":...} with the clock left out when nothing changed: what ChangeEvent's diff would
  // write (members in nlohmann's order), without the documents.
  std::string clock_b;
  std::string clock_a;
  for (const auto& t : acked.clocks) {
    if (t.name != "acknowledge" || !clock_before) continue;
    JsonWriter cb(clock_b);
    JsonWriter ca(clock_a);
    cb.BeginObject();
    ca.BeginObject();
    WriteClockChange(cb, ca, *clock_before, t);
    cb.EndObject();
    ca.EndObject();
  }
  auto change = [](const std::string& clock, State state) {
    std::string text;
    JsonWriter cw(text);
    cw.BeginObject();
    if (clock.size() > 2) {  // not "{}"
      cw.Key("clocks");
      cw.BeginObject();
      cw.Key("acknowledge");
      cw.Raw(clock);
      cw.EndObject();
    }
    cw.Key("state");
    cw.String(ToString(state));
    cw.EndObject();
    return text;
  };
  Event ack;
  ack.reference = received.reference;
  ack.at = now;
  // Acknowledged at once by the system (iso10002.md §4: received → acknowledged, S at once).
  ack.actor = Actor::System().name;
  ack.action = "acknowledge";
  ack.before = change(clock_b, S::kReceived);
  ack.after = change(clock_a, S::kAcknowledged);
  out.events.push_back(std::move(received));
  out.events.push_back(std::move(ack));
  out.after = std::move(c);
  return out;
}

Result<Applied> ApplyAction(const Complaint& current, Action action, const ActionInput& in,
                            const Actor& actor, const Policy& policy, Instant now,
                            const AuthorityLimits& limits) {
  const TransitionRule* rule = nullptr;
  for (const auto& r : TransitionTable()) {
    if (r.action == action &&
        std::find(r.from.begin(), r.from.end(), current.state) != r.from.end()) {
      rule = &r;
      break;
    }
  }
  if (rule == nullptr ||
      std::find(rule->by.begin(), rule->by.end(), actor.kind) == rule->by.end()) {
    return IllegalTransition(current.state, action, actor.kind);
  }

  Complaint c = current;
  c.state = rule->to;
  switch (action) {
    case Action::kAcknowledge:
      MeetClock(c.clocks, "acknowledge", now);
      break;
    case Action::kAssess: {
      if (!in.assessment) return Invalid("The assessment is required.", "/assessment");
      const Assessment& a = *in.assessment;
      if (a.severity < 1 || a.severity > 4)
        return Invalid("Severity must be 1 to 4.", "/assessment/severity");
      if (a.category.empty()) return Invalid("A category is required.", "/assessment/category");
      if (!in.assignee.empty()) {
        if (auto s = CheckNotNamed(c, in.assignee, "/assignee"); !s) return s.error();
        c.assignee = in.assignee;
      }
      c.assessment = a;
      c.priority = ComputePriority(a);
      if (c.escalated) c.priority = Raise(c.priority);
      ApplyFlags(c.clocks, policy, a.flags, c.received_at);
      MeetClock(c.clocks, "assess", now);
      break;
    }
    case Action::kInvestigate:
      if (!in.investigator.empty()) {
        if (auto s = CheckNotNamed(c, in.investigator, "/investigator"); !s) return s.error();
        c.investigator = in.investigator;
      }
      if (c.investigator.empty()) return Invalid("An investigator is required.", "/investigator");
      break;
    case Action::kRequestInformation:
      if (in.question.empty())
        return Invalid("The question for the complainant is required.", "/question");
      c.pending_question = in.question;
      PauseClocks(c.clocks, policy, now);  // only where the policy allows; otherwise clocks run
      break;
    case Action::kProvideInformation:
      c.pending_question = std::string();
      ResumeClocks(c.clocks, policy, now);
      break;
    case Action::kProposeDecision:
      if (!in.outcome) return Invalid("The outcome is required.", "/outcome");
      if (in.reasons.empty())
        return Invalid("Reasons answering each point are required.", "/reasons");
      if (in.remedy && in.remedy->amount_minor < 0)
        return Invalid("The remedy amount cannot be negative.", "/remedy/amount");
      if (in.remedy && in.remedy->amount_minor > 0 && in.remedy->currency.size() != 3) {
        return Invalid("A remedy amount needs a 3-letter currency.", "/remedy/currency");
      }
      c.decision = Decision{};
      c.decision.outcome = *in.outcome;
      c.decision.reasons = in.reasons;
      if (in.remedy) c.decision.remedy = *in.remedy;
      c.decision.proposed_by = actor.name;
      c.decision.proposed_at = now;
      break;
    case Action::kReturnProposal:
      if (in.reason.empty()) return Invalid("A reason is required.", "/reason");
      break;
    case Action::kCommunicateDecision: {
      const int64_t amount = c.decision.remedy.amount_minor;
      const int64_t limit = actor.kind == A::kHandler ? limits.handler : limits.manager;
      if (amount > limit) {
        Error e = MakeError(Errc::kForbidden,
                            "The remedy is above your authority limit; a manager with a higher "
                            "limit must approve it.");
        e.type = "authority-limit";
        return e;
      }
      if (amount > limits.handler && actor.name == c.decision.proposed_by) {
        Error e = MakeError(
            Errc::kForbidden,
            "A remedy above the handler limit needs an approver other than its proposer.");
        e.type = "second-approver";
        return e;
      }
      c.decision.approved_by = actor.name;
      c.decision.communicated_at = now;
      MeetClock(c.clocks, "final_response", now);
      MeetClock(c.clocks, "response", now);
      MeetClock(c.clocks, "reopen", now);
      break;
    }
    case Action::kReview:
      if (in.reason.empty()) return Invalid("A reason is required.", "/reason");
      if (actor.name == c.decision.approved_by) {
        Error e = MakeError(Errc::kForbidden, "The reviewer must not be the person who decided.");
        e.type = "conflict-of-interest";
        return e;
      }
      c.decision.acceptance = Acceptance::kRejects;
      c.decision.acceptance_at = now;
      break;
    case Action::kClose: {
      if (auto s = ClosureGate(current, in, actor, policy, now); !s) return s.error();
      if (in.acceptance) {
        c.decision.acceptance = *in.acceptance;
        c.decision.acceptance_at = now;
      }
      if (c.decision.acceptance == Acceptance::kPending)
        c.decision.acceptance = Acceptance::kNoReply;
      c.closure.closed_at = now;
      c.closure.closed_by = actor.name;
      if (in.cause) c.closure.cause = in.cause;
      c.closure.reason = in.closure_reason.value_or(
          c.decision.acceptance == Acceptance::kAccepts   ? ClosureReason::kResolvedAccepted
          : c.decision.acceptance == Acceptance::kRejects ? ClosureReason::kRejectedRecourseGiven
                                                          : ClosureReason::kNoReply);
      if (auto s = SetFollowUp(c, policy, in, now); !s) return s.error();
      StopClocks(c.clocks, now);
      break;
    }
    case Action::kCloseEarly:
      if (in.summary.empty())
        return Invalid("A summary of the resolution is required.", "/summary");
      if (!in.cause) return Invalid("A cause category is required to close.", "/cause");
      c.closure.closed_at = now;
      c.closure.closed_by = actor.name;
      c.closure.cause = in.cause;
      c.closure.summary = in.summary;
      c.closure.reason =
          in.duplicate_of.empty() ? ClosureReason::kResolvedEarly : ClosureReason::kDuplicate;
      c.closure.duplicate_of = in.duplicate_of;
      if (in.duplicate_of.empty()) {
        if (auto s = SetFollowUp(c, policy, in, now); !s) return s.error();
      }
      MeetClock(c.clocks, "summary_resolution", now);
      MeetClock(c.clocks, "final_response", now);
      StopClocks(c.clocks, now);
      break;
    case Action::kRefer:
      if (in.body.empty()) return Invalid("The external body is required.", "/body");
      c.referral = ExternalReferral{};
      c.referral.body = in.body;
      c.referral.referred_at = now;
      c.referral.external_reference = in.external_reference;
      c.referral.reply_deadline = in.reply_deadline;
      break;
    case Action::kConcludeReferral:
      if (in.external_outcome.empty())
        return Invalid("The external outcome is required.", "/external_outcome");
      c.referral.outcome = in.external_outcome;
      c.closure.closed_at = now;
      c.closure.closed_by = actor.name;
      c.closure.reason = ClosureReason::kReferralConcluded;
      if (in.cause) c.closure.cause = in.cause;
      if (auto s = SetFollowUp(c, policy, in, now); !s) return s.error();
      StopClocks(c.clocks, now);
      break;
    case Action::kReferBack:
      if (in.reason.empty()) return Invalid("A reason is required.", "/reason");
      break;
    case Action::kWithdraw:
      if (in.reason.empty() && actor.kind != A::kComplainant) {
        return Invalid("How the complainant instructed the withdrawal is required.", "/reason");
      }
      c.closure.closed_at = now;
      c.closure.closed_by = actor.name;
      c.closure.reason = ClosureReason::kWithdrawn;
      StopClocks(c.clocks, now);
      break;
    case Action::kReopen:
      if (in.reason.empty())
        return Invalid("A reason (new facts) is required to reopen.", "/reason");
      if (actor.kind == ActorKind::kSystem) {
        const auto window = std::chrono::days(policy.reopen_on_reply_days);
        if (policy.reopen_on_reply_days <= 0 || !current.closure.closed_at ||
            now - *current.closure.closed_at > window) {
          Error e =
              MakeError(Errc::kConflict, "The policy does not reopen this complaint on a reply.");
          e.type = "illegal-transition";
          return e;
        }
      }
      c.reopen_count += 1;
      c.closure = Closure{};
      StartReopenClock(c.clocks, policy, now);
      break;
  }
  if (c.closure.closed_at == now && current.closure.closed_at != now) {
    c.closure.business_days = BusinessDaysAfter(policy.calendar, c.received_at, now);
  }
  c.version = current.version + 1;
  c.updated_at = now;
  Applied out;
  Event e = ChangeEvent(current, c, actor, ToString(action), now);
  if (!in.reason.empty()) {
    json after = json::parse(e.after);
    after["reason"] = in.reason;
    e.after = after.dump();
  }
  out.events.push_back(std::move(e));
  out.after = std::move(c);
  return out;
}

Result<Applied> Reassign(const Complaint& current, const std::string& assignee, const Actor& actor,
                         Instant now) {
  if (!IsOpen(current.state)) {
    Error e = MakeError(Errc::kConflict, fmt::format("A {} complaint cannot be reassigned.",
                                                     ToString(current.state)));
    e.type = "illegal-transition";
    return e;
  }
  if (auto s = CheckNotNamed(current, assignee, "/assignee"); !s) return s.error();
  Complaint c = current;
  c.assignee = assignee;
  c.version += 1;
  c.updated_at = now;
  Applied out;
  out.events.push_back(ChangeEvent(current, c, actor, "assign", now));
  out.after = std::move(c);
  return out;
}

Result<Applied> Escalate(const Complaint& current, const std::string& reason, const Actor& actor,
                         Instant now) {
  if (!IsOpen(current.state)) {
    Error e = MakeError(Errc::kConflict, fmt::format("A {} complaint cannot be escalated.",
                                                     ToString(current.state)));
    e.type = "illegal-transition";
    return e;
  }
  if (reason.empty()) return Invalid("A reason is required.", "/reason");
  Complaint c = current;
  c.escalated = true;
  c.priority = Raise(c.priority);
  c.version += 1;
  c.updated_at = now;
  Applied out;
  Event e = ChangeEvent(current, c, actor, "escalate", now);
  json after = json::parse(e.after);
  after["reason"] = reason;
  e.after = after.dump();
  out.events.push_back(std::move(e));
  out.after = std::move(c);
  return out;
}

std::optional<Applied> CheckClocks(const Complaint& current, Instant now) {
  if (!IsOpen(current.state)) return std::nullopt;
  Applied out;
  Complaint step = current;
  // Close ended windows first, as one event, so EvaluateClocks never sees them running.
  Complaint closed = current;
  bool window_closed = false;
  for (auto& t : closed.clocks) {
    if (IsWindow(t.name) && (t.state == ClockState::kRunning || t.state == ClockState::kPaused)) {
      t.warned = true;
      if (t.due <= now) {
        t.state = ClockState::kStopped;
        t.ended_at = t.due;
        window_closed = true;
      }
    }
  }
  if (window_closed) {
    closed.version = current.version + 1;
    closed.updated_at = now;
    out.events.push_back(ChangeEvent(current, closed, Actor::System(), "clock_window_closed", now));
    step = closed;
  }
  Complaint c = step;
  auto alerts = EvaluateClocks(c.clocks, now);
  if (alerts.empty() && out.events.empty()) return std::nullopt;
  for (const auto& alert : alerts) {
    Complaint next = step;
    next.clocks = c.clocks;
    if (alert.kind == ClockAlert::kBreach) {
      next.priority = Raise(next.priority);
      next.escalated = true;
    }
    next.version = step.version + 1;
    next.updated_at = now;
    Event e =
        ChangeEvent(step, next, Actor::System(),
                    alert.kind == ClockAlert::kBreach ? "clock_breach" : "clock_warning", now);
    json after = json::parse(e.after);
    after["clock"] = alert.clock;
    after["due"] = FormatInstant(alert.due);
    e.after = after.dump();
    out.events.push_back(std::move(e));
    step = std::move(next);
  }
  if (alerts.empty()) step.clocks = c.clocks;
  // One saved change, however many events describe it: the store expects version + 1.
  step.version = current.version + 1;
  out.after = std::move(step);
  return out;
}

const char* ToString(Action a) { return NameOf(kActions, a); }
std::optional<Action> ParseAction(std::string_view s) { return ValueOf(kActions, s); }
const char* ToString(ActorKind k) { return NameOf(kActorKinds, k); }

const char* PublicStatusText(State s) {
  switch (s) {
    case S::kReceived:
      return "We have received your complaint.";
    case S::kAcknowledged:
      return "We have acknowledged your complaint and will assess it.";
    case S::kAssessed:
      return "We have assessed your complaint and will look into it.";
    case S::kUnderInvestigation:
      return "We are looking into your complaint.";
    case S::kAwaitingComplainant:
      return "We have asked you for more information.";
    case S::kResponseProposed:
      return "We are finalising our response.";
    case S::kDecisionCommunicated:
      return "We have sent you our decision.";
    case S::kClosed:
      return "Your complaint is closed.";
    case S::kReopened:
      return "Your complaint has been reopened.";
    case S::kWithdrawn:
      return "Your complaint was withdrawn.";
    case S::kReferred:
      return "Your complaint has been referred to an external body.";
  }
  return "";
}

std::vector<std::string> ComplainantActions(State s) {
  std::vector<std::string> out;
  if (IsOpen(s)) out.push_back("add_information");
  for (Action a : AllowedActions(s, A::kComplainant)) {
    if (a == Action::kWithdraw) out.push_back("withdraw");
  }
  return out;
}

bool SurveyOpen(const Complaint& c) {
  return c.state == State::kClosed && !c.survey.answered_at && !c.survey.opted_out_at;
}

Result<Applied> OptOutOfSurvey(const Complaint& c, Instant now) {
  if (c.survey.opted_out_at || c.survey.answered_at) {
    Error e = MakeError(Errc::kConflict, c.survey.answered_at
                                             ? "The survey for this complaint was answered."
                                             : "You have already asked not to be surveyed.");
    e.type = "survey-closed";
    return e;
  }
  Applied out;
  out.after = c;
  out.after.survey.opted_out_at = now;
  out.after.version = c.version + 1;
  out.after.updated_at = now;
  out.events.push_back(ChangeEvent(c, out.after, Actor::Complainant(), "survey_opted_out", now));
  return out;
}

bool FollowUpOpen(const Complaint& c) {
  return c.state == State::kClosed && c.closure.follow_up_due && !c.closure.followed_up_at;
}

std::optional<Instant> FollowUpDue(const Complaint& c) {
  if (!FollowUpOpen(c)) return std::nullopt;
  return c.closure.follow_up_due;
}

Result<Applied> RecordFollowUp(const Complaint& c, bool satisfied, std::string note,
                               const Actor& actor, Instant now) {
  if (c.state != State::kClosed || c.closure.followed_up_at) {
    Error e =
        MakeError(Errc::kConflict,
                  c.closure.followed_up_at
                      ? "The follow-up of this complaint was recorded."
                      : fmt::format("A {} complaint has no follow-up; it comes after closure.",
                                    ToString(c.state)));
    e.type = "illegal-transition";
    return e;
  }
  if (note.size() > 4000) return Invalid("The note is longer than 4000 bytes.", "/note");
  Applied out;
  out.after = c;
  out.after.closure.followed_up_at = now;
  out.after.closure.followed_up_by = actor.name;
  out.after.closure.follow_up_satisfied = satisfied;
  out.after.closure.follow_up_note = std::move(note);
  out.after.version = c.version + 1;
  out.after.updated_at = now;
  out.events.push_back(ChangeEvent(c, out.after, actor, "followed_up", now));
  return out;
}

Result<std::optional<LocalDate>> FollowUpDate(const Policy& policy, std::optional<LocalDate> given,
                                              Instant now) {
  const LocalDate today = policy.calendar.LocalDateOf(now);
  if (given) {
    if (date::sys_days(*given) < date::sys_days(today)) {
      return Invalid("The follow-up date must not be before today.", "/follow_up_on");
    }
    return given;
  }
  if (policy.follow_up_days <= 0) return std::optional<LocalDate>{};
  LocalDate d = date::sys_days(today) + date::days(policy.follow_up_days);
  if (!policy.calendar.IsBusinessDay(d)) d = policy.calendar.AddBusinessDays(d, 1);
  return std::optional<LocalDate>{d};
}

Result<Applied> AnswerSurvey(const Complaint& c, int handling, int outcome, std::string comment,
                             Instant now) {
  if (!SurveyOpen(c)) {
    Error e = MakeError(Errc::kConflict, c.survey.answered_at
                                             ? "The survey for this complaint was answered."
                                             : "The survey opens when the complaint is closed.");
    e.type = "survey-closed";
    return e;
  }
  std::vector<FieldError> errors;
  if (handling < 1 || handling > 5) errors.push_back({"/handling", "must be 1 to 5"});
  if (outcome < 1 || outcome > 5) errors.push_back({"/outcome", "must be 1 to 5"});
  if (comment.size() > 4000) errors.push_back({"/comment", "is longer than 4000 bytes"});
  if (!errors.empty()) return MakeError(Errc::kInvalid, "Some fields are invalid.", errors);
  Applied out;
  out.after = c;
  out.after.survey.answered_at = now;
  out.after.survey.handling = handling;
  out.after.survey.outcome = outcome;
  out.after.survey.comment = std::move(comment);
  out.after.version = c.version + 1;
  out.after.updated_at = now;
  out.events.push_back(ChangeEvent(c, out.after, Actor::Complainant(), "survey_answered", now));
  return out;
}

}  // namespace redress::core
