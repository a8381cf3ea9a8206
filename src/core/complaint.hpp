// The complaint record (iso10002.md §3): receipt, assessment, handling and closure fields.
// Personal fields are wrapped in Personal<> (P) or Special<> (S, own read permission).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clocks.hpp"
#include "core/personal.hpp"
#include "core/reference.hpp"
#include "core/time.hpp"

namespace redress::core {

enum class State {
  kReceived,
  kAcknowledged,
  kAssessed,
  kUnderInvestigation,
  kAwaitingComplainant,
  kResponseProposed,
  kDecisionCommunicated,
  kClosed,
  kReopened,
  kWithdrawn,
  kReferred,
};

enum class Channel { kWeb, kEmail, kPhone, kLetter, kInPerson, kSocialMedia, kApi, kReferral };
enum class SubjectType { kProduct, kService, kStaff, kPolicy, kComplaintHandling };
enum class SafetyRisk { kNone, kPotential, kActual };
enum class Complexity { kSimple, kModerate, kComplex };
enum class Outcome { kUpheld, kPartlyUpheld, kNotUpheld };
enum class Acceptance { kPending, kAccepts, kRejects, kNoReply };
enum class ClosureReason {
  kResolvedAccepted,
  kResolvedEarly,
  kNoReply,
  kRejectedRecourseGiven,
  kReferralConcluded,
  kWithdrawn,
  kDuplicate,
};
enum class CauseCategory { kPeople, kProcess, kProduct, kSystem, kThirdParty, kPolicy };

struct Complainant {
  Personal<std::string> name;
  Personal<std::string> organisation;
  Personal<std::string> address;
  Personal<std::string> email;
  Personal<std::string> phone;
  Personal<std::string> account_number;
  bool is_customer = true;

  bool operator==(const Complainant&) const = default;
};

struct Representative {
  Personal<std::string> name;
  std::string relationship;
  std::string authority;

  bool operator==(const Representative&) const = default;
};

struct ContactPreference {
  std::string channel;  // "email", "phone", "letter", ...
  std::string times;
  std::string language;  // BCP 47, e.g. "en"
  std::string format;    // "large print", ...

  bool operator==(const ContactPreference&) const = default;
};

struct Subject {
  SubjectType type = SubjectType::kProduct;
  std::string product;
  std::string department;
  std::string location;
  Personal<std::string> persons_named;  // staff named in the complaint (usernames or names)

  bool operator==(const Subject&) const = default;
};

struct Assessment {
  std::string category;            // taxonomy node id, e.g. "banking/current-account/fees"
  std::vector<std::string> flags;  // payment_service, hardship, vulnerable_customer, ...
  int severity = 0;                // 1 (low) .. 4 (critical); 0 = not assessed
  SafetyRisk safety = SafetyRisk::kNone;
  Complexity complexity = Complexity::kSimple;
  std::string impact_complainant;   // none / low / medium / high
  std::string impact_organisation;  // none / low / medium / high
  bool immediate_action_needed = false;
  std::string notes;  // assessment rationale (internal)

  bool operator==(const Assessment&) const = default;
};

struct Remedy {
  std::string type;          // apology, refund, repair, replacement, goodwill, explanation, ...
  int64_t amount_minor = 0;  // in minor units (cents)
  std::string currency;      // ISO 4217
  std::optional<Instant> due;
  std::optional<Instant> paid_at;

  bool operator==(const Remedy&) const = default;
};

struct Decision {
  Outcome outcome = Outcome::kNotUpheld;
  Personal<std::string> reasons;
  Remedy remedy;
  std::string proposed_by;
  std::optional<Instant> proposed_at;
  std::string approved_by;
  std::optional<Instant> communicated_at;
  Acceptance acceptance = Acceptance::kPending;
  std::optional<Instant> acceptance_at;
  Personal<std::string> acceptance_reasons;

  bool operator==(const Decision&) const = default;
};

struct ExternalReferral {
  std::string body;  // "Financial Ombudsman Service"
  std::optional<Instant> referred_at;
  std::string external_reference;
  std::optional<Instant> reply_deadline;
  std::string outcome;

  bool operator==(const ExternalReferral&) const = default;
};

struct Closure {
  std::optional<Instant> closed_at;
  std::string closed_by;
  std::optional<ClosureReason> reason;
  std::optional<CauseCategory> cause;
  Personal<std::string> summary;
  std::string duplicate_of;
  // Business days from the day of receipt to the day of closure on the policy's calendar (FCA
  // DISP 1.6.2: resolved by close of business on the third business day after receipt); unset
  // for closures recorded before it was kept, or imported.
  std::optional<int> business_days;
  // The follow-up (clause 8.3): the date on which staff check with the complainant that they
  // are satisfied with how it ended (set at closure from the policy's follow_up_days, or
  // given), and what they found. Cleared with the rest of the closure by a reopening.
  std::optional<LocalDate> follow_up_on;
  std::optional<Instant> follow_up_due;  // the start of follow_up_on in the policy's zone
  std::optional<Instant> followed_up_at;
  std::string followed_up_by;
  bool follow_up_satisfied = false;
  Personal<std::string> follow_up_note;

  bool operator==(const Closure&) const = default;
};

// The complainant's view of how the complaint was handled (clause 8.3), asked after closure:
// the handling and the outcome are rated separately, 1 (very dissatisfied) to 5 (very
// satisfied). Answered once.
struct Survey {
  std::optional<Instant> answered_at;  // unset until answered
  int handling = 0;                    // 1..5
  int outcome = 0;                     // 1..5
  Personal<std::string> comment;
  // The complainant asked not to be surveyed (at intake or later): no invitation is sent and
  // the survey does not open.
  std::optional<Instant> opted_out_at;

  bool operator==(const Survey&) const = default;
};

// Where a complaint taken over from another system came from (e.g. `redress import cfpb`):
// the source, its own key, and its columns that have no field above (company, state, ZIP code,
// tags...), kept verbatim so an export can give them back. Empty for complaints received here.
struct SourceRecord {
  std::string system;                         // "cfpb"; "" = received by Redress
  std::string id;                             // the source's key, e.g. the CFPB Complaint ID
  std::map<std::string, std::string> fields;  // source column name -> value as published

  bool operator==(const SourceRecord&) const = default;
};

enum class Priority { kP1 = 1, kP2 = 2, kP3 = 3, kP4 = 4 };

struct Complaint {
  int64_t id = 0;  // store row id; 0 until inserted
  Reference reference;
  std::string secret_hash;  // hex SHA-256 of the access secret
  State state = State::kReceived;
  int64_t version = 0;  // bumped on every update (optimistic checks)

  // Receipt.
  Instant received_at{};
  Instant logged_at{};
  std::string received_by;  // username, "complainant" or "system"
  Channel channel = Channel::kWeb;
  Complainant complainant;
  Representative representative;
  ContactPreference contact;
  Special<std::string> accessibility_needs;
  Special<std::string> vulnerability;
  Subject subject;
  Personal<std::string> description;
  Personal<std::string> remedy_requested;
  std::optional<LocalDate> event_date;
  Personal<std::string> immediate_action;

  // Assessment.
  Assessment assessment;
  Priority priority = Priority::kP3;
  bool escalated = false;  // internal escalation is a flag, not a state

  // Handling.
  std::string policy_id;
  std::vector<ClockTrack> clocks;
  std::string assignee;
  std::string investigator;
  Decision decision;
  ExternalReferral referral;
  Personal<std::string> pending_question;  // what we asked the complainant

  // Closure.
  Closure closure;
  int reopen_count = 0;
  Survey survey;
  Instant updated_at{};

  SourceRecord source;
};

// Priority from the classification (iso10002.md §3): actual safety risk or immediate action
// forces P1; otherwise severity and impact decide.
Priority ComputePriority(const Assessment& a);
// One level more urgent (P1 stays P1).
Priority Raise(Priority p);

bool IsOpen(State s);  // not closed and not withdrawn

// The persons named, as the whole-word tokens stores index for scope exclusion: lower-case
// (ASCII), split on every character that cannot be part of a username (anything but letters,
// digits, '_', '.', '-' and non-ASCII bytes), with '.' and '-' trimmed from each token's ends,
// each surrounded by single spaces (" jsmith mary jones "), or "" when there are none.
std::string NamedTokens(std::string_view persons_named);

// True if `username` is one of NamedTokens(persons_named): such a person may neither handle
// nor read the complaint (conflict of interest). "ann" does not match "joanne".
bool NamesPerson(const Complaint& c, std::string_view username);

const char* ToString(State s);
const char* ToString(Channel c);
const char* ToString(SubjectType t);
const char* ToString(SafetyRisk r);
const char* ToString(Complexity c);
const char* ToString(Outcome o);
const char* ToString(Acceptance a);
const char* ToString(ClosureReason r);
const char* ToString(CauseCategory c);
const char* ToString(Priority p);  // "P1"
std::optional<State> ParseState(std::string_view s);
std::optional<Channel> ParseChannel(std::string_view s);
std::optional<SubjectType> ParseSubjectType(std::string_view s);
std::optional<SafetyRisk> ParseSafetyRisk(std::string_view s);
std::optional<Complexity> ParseComplexity(std::string_view s);
std::optional<Outcome> ParseOutcome(std::string_view s);
std::optional<Acceptance> ParseAcceptance(std::string_view s);
std::optional<ClosureReason> ParseClosureReason(std::string_view s);
std::optional<CauseCategory> ParseCauseCategory(std::string_view s);
std::optional<Priority> ParsePriority(std::string_view s);

}  // namespace redress::core
