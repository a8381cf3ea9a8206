// The clause 7 lifecycle as data (iso10002.md §4): one table of (state, action) → state with
// the actors allowed to trigger it, plus guards. Anything not in the table is refused with
// kConflict naming the current state and the actions allowed from it, and changes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/complaint.hpp"
#include "core/event.hpp"
#include "core/policy.hpp"
#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::core {

enum class Action {
  kAcknowledge,
  kAssess,
  kInvestigate,
  kRequestInformation,
  kProvideInformation,
  kProposeDecision,
  kReturnProposal,  // response_proposed → under_investigation (manager sends back)
  kCommunicateDecision,
  kReview,  // decision_communicated → under_investigation (complainant rejects)
  kClose,
  kCloseEarly,  // received..assessed → closed with a summary resolution
  kRefer,
  kConcludeReferral,
  kReferBack,
  kWithdraw,
  kReopen,
};

// Who acts: the complainant, the system, or a staff member with a role.
enum class ActorKind { kComplainant, kSystem, kHandler, kInvestigator, kManager, kAuditor, kAdmin };

struct Actor {
  ActorKind kind = ActorKind::kSystem;
  std::string name;  // username; "complainant" or "system" otherwise

  static Actor System() { return {ActorKind::kSystem, "system"}; }
  static Actor Complainant() { return {ActorKind::kComplainant, "complainant"}; }
  static Actor Staff(Role role, std::string username);
};

// The source states of a rule: a single state, or any open state.
struct TransitionRule {
  std::vector<State> from;
  Action action;
  State to;
  std::vector<ActorKind> by;
};

const std::vector<TransitionRule>& TransitionTable();

// Actions this actor may take from this state (for UIs and the 409 body).
std::vector<Action> AllowedActions(State from, ActorKind who);
// Actions anyone may take from this state.
std::vector<Action> AllowedActions(State from);

// Inputs of the actions; each action reads the fields it needs (guards say which are required).
struct ActionInput {
  std::string reason;  // withdraw, reopen, return, review, refer-back
  // assess
  std::optional<Assessment> assessment;
  std::string assignee;  // assess (optional), reassign
  // investigate
  std::string investigator;
  // request / provide information
  std::string question;
  std::string information;
  // propose decision
  std::optional<Outcome> outcome;
  std::string reasons;
  std::optional<Remedy> remedy;
  // communicate decision / close
  std::optional<Acceptance> acceptance;
  std::optional<CauseCategory> cause;
  std::optional<ClosureReason> closure_reason;
  std::string summary;  // close early
  std::string duplicate_of;
  // refer
  std::string body;
  std::string external_reference;
  std::optional<Instant> reply_deadline;
  std::string external_outcome;
  // close, close_early, conclude_referral: the follow-up date, instead of the policy's.
  std::optional<LocalDate> follow_up_on;

  bool operator==(const ActionInput&) const = default;
};

// The authority limits (minor units) for approving a remedy when communicating a decision.
struct AuthorityLimits {
  int64_t handler = 50'000;     // 500.00
  int64_t manager = 5'000'000;  // 50,000.00
};

struct Applied {
  Complaint after;
  std::vector<Event> events;  // without seq/hash: the store assigns them
};

// Applies one lifecycle action. Pure: the result holds the new record and its events.
Result<Applied> ApplyAction(const Complaint& current, Action action, const ActionInput& input,
                            const Actor& actor, const Policy& policy, Instant now,
                            const AuthorityLimits& limits = {});

// Builds a new complaint at receipt: starts the clocks and records "received"; then
// acknowledges it at once (system), meeting the acknowledgement clock. Reference, secret hash
// and receipt fields must already be set on `c`.
Applied Receive(Complaint c, const Policy& policy, const Actor& actor, Instant now);

// Non-transition changes, recorded as events with before/after.
Result<Applied> Reassign(const Complaint& c, const std::string& assignee, const Actor& actor,
                         Instant now);
Result<Applied> Escalate(const Complaint& c, const std::string& reason, const Actor& actor,
                         Instant now);
// The satisfaction survey (clause 8.3): open once the complaint is closed and until answered,
// unless the complainant opted out.
bool SurveyOpen(const Complaint& c);
// The complainant asks not to be surveyed (any state; kConflict if already asked).
Result<Applied> OptOutOfSurvey(const Complaint& c, Instant now);
// The follow-up after closure is open while the complaint is closed with a follow-up date and
// nothing has been recorded yet.
bool FollowUpOpen(const Complaint& c);
// When the open follow-up falls due (the start of its day in the policy's zone), or none.
std::optional<Instant> FollowUpDue(const Complaint& c);
// Records the follow-up: whether the complainant confirmed they are satisfied, and a note of
// at most 4000 bytes. kConflict when the complaint is not closed or it was recorded already.
Result<Applied> RecordFollowUp(const Complaint& c, bool satisfied, std::string note,
                               const Actor& actor, Instant now);
// The follow-up date for a closure at `now`: the given date (kInvalid if before today in the
// policy's zone), else today + policy.follow_up_days rolled to a business day, else none.
Result<std::optional<LocalDate>> FollowUpDate(const Policy& policy, std::optional<LocalDate> given,
                                              Instant now);
// Records the complainant's answer: ratings 1..5 (kInvalid naming /handling or /outcome
// otherwise), a comment of at most 4000 bytes; kConflict when the survey is not open.
Result<Applied> AnswerSurvey(const Complaint& c, int handling, int outcome, std::string comment,
                             Instant now);
// Clock warnings and breaches at `now`: events, and priority raised on breach.
std::optional<Applied> CheckClocks(const Complaint& c, Instant now);

// An event recording the change from `before` to `after` (top-level fields that differ).
Event ChangeEvent(const Complaint& before, const Complaint& after, const Actor& actor,
                  std::string action, Instant now);

const char* ToString(Action a);
std::optional<Action> ParseAction(std::string_view s);
const char* ToString(ActorKind k);

// Plain-language status for the complainant.
const char* PublicStatusText(State s);
// What the complainant may do in this state ("add_information", "withdraw").
std::vector<std::string> ComplainantActions(State s);

}  // namespace redress::core
