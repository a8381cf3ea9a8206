// Use cases (app/service) over the in-memory store, a FakeClock and the shipped policies:
// intake with idempotency keys, complainant lookup, staff scope, assignment, clock jobs.
#include "app/service.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "store/memory/memory_store.hpp"

namespace redress {
namespace {

using app::ComplaintService;
using app::CreateResult;
using core::Action;
using core::Complaint;
using core::Errc;
using core::Instant;
using core::Role;
using core::User;
using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;

// Monday 15 June 2026, 10:00 in London.
const Instant kT0 = Instant(date::sys_days(date::year(2026) / 6 / 15)) + hours(9);

std::vector<core::Policy> ShippedPolicies() {
  auto p = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
  if (!p) {
    ADD_FAILURE() << p.error().detail;
    return {};
  }
  return std::move(p).value();
}

// Runs an asynchronous use case and returns its result (the memory store completes inline).
template <typename T, typename F>
core::Result<T> Sync(F&& start) {
  std::optional<core::Result<T>> out;
  start([&out](core::Result<T> r) { out.emplace(std::move(r)); });
  if (!out) return core::MakeError(Errc::kInternal, "callback not called");
  return std::move(*out);
}

Complaint Receipt(const std::string& persons_named = "") {
  Complaint c;
  c.complainant.name = "Alice Example";
  c.complainant.email = "alice@example.org";
  c.description = "I was charged a fee twice.";
  c.subject.persons_named = persons_named;
  return c;
}

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : clock_(kT0), service_(store_, clock_, ShippedPolicies(), app::ServiceConfig{}) {
    for (auto [name, role] :
         std::vector<std::pair<std::string, Role>>{{"hana", Role::kHandler},
                                                   {"hugo", Role::kHandler},
                                                   {"ivan", Role::kInvestigator},
                                                   {"iris", Role::kInvestigator},
                                                   {"mona", Role::kManager},
                                                   {"max", Role::kManager},
                                                   {"audrey", Role::kAuditor},
                                                   {"adam", Role::kAdmin}}) {
      User u;
      u.username = name;
      u.display_name = name;
      u.role = role;
      u.password_hash = "x";
      auto r = Sync<User>([&](auto cb) { service_.CreateUser(u, "setup", cb); });
      EXPECT_TRUE(r.ok());
      users_[name] = r.ok() ? *r : u;
    }
  }

  const User& U(const std::string& name) { return users_.at(name); }

  core::Result<CreateResult> Create(Complaint receipt = Receipt(), std::string caller = "public",
                                    std::string key = "", std::string body_hash = "") {
    return Sync<CreateResult>([&](auto cb) {
      service_.Create(std::move(receipt), core::Actor::Complainant(), caller, key, body_hash, cb);
    });
  }

  std::string CreateRef(const std::string& persons_named = "") {
    auto r = Create(Receipt(persons_named));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->reference : "";
  }

  core::Result<Complaint> Act(const std::string& ref, Action a, core::ActionInput in,
                              const std::string& user) {
    return Sync<Complaint>([&](auto cb) { service_.Act(ref, a, std::move(in), U(user), cb); });
  }

  core::Result<Complaint> Assign(const std::string& ref, const std::string& assignee,
                                 const std::string& user) {
    return Sync<Complaint>([&](auto cb) { service_.Assign(ref, assignee, U(user), cb); });
  }

  Complaint Stored(const std::string& ref) {
    auto parsed = core::ParseReference(ref);
    EXPECT_TRUE(parsed.has_value()) << ref;
    auto c = store_.GetComplaint(*parsed);
    EXPECT_TRUE(c.ok() && c->has_value()) << ref;
    return c.ok() && c->has_value() ? **c : Complaint{};
  }

  std::vector<core::Event> Events(const std::string& ref) {
    auto e = store_.EventsOf(Stored(ref).id);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : std::vector<core::Event>{};
  }

  bool Sees(const std::string& user, const std::string& ref) {
    auto f = service_.GetFile(ref, U(user));
    if (!f.ok()) {
      EXPECT_EQ(f.error().code, Errc::kNotFound) << user << " " << ref << ": " << f.error().detail;
    }
    return f.ok();
  }

  std::set<std::string> Listed(const std::string& user) {
    core::ListQuery q;
    q.limit = 200;
    auto page = service_.List(q, U(user));
    EXPECT_TRUE(page.ok());
    std::set<std::string> out;
    if (page.ok()) {
      for (const auto& s : page->items) out.insert(s.reference);
    }
    return out;
  }

  store::MemoryStore store_;
  core::FakeClock clock_;
  ComplaintService service_;
  std::map<std::string, User> users_;
};

// --- Create ----------------------------------------------------------------------------------

TEST_F(ServiceTest, CreateReturnsReferenceSecretAndRespondBy) {
  auto r = Create();
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->status, 201);
  const json body = r->Body();
  EXPECT_EQ(body.value("reference", ""), r->reference);
  auto ref = core::ParseReference(r->reference);
  ASSERT_TRUE(ref.has_value()) << r->reference;
  EXPECT_EQ(ref->year, 2026);
  EXPECT_EQ(ref->sequence, 1);
  const std::string secret = body.value("secret", "");
  EXPECT_GE(secret.size(), 26u);  // >= 128 bits in base32
  EXPECT_EQ(body.value("state", ""), "acknowledged");
  EXPECT_EQ(body.value("policy", ""), "iso-default");
  // 20 business days after Monday 15 June 2026: Monday 13 July, 17:00 BST.
  EXPECT_EQ(body.value("respond_by", ""), "2026-07-13T16:00:00.000Z");
  EXPECT_EQ(body.value("acknowledged_at", ""), core::FormatInstant(kT0));
  // The body is written as text: exactly the complainant's view of the stored record, plus
  // intake's own members.
  const Complaint stored = Stored(r->reference);
  json expected = core::ToComplainantJson(stored, kT0);
  for (const char* key :
       {"acknowledge_by", "acknowledged_at", "policy", "respond_by", "secret", "status_url"}) {
    ASSERT_TRUE(body.contains(key)) << key;
    expected[key] = body[key];
  }
  EXPECT_EQ(body, expected);
  EXPECT_EQ(body.value("status_url", ""), "/api/v1/status/" + r->reference);
  for (const auto& t : stored.clocks) {
    if (t.name == "acknowledge") {
      EXPECT_EQ(body.value("acknowledge_by", ""), core::FormatInstant(t.due));
    }
  }

  EXPECT_EQ(stored.state, core::State::kAcknowledged);
  EXPECT_EQ(stored.received_at, kT0);
  EXPECT_NE(stored.secret_hash, secret);  // stored hashed, never in clear
  EXPECT_EQ(stored.secret_hash.find(secret), std::string::npos);
  const core::ClockTrack* fr = nullptr;
  for (const auto& t : stored.clocks) {
    if (t.name == "final_response") fr = &t;
  }
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(body.value("respond_by", ""), core::FormatInstant(fr->due));
  const auto events = Events(r->reference);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "received");
  EXPECT_EQ(events[1].action, "acknowledge");
  EXPECT_NE(events[0].hash, "");

  // The secret opens the complaint.
  auto found = service_.ComplainantLookup(r->reference, secret);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->reference.ToString(), r->reference);

  // The next one gets the next sequence and a different secret.
  auto second = Create();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(core::ParseReference(second->reference)->sequence, 2);
  EXPECT_NE(second->Body().value("secret", ""), secret);
}

TEST_F(ServiceTest, SameIdempotencyKeyAndBodyReplaysTheFirstResponse) {
  auto first = Create(Receipt(), "public", "key-1", "hash-A");
  ASSERT_TRUE(first.ok()) << first.error().detail;
  auto again = Create(Receipt(), "public", "key-1", "hash-A");
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(again->reference, first->reference);
  EXPECT_EQ(again->Body(), first->Body());
  EXPECT_EQ(*store_.CountComplaints(), 1);
  EXPECT_EQ(Events(first->reference).size(), 2u);
}

TEST_F(ServiceTest, SameIdempotencyKeyWithDifferentBodyIsRefused) {
  auto first = Create(Receipt(), "public", "key-1", "hash-A");
  ASSERT_TRUE(first.ok());
  auto other = Create(Receipt(), "public", "key-1", "hash-B");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::kInvalid);
  EXPECT_EQ(other.error().type, "idempotency-key-reused");
  EXPECT_EQ(*store_.CountComplaints(), 1);
}

TEST_F(ServiceTest, IdempotencyKeysBelongToTheirCaller) {
  ASSERT_TRUE(Create(Receipt(), "public", "key-1", "hash-A").ok());
  auto staff = Create(Receipt(), "hana", "key-1", "hash-A");
  ASSERT_TRUE(staff.ok());
  EXPECT_EQ(*store_.CountComplaints(), 2);
  // Without a key every call creates.
  ASSERT_TRUE(Create().ok());
  ASSERT_TRUE(Create().ok());
  EXPECT_EQ(*store_.CountComplaints(), 4);
}

// The use cases rely on "error => nothing changed" from the store. (This test also makes the
// unit binary reference Store::WriteSync, defined in redress_lib's src/store/write_sync.cpp
// although service.cpp in redress_core calls it; see the report on link order.)
TEST_F(ServiceTest, FailedWriteChangesNothing) {
  const std::string ref = CreateRef();
  const Complaint before = Stored(ref);
  const size_t events = Events(ref).size();
  core::Status s = store_.WriteSync([&](core::StoreTx& tx) -> core::Status {
    auto loaded = tx.LoadComplaint(before.reference);
    if (!loaded || !loaded->has_value()) return core::MakeError(Errc::kInternal, "load");
    Complaint c = **loaded;
    c.assignee = "hugo";
    c.version += 1;
    if (auto st = tx.UpdateComplaint(c); !st) return st;
    core::Event e;
    e.complaint_id = c.id;
    e.action = "assign";
    e.before = "{}";
    e.after = "{}";
    if (auto st = tx.AppendEvent(e); !st) return st;
    return core::MakeError(Errc::kConflict, "abandon");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kConflict);
  EXPECT_EQ(core::ToStorageJson(Stored(ref)), core::ToStorageJson(before));
  EXPECT_EQ(Events(ref).size(), events);
}

// --- Complainant lookup ----------------------------------------------------------------------

TEST_F(ServiceTest, WrongSecretLooksExactlyLikeAnUnknownReference) {
  auto r = Create();
  ASSERT_TRUE(r.ok());
  const std::string secret = r->Body().value("secret", "");
  const std::string unknown = core::Reference{"CMP", 2026, 999}.ToString();
  auto wrong = service_.ComplainantLookup(r->reference, secret + "X");
  auto missing = service_.ComplainantLookup(unknown, secret);
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(wrong.error().code, Errc::kNotFound);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(wrong.error().detail, missing.error().detail);
  EXPECT_EQ(wrong.error().type, missing.error().type);
  for (const std::string& bad_secret : {std::string(), std::string("0"), secret.substr(1)}) {
    auto e = service_.ComplainantLookup(r->reference, bad_secret);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::kNotFound);
  }
  // A mistyped reference is not found either, and the same way.
  auto typo = service_.ComplainantLookup("CMP-2026-000001-Q", secret);
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, Errc::kNotFound);
  EXPECT_EQ(typo.error().detail, missing.error().detail);
  // Lower case and no hyphens work with the right secret.
  std::string compact;
  for (char ch : r->reference) {
    if (ch != '-')
      compact.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  EXPECT_TRUE(service_.ComplainantLookup(compact, secret).ok());
}

TEST_F(ServiceTest, ComplainantWithdrawNeedsTheSecret) {
  auto r = Create();
  ASSERT_TRUE(r.ok());
  const std::string secret = r->Body().value("secret", "");
  auto wrong =
      Sync<Complaint>([&](auto cb) { service_.ComplainantWithdraw(r->reference, "nope", "", cb); });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kNotFound);
  EXPECT_EQ(Stored(r->reference).state, core::State::kAcknowledged);
  auto ok =
      Sync<Complaint>([&](auto cb) { service_.ComplainantWithdraw(r->reference, secret, "", cb); });
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  EXPECT_EQ(Stored(r->reference).state, core::State::kWithdrawn);
}

TEST_F(ServiceTest, ComplainantMessagesExcludeInternalNotes) {
  const std::string ref = CreateRef();
  core::ActionInput assess;
  assess.assessment = core::Assessment{};
  assess.assessment->category = "banking/fees";
  assess.assessment->severity = 2;
  ASSERT_TRUE(Act(ref, Action::kAssess, assess, "mona").ok());
  core::ActionInput inv;
  inv.investigator = "ivan";
  ASSERT_TRUE(Act(ref, Action::kInvestigate, inv, "mona").ok());
  core::ActionInput q;
  q.question = "Which branch?";
  ASSERT_TRUE(Act(ref, Action::kRequestInformation, q, "ivan").ok());
  auto internal = Sync<core::Note>([&](auto cb) {
    service_.AddNote(ref, "INTERNAL_ONLY", core::NoteVisibility::kInternal, U("ivan"), cb);
  });
  ASSERT_TRUE(internal.ok()) << internal.error().detail;
  auto message = Sync<core::Note>([&](auto cb) {
    service_.AddNote(ref, "Please reply", core::NoteVisibility::kComplainant, U("ivan"), cb);
  });
  ASSERT_TRUE(message.ok());

  const Complaint c = Stored(ref);
  auto messages = service_.ComplainantMessages(c);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].body.value, "Please reply");
  // Staff see both.
  auto file = service_.GetFile(ref, U("ivan"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->notes.size(), 2u);
}

TEST_F(ServiceTest, ComplainantAddInformationWhileAwaitingResumesInvestigation) {
  auto r = Create();
  ASSERT_TRUE(r.ok());
  const std::string ref = r->reference;
  const std::string secret = r->Body().value("secret", "");
  core::ActionInput assess;
  assess.assessment = core::Assessment{};
  assess.assessment->category = "banking/fees";
  assess.assessment->severity = 2;
  ASSERT_TRUE(Act(ref, Action::kAssess, assess, "mona").ok());
  core::ActionInput inv;
  inv.investigator = "ivan";
  ASSERT_TRUE(Act(ref, Action::kInvestigate, inv, "mona").ok());
  core::ActionInput q;
  q.question = "Which branch?";
  ASSERT_TRUE(Act(ref, Action::kRequestInformation, q, "ivan").ok());
  clock_.Advance(days(2));
  auto added = Sync<Complaint>(
      [&](auto cb) { service_.ComplainantAddInformation(ref, secret, "High Street", cb); });
  ASSERT_TRUE(added.ok()) << added.error().detail;
  EXPECT_EQ(added->state, core::State::kUnderInvestigation);
  EXPECT_EQ(Stored(ref).state, core::State::kUnderInvestigation);
  auto msgs = service_.ComplainantMessages(Stored(ref));
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  EXPECT_EQ((*msgs)[0].body.value, "High Street");
  // Wrong secret: not found, nothing added.
  auto wrong =
      Sync<Complaint>([&](auto cb) { service_.ComplainantAddInformation(ref, "bad", "spam", cb); });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kNotFound);
  EXPECT_EQ(service_.ComplainantMessages(Stored(ref))->size(), 1u);
}

// --- Scope -----------------------------------------------------------------------------------

class ScopeTest : public ServiceTest {
 protected:
  void SetUp() override {
    a_ = CreateRef();             // unassigned
    b_ = CreateRef();             // assigned to hugo
    c_ = CreateRef("hana, Bob");  // names hana
    d_ = CreateRef();             // investigated by ivan
    ASSERT_TRUE(Assign(b_, "hugo", "mona").ok());
    core::ActionInput assess;
    assess.assessment = core::Assessment{};
    assess.assessment->category = "banking/fees";
    assess.assessment->severity = 2;
    assess.assignee = "hugo";
    ASSERT_TRUE(Act(d_, Action::kAssess, assess, "mona").ok());
    core::ActionInput inv;
    inv.investigator = "ivan";
    ASSERT_TRUE(Act(d_, Action::kInvestigate, inv, "mona").ok());
  }
  std::string a_, b_, c_, d_;
};

TEST_F(ScopeTest, HandlerSeesAssignedToThemOrUnassignedButNeverWhereNamed) {
  EXPECT_TRUE(Sees("hana", a_));
  EXPECT_FALSE(Sees("hana", b_));  // someone else's
  EXPECT_FALSE(Sees("hana", c_));  // names her
  EXPECT_FALSE(Sees("hana", d_));  // hugo's
  EXPECT_EQ(Listed("hana"), (std::set<std::string>{a_}));
  EXPECT_TRUE(Sees("hugo", a_));
  EXPECT_TRUE(Sees("hugo", b_));
  EXPECT_TRUE(Sees("hugo", c_));
  EXPECT_TRUE(Sees("hugo", d_));
  EXPECT_EQ(Listed("hugo"), (std::set<std::string>{a_, b_, c_, d_}));
}

TEST_F(ScopeTest, InvestigatorSeesOnlyWhereInvestigator) {
  EXPECT_FALSE(Sees("ivan", a_));
  EXPECT_FALSE(Sees("ivan", b_));
  EXPECT_FALSE(Sees("ivan", c_));
  EXPECT_TRUE(Sees("ivan", d_));
  EXPECT_EQ(Listed("ivan"), (std::set<std::string>{d_}));
  for (const auto& ref : {a_, b_, c_, d_}) EXPECT_FALSE(Sees("iris", ref));
  EXPECT_TRUE(Listed("iris").empty());
}

TEST_F(ScopeTest, AdminSeesNoneManagerAndAuditorSeeAll) {
  for (const auto& ref : {a_, b_, c_, d_}) {
    EXPECT_FALSE(Sees("adam", ref)) << ref;
    EXPECT_TRUE(Sees("mona", ref)) << ref;
    EXPECT_TRUE(Sees("audrey", ref)) << ref;
  }
  EXPECT_TRUE(Listed("adam").empty());
  EXPECT_EQ(Listed("mona").size(), 4u);
  EXPECT_EQ(Listed("audrey").size(), 4u);
}

TEST_F(ScopeTest, OutOfScopeActsAreNotFoundAndChangeNothing) {
  const Complaint before = Stored(b_);
  core::ActionInput in;
  in.reason = "on instruction";
  auto r = Act(b_, Action::kWithdraw, in, "hana");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_EQ(core::ToStorageJson(Stored(b_)), core::ToStorageJson(before));
  // Admins cannot act either.
  auto admin = Act(a_, Action::kWithdraw, in, "adam");
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().code, Errc::kNotFound);
}

TEST_F(ScopeTest, NamedInvestigatorCannotBeAppointed) {
  const std::string e = CreateRef("Ivan");
  core::ActionInput assess;
  assess.assessment = core::Assessment{};
  assess.assessment->category = "banking/fees";
  assess.assessment->severity = 2;
  ASSERT_TRUE(Act(e, Action::kAssess, assess, "mona").ok());
  core::ActionInput inv;
  inv.investigator = "ivan";
  auto r = Act(e, Action::kInvestigate, inv, "mona");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "conflict-of-interest");
  EXPECT_FALSE(Sees("ivan", e));
}

TEST_F(ScopeTest, ListAndGetAgreeOnWhoIsNamed) {
  // The store's list filter and the service's InScope must treat persons_named alike; else a
  // named handler sees in the queue a complaint the file view hides (or the reverse).
  std::vector<std::string> refs;
  for (const char* named : {"hana", "HANA", "Hana Smith", "hana,bob", "bob;hana", "(hana)",
                            "hana/bob", "johanna", "hanah", "hana.smith", "hana_b"}) {
    refs.push_back(CreateRef(named));
  }
  const auto listed = Listed("hana");
  for (size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(Sees("hana", refs[i]), listed.count(refs[i]) == 1)
        << Stored(refs[i]).subject.persons_named.value;
  }
}

TEST_F(ScopeTest, ListAndGetAgreeOnPunctuatedNames) {
  std::vector<std::string> refs;
  for (const char* named : {"hana:", "'hana'", "hana!", "\"hana\"", "hana?", "<hana>"}) {
    refs.push_back(CreateRef(named));
  }
  const auto listed = Listed("hana");
  for (const auto& ref : refs) {
    EXPECT_EQ(Sees("hana", ref), listed.count(ref) == 1) << Stored(ref).subject.persons_named.value;
  }
}

TEST_F(ScopeTest, APersonNamedNeverSeesTheComplaintWhateverTheirRole) {
  const std::string e = CreateRef("mona, audrey");
  EXPECT_FALSE(Sees("mona", e));
  EXPECT_FALSE(Sees("audrey", e));
  EXPECT_EQ(Listed("mona").count(e), 0u);
  EXPECT_EQ(Listed("audrey").count(e), 0u);
  EXPECT_TRUE(Sees("max", e));
}

// --- Assign ----------------------------------------------------------------------------------

TEST_F(ScopeTest, AssignRefusesANamedUserAndChangesNothing) {
  const Complaint before = Stored(c_);
  const size_t events_before = Events(c_).size();
  auto r = Assign(c_, "hana", "mona");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(r.error().type, "conflict-of-interest");
  EXPECT_EQ(core::ToStorageJson(Stored(c_)), core::ToStorageJson(before));
  EXPECT_EQ(Events(c_).size(), events_before);
}

TEST_F(ScopeTest, AssignChecksRoleAndTarget) {
  auto by_investigator = Assign(a_, "hugo", "ivan");
  ASSERT_FALSE(by_investigator.ok());
  EXPECT_EQ(by_investigator.error().code, Errc::kForbidden);
  auto unknown = Assign(a_, "nobody", "mona");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::kInvalid);
  EXPECT_EQ(unknown.error().fields.at(0).pointer, "/assignee");
  auto ok = Assign(a_, "hana", "hugo");
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  EXPECT_EQ(Stored(a_).assignee, "hana");
  const auto events = Events(a_);
  EXPECT_EQ(events.back().action, "assign");
  EXPECT_EQ(events.back().actor, "hugo");
  // Now hugo no longer sees it; hana does.
  EXPECT_FALSE(Sees("hugo", a_));
  EXPECT_TRUE(Sees("hana", a_));
}

// --- Clock jobs ------------------------------------------------------------------------------

int CountEvents(const std::vector<core::Event>& events, const std::string& action,
                const std::string& clock) {
  int n = 0;
  for (const auto& e : events) {
    if (e.action != action) continue;
    if (json::parse(e.after).value("clock", "") == clock) ++n;
  }
  return n;
}

TEST_F(ServiceTest, RunClockChecksRecordsABreachExactlyOnce) {
  const std::string ref = CreateRef();
  auto nothing = service_.RunClockChecks(100);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, 0);

  const Complaint c = Stored(ref);
  Instant due{};
  for (const auto& t : c.clocks) {
    if (t.name == "final_response") due = t.due;
  }
  ASSERT_NE(due, Instant{});
  clock_.Set(due + hours(1));
  auto first = service_.RunClockChecks(100);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(*first, 1);
  clock_.Advance(days(1));
  auto second = service_.RunClockChecks(100);
  ASSERT_TRUE(second.ok()) << second.error().detail;
  EXPECT_EQ(*second, 0);

  const auto events = Events(ref);
  EXPECT_EQ(CountEvents(events, "clock_breach", "final_response"), 1);
  const Complaint after = Stored(ref);
  EXPECT_TRUE(after.escalated);
  EXPECT_LT(static_cast<int>(after.priority), static_cast<int>(c.priority));
}

// The scheduler's way: wake at each complaint's next clock instant (NextClockInstant), run the
// job, and once more a day later. Each warning and each breach is recorded exactly once.
TEST_F(ServiceTest, RunClockChecksAtEachNextInstantRecordsEachAlertOnce) {
  const std::string ref = CreateRef();
  const Complaint c = Stored(ref);
  Instant final_due{};
  for (const auto& t : c.clocks) {
    if (t.name == "final_response") final_due = t.due;
  }
  int runs = 0;
  for (; runs < 50; ++runs) {
    auto next = core::NextClockInstant(Stored(ref).clocks);
    if (!next) break;
    clock_.Set(*next);
    auto n = service_.RunClockChecks(100);
    ASSERT_TRUE(n.ok()) << "at " << core::FormatInstant(*next) << ": " << n.error().detail;
    EXPECT_EQ(*n, 1) << core::FormatInstant(*next);
    // A second run at the same instant changes nothing.
    auto again = service_.RunClockChecks(100);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, 0);
  }
  EXPECT_LT(runs, 50);
  EXPECT_GT(clock_.Now(), final_due);
  clock_.Advance(days(1));
  auto after_all = service_.RunClockChecks(100);
  ASSERT_TRUE(after_all.ok());
  EXPECT_EQ(*after_all, 0);

  const auto events = Events(ref);
  EXPECT_EQ(CountEvents(events, "clock_breach", "final_response"), 1);
  EXPECT_EQ(CountEvents(events, "clock_warning", "final_response"), 1);
  std::map<std::string, int> breaches;
  std::map<std::string, int> warnings;
  for (const auto& e : events) {
    const std::string clock =
        e.action.rfind("clock_", 0) == 0 ? json::parse(e.after).value("clock", "") : "";
    if (e.action == "clock_breach") ++breaches[clock];
    if (e.action == "clock_warning") ++warnings[clock];
  }
  for (const auto& [name, n] : breaches) EXPECT_EQ(n, 1) << name;
  for (const auto& [name, n] : warnings) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(breaches.count("acknowledge"), 0u);  // met at receipt
  const Complaint after = Stored(ref);
  EXPECT_TRUE(after.escalated);
  for (const auto& t : after.clocks) {
    if (t.name == "final_response") {
      EXPECT_TRUE(t.breached);
    }
  }
}

TEST_F(ServiceTest, RunClockChecksWarnsBeforeItBreaches) {
  const std::string ref = CreateRef();
  core::ClockTrack fr;
  for (const auto& t : Stored(ref).clocks) {
    if (t.name == "final_response") fr = t;
  }
  ASSERT_EQ(fr.name, "final_response");
  // Step through the earlier clocks first, one instant at a time.
  for (int i = 0; i < 20; ++i) {
    auto next = core::NextClockInstant(Stored(ref).clocks);
    if (!next || *next >= fr.warn) break;
    clock_.Set(*next);
    auto run = service_.RunClockChecks(100);
    ASSERT_TRUE(run.ok()) << run.error().detail;
  }
  clock_.Set(fr.warn);
  auto run = service_.RunClockChecks(100);
  ASSERT_TRUE(run.ok()) << run.error().detail;
  ASSERT_TRUE(service_.RunClockChecks(100).ok());
  EXPECT_EQ(CountEvents(Events(ref), "clock_warning", "final_response"), 1);
  EXPECT_EQ(CountEvents(Events(ref), "clock_breach", "final_response"), 0);
  clock_.Set(fr.due + hours(1));
  auto late = service_.RunClockChecks(100);
  ASSERT_TRUE(late.ok()) << late.error().detail;
  EXPECT_EQ(CountEvents(Events(ref), "clock_warning", "final_response"), 1);
  EXPECT_EQ(CountEvents(Events(ref), "clock_breach", "final_response"), 1);
}

TEST_F(ServiceTest, RunClockChecksIgnoresWithdrawnComplaints) {
  auto r = Create();
  ASSERT_TRUE(r.ok());
  auto w = Sync<Complaint>([&](auto cb) {
    service_.ComplainantWithdraw(r->reference, r->Body().value("secret", ""), "", cb);
  });
  ASSERT_TRUE(w.ok());
  const size_t before = Events(r->reference).size();
  clock_.Advance(days(120));
  auto n = service_.RunClockChecks(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(Events(r->reference).size(), before);
}

}  // namespace
}  // namespace redress
