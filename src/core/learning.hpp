// Learning from complaints (clause 8.2, 8.5, 8.7; iso10002.md §7): root causes linked to
// complaints, corrective and preventive actions with an effectiveness check, annotated events
// for the trend, and internal audit samples. Stored as records (core/ports/store.hpp): a JSON
// document per record, plus the complaints it links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/complaint.hpp"
#include "core/facts.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace redress::core {

enum class RecordKind { kRootCause, kAction, kAnnotation, kAudit };
const char* ToString(RecordKind k);

// What a store keeps of a record: its document and the complaints it links (by id).
struct Record {
  RecordKind kind = RecordKind::kRootCause;
  int64_t id = 0;   // assigned on first put
  std::string doc;  // JSON
  std::vector<int64_t> complaint_ids;
  Instant updated_at{};
};

enum class RcaMethod { kFiveWhys, kFishbone, kOther };
const char* ToString(RcaMethod m);
std::optional<RcaMethod> ParseRcaMethod(std::string_view s);

struct RootCause {
  int64_t id = 0;
  std::string title;
  RcaMethod method = RcaMethod::kFiveWhys;
  std::optional<CauseCategory> category;  // the fishbone bone (people, process, ...)
  std::vector<std::string> whys;          // 5 whys: each answer in turn
  std::string description;
  std::vector<std::string> complaints;  // references; one complaint, or many (systemic)
  std::string created_by;
  Instant created_at{};
  Instant updated_at{};
};

enum class ActionKind { kCorrective, kPreventive };
enum class ActionStatus { kPlanned, kInProgress, kDone, kCancelled };
const char* ToString(ActionKind k);
const char* ToString(ActionStatus s);
std::optional<ActionKind> ParseActionKind(std::string_view s);
std::optional<ActionStatus> ParseActionStatus(std::string_view s);

// What an effectiveness check measures over its window (the `window` period ending at the
// start of `check_on`): complaints received, or a rate, of the complaints matching `where`.
enum class CheckMeasure { kVolume, kUpheldRate, kFinalOnTime, kSatisfaction };
const char* ToString(CheckMeasure m);
std::optional<CheckMeasure> ParseCheckMeasure(std::string_view s);

struct EffectivenessCheck {
  CheckMeasure measure = CheckMeasure::kVolume;
  std::vector<std::pair<FactDim, std::string>> where;
  FactPeriod window = FactPeriod::kMonth;  // kWeek or kMonth (30 days)
  bool below = true;  // effective when the measure is below the threshold (else at or above)
  double threshold = 0;
  LocalDate check_on{};
  // Recorded when evaluated.
  std::optional<Instant> evaluated_at;
  std::optional<double> measured;  // absent when the measure had no data (a rate of nothing)
  std::optional<bool> effective;
};

struct CorrectiveAction {
  int64_t id = 0;
  int64_t root_cause_id = 0;
  ActionKind kind = ActionKind::kCorrective;
  std::string title;
  std::string description;
  std::string owner;  // username
  LocalDate due{};
  ActionStatus status = ActionStatus::kPlanned;
  std::optional<Instant> done_at;
  EffectivenessCheck check;
  std::string created_by;
  Instant created_at{};
  Instant updated_at{};
};

// Why an action needs the manager's attention now, or "" when it does not.
std::string AttentionOf(const CorrectiveAction& a, LocalDate today);

// A known event shown on the trend (a product launch, a policy change).
struct Annotation {
  int64_t id = 0;
  LocalDate day{};
  std::string kind;  // "launch", "policy_change", "incident", "other"
  std::string label;
  std::optional<std::pair<FactDim, std::string>> scope;  // e.g. product = "credit-card"
  std::string created_by;
  Instant created_at{};
};

// Internal audit (8.5): a random sample of complaints closed in a period, each checked against
// the policy; the auditor records a finding per complaint.
enum class FindingSeverity { kNone, kMinor, kMajor, kCritical };
const char* ToString(FindingSeverity s);
std::optional<FindingSeverity> ParseFindingSeverity(std::string_view s);

struct AuditCheck {
  std::string name;  // "acknowledged_on_time", "assessed", ...
  bool passed = false;
  std::string detail;
};

struct AuditItem {
  std::string reference;
  std::vector<AuditCheck> checks;
  FindingSeverity severity = FindingSeverity::kNone;
  std::string note;
  std::string reviewed_by;
  std::optional<Instant> reviewed_at;
};

struct Audit {
  int64_t id = 0;
  std::string auditor;
  LocalDate from{};  // closed on or after
  LocalDate to{};    // closed before
  int size = 0;      // requested sample size
  uint64_t seed = 0;
  int64_t population = 0;  // complaints closed in the period that the auditor did not handle
  std::vector<AuditItem> items;
  Instant created_at{};
};

// The automatic checks of one closed complaint (8.5): acknowledged on time, assessed, a
// reasoned decision, final response on time and naming referral rights, closed with an
// outcome, breaches escalated. `referral_named`: whether the final response Redress sent named
// the outside body and its time limit; nullopt when it sent none (a letter: checked by hand).
std::vector<AuditCheck> AuditChecks(const Complaint& c, std::optional<bool> referral_named);

// JSON documents of the records, and back (kInvalid on a malformed document).
std::string EncodeRecord(const RootCause& r);
std::string EncodeRecord(const CorrectiveAction& a);
std::string EncodeRecord(const Annotation& a);
std::string EncodeRecord(const Audit& a);
Result<RootCause> DecodeRootCause(std::string_view doc);
Result<CorrectiveAction> DecodeAction(std::string_view doc);
Result<Annotation> DecodeAnnotation(std::string_view doc);
Result<Audit> DecodeAudit(std::string_view doc);

}  // namespace redress::core
