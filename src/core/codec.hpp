// JSON mapping of the complaint record. Three views:
//  * storage: every field, personal ones included (the store's `doc` column);
//  * staff:   what staff see through the API (same fields, plus computed ones);
//  * complainant: status, dates, what they told us — never staff notes or internal fields.
// Parsing never throws: a bad document is an Error with the JSON pointer of the field.
#pragma once

#include <nlohmann/json.hpp>

#include "core/complaint.hpp"
#include "core/event.hpp"
#include "core/json_writer.hpp"
#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::core {

struct ListPage;
struct ComplaintSummaryView;

// The storage view as a document, every member included (nulls too). Since DiffRecords the
// service builds none: it is the definition the text writers and readers (EncodeStorage,
// DecodeStorage, DiffRecords) are tested against.
nlohmann::json ToStorageJson(const Complaint& c);
// The compact text the store keeps (its `doc` column): the storage view without `id` and
// `version` (the store has columns for them) and without members that hold their reader's
// default (null, "", false, 0, empty lists and objects; `is_customer` is always kept).
// FromStorageJson reads it back; the caller sets id and version.
std::string EncodeStorage(const Complaint& c);
// The same compact record, optionally without the secret's hash and updated_at (as the
// "received" event records it).
void WriteCompactRecord(JsonWriter& w, const Complaint& c, bool with_secret, bool with_updated_at);
// A change as two minimal documents: only the members that differ, nested as in `before` and
// `after`; clock lists are compared clock by clock, keyed by clock name. Keys in `skip` are
// ignored at the top level. Over whole records, DiffRecords finds the same without the
// documents (a test compares them); WriteClockChange is tested against it for one clock.
void DiffJson(const nlohmann::json& before, const nlohmann::json& after,
              std::initializer_list<const char*> skip, nlohmann::json& out_before,
              nlohmann::json& out_after);
// What DiffJson(ToStorageJson(before), ToStorageJson(after), {"version", "updated_at", "id",
// "secret_hash"}) finds (a change without its bookkeeping and the secret's hash, which has no
// place in the history), building the JSON of the members that differ only.
void DiffRecords(const Complaint& before, const Complaint& after, nlohmann::json& out_before,
                 nlohmann::json& out_after);
Result<Complaint> FromStorageJson(const nlohmann::json& j);
// FromStorageJson of the text `doc` (EncodeStorage's or ToStorageJson's), parsed by simdjson:
// the same mapping, without building an nlohmann document.
Result<Complaint> DecodeStorage(std::string_view doc);

// The staff view: ToStaffRecordJson (what follows from the record alone: the same for every
// reader of one version, so it may be kept) with the members WriteStaffTime writes.
nlohmann::json ToStaffJson(const Complaint& c, Instant now);
nlohmann::json ToStaffRecordJson(const Complaint& c);
// ToStaffRecordJson(c).dump(), written straight to text: the same bytes (keys in the same
// sorted order), without the document in between. A test compares the two.
void WriteStaffRecord(JsonWriter& w, const Complaint& c);
// The staff view's members that depend on `now`, into the object `w` is writing: due (the
// earliest live clock's) and overdue.
void WriteStaffTime(JsonWriter& w, const Complaint& c, Instant now);
// The complainant's view (status page, 201 body): only what the complainant may see.
nlohmann::json ToComplainantJson(const Complaint& c, Instant now);
// Its members as text, into the object `w` is writing (keys in nlohmann's order).
void WriteComplainantMembers(JsonWriter& w, const Complaint& c);
// `key`: the instant as the views write it, or null when there is none.
void WriteInstantMember(JsonWriter& w, const char* key, const std::optional<Instant>& at);
nlohmann::json ToJson(const ClockTrack& t);
// The members of one clock that differ between `b` and `a`, into the objects `before` and
// `after` are writing: what DiffJson(ToJson(b), ToJson(a)) finds, as text.
void WriteClockChange(JsonWriter& before, JsonWriter& after, const ClockTrack& b,
                      const ClockTrack& a);
nlohmann::json ToJson(const Event& e);
// Appends the events as a JSON array of ToJson(e) objects, with each event's stored before/
// after text embedded as is (not parsed and re-written) when it is valid JSON.
void AppendEventsJson(std::string& out, const std::vector<Event>& events);
nlohmann::json ToJson(const Note& n);
nlohmann::json ToJson(const Attachment& a);
// ToJson(n).dump() and ToJson(a).dump(), written straight to text (same bytes).
void WriteNote(JsonWriter& w, const Note& n);
void WriteAttachment(JsonWriter& w, const Attachment& a);
nlohmann::json ToJson(const User& u);  // never the password hash
// A page of GET /api/v1/complaints as its 200 body, {"items": [...], "next_cursor": ...},
// appended to `out`.
void WriteListPage(std::string& out, const ListPage& page);
// The same text written row by row, as a store reads its rows: Add each, then Finish.
class ListPageWriter {
 public:
  // `rows`: how many rows the page may hold (room is made for them).
  ListPageWriter(std::string& out, size_t rows);
  void Add(const ComplaintSummaryView& s);
  void Finish(std::string_view next_cursor);  // "" when no page follows

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace redress::core
