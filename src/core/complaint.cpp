#include "core/complaint.hpp"

#include <algorithm>
#include <cctype>

#include "core/enum_names.hpp"

namespace redress::core {
namespace {

constexpr EnumNames<State, 11> kStates{{
    {State::kReceived, "received"},
    {State::kAcknowledged, "acknowledged"},
    {State::kAssessed, "assessed"},
    {State::kUnderInvestigation, "under_investigation"},
    {State::kAwaitingComplainant, "awaiting_complainant"},
    {State::kResponseProposed, "response_proposed"},
    {State::kDecisionCommunicated, "decision_communicated"},
    {State::kClosed, "closed"},
    {State::kReopened, "reopened"},
    {State::kWithdrawn, "withdrawn"},
    {State::kReferred, "referred"},
}};
constexpr EnumNames<Channel, 8> kChannels{{
    {Channel::kWeb, "web"},
    {Channel::kEmail, "email"},
    {Channel::kPhone, "phone"},
    {Channel::kLetter, "letter"},
    {Channel::kInPerson, "in_person"},
    {Channel::kSocialMedia, "social_media"},
    {Channel::kApi, "api"},
    {Channel::kReferral, "referral"},
}};
constexpr EnumNames<SubjectType, 5> kSubjectTypes{{
    {SubjectType::kProduct, "product"},
    {SubjectType::kService, "service"},
    {SubjectType::kStaff, "staff"},
    {SubjectType::kPolicy, "policy"},
    {SubjectType::kComplaintHandling, "complaint_handling"},
}};
constexpr EnumNames<SafetyRisk, 3> kSafety{{
    {SafetyRisk::kNone, "none"},
    {SafetyRisk::kPotential, "potential"},
    {SafetyRisk::kActual, "actual"},
}};
constexpr EnumNames<Complexity, 3> kComplexity{{
    {Complexity::kSimple, "simple"},
    {Complexity::kModerate, "moderate"},
    {Complexity::kComplex, "complex"},
}};
constexpr EnumNames<Outcome, 3> kOutcomes{{
    {Outcome::kUpheld, "upheld"},
    {Outcome::kPartlyUpheld, "partly_upheld"},
    {Outcome::kNotUpheld, "not_upheld"},
}};
constexpr EnumNames<Acceptance, 4> kAcceptance{{
    {Acceptance::kPending, "pending"},
    {Acceptance::kAccepts, "accepts"},
    {Acceptance::kRejects, "rejects"},
    {Acceptance::kNoReply, "no_reply"},
}};
constexpr EnumNames<ClosureReason, 7> kClosureReasons{{
    {ClosureReason::kResolvedAccepted, "resolved_accepted"},
    {ClosureReason::kResolvedEarly, "resolved_early"},
    {ClosureReason::kNoReply, "no_reply"},
    {ClosureReason::kRejectedRecourseGiven, "rejected_recourse_given"},
    {ClosureReason::kReferralConcluded, "referral_concluded"},
    {ClosureReason::kWithdrawn, "withdrawn"},
    {ClosureReason::kDuplicate, "duplicate"},
}};
constexpr EnumNames<CauseCategory, 6> kCauses{{
    {CauseCategory::kPeople, "people"},
    {CauseCategory::kProcess, "process"},
    {CauseCategory::kProduct, "product"},
    {CauseCategory::kSystem, "system"},
    {CauseCategory::kThirdParty, "third_party"},
    {CauseCategory::kPolicy, "policy"},
}};
constexpr EnumNames<Priority, 4> kPriorities{{
    {Priority::kP1, "P1"},
    {Priority::kP2, "P2"},
    {Priority::kP3, "P3"},
    {Priority::kP4, "P4"},
}};

int ImpactScore(const std::string& level) {
  if (level == "high") return 2;
  if (level == "medium") return 1;
  return 0;
}

}  // namespace

Priority ComputePriority(const Assessment& a) {
  if (a.safety == SafetyRisk::kActual || a.immediate_action_needed || a.severity >= 4) {
    return Priority::kP1;
  }
  // Score: severity 1..3 plus the larger impact (0..2) plus potential safety risk (1).
  int score =
      a.severity + std::max(ImpactScore(a.impact_complainant), ImpactScore(a.impact_organisation));
  if (a.safety == SafetyRisk::kPotential) score += 1;
  if (a.complexity == Complexity::kComplex) score += 1;
  if (score >= 5) return Priority::kP1;
  if (score >= 4) return Priority::kP2;
  if (score >= 2) return Priority::kP3;
  return Priority::kP4;
}

Priority Raise(Priority p) {
  return p == Priority::kP1 ? Priority::kP1 : static_cast<Priority>(static_cast<int>(p) - 1);
}

bool IsOpen(State s) { return s != State::kClosed && s != State::kWithdrawn; }

std::string NamedTokens(std::string_view text) {
  auto word = [](unsigned char ch) {
    return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-' || ch >= 0x80;
  };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && word(static_cast<unsigned char>(text[j]))) ++j;
    size_t b = i;
    size_t e = j;
    while (b < e && (text[b] == '.' || text[b] == '-')) ++b;
    while (e > b && (text[e - 1] == '.' || text[e - 1] == '-')) --e;
    if (b < e) {
      if (out.empty()) out += ' ';
      for (size_t k = b; k < e; ++k) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(text[k])));
      }
      out += ' ';
    }
    i = j;
  }
  return out;
}

bool NamesPerson(const Complaint& c, std::string_view username) {
  if (username.empty()) return false;
  std::string needle = " ";
  for (char ch : username)
    needle += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  needle += ' ';
  return NamedTokens(c.subject.persons_named.value).find(needle) != std::string::npos;
}

const char* ToString(State v) { return NameOf(kStates, v); }
const char* ToString(Channel v) { return NameOf(kChannels, v); }
const char* ToString(SubjectType v) { return NameOf(kSubjectTypes, v); }
const char* ToString(SafetyRisk v) { return NameOf(kSafety, v); }
const char* ToString(Complexity v) { return NameOf(kComplexity, v); }
const char* ToString(Outcome v) { return NameOf(kOutcomes, v); }
const char* ToString(Acceptance v) { return NameOf(kAcceptance, v); }
const char* ToString(ClosureReason v) { return NameOf(kClosureReasons, v); }
const char* ToString(CauseCategory v) { return NameOf(kCauses, v); }
const char* ToString(Priority v) { return NameOf(kPriorities, v); }
std::optional<State> ParseState(std::string_view s) { return ValueOf(kStates, s); }
std::optional<Channel> ParseChannel(std::string_view s) { return ValueOf(kChannels, s); }
std::optional<SubjectType> ParseSubjectType(std::string_view s) {
  return ValueOf(kSubjectTypes, s);
}
std::optional<SafetyRisk> ParseSafetyRisk(std::string_view s) { return ValueOf(kSafety, s); }
std::optional<Complexity> ParseComplexity(std::string_view s) { return ValueOf(kComplexity, s); }
std::optional<Outcome> ParseOutcome(std::string_view s) { return ValueOf(kOutcomes, s); }
std::optional<Acceptance> ParseAcceptance(std::string_view s) { return ValueOf(kAcceptance, s); }
std::optional<ClosureReason> ParseClosureReason(std::string_view s) {
  return ValueOf(kClosureReasons, s);
}
std::optional<CauseCategory> ParseCauseCategory(std::string_view s) { return ValueOf(kCauses, s); }
std::optional<Priority> ParsePriority(std::string_view s) { return ValueOf(kPriorities, s); }

}  // namespace redress::core
