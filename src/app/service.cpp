#include "app/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/codec.hpp"
#include "util/crypto.hpp"

namespace redress::app {
namespace {

using core::Errc;
using core::MakeError;
using nlohmann::json;

core::Error NotFound() {
  core::Error e = MakeError(Errc::kNotFound, "No complaint with that reference was found.");
  e.type = "not-found";
  return e;
}

core::Event UserEvent(const std::string& actor, const std::string& action, json before, json after,
                      core::Instant now) {
  core::Event e;
  e.at = now;
  e.actor = actor;
  e.action = action;
  e.before = before.dump();
  e.after = after.dump();
  return e;
}

// The event recording an attachment `a` (inserted, so its id is set) on complaint `reference`.
core::Event AttachmentEvent(const core::Attachment& a, std::string reference) {
  core::Event e = UserEvent(a.uploaded_by, "attachment", json::object(),
                            {{"attachment_id", a.id},
                             {"sha256", a.sha256},
                             {"content_type", a.content_type},
                             {"size", a.size}},
                            a.at);
  e.complaint_id = a.complaint_id;
  e.reference = std::move(reference);
  return e;
}

// How a write may be run: once, or again after its batch was rolled back
// (Store::WriteRerunnable: the function moves nothing out of its captures, redoes all it
// computes, and sets `*out` afresh).
enum class Runs { kOnce, kRerunnable };

// Runs `fn` as one durable write and completes `done` with what it left in `*out`.
template <typename T>
void WriteReturning(core::Store& store, core::Store::TxFn fn, std::shared_ptr<T> out,
                    Callback<T> done, Runs runs = Runs::kOnce) {
  auto complete = [out = std::move(out), done = std::move(done)](core::Status s) {
    if (!s) return done(std::move(s).error());
    done(std::move(*out));
  };
  if (runs == Runs::kRerunnable) return store.WriteRerunnable(std::move(fn), std::move(complete));
  store.Write(std::move(fn), std::move(complete));
}

// Mail addresses compared as people write them: ASCII case does not matter.
bool SameAddress(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Writes messages to the outbox (in the caller's transaction).
core::Status Enqueue(core::StoreTx& tx, std::vector<core::Notification> messages) {
  for (auto& n : messages) {
    if (auto s = tx.InsertNotification(n); !s) return s;
  }
  return {};
}

int YearOf(core::Instant t, const core::Policy& p) {
  return static_cast<int>(p.calendar.LocalDateOf(t).year());
}

}  // namespace

ComplaintService::ComplaintService(core::Store& store, const core::Clock& clock,
                                   std::vector<core::Policy> policies, ServiceConfig config)
    : store_(store), clock_(clock), policies_(std::move(policies)), config_(std::move(config)) {
  util::InitCrypto();
}

const core::Policy* ComplaintService::FindPolicy(const std::string& id) const {
  for (const auto& p : policies_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

core::Status ComplaintService::SaveApplied(core::StoreTx& tx, core::Applied& applied) const {
  if (auto s = tx.UpdateComplaint(applied.after); !s) return s;
  for (auto& e : applied.events) {
    e.complaint_id = applied.after.id;
    if (auto s = tx.AppendEvent(e); !s) return s;
  }
  if (!config_.notify.enabled) return {};
  return Enqueue(tx, NotificationsFor(applied.after, applied.events, PolicyOf(applied.after),
                                      config_.notify, clock_.Now()));
}

const core::Policy& ComplaintService::PolicyOf(const core::Complaint& c) const {
  if (const auto* p = FindPolicy(c.policy_id)) return *p;
  if (const auto* p = FindPolicy(config_.default_policy)) return *p;
  return policies_.front();
}

core::Result<core::Reference> ComplaintService::ParseRef(std::string_view text) const {
  auto ref = core::ParseReference(text, config_.reference_prefix);
  if (!ref) return NotFound();
  return *ref;
}

// --- Intake ---------------------------------------------------------------------------------

namespace {

// Everything intake writes, built before the writer sees it: the writer only binds rows.
struct PreparedIntake {
  core::Complaint complaint;  // received and acknowledged
  std::string doc;            // store.PackRecord(EncodeStorage(complaint))
  std::vector<core::Event> events;
  std::string body_text;  // the 201 body, also the idempotency record's response
};

std::shared_ptr<PreparedIntake> PrepareIntake(const core::Store& store, core::Complaint receipt,
                                              const core::Policy& policy, const core::Actor& actor,
                                              core::Instant now, int year, int64_t sequence,
                                              const std::string& secret) {
  receipt.reference.year = year;
  receipt.reference.sequence = sequence;
  core::Applied applied = core::Receive(std::move(receipt), policy, actor, now);
  auto in = std::make_shared<PreparedIntake>();
  in->complaint = std::move(applied.after);
  in->doc = store.PackRecord(core::EncodeStorage(in->complaint));
  in->events = std::move(applied.events);
  for (auto& e : in->events) {
    e.payload_digest = util::Sha256Hex(core::PayloadBytes(e));
    // The receipt's copy of the record is as large as the record: packed like it, here off
    // the writer (the acknowledgement's few fields are not worth it).
    if (e.after.size() >= core::kPackedPayloadBytes) {
      std::string packed = store.PackRecord(e.after);
      if (core::IsPackedRecord(packed)) e.packed_after = std::move(packed);
    }
  }
  const core::Complaint& c = in->complaint;
  // The complainant's view and what intake adds to it, written straight to text.
  std::optional<core::Instant> acknowledge_by;
  std::optional<core::Instant> respond_by;
  for (const auto& t : c.clocks) {
    if (t.name == "acknowledge") acknowledge_by = t.due;
    if (t.name == "final_response") respond_by = t.due;
  }
  in->body_text.reserve(1024 + c.description.value.size());
  core::JsonWriter w(in->body_text);
  w.BeginObject();
  core::WriteComplainantMembers(w, c);
  core::WriteInstantMember(w, "acknowledge_by", acknowledge_by);
  core::WriteInstantMember(w, "acknowledged_at", now);
  w.Key("policy");
  w.String(policy.id);
  core::WriteInstantMember(w, "respond_by", respond_by);
  w.Key("secret");
  w.String(secret);
  w.Key("status_url");
  w.String("/api/v1/status/" + c.reference.ToString());
  w.EndObject();
  return in;
}

}  // namespace

std::optional<int64_t> SequenceBlocks::Take(int year) {
  std::lock_guard lock(mu_);
  auto it = blocks_.find(year);
  if (it == blocks_.end() || it->second.empty()) return std::nullopt;
  auto& [next, end] = it->second.front();
  const int64_t n = next++;
  if (next == end) it->second.erase(it->second.begin());
  return n;
}

void SequenceBlocks::Publish(int year, int64_t first, int64_t count) {
  if (count <= 0) return;
  std::lock_guard lock(mu_);
  blocks_[year].emplace_back(first, first + count);
}

void ComplaintService::Create(core::Complaint receipt, const core::Actor& actor, std::string caller,
                              std::string idempotency_key, std::string body_hash,
                              Callback<CreateResult> done,
                              std::vector<core::Attachment> attachments) {
  const core::Instant now = clock_.Now();
  const core::Policy& policy = PolicyOf(receipt);
  receipt.reference.prefix = config_.reference_prefix;
  receipt.received_by = actor.name;
  const std::string secret = util::RandomToken(20);  // 160 bits
  receipt.secret_hash = util::Sha256Hex(secret);
  if (receipt.received_at == core::Instant{}) receipt.received_at = now;
  const int year = YearOf(receipt.received_at, policy);

  // With a number from a reserved block, the record, its encoding and events are built here,
  // off the writer. Otherwise the transaction reserves a new block, builds them itself, and
  // hands the rest of the block out once it has committed.
  std::shared_ptr<PreparedIntake> intake;
  std::shared_ptr<const core::Complaint> unnumbered;  // the receipt, when the tx numbers it
  if (auto seq = sequences_.Take(year)) {
    intake = PrepareIntake(store_, std::move(receipt), policy, actor, now, year, *seq, secret);
  } else {
    unnumbered = std::make_shared<const core::Complaint>(std::move(receipt));
  }
  auto result = std::make_shared<CreateResult>();
  auto reserved = std::make_shared<int64_t>(0);  // first number of a block this tx reserved
  auto fn = [unnumbered = std::move(unnumbered), intake = std::move(intake), actor,
             caller = std::move(caller), key = std::move(idempotency_key),
             body_hash = std::move(body_hash), secret, now, year, &policy, result, reserved,
             attachments = std::move(attachments), &notify = config_.notify,
             &store = store_](core::StoreTx& tx) mutable -> core::Status {
    // Safe to run again (WriteRerunnable): a block of numbers an earlier run reserved went
    // back with its rollback, so the intake built from it is built again.
    if (*reserved != 0) {
      intake.reset();
      *reserved = 0;
    }
    if (!key.empty()) {
      auto existing = tx.GetIdempotency(caller, key);
      if (!existing) return existing.error();
      if (existing->has_value()) {
        const auto& rec = **existing;
        if (rec.body_hash != body_hash) {
          core::Error e = MakeError(Errc::kInvalid,
                                    "This Idempotency-Key was used before with a different body.");
          e.type = "idempotency-key-reused";
          return e;
        }
        result->status = rec.status;
        result->body_text = rec.response;
        const json replayed = result->Body();
        result->reference = replayed.is_object() ? replayed.value("reference", "") : "";
        return {};
      }
    }
    if (!intake) {
      auto first = tx.ReserveSequences(year, kSequenceBlock);
      if (!first) return first.error();
      *reserved = *first;
      intake = PrepareIntake(store, *unnumbered, policy, actor, now, year, *first, secret);
    }
    if (auto s = tx.InsertComplaint(intake->complaint, intake->doc); !s) return s;
    for (auto& e : intake->events) {
      e.complaint_id = intake->complaint.id;
      if (auto s = tx.AppendEvent(e); !s) return s;
    }
    if (notify.enabled) {
      auto messages =
          NotificationsFor(intake->complaint, intake->events, policy, notify, now, secret);
      if (auto s = Enqueue(tx, std::move(messages)); !s) return s;
    }
    // Files sent with the complaint (the portal's form) belong to it from the same commit.
    for (auto& a : attachments) {
      a.complaint_id = intake->complaint.id;
      a.at = now;
      a.uploaded_by = actor.name;
      if (auto s = tx.InsertAttachment(a); !s) return s;
      core::Event e = AttachmentEvent(a, intake->complaint.reference.ToString());
      if (auto s = tx.AppendEvent(e); !s) return s;
    }
    result->status = 201;
    result->reference = intake->complaint.reference.ToString();
    if (!key.empty()) {
      core::IdempotencyRecord rec{key, caller, body_hash, 201, intake->body_text, now};
      if (auto s = tx.PutIdempotency(rec); !s) return s;
    }
    result->body_text = intake->body_text;
    return {};
  };
  store_.WriteRerunnable(std::move(fn),
                         [this, year, result = std::move(result), reserved = std::move(reserved),
                          done = std::move(done)](core::Status s) {
                           if (!s) return done(std::move(s).error());
                           if (*reserved != 0)
                             sequences_.Publish(year, *reserved + 1, kSequenceBlock - 1);
                           done(std::move(*result));
                         });
}

// --- Mail intake ----------------------------------------------------------------------------

std::vector<core::Reference> ReferencesIn(std::string_view text, std::string_view prefix) {
  std::vector<core::Reference> out;
  if (prefix.empty()) return out;
  text = text.substr(0, std::min<size_t>(text.size(), 4096));
  auto lower = [](char ch) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  };
  std::string hay(text.size(), ' ');
  std::transform(text.begin(), text.end(), hay.begin(), lower);
  std::string needle(prefix.size(), ' ');
  std::transform(prefix.begin(), prefix.end(), needle.begin(), lower);
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    // "CMP-2026-000123-N": the prefix, then digits and hyphens, then the check letter.
    size_t end = pos + needle.size();
    while (end < text.size() && end - pos < 32 &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '-')) {
      ++end;
    }
    if (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    auto ref = core::ParseReference(text.substr(pos, end - pos), prefix);
    if (ref && std::find(out.begin(), out.end(), *ref) == out.end()) out.push_back(*ref);
  }
  return out;
}

void ComplaintService::ReceiveMail(InboundMail mail, Callback<MailReceipt> done) {
  const core::Instant now = clock_.Now();
  std::vector<core::Reference> refs = ReferencesIn(mail.subject, config_.reference_prefix);
  for (const auto& id : mail.thread_ids) {
    for (auto& r : ReferencesIn(id, config_.reference_prefix)) {
      if (std::find(refs.begin(), refs.end(), r) == refs.end()) refs.push_back(std::move(r));
    }
  }

  // The receipt, should the message be a new complaint.
  core::Complaint receipt;
  receipt.channel = core::Channel::kEmail;
  receipt.complainant.name = mail.from_name.empty() ? mail.from_address : mail.from_name;
  receipt.complainant.email = mail.from_address;
  receipt.contact.channel = "email";
  receipt.contact.language = config_.notify.default_language;
  std::string description = mail.subject;
  if (!mail.text.empty()) description += (description.empty() ? "" : "\n\n") + mail.text;
  if (description.empty()) description = "(No text: see the attachments.)";
  receipt.description = std::move(description);
  receipt.reference.prefix = config_.reference_prefix;
  receipt.received_at = now;
  const core::Policy& policy = PolicyOf(receipt);
  receipt.received_by = "mailgate";
  const std::string secret = util::RandomToken(20);
  receipt.secret_hash = util::Sha256Hex(secret);
  const int year = YearOf(now, policy);

  auto out = std::make_shared<MailReceipt>();
  auto fn = [this, mail = std::move(mail), refs = std::move(refs), receipt = std::move(receipt),
             &policy, secret, now, year, out](core::StoreTx& tx) -> core::Status {
    auto seen = tx.FindSource("email", mail.message_id);
    if (!seen) return seen.error();
    if (seen->has_value()) {
      out->outcome = "duplicate";
      out->reference = (*seen)->reference.ToString();
      return {};
    }
    std::optional<core::Complaint> target;
    for (const auto& ref : refs) {
      auto loaded = tx.LoadComplaint(ref);
      if (!loaded) return loaded.error();
      if (loaded->has_value()) {
        target = std::move(**loaded);
        break;
      }
    }
    auto add_attachments = [&](int64_t complaint_id, const std::string& reference,
                               const std::string& by) -> core::Status {
      for (auto a : mail.attachments) {
        a.complaint_id = complaint_id;
        a.at = now;
        a.uploaded_by = by;
        if (auto s = tx.InsertAttachment(a); !s) return s;
        core::Event e = AttachmentEvent(a, reference);
        if (auto s = tx.AppendEvent(e); !s) return s;
      }
      return {};
    };

    int64_t complaint_id = 0;
    if (target) {
      core::Complaint c = std::move(*target);
      complaint_id = c.id;
      const std::string reference = c.reference.ToString();
      const bool from_complainant =
          !mail.from_address.empty() && SameAddress(c.complainant.email.value, mail.from_address);
      core::Note note;
      note.complaint_id = c.id;
      note.at = now;
      note.author = from_complainant ? "complainant" : "mailgate";
      note.visibility =
          from_complainant ? core::NoteVisibility::kComplainant : core::NoteVisibility::kInternal;
      std::string body = mail.text.empty() ? "(No text.)" : mail.text;
      if (!from_complainant) {
        body = "Mail from " + mail.from_address +
               ", who is not the complainant on record; not shown to the complainant.\n\n" + body;
      }
      note.body = std::move(body);
      if (auto s = tx.InsertNote(note); !s) return s;
      if (auto s = add_attachments(c.id, reference, note.author); !s) return s;
      core::Event ev = UserEvent("mailgate", "email_received", json::object(),
                                 {{"note_id", note.id},
                                  {"from_complainant", from_complainant},
                                  {"attachments", mail.attachments.size()},
                                  {"refused_attachments", mail.refused_attachments}},
                                 now);
      ev.complaint_id = c.id;
      ev.reference = reference;
      if (auto s = tx.AppendEvent(ev); !s) return s;
      if (from_complainant) {
        std::optional<core::Result<core::Applied>> applied;
        if (c.state == core::State::kAwaitingComplainant) {
          core::ActionInput in;
          in.information = mail.text;
          applied = core::ApplyAction(c, core::Action::kProvideInformation, in,
                                      core::Actor::Complainant(), PolicyOf(c), now, config_.limits);
        } else if (!core::IsOpen(c.state)) {
          core::ActionInput in;
          in.reason = "The complainant wrote again by email.";
          applied = core::ApplyAction(c, core::Action::kReopen, in, core::Actor::System(),
                                      PolicyOf(c), now, config_.limits);
          // Outside the policy's window the message stays a note for staff to act on.
          if (!*applied) applied.reset();
          out->reopened = applied.has_value();
        }
        if (applied) {
          if (!*applied) return applied->error();
          if (auto s = SaveApplied(tx, **applied); !s) return s;
        }
      }
      out->outcome = "added";
      out->reference = reference;
    } else {
      auto first = tx.ReserveSequences(year, 1);
      if (!first) return first.error();
      auto intake =
          PrepareIntake(store_, receipt, policy, core::Actor{core::ActorKind::kSystem, "mailgate"},
                        now, year, *first, secret);
      if (auto s = tx.InsertComplaint(intake->complaint, intake->doc); !s) return s;
      complaint_id = intake->complaint.id;
      for (auto& e : intake->events) {
        e.complaint_id = complaint_id;
        if (auto s = tx.AppendEvent(e); !s) return s;
      }
      const std::string reference = intake->complaint.reference.ToString();
      if (auto s = add_attachments(complaint_id, reference, "complainant"); !s) return s;
      if (config_.notify.enabled) {
        const std::string reply_to =
            mail.message_id.find('@') != std::string::npos ? mail.message_id : "";
        auto messages = NotificationsFor(intake->complaint, intake->events, policy, config_.notify,
                                         now, secret, reply_to);
        if (auto s = Enqueue(tx, std::move(messages)); !s) return s;
      }
      out->outcome = "created";
      out->reference = reference;
    }
    core::SourceKey key;
    key.system = "email";
    key.external_id = mail.message_id;
    key.complaint_id = complaint_id;
    return tx.PutSource(key);
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done));
}

// --- Complainant ----------------------------------------------------------------------------

core::Result<core::Complaint> ComplaintService::ComplainantLookup(std::string_view reference,
                                                                  std::string_view secret) {
  auto ref = ParseRef(reference);
  if (!ref) return ref.error();
  auto c = store_.GetComplaint(*ref);
  if (!c) return c.error();
  // Hash even when the complaint is unknown, so timing does not tell the two apart.
  const std::string presented = util::Sha256Hex(secret);
  if (!c->has_value() || !util::ConstantTimeEquals(presented, (*c)->secret_hash)) {
    return NotFound();
  }
  return std::move(**c);
}

core::Result<std::vector<core::Note>> ComplaintService::ComplainantMessages(
    const core::Complaint& c) {
  auto notes = store_.NotesOf(c.id);
  if (!notes) return notes.error();
  std::vector<core::Note> out;
  for (auto& n : *notes) {
    if (n.visibility == core::NoteVisibility::kComplainant) out.push_back(std::move(n));
  }
  return out;
}

void ComplaintService::ComplainantAddInformation(std::string reference, std::string secret,
                                                 std::string text, Callback<core::Complaint> done) {
  auto found = ComplainantLookup(reference, secret);
  if (!found) return done(found.error());
  if (!core::IsOpen(found->state)) {
    core::Error e =
        MakeError(Errc::kConflict, fmt::format("The complaint is {}; ask us to reopen it instead.",
                                               core::ToString(found->state)));
    e.type = "illegal-transition";
    return done(std::move(e));
  }
  const core::Instant now = clock_.Now();
  auto out = std::make_shared<core::Complaint>();
  auto fn = [this, ref = found->reference, text = std::move(text), now,
             out](core::StoreTx& tx) -> core::Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return NotFound();
    core::Complaint c = std::move(**loaded);
    core::Note note;
    note.complaint_id = c.id;
    note.at = now;
    note.author = "complainant";
    note.visibility = core::NoteVisibility::kComplainant;
    note.body = text;
    if (auto s = tx.InsertNote(note); !s) return s;
    core::Event ev =
        UserEvent("complainant", "information_added", json::object(), {{"note_id", note.id}}, now);
    ev.complaint_id = c.id;
    ev.reference = c.reference.ToString();
    if (auto s = tx.AppendEvent(ev); !s) return s;
    if (c.state == core::State::kAwaitingComplainant) {
      core::ActionInput in;
      in.information = text;
      auto applied =
          core::ApplyAction(c, core::Action::kProvideInformation, in, core::Actor::Complainant(),
                            PolicyOf(c), now, config_.limits);
      if (!applied) return applied.error();
      if (auto s = SaveApplied(tx, *applied); !s) return s;
      c = std::move(applied->after);
    }
    *out = std::move(c);
    return {};
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done), Runs::kRerunnable);
}

void ComplaintService::ComplainantWithdraw(std::string reference, std::string secret,
                                           std::string reason, Callback<core::Complaint> done) {
  core::ActionInput in;
  in.reason = std::move(reason);
  AsComplainant(
      std::move(reference), std::move(secret),
      [this, in](const core::Complaint& c, core::Instant now) {
        return core::ApplyAction(c, core::Action::kWithdraw, in, core::Actor::Complainant(),
                                 PolicyOf(c), now, config_.limits);
      },
      std::move(done));
}

void ComplaintService::AsComplainant(
    std::string reference, std::string secret,
    std::function<core::Result<core::Applied>(const core::Complaint&, core::Instant)> change,
    Callback<core::Complaint> done) {
  auto found = ComplainantLookup(reference, secret);
  if (!found) return done(found.error());
  const core::Instant now = clock_.Now();
  Mutate(
      found->reference.ToString(), std::nullopt,
      [change = std::move(change), now](const core::Complaint& c) { return change(c, now); },
      std::move(done));
}

void ComplaintService::ComplainantSurvey(std::string reference, std::string secret, int handling,
                                         int outcome, std::string comment,
                                         Callback<core::Complaint> done) {
  AsComplainant(
      std::move(reference), std::move(secret),
      [handling, outcome, comment = std::move(comment)](const core::Complaint& c,
                                                        core::Instant now) {
        return core::AnswerSurvey(c, handling, outcome, comment, now);
      },
      std::move(done));
}

void ComplaintService::ComplainantSurveyOptOut(std::string reference, std::string secret,
                                               Callback<core::Complaint> done) {
  AsComplainant(
      std::move(reference), std::move(secret),
      [](const core::Complaint& c, core::Instant now) { return core::OptOutOfSurvey(c, now); },
      std::move(done));
}

core::Status ComplaintService::CheckCanTakeOn(const std::string& username, const char* pointer,
                                              std::initializer_list<core::Role> roles) {
  if (username.empty()) return {};
  auto found = store_.FindUser(username);
  if (!found) return found.error();
  if (!found->has_value() || (*found)->disabled ||
      std::find(roles.begin(), roles.end(), (*found)->role) == roles.end()) {
    return MakeError(Errc::kInvalid, "No active user with that username and a suitable role.",
                     {{pointer, "is not an active user with a suitable role"}});
  }
  return {};
}

// --- Staff ----------------------------------------------------------------------------------

core::Scope ComplaintService::ScopeOf(const core::User& user) const {
  core::Scope s;
  s.exclude_named = user.username;  // whatever the role, never a complaint about oneself
  switch (user.role) {
    case core::Role::kManager:
    case core::Role::kAuditor:
      s.all = true;
      break;
    case core::Role::kHandler:
      s.assignee = user.username;
      break;
    case core::Role::kInvestigator:
      s.investigator = user.username;
      break;
    case core::Role::kAdmin:
      // Admins never read complaint content: a scope that matches nothing.
      s.investigator = "\x01no-complaints";
      break;
  }
  return s;
}

bool ComplaintService::InScope(const core::Complaint& c, const core::Scope& scope) const {
  if (!scope.exclude_named.empty() && core::NamesPerson(c, scope.exclude_named)) return false;
  if (scope.all) return true;
  if (!scope.assignee.empty()) return c.assignee.empty() || c.assignee == scope.assignee;
  if (!scope.investigator.empty()) return c.investigator == scope.investigator;
  return false;
}

core::Result<ComplaintFile> ComplaintService::GetFile(std::string_view reference,
                                                      const core::User& user) {
  auto ref = ParseRef(reference);
  if (!ref) return ref.error();
  auto file = store_.GetComplaintFile(*ref);
  if (!file) return file.error();
  if (!file->has_value() || !InScope((*file)->complaint(), ScopeOf(user))) return NotFound();
  return std::move(**file);
}

core::Result<core::User> ComplaintService::VerifyCredentials(const std::string& username,
                                                             const std::string& password) {
  auto u = store_.FindUser(username);
  if (!u) return u.error();
  static const std::string dummy = util::HashPassword("redress-dummy-password").value_or("");
  const bool ok = util::VerifyPassword(u->has_value() ? (*u)->password_hash : dummy, password);
  if (!u->has_value() || !ok || (*u)->disabled) {
    return MakeError(Errc::kUnauthenticated, "The username or password is wrong.");
  }
  return std::move(**u);
}

core::Result<std::vector<core::SavedView>> ComplaintService::Views(const core::User& user) {
  return store_.ViewsOf(user.id);
}

void ComplaintService::SaveView(core::User user, core::SavedView view,
                                Callback<core::SavedView> done) {
  std::vector<core::FieldError> errors;
  if (view.name.empty() || view.name.size() > 100) {
    errors.push_back({"/name", "must be 1 to 100 bytes"});
  }
  if (view.query.size() > 2000) errors.push_back({"/query", "is longer than 2000 bytes"});
  if (!errors.empty()) return done(MakeError(Errc::kInvalid, "Some fields are invalid.", errors));
  view.updated_at = clock_.Now();
  auto out = std::make_shared<core::SavedView>(std::move(view));
  auto fn = [user_id = user.id, out](core::StoreTx& tx) -> core::Status {
    return tx.PutView(user_id, *out);
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done));
}

void ComplaintService::DeleteView(core::User user, std::string name, Callback<bool> done) {
  auto out = std::make_shared<bool>(false);
  auto fn = [user_id = user.id, name = std::move(name), out](core::StoreTx& tx) -> core::Status {
    auto deleted = tx.DeleteView(user_id, name);
    if (!deleted) return deleted.error();
    if (!*deleted) return MakeError(Errc::kNotFound, "No saved view with that name.");
    *out = true;
    return {};
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done));
}

core::Result<core::DashboardCounts> ComplaintService::Dashboard(int weeks) {
  core::DashboardQuery q;
  q.since = clock_.Now() - std::chrono::days(7 * std::clamp(weeks, 1, 104));
  q.age_edges = AgeEdges();
  return store_.Dashboard(q);
}

std::array<core::Instant, 3> ComplaintService::AgeEdges() const {
  const core::Instant now = clock_.Now();
  const core::Calendar* cal = nullptr;
  if (const core::Policy* p = FindPolicy(config_.default_policy)) cal = &p->calendar;
  // Received on or after the start of the local day three business days back.
  core::Instant three_bd = now - std::chrono::days(3);
  if (cal != nullptr && cal->zone != nullptr) {
    date::sys_days day = date::sys_days(cal->LocalDateOf(now));
    for (int counted = 0, guard = 0; counted < 3 && guard < 60; ++guard) {
      day -= date::days(1);
      if (cal->IsBusinessDay(core::LocalDate(day))) ++counted;
    }
    three_bd = cal->AtLocal(core::LocalDate(day), std::chrono::minutes(0));
  }
  return {three_bd, now - std::chrono::days(28), now - std::chrono::days(56)};
}

core::Result<core::ListPage> ComplaintService::List(core::ListQuery q, const core::User& user) {
  return store_.ListComplaints(Scoped(std::move(q), user));
}

core::Status ComplaintService::WriteList(core::ListQuery q, const core::User& user,
                                         std::string& out) {
  return store_.WriteComplaintsPage(Scoped(std::move(q), user), out);
}

core::ListQuery ComplaintService::Scoped(core::ListQuery q, const core::User& user) const {
  q.scope = ScopeOf(user);
  q.now = clock_.Now();
  q.limit = std::clamp(q.limit, 1, 200);
  return q;
}

void ComplaintService::Mutate(std::string reference, std::optional<core::Scope> scope,
                              Mutator mutate, Callback<core::Complaint> done) {
  auto ref = ParseRef(reference);
  if (!ref) return done(ref.error());
  auto out = std::make_shared<core::Complaint>();
  auto fn = [this, ref = *ref, scope = std::move(scope), mutate = std::move(mutate),
             out](core::StoreTx& tx) -> core::Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return NotFound();
    if (scope && !InScope(**loaded, *scope)) return NotFound();
    auto applied = mutate(**loaded);
    if (!applied) return applied.error();
    if (auto s = SaveApplied(tx, *applied); !s) return s;
    *out = std::move(applied->after);
    return {};
  };
  // The mutators compute from the loaded record alone: the write may run twice.
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done), Runs::kRerunnable);
}

void ComplaintService::Act(std::string reference, core::Action action, core::ActionInput input,
                           core::User user, Callback<core::Complaint> done) {
  if (input.assessment && !config_.categories.empty() &&
      !config_.categories.contains(input.assessment->category)) {
    return done(MakeError(Errc::kInvalid, "The category is not in the taxonomy.",
                          {{"/category", "is not in the taxonomy"}}));
  }
  if (auto s =
          CheckCanTakeOn(input.assignee, "/assignee", {core::Role::kHandler, core::Role::kManager});
      !s) {
    return done(std::move(s).error());
  }
  if (auto s =
          CheckCanTakeOn(input.investigator, "/investigator",
                         {core::Role::kInvestigator, core::Role::kHandler, core::Role::kManager});
      !s) {
    return done(std::move(s).error());
  }
  const core::Instant now = clock_.Now();
  StaffCaller caller{user};
  Mutate(
      std::move(reference), ScopeOf(user),
      [this, action, input = std::move(input), actor = caller.actor(),
       now](const core::Complaint& c) {
        return core::ApplyAction(c, action, input, actor, PolicyOf(c), now, config_.limits);
      },
      std::move(done));
}

void ComplaintService::Assign(std::string reference, std::string assignee, core::User user,
                              Callback<core::Complaint> done) {
  if (user.role != core::Role::kHandler && user.role != core::Role::kManager) {
    return done(MakeError(Errc::kForbidden, "Only handlers and managers assign complaints."));
  }
  if (assignee.empty()) {
    return done(
        MakeError(Errc::kInvalid, "An assignee is required.", {{"/assignee", "is required"}}));
  }
  if (auto s = CheckCanTakeOn(assignee, "/assignee", {core::Role::kHandler, core::Role::kManager});
      !s) {
    return done(std::move(s).error());
  }
  const core::Instant now = clock_.Now();
  StaffCaller caller{user};
  Mutate(
      std::move(reference), ScopeOf(user),
      [assignee = std::move(assignee), actor = caller.actor(), now](const core::Complaint& c) {
        return core::Reassign(c, assignee, actor, now);
      },
      std::move(done));
}

void ComplaintService::EscalateComplaint(std::string reference, std::string reason, core::User user,
                                         Callback<core::Complaint> done) {
  if (user.role == core::Role::kAuditor || user.role == core::Role::kAdmin) {
    return done(MakeError(Errc::kForbidden, "This role cannot escalate complaints."));
  }
  const core::Instant now = clock_.Now();
  StaffCaller caller{user};
  Mutate(
      std::move(reference), ScopeOf(user),
      [reason = std::move(reason), actor = caller.actor(), now](const core::Complaint& c) {
        return core::Escalate(c, reason, actor, now);
      },
      std::move(done));
}

void ComplaintService::RecordFollowUp(std::string reference, bool satisfied, std::string note,
                                      core::User user, Callback<core::Complaint> done) {
  if (user.role != core::Role::kHandler && user.role != core::Role::kInvestigator &&
      user.role != core::Role::kManager) {
    return done(MakeError(Errc::kForbidden, "This role cannot record follow-ups."));
  }
  const core::Instant now = clock_.Now();
  StaffCaller caller{user};
  Mutate(
      std::move(reference), ScopeOf(user),
      [satisfied, note = std::move(note), actor = caller.actor(), now](const core::Complaint& c) {
        return core::RecordFollowUp(c, satisfied, note, actor, now);
      },
      std::move(done));
}

void ComplaintService::AddNote(std::string reference, std::string body,
                               core::NoteVisibility visibility, core::User user,
                               Callback<core::Note> done) {
  if (user.role == core::Role::kAuditor || user.role == core::Role::kAdmin) {
    return done(MakeError(Errc::kForbidden, "This role cannot add notes."));
  }
  auto ref = ParseRef(reference);
  if (!ref) return done(ref.error());
  const core::Instant now = clock_.Now();
  auto out = std::make_shared<core::Note>();
  auto fn = [this, ref = *ref, body = std::move(body), visibility, user, now,
             out](core::StoreTx& tx) -> core::Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    if (!loaded->has_value() || !InScope(**loaded, ScopeOf(user))) return NotFound();
    core::Note n;
    n.complaint_id = (*loaded)->id;
    n.at = now;
    n.author = user.username;
    n.visibility = visibility;
    n.body = body;
    if (auto s = tx.InsertNote(n); !s) return s;
    core::Event e =
        UserEvent(user.username,
                  visibility == core::NoteVisibility::kInternal ? "note" : "message_to_complainant",
                  json::object(), {{"note_id", n.id}}, now);
    e.complaint_id = n.complaint_id;
    e.reference = ref.ToString();
    if (auto s = tx.AppendEvent(e); !s) return s;
    *out = std::move(n);
    return {};
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done), Runs::kRerunnable);
}

void ComplaintService::AddAttachment(std::string reference, core::Attachment meta, core::User user,
                                     Callback<core::Attachment> done) {
  if (user.role == core::Role::kAuditor || user.role == core::Role::kAdmin) {
    return done(MakeError(Errc::kForbidden, "This role cannot add attachments."));
  }
  auto ref = ParseRef(reference);
  if (!ref) return done(ref.error());
  const core::Instant now = clock_.Now();
  auto out = std::make_shared<core::Attachment>(std::move(meta));
  auto fn = [this, ref = *ref, user, now, out](core::StoreTx& tx) -> core::Status {
    auto loaded = tx.LoadComplaint(ref);
    if (!loaded) return loaded.error();
    if (!loaded->has_value() || !InScope(**loaded, ScopeOf(user))) return NotFound();
    out->complaint_id = (*loaded)->id;
    out->at = now;
    out->uploaded_by = user.username;
    if (auto s = tx.InsertAttachment(*out); !s) return s;
    core::Event e = AttachmentEvent(*out, ref.ToString());
    return tx.AppendEvent(e);
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done));
}

// --- Users and sessions ---------------------------------------------------------------------

void ComplaintService::CreateUser(core::User user, const std::string& actor,
                                  Callback<core::User> done) {
  const core::Instant now = clock_.Now();
  user.created_at = now;
  auto out = std::make_shared<core::User>(std::move(user));
  auto fn = [out, actor, now](core::StoreTx& tx) -> core::Status {
    if (auto s = tx.InsertUser(*out); !s) return s;
    core::Event e =
        UserEvent(actor, "user_created", json::object(),
                  {{"username", out->username}, {"role", core::ToString(out->role)}}, now);
    return tx.AppendEvent(e);
  };
  WriteReturning(store_, std::move(fn), std::move(out), std::move(done));
}

void ComplaintService::SetUserDisabled(std::string username, bool disabled,
                                       const std::string& actor, Callback<core::User> done) {
  const core::Instant now = clock_.Now();
  auto out = std::make_shared<core::User>();
  auto fn = [username = std::move(username), disabled, actor, now,
             out](core::StoreTx& tx) -> core::Status {
    auto u = tx.LoadUser(username);
    if (!u) return u.error();
    if (!u->has_value()) return MakeError(Errc::kNotFound, "No user with that username.");
    core::User user = std::move(**u);
    const bool was = user.disabled;
    user.disabled = disabled;
    if (auto s = tx.UpdateUser(user); !s) return s;
    if (disabled) {
      if (auto s = tx.DeleteSessionsOf(user.id); !s) return s;
    }
    core::Event e = UserEvent(actor, disabled ? "user_disabled" : "user_enabled",
                              {{"username", user.username}, {"disabled", was}},
                              {{"username", user.username}, {"disabled", disabled}}, now);
    if (auto s = tx.AppendEvent(e); !s) return s;
    *out = std::move(user);
    return {};
  };
  WriteReturning(store_, std::move(fn), std::move(out), AfterAuthChange(std::move(done)));
}

void ComplaintService::SetPasswordHash(std::string username, std::string hash,
                                       const std::string& actor, Callback<core::User> done) {
  const core::Instant now = clock_.Now();
  auto out = std::make_shared<core::User>();
  auto fn = [username = std::move(username), hash = std::move(hash), actor, now,
             out](core::StoreTx& tx) -> core::Status {
    auto u = tx.LoadUser(username);
    if (!u) return u.error();
    if (!u->has_value()) return MakeError(Errc::kNotFound, "No user with that username.");
    core::User user = std::move(**u);
    user.password_hash = hash;
    user.must_change_password = false;
    if (auto s = tx.UpdateUser(user); !s) return s;
    core::Event e =
        UserEvent(actor, "password_changed", json::object(), {{"username", user.username}}, now);
    if (auto s = tx.AppendEvent(e); !s) return s;
    *out = std::move(user);
    return {};
  };
  WriteReturning(store_, std::move(fn), std::move(out), AfterAuthChange(std::move(done)));
}

void ComplaintService::OpenSession(core::User user, Callback<std::string> done) {
  const core::Instant now = clock_.Now();
  auto token = std::make_shared<std::string>(util::RandomToken(32));  // 256 bits
  core::Session session{util::Sha256Hex(*token), user.id, now,
                        now + std::chrono::hours(config_.session_hours)};
  auto fn = [session, user, now](core::StoreTx& tx) -> core::Status {
    if (auto s = tx.InsertSession(session); !s) return s;
    core::Event e =
        UserEvent(user.username, "login", json::object(), {{"username", user.username}}, now);
    return tx.AppendEvent(e);
  };
  WriteReturning(store_, std::move(fn), std::move(token), std::move(done));
}

void ComplaintService::CloseSession(std::string token_hash, Callback<bool> done) {
  auto fn = [token_hash = std::move(token_hash)](core::StoreTx& tx) -> core::Status {
    return tx.DeleteSession(token_hash);
  };
  store_.Write(std::move(fn), [this, done = std::move(done)](core::Status s) {
    auth_generation_.fetch_add(1, std::memory_order_acq_rel);
    if (!s) return done(std::move(s).error());
    done(true);
  });
}

template <typename T>
Callback<T> ComplaintService::AfterAuthChange(Callback<T> done) {
  return [this, done = std::move(done)](core::Result<T> r) {
    auth_generation_.fetch_add(1, std::memory_order_acq_rel);
    done(std::move(r));
  };
}

core::Result<core::User> ComplaintService::Authenticate(std::string_view token) {
  auto unauth = [] {
    return MakeError(Errc::kUnauthenticated, "A valid session token is required.");
  };
  if (token.empty() || token.size() > 128) return unauth();
  auto session = store_.FindSession(util::Sha256Hex(token));
  if (!session) return session.error();
  if (!session->has_value() || (*session)->expires_at <= clock_.Now()) return unauth();
  auto user = store_.GetUser((*session)->user_id);
  if (!user) return user.error();
  if (!user->has_value() || (*user)->disabled) return unauth();
  return std::move(**user);
}

// --- Outbox ---------------------------------------------------------------------------------

core::Status ComplaintService::RecordDelivery(core::Notification n, const core::SendResult& result,
                                              const RetryPolicy& retry) {
  auto event = RecordAttempt(n, result, clock_.Now(), retry);
  return store_.WriteSync([&n, &event](core::StoreTx& tx) -> core::Status {
    if (auto s = tx.UpdateNotification(n); !s) return s;
    if (event) return tx.AppendEvent(*event);
    return {};
  });
}

core::Result<bool> ComplaintService::CancelIfMoot(const core::Notification& n) {
  if (n.kind != kSurveyInvitation) return false;
  auto ref = ParseRef(n.reference);
  if (!ref) return ref.error();
  auto cancelled = std::make_shared<bool>(false);
  const core::Instant now = clock_.Now();
  core::Status s =
      store_.WriteSync([ref = *ref, n, now, cancelled](core::StoreTx& tx) -> core::Status {
        auto loaded = tx.LoadComplaint(ref);
        if (!loaded) return loaded.error();
        if (loaded->has_value() && core::SurveyOpen(**loaded)) return {};
        core::Notification row = n;
        core::Event e = CancelNotification(row, "the survey is no longer open", now);
        if (auto st = tx.UpdateNotification(row); !st) return st;
        *cancelled = true;
        return tx.AppendEvent(e);
      });
  if (!s) return std::move(s).error();
  return *cancelled;
}

// --- Jobs -----------------------------------------------------------------------------------

core::Result<int> ComplaintService::RunClockChecks(int limit) {
  const core::Instant now = clock_.Now();
  auto due = store_.ClaimClockChecks(now, limit, {config_.node, kClockClaimLease});
  if (!due) return due.error();
  if (due->empty()) return 0;
  auto changed = std::make_shared<int>(0);
  auto refs = std::move(*due);
  core::Status s = store_.WriteSync([this, refs, now, changed](core::StoreTx& tx) -> core::Status {
    for (const auto& ref : refs) {
      auto loaded = tx.LoadComplaint(ref);
      if (!loaded) return loaded.error();
      if (!loaded->has_value()) continue;
      auto applied = core::CheckClocks(**loaded, now);
      if (!applied) continue;
      if (auto st = SaveApplied(tx, *applied); !st) return st;
      ++*changed;
    }
    return {};
  });
  if (!s) return std::move(s).error();
  return *changed;
}

}  // namespace redress::app
