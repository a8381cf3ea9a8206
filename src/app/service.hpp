// Use cases: they combine the core rules with the Store and Clock ports, with no I/O of their
// own. Writes complete through a callback once durable (see core/ports/store.hpp); reads are
// synchronous and meant to run off the I/O threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/notify.hpp"
#include "core/lifecycle.hpp"
#include "core/policy.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"

namespace redress::app {

struct ServiceConfig {
  std::string reference_prefix = "CMP";
  std::string default_policy = "iso-default";
  core::AuthorityLimits limits;
  std::set<std::string> categories;  // the taxonomy's node ids; empty accepts any category
  int session_hours = 12;
  NotifyConfig notify;  // messages to complainants (app/notify.hpp)
  // This process's name in claims on background work (core::Claim): "host:pid" (serve).
  std::string node;
};

// How long a node's claim on background work lasts: clock checks, and outgoing messages (a
// batch may wait on a slow mail server).
inline constexpr std::chrono::milliseconds kClockClaimLease{60000};
inline constexpr std::chrono::milliseconds kMessageClaimLease{300000};

// Who is calling: a staff user (authenticated) or the public.
struct StaffCaller {
  core::User user;
  core::Actor actor() const { return core::Actor::Staff(user.role, user.username); }
};

template <typename T>
using Callback = std::function<void(core::Result<T>)>;

struct CreateResult {
  int status = 201;       // 201, or the replayed status of an idempotent repeat
  std::string body_text;  // the 201 body, with the secret on first creation (and on replay)
  std::string reference;
  // body_text as a document (the portal and tests read members of it).
  nlohmann::json Body() const { return nlohmann::json::parse(body_text, nullptr, false); }
};

// A message that came in by mail (`redress mailgate`), already parsed and checked.
struct InboundMail {
  std::string message_id;  // the de-duplication key: Message-ID, or a digest of the message
  std::string from_address;
  std::string from_name;
  std::string subject;
  std::string text;
  // Message-IDs it answers (In-Reply-To, then References): ours name the complaint.
  std::vector<std::string> thread_ids;
  std::vector<core::Attachment> attachments;  // files already stored (content-addressed)
  int refused_attachments = 0;                // attachments the upload checks refused
};

struct MailReceipt {
  std::string outcome;  // "created", "added", or "duplicate" (this Message-ID came before)
  std::string reference;
  bool reopened = false;
};

// References of complaints named in `text` (a subject, a Message-ID): PREFIX-YYYY-NNNNNN-C with
// a valid check letter, in order of appearance, without repeats.
std::vector<core::Reference> ReferencesIn(std::string_view text, std::string_view prefix);

using ComplaintFile = core::ComplaintFile;

// Reference numbers handed out from blocks the store reserved (StoreTx::ReserveSequences), so
// intake can build a complaint before it reaches the writer. A block is published only after
// the transaction that reserved it committed; the unused numbers of a block are gaps after a
// restart, which references allow.
class SequenceBlocks {
 public:
  std::optional<int64_t> Take(int year);
  void Publish(int year, int64_t first, int64_t count);

 private:
  std::mutex mu_;
  std::map<int, std::vector<std::pair<int64_t, int64_t>>> blocks_;  // year -> [next, end)
};

class ComplaintService {
 public:
  // Reference numbers reserved per store round trip by intake.
  static constexpr int64_t kSequenceBlock = 64;

  ComplaintService(core::Store& store, const core::Clock& clock, std::vector<core::Policy> policies,
                   ServiceConfig config);

  const core::Clock& clock() const { return clock_; }
  core::Store& store() const { return store_; }
  const std::vector<core::Policy>& policies() const { return policies_; }
  const core::Policy* FindPolicy(const std::string& id) const;
  const ServiceConfig& config() const { return config_; }

  // --- Intake --------------------------------------------------------------------------
  // Receives and acknowledges a complaint in one transaction. With an idempotency key, a
  // repeat with the same body replays the first response; a different body gets kInvalid
  // ("idempotency-key-reused"). `attachments` (files already stored, content-addressed) are
  // recorded with the complaint in the same transaction.
  void Create(core::Complaint receipt, const core::Actor& actor, std::string caller,
              std::string idempotency_key, std::string body_hash, Callback<CreateResult> done,
              std::vector<core::Attachment> attachments = {});

  // --- Mail intake -----------------------------------------------------------------------
  // One transaction: a message naming a known complaint (subject, or a Message-ID it answers)
  // is added to it: from the complainant's address as their message (answering an open
  // question, or reopening a closed complaint where the policy says so), from anyone else as
  // an internal note for staff. Any other message becomes a new complaint (channel email)
  // and is acknowledged. A repeat of a Message-ID changes nothing ("duplicate").
  void ReceiveMail(InboundMail mail, Callback<MailReceipt> done);

  // --- Complainant (reference + secret) ------------------------------------------------
  // Unknown reference and wrong secret give the same kNotFound.
  core::Result<core::Complaint> ComplainantLookup(std::string_view reference,
                                                  std::string_view secret);
  core::Result<std::vector<core::Note>> ComplainantMessages(const core::Complaint& c);
  void ComplainantAddInformation(std::string reference, std::string secret, std::string text,
                                 Callback<core::Complaint> done);
  void ComplainantWithdraw(std::string reference, std::string secret, std::string reason,
                           Callback<core::Complaint> done);
  // The satisfaction survey after closure (core::AnswerSurvey).
  void ComplainantSurvey(std::string reference, std::string secret, int handling, int outcome,
                         std::string comment, Callback<core::Complaint> done);
  // The complainant asks not to be surveyed (core::OptOutOfSurvey); a pending invitation is
  // then cancelled instead of sent.
  void ComplainantSurveyOptOut(std::string reference, std::string secret,
                               Callback<core::Complaint> done);

  // --- Staff -----------------------------------------------------------------------------
  core::Scope ScopeOf(const core::User& user) const;
  // A list query as `user` may run it: their scope, now, and a limit of 1 to 200.
  core::ListQuery Scoped(core::ListQuery q, const core::User& user) const;
  // Whether `c` is in the caller's scope (what GetFile checks).
  bool MaySee(const core::Complaint& c, const core::User& user) const {
    return InScope(c, ScopeOf(user));
  }
  // kNotFound when out of the caller's scope (never reveals existence).
  core::Result<ComplaintFile> GetFile(std::string_view reference, const core::User& user);
  core::Result<core::ListPage> List(core::ListQuery q, const core::User& user);
  // The same page as GET /api/v1/complaints's body, appended to `out` (unchanged on an error).
  core::Status WriteList(core::ListQuery q, const core::User& user, std::string& out);
  void Act(std::string reference, core::Action action, core::ActionInput input, core::User user,
           Callback<core::Complaint> done);
  void Assign(std::string reference, std::string assignee, core::User user,
              Callback<core::Complaint> done);
  void EscalateComplaint(std::string reference, std::string reason, core::User user,
                         Callback<core::Complaint> done);
  // The follow-up with the complainant after closure (core::RecordFollowUp): handlers,
  // investigators and managers, within their scope.
  void RecordFollowUp(std::string reference, bool satisfied, std::string note, core::User user,
                      Callback<core::Complaint> done);
  void AddNote(std::string reference, std::string body, core::NoteVisibility visibility,
               core::User user, Callback<core::Note> done);
  void AddAttachment(std::string reference, core::Attachment meta, core::User user,
                     Callback<core::Attachment> done);

  // --- Users and sessions ----------------------------------------------------------------
  // password_hash must already be computed (Argon2id, off the I/O threads).
  void CreateUser(core::User user, const std::string& actor, Callback<core::User> done);
  void SetUserDisabled(std::string username, bool disabled, const std::string& actor,
                       Callback<core::User> done);
  void SetPasswordHash(std::string username, std::string hash, const std::string& actor,
                       Callback<core::User> done);
  // Stores a session for a verified user; returns the bearer token (only its hash is kept).
  void OpenSession(core::User user, Callback<std::string> done);
  void CloseSession(std::string token_hash, Callback<bool> done);
  // The user behind a bearer token, if the session is live and the user enabled.
  core::Result<core::User> Authenticate(std::string_view token);
  // Raised after every change this process commits to a session or user (sign out, disable,
  // password): an answer of Authenticate read before it may be stale.
  uint64_t AuthGeneration() const { return auth_generation_.load(std::memory_order_acquire); }
  // Checks a username and password (Argon2id: slow on purpose, run it off the I/O threads).
  // Unknown users are checked against a dummy hash so timing does not reveal them; a wrong
  // password, an unknown or a disabled user all give the same kUnauthenticated.
  core::Result<core::User> VerifyCredentials(const std::string& username,
                                             const std::string& password);

  // --- Saved views (per user) --------------------------------------------------------------
  core::Result<std::vector<core::SavedView>> Views(const core::User& user);
  // Name 1..100 bytes, query at most 2000 bytes (kInvalid naming /name or /query).
  void SaveView(core::User user, core::SavedView view, Callback<core::SavedView> done);
  void DeleteView(core::User user, std::string name, Callback<bool> done);

  // --- Dashboard ---------------------------------------------------------------------------
  // Figures for the staff dashboard over complaints received in the last `weeks` weeks; ages
  // of open complaints against the default policy's calendar (<= 3 business days, <= 4 weeks,
  // <= 8 weeks, more).
  core::Result<core::DashboardCounts> Dashboard(int weeks);
  // The age bands' edges now, newest first: the start of the local day three business days
  // back (default policy's calendar), 4 weeks and 8 weeks ago.
  std::array<core::Instant, 3> AgeEdges() const;

  // --- Outbox ------------------------------------------------------------------------------
  // Records the outcome of one delivery attempt of `n` (as read from the outbox) in one
  // transaction: the row, and the sent/failed event on the complaint's history.
  core::Status RecordDelivery(core::Notification n, const core::SendResult& result,
                              const RetryPolicy& retry);
  // Before a delivery: cancels `n` (state cancelled, a notification_cancelled event) when it
  // is no longer wanted: a survey invitation whose survey has closed since (answered on the
  // status page, opted out, reopened). True when cancelled.
  core::Result<bool> CancelIfMoot(const core::Notification& n);

  // --- Jobs --------------------------------------------------------------------------------
  // Checks clocks of up to `limit` complaints due for a check; returns how many changed.
  core::Result<int> RunClockChecks(int limit);

 private:
  using Mutator = std::function<core::Result<core::Applied>(const core::Complaint&)>;
  // Saves a changed complaint, appends its events and queues the messages they cause.
  core::Status SaveApplied(core::StoreTx& tx, core::Applied& applied) const;
  // Loads, checks scope, applies `mutate`, saves and appends events in one transaction.
  // Checks the complainant's reference and secret (kNotFound either way), then Mutate()s with
  // `change` at the current instant.
  void AsComplainant(
      std::string reference, std::string secret,
      std::function<core::Result<core::Applied>(const core::Complaint&, core::Instant)> change,
      Callback<core::Complaint> done);
  void Mutate(std::string reference, std::optional<core::Scope> scope, Mutator mutate,
              Callback<core::Complaint> done);
  bool InScope(const core::Complaint& c, const core::Scope& scope) const;
  // Whoever is put in charge (assignee, investigator) must be an active user with one of
  // `roles`; an empty username is fine (nothing to check).
  core::Status CheckCanTakeOn(const std::string& username, const char* pointer,
                              std::initializer_list<core::Role> roles);
  core::Result<core::Reference> ParseRef(std::string_view text) const;
  const core::Policy& PolicyOf(const core::Complaint& c) const;
  // `done`, raising AuthGeneration() first.
  template <typename T>
  Callback<T> AfterAuthChange(Callback<T> done);

  core::Store& store_;
  const core::Clock& clock_;
  SequenceBlocks sequences_;
  std::vector<core::Policy> policies_;
  ServiceConfig config_;
  std::atomic<uint64_t> auth_generation_{0};
};

}  // namespace redress::app
