#include "store/postgres/pg_store.hpp"

#include <pthread.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/codec.hpp"
#include "core/facts.hpp"
#include "core/json_writer.hpp"
#include "core/lifecycle.hpp"
#include "store/list_support.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_conn.hpp"
#include "store/postgres/pg_facts.hpp"
#include "store/stored_complaint.hpp"
#include "util/crypto.hpp"
#include "util/utf8.hpp"

namespace redress::store {

using core::Errc;
using core::MakeError;
using core::Result;
using core::Status;
using pg::Conn;
using pg::Params;
using pg::Res;

namespace {

// A named statement: prepared under `name` on each connection that runs it.
struct Q {
  const char* name;
  const char* sql;
};

#define REDRESS_EVENT_COLS                                                                   \
  "seq, complaint_id, reference, at, actor, action, \"before\", \"after\", payload_digest, " \
  "prev_hash, hash"
#define REDRESS_USER_COLS \
  "id, username, display_name, role, password_hash, disabled, must_change_password, created_at"
#define REDRESS_NOTIFICATION_COLS                                                                \
  "id, complaint_id, reference, kind, language, recipient, vars, in_reply_to, state, attempts, " \
  "created_at, next_attempt_at, sent_at, last_error"
#define REDRESS_NOTE_COLS "id, complaint_id, at, author, visibility, body"
#define REDRESS_ATTACHMENT_COLS \
  "id, complaint_id, sha256, content_type, size, filename, uploaded_by, at"
#define REDRESS_RECORD_SELECT                                                        \
  "SELECT r.id, r.doc, r.updated_at, (SELECT string_agg(l.complaint_id::text, ',') " \
  "FROM record_links l WHERE l.kind = r.kind AND l.id = r.id) FROM records r "

// Writer statements.
constexpr Q kWriteLock{"write_lock", "SELECT pg_advisory_xact_lock($1)"};
constexpr Q kChainHead{"chain_head", "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"};
constexpr Q kReserve{"reserve", "SELECT reserve_references($1, $2)"};
// $1 reference, $2 prefix, $3 year, $4 seq, then the fields of ComplaintParams ($5..$20), and
// $21 the id (Tx::NextId). A reference that exists fails the statement (complaints_reference_key:
// WriteError's kConflict) when its segment is synced.
constexpr Q kInsertComplaint{
    "insert_complaint",
    "INSERT INTO complaints (reference, prefix, year, seq, state, priority, category, product, "
    "channel, assignee, investigator, persons_named, received_at, next_due, next_clock, is_open, "
    "version, updated_at, doc, follow_up_at, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"};
// $1 ids from the sequence of complaints.id (notifications.id), in order.
constexpr Q kReserveIds{"reserve_ids",
                        "SELECT v FROM (SELECT nextval(pg_get_serial_sequence('complaints', "
                        "'id')) AS v FROM generate_series(1, $1)) s ORDER BY v"};
constexpr Q kReserveNotificationIds{
    "reserve_notification_ids",
    "SELECT v FROM (SELECT nextval(pg_get_serial_sequence('notifications', 'id')) AS v FROM "
    "generate_series(1, $1)) s ORDER BY v"};
// The terms come from the node (TsVectorText, migration 0017); search_terms() makes the same
// in SQL where the node does not hold the whole text (a description replaced: the notes).
constexpr Q kInsertText{"insert_text",
                        "INSERT INTO complaint_text (id, description, terms) "
                        "VALUES ($1, $2, $3::tsvector)"};
constexpr Q kLoadComplaint{"load_complaint",
                           "SELECT id, version, doc FROM complaints WHERE reference = $1"};
// The columns an update sets, from ComplaintParams ($5..$20).
#define REDRESS_COMPLAINT_SET                                                                 \
  "state = $5, priority = $6, category = $7, product = $8, channel = $9, assignee = $10, "    \
  "investigator = $11, persons_named = $12, received_at = $13, next_due = $14, next_clock = " \
  "$15, is_open = $16, version = $17, updated_at = $18, doc = $19, follow_up_at = $20 "
// $1 reference, $2 id, $3 unused prefix slot kept out: fields $5..$20 as for the insert. The
// columns say whether the complaint exists and, if it was updated, its state, whether it was
// open and its due instant before.
constexpr Q kUpdateComplaint{
    "update_complaint",
    "WITH old AS (SELECT id, state, is_open, next_due FROM complaints WHERE id = $2 AND "
    "reference = $1), "
    "upd AS (UPDATE complaints c SET " REDRESS_COMPLAINT_SET
    "FROM old WHERE c.id = old.id AND c.version = $17 - 1 "
    "RETURNING old.state, old.is_open, old.next_due) "
    "SELECT (SELECT count(*) FROM old), (SELECT state FROM upd), (SELECT is_open FROM upd), "
    "(SELECT next_due FROM upd)"};
// The same update of a complaint whose version, state and due instant this batch has read
// (Tx::LoadComplaint), so that it needs no answer: it divides by the number of rows updated,
// and so fails (22012, WriteError's kConflict) if the version it follows was not the stored one.
constexpr Q kUpdateLoadedComplaint{
    "update_loaded_complaint",
    "WITH upd AS (UPDATE complaints SET " REDRESS_COMPLAINT_SET
    "WHERE id = $2 AND reference = $1 AND version = $17 - 1 RETURNING 1) "
    "SELECT 1 / (SELECT count(*) FROM upd)::int"};
constexpr Q kUpdateText{"update_text",
                        "UPDATE complaint_text SET description = $2, terms = "
                        "search_terms($2 || ' ' || notes) WHERE id = $1 AND "
                        "description IS DISTINCT FROM $2"};
constexpr Q kCountState{"count_state",
                        "INSERT INTO state_counts (state, n) VALUES ($1, $2) "
                        "ON CONFLICT (state) DO UPDATE SET n = state_counts.n + excluded.n"};
constexpr Q kCountDueDay{"count_due_day",
                         "INSERT INTO open_due_days (day, n) VALUES ($1, $2) "
                         "ON CONFLICT (day) DO UPDATE SET n = open_due_days.n + excluded.n"};
constexpr Q kInsertEvent{"insert_event", "INSERT INTO events (" REDRESS_EVENT_COLS
                                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"};
constexpr Q kInsertNote{"insert_note",
                        "INSERT INTO notes (complaint_id, at, author, visibility, body) "
                        "SELECT $1, $2, $3, $4, $5 WHERE EXISTS "
                        "(SELECT 1 FROM complaints WHERE id = $1) RETURNING id"};
// A note's terms joined to those held: the terms of the whole text, as a newline separates.
constexpr Q kAppendNoteText{"append_note_text",
                            "UPDATE complaint_text SET notes = notes || chr(10) || $2, "
                            "terms = terms || $3::tsvector WHERE id = $1"};
constexpr Q kInsertAttachment{
    "insert_attachment",
    "INSERT INTO attachments (complaint_id, sha256, content_type, size, filename, uploaded_by, "
    "at) SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS "
    "(SELECT 1 FROM complaints WHERE id = $1) RETURNING id"};
constexpr Q kGetIdempotency{"get_idempotency",
                            "SELECT key, caller, body_hash, status, response, at FROM idempotency "
                            "WHERE caller = $1 AND key = $2"};
constexpr Q kPutIdempotency{"put_idempotency",
                            "INSERT INTO idempotency (key, caller, body_hash, status, response, "
                            "at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (caller, key) DO "
                            "UPDATE SET body_hash = excluded.body_hash, status = excluded.status, "
                            "response = excluded.response, at = excluded.at"};
constexpr Q kInsertUser{"insert_user",
                        "INSERT INTO users (username, display_name, role, password_hash, "
                        "disabled, must_change_password, created_at) VALUES ($1, $2, $3, $4, $5, "
                        "$6, $7) ON CONFLICT (username) DO NOTHING RETURNING id"};
constexpr Q kLoadUser{"load_user", "SELECT " REDRESS_USER_COLS " FROM users WHERE username = $1"};
// Counts: another user with the new name, and the row updated.
constexpr Q kUpdateUser{
    "update_user",
    "WITH clash AS (SELECT 1 FROM users WHERE username = $1 AND id <> $8), "
    "upd AS (UPDATE users SET username = $1, display_name = $2, role = $3, password_hash = $4, "
    "disabled = $5, must_change_password = $6 WHERE id = $8 AND NOT EXISTS (SELECT 1 FROM clash) "
    "RETURNING 1) SELECT (SELECT count(*) FROM clash), (SELECT count(*) FROM upd)"};
// Counts: the user, and the row inserted.
constexpr Q kInsertSession{
    "insert_session",
    "WITH u AS (SELECT 1 FROM users WHERE id = $2), "
    "ins AS (INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
    "SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM u) ON CONFLICT (token_hash) DO NOTHING "
    "RETURNING 1) SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM ins)"};
constexpr Q kDeleteSession{"delete_session", "DELETE FROM sessions WHERE token_hash = $1"};
constexpr Q kDeleteSessionsOf{"delete_sessions_of", "DELETE FROM sessions WHERE user_id = $1"};
constexpr Q kPutView{"put_view",
                     "INSERT INTO saved_views (user_id, name, query, updated_at) "
                     "SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1) "
                     "ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, "
                     "updated_at = excluded.updated_at RETURNING 1"};
constexpr Q kDeleteView{"delete_view", "DELETE FROM saved_views WHERE user_id = $1 AND name = $2"};
// $14 the id (Tx::NextId); a complaint that does not exist fails the statement (the foreign
// key: WriteError's kNotFound) when its segment is synced.
constexpr Q kInsertNotification{
    "insert_notification",
    "INSERT INTO notifications (complaint_id, reference, kind, language, recipient, vars, "
    "in_reply_to, state, attempts, created_at, next_attempt_at, sent_at, last_error, id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};
constexpr Q kUpdateNotification{"update_notification",
                                "UPDATE notifications SET state = $2, attempts = $3, "
                                "next_attempt_at = $4, sent_at = $5, last_error = $6, vars = $7, "
                                "claim_until = 0 WHERE id = $1"};
constexpr Q kNextRecordId{"next_record_id",
                          "SELECT coalesce(max(id), 0) + 1 FROM records WHERE kind = $1"};
constexpr Q kPutRecord{"put_record",
                       "INSERT INTO records (kind, id, doc, updated_at) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc, "
                       "updated_at = excluded.updated_at"};
constexpr Q kDeleteLinks{"delete_links", "DELETE FROM record_links WHERE kind = $1 AND id = $2"};
// $3: the complaint ids, comma-separated. Links nothing, and counts them, if any is missing.
constexpr Q kInsertLinks{
    "insert_links",
    "WITH ids AS (SELECT DISTINCT unnest(string_to_array($3, ',')::bigint[]) AS cid), "
    "missing AS (SELECT count(*) AS n FROM ids WHERE NOT EXISTS "
    "(SELECT 1 FROM complaints c WHERE c.id = ids.cid)), "
    "ins AS (INSERT INTO record_links (kind, id, complaint_id) SELECT $1, $2, cid FROM ids "
    "WHERE (SELECT n FROM missing) = 0 ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT (SELECT n FROM missing), (SELECT count(*) FROM ins)"};
constexpr Q kFindSource{"find_source",
                        "SELECT s.complaint_id, s.row_hash, c.prefix, c.year, c.seq "
                        "FROM source_keys s JOIN complaints c ON c.id = s.complaint_id "
                        "WHERE s.system = $1 AND s.external_id = $2"};
// The keys of a list of external ids (a JSON array of strings, $2) in one statement: their
// 1-based places in the list with what FindSource reads.
constexpr Q kFindSources{"find_sources",
                         "SELECT k.ord, s.complaint_id, s.row_hash, c.prefix, c.year, c.seq "
                         "FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS k(id, ord) "
                         "JOIN source_keys s ON s.system = $1 AND s.external_id = k.id "
                         "JOIN complaints c ON c.id = s.complaint_id"};
constexpr Q kPutSource{"put_source",
                       "INSERT INTO source_keys (system, external_id, complaint_id, row_hash) "
                       "SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM complaints WHERE id = "
                       "$3) ON CONFLICT (system, external_id) DO UPDATE SET complaint_id = "
                       "excluded.complaint_id, row_hash = excluded.row_hash RETURNING 1"};
// Several keys ($2: a JSON array of [external_id, complaint_id, row_hash]; of an id given
// twice, the last) in one statement: none if one names no complaint. Answers how many named
// none.
constexpr Q kPutSources{
    "put_sources",
    "WITH k AS (SELECT DISTINCT ON (e->>0) e->>0 AS external_id, (e->>1)::bigint AS "
    "complaint_id, e->>2 AS row_hash FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS "
    "a(e, ord) ORDER BY e->>0, ord DESC), "
    "missing AS (SELECT count(*) AS n FROM k WHERE NOT EXISTS "
    "(SELECT 1 FROM complaints c WHERE c.id = k.complaint_id)), "
    "ins AS (INSERT INTO source_keys (system, external_id, complaint_id, row_hash) "
    "SELECT $1, external_id, complaint_id, row_hash FROM k WHERE (SELECT n FROM missing) = 0 "
    "ON CONFLICT (system, external_id) DO UPDATE SET complaint_id = excluded.complaint_id, "
    "row_hash = excluded.row_hash RETURNING 1) "
    "SELECT (SELECT n FROM missing), (SELECT count(*) FROM ins)"};

// Reader statements.
constexpr Q kEventsOf{
    "events_of", "SELECT " REDRESS_EVENT_COLS " FROM events WHERE complaint_id = $1 ORDER BY seq"};
constexpr Q kNotesOf{"notes_of", "SELECT " REDRESS_NOTE_COLS
                                 " FROM notes "
                                 "WHERE complaint_id = $1 ORDER BY id"};
constexpr Q kAttachmentsOf{"attachments_of", "SELECT " REDRESS_ATTACHMENT_COLS
                                             " FROM attachments WHERE complaint_id = $1 ORDER BY "
                                             "id"};
// A complaint's file by its reference: sent together with the complaint's read, in one
// snapshot and one round trip (GetComplaintFile).
constexpr Q kEventsOfReference{"events_of_reference",
                               "SELECT " REDRESS_EVENT_COLS
                               " FROM events WHERE complaint_id = "
                               "(SELECT id FROM complaints WHERE reference = $1) ORDER BY seq"};
constexpr Q kNotesOfReference{"notes_of_reference",
                              "SELECT " REDRESS_NOTE_COLS
                              " FROM notes "
                              "WHERE complaint_id = (SELECT id FROM complaints WHERE reference = "
                              "$1) ORDER BY id"};
constexpr Q kAttachmentsOfReference{"attachments_of_reference",
                                    "SELECT " REDRESS_ATTACHMENT_COLS
                                    " FROM attachments WHERE "
                                    "complaint_id = (SELECT id FROM complaints WHERE reference = "
                                    "$1) ORDER BY id"};
constexpr Q kGetAttachment{"get_attachment", "SELECT " REDRESS_ATTACHMENT_COLS
                                             " FROM attachments WHERE complaint_id = $1 AND id = "
                                             "$2"};
constexpr Q kGetUser{"get_user", "SELECT " REDRESS_USER_COLS " FROM users WHERE id = $1"};
constexpr Q kListUsers{"list_users",
                       "SELECT " REDRESS_USER_COLS " FROM users ORDER BY username COLLATE \"C\""};
constexpr Q kFindSession{"find_session",
                         "SELECT token_hash, user_id, created_at, expires_at FROM sessions "
                         "WHERE token_hash = $1"};
constexpr Q kViewsOf{"views_of",
                     "SELECT name, query, updated_at FROM saved_views WHERE user_id = $1 "
                     "ORDER BY name COLLATE \"C\""};
constexpr Q kCountByState{"count_by_state", "SELECT state, n FROM state_counts"};
// $1 now, $2 its day (now / 86400000), $3 that day's first millisecond: the days before from
// open_due_days (migration 0012), today's from the complaints_due index.
constexpr Q kCountOverdue{"count_overdue",
                          "SELECT (coalesce((SELECT sum(n) FROM open_due_days WHERE day < $2), 0) "
                          "+ (SELECT count(*) FROM complaints WHERE is_open = 1 AND next_due >= $3 "
                          "AND next_due < $1))::bigint"};
constexpr Q kCountComplaints{"count_complaints", "SELECT coalesce(sum(n), 0) FROM state_counts"};
constexpr Q kDueForClockCheck{"due_for_clock_check",
                              "SELECT prefix, year, seq FROM complaints WHERE is_open = 1 AND "
                              "next_clock <= $1 ORDER BY next_clock, id LIMIT $2"};
constexpr Q kScanEvents{"scan_events", "SELECT " REDRESS_EVENT_COLS
                                       " FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2"};
constexpr Q kScanComplaints{"scan_complaints",
                            "SELECT id, version, doc FROM complaints WHERE id > $1 ORDER BY id "
                            "LIMIT $2"};
constexpr Q kDueNotifications{"due_notifications",
                              "SELECT " REDRESS_NOTIFICATION_COLS
                              " FROM notifications WHERE state = 'pending' AND next_attempt_at "
                              "<= $1 ORDER BY next_attempt_at, id LIMIT $2"};
// Claims on background work ($1 now, $2 limit, $3 node, $4 claim ends): due rows no live claim
// holds, locked with SKIP LOCKED so concurrent claimers on other nodes take other rows.
constexpr Q kClaimClockChecks{"claim_clock_checks",
                              "UPDATE complaints c SET claim_node = $3, claim_until = $4 FROM "
                              "(SELECT id AS due_id FROM complaints WHERE is_open = 1 AND "
                              "next_clock <= $1 AND claim_until <= $1 ORDER BY next_clock, id "
                              "LIMIT $2 FOR UPDATE SKIP LOCKED) due WHERE c.id = due.due_id "
                              "RETURNING prefix, year, seq, next_clock, id"};
constexpr Q kClaimNotifications{"claim_notifications",
                                "UPDATE notifications n SET claim_node = $3, claim_until = $4 "
                                "FROM (SELECT id AS due_id FROM notifications WHERE state = "
                                "'pending' AND next_attempt_at <= $1 AND claim_until <= $1 ORDER "
                                "BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due "
                                "WHERE n.id = due.due_id RETURNING " REDRESS_NOTIFICATION_COLS};
// $1 name; then $2 now, $3 now - every, $4 node, $5 claim ends.
constexpr Q kAddPeriodic{"add_periodic",
                         "INSERT INTO periodic_jobs (name) VALUES ($1) ON CONFLICT DO NOTHING"};
constexpr Q kClaimPeriodic{"claim_periodic",
                           "UPDATE periodic_jobs p SET claim_node = $4, claim_until = $5 FROM "
                           "(SELECT name FROM periodic_jobs WHERE name = $1 AND last_run_at <= $3 "
                           "AND claim_until <= $2 FOR UPDATE SKIP LOCKED) due WHERE p.name = "
                           "due.name RETURNING p.name"};
constexpr Q kEndPeriodic{"end_periodic",
                         "UPDATE periodic_jobs SET last_run_at = $2, claim_until = 0 WHERE name = "
                         "$1"};
// $1 key, $2 now, $3 start of a window that began at least `window` ago (now - window).
constexpr Q kAddHit{"add_hit",
                    "INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, $2, 1) ON "
                    "CONFLICT (key) DO UPDATE SET window_start = CASE WHEN r.window_start <= $3 "
                    "THEN $2 ELSE r.window_start END, hits = CASE WHEN r.window_start <= $3 THEN "
                    "1 ELSE r.hits + 1 END RETURNING hits"};
constexpr Q kHits{"hits", "SELECT hits FROM rate_limits WHERE key = $1 AND window_start > $2"};
constexpr Q kDropOldHits{"drop_old_hits", "DELETE FROM rate_limits WHERE window_start <= $1"};
constexpr Q kNotificationsOf{"notifications_of", "SELECT " REDRESS_NOTIFICATION_COLS
                                                 " FROM notifications WHERE complaint_id = $1 "
                                                 "ORDER BY id"};
constexpr Q kGetNotification{"get_notification", "SELECT " REDRESS_NOTIFICATION_COLS
                                                 " FROM notifications WHERE id = "
                                                 "$1"};
constexpr Q kClosedIn{"closed_in",
                      "SELECT f.id, c.reference FROM facts f JOIN complaints c ON c.id = f.id "
                      "WHERE f.closed_at >= $1 AND f.closed_at < $2 ORDER BY f.id"};
constexpr Q kGetRecord{"get_record", REDRESS_RECORD_SELECT "WHERE r.kind = $1 AND r.id = $2"};
constexpr Q kListRecords{"list_records", REDRESS_RECORD_SELECT "WHERE r.kind = $1 ORDER BY r.id"};
constexpr Q kRecordsLinked{"records_linked", REDRESS_RECORD_SELECT
                           "WHERE r.kind = $1 AND r.id IN (SELECT id FROM record_links WHERE "
                           "complaint_id = $2 AND kind = $1) ORDER BY r.id"};
constexpr Q kDashAge{"dash_age",
                     "SELECT count(*) FILTER (WHERE received_at >= $1), "
                     "count(*) FILTER (WHERE received_at < $1 AND received_at >= $2), "
                     "count(*) FILTER (WHERE received_at < $2 AND received_at >= $3), "
                     "count(*) FILTER (WHERE received_at < $3) FROM complaints WHERE is_open = 1"};
// The clocks live in the record: one row per clock of each complaint.
constexpr Q kDashClocks{
    "dash_clocks",
    "SELECT t->>'name' AS name, "
    "count(*) FILTER (WHERE NOT coalesce(t->'breached' = 'true'::jsonb, false) "
    "AND t->>'state' = 'met'), "
    "count(*) FILTER (WHERE coalesce(t->'breached' = 'true'::jsonb, false) "
    "OR t->>'state' = 'breached') "
    "FROM complaints c CROSS JOIN LATERAL jsonb_array_elements("
    "CASE WHEN jsonb_typeof(c.doc::jsonb -> 'clocks') = 'array' THEN c.doc::jsonb -> 'clocks' "
    "ELSE '[]'::jsonb END) AS t WHERE c.received_at >= $1 GROUP BY 1"};
// Weeks start on Monday 00:00 UTC; 345600000 ms is 1970-01-05, the first Monday.
constexpr Q kDashWeeks{"dash_weeks",
                       "SELECT (received_at - 345600000) / 604800000 AS w, count(*) FROM "
                       "complaints WHERE received_at >= $1 GROUP BY w ORDER BY w"};
constexpr Q kDashCategories{
    "dash_categories",
    "SELECT category, count(*) AS n FROM complaints WHERE received_at >= "
    "$1 GROUP BY category ORDER BY n DESC, category COLLATE \"C\" LIMIT 20"};

constexpr const char* kReadSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr int kScanPage = 500;

Result<Res> Run(Conn& c, const Q& q, const Params& p) { return c.Run(q.name, q.sql, p); }
Status Queue(Conn& c, const Q& q, const Params& p) { return c.Queue(q.name, q.sql, p); }

core::Error Unavailable(std::string detail) {
  return MakeError(Errc::kUnavailable, std::move(detail));
}

const char* VisibilityName(core::NoteVisibility v) {
  return v == core::NoteVisibility::kComplainant ? "complainant" : "internal";
}
core::NoteVisibility ParseVisibility(std::string_view s) {
  return s == "complainant" ? core::NoteVisibility::kComplainant : core::NoteVisibility::kInternal;
}

std::optional<int64_t> OptMillis(const std::optional<core::Instant>& t) {
  if (!t) return std::nullopt;
  return core::ToMillis(*t);
}

// Parameters $5..$20 of kInsertComplaint and kUpdateComplaint.
void ComplaintParams(Params& p, const core::Complaint& c, const ComplaintRow& row) {
  p.Text(core::ToString(c.state))
      .Int(static_cast<int64_t>(c.priority))
      .Text(c.assessment.category)
      .Text(c.subject.product)
      .Text(core::ToString(c.channel))
      .Text(c.assignee)
      .Text(c.investigator)
      .Text(row.persons_named)
      .Int(core::ToMillis(c.received_at))
      .OptInt(row.next_due)
      .OptInt(row.next_clock)
      .Int(row.open ? 1 : 0)
      .Int(c.version)
      .Int(core::ToMillis(c.updated_at))
      .Text(row.doc)
      .OptInt(row.follow_up_at);
}

core::Event ReadEvent(const Res& r, int i) {
  core::Event e;
  e.seq = r.Int(i, 0);
  e.complaint_id = r.Int(i, 1);
  e.reference = r.Text(i, 2);
  e.at = core::FromMillis(r.Int(i, 3));
  e.actor = r.Text(i, 4);
  e.action = r.Text(i, 5);
  e.before = r.Text(i, 6);
  e.after = r.Text(i, 7);
  e.payload_digest = r.Text(i, 8);
  e.prev_hash = r.Text(i, 9);
  e.hash = r.Text(i, 10);
  return e;
}

core::User ReadUser(const Res& r, int i) {
  core::User u;
  u.id = r.Int(i, 0);
  u.username = r.Text(i, 1);
  u.display_name = r.Text(i, 2);
  u.role = core::ParseRole(r.View(i, 3)).value_or(core::Role::kHandler);
  u.password_hash = r.Text(i, 4);
  u.disabled = r.Int(i, 5) != 0;
  u.must_change_password = r.Int(i, 6) != 0;
  u.created_at = core::FromMillis(r.Int(i, 7));
  return u;
}

// A reference from columns 0..2 (prefix, year, seq) of row i.
core::Reference ReadReference(const Res& r, int i) {
  core::Reference ref;
  ref.prefix = r.Text(i, 0);
  ref.year = static_cast<int>(r.Int(i, 1));
  ref.sequence = r.Int(i, 2);
  return ref;
}

core::Attachment ReadAttachment(const Res& r, int i) {
  core::Attachment a;
  a.id = r.Int(i, 0);
  a.complaint_id = r.Int(i, 1);
  a.sha256 = r.Text(i, 2);
  a.content_type = r.Text(i, 3);
  a.size = r.Int(i, 4);
  a.filename = r.Text(i, 5);
  a.uploaded_by = r.Text(i, 6);
  a.at = core::FromMillis(r.Int(i, 7));
  return a;
}

// A note from columns id, complaint_id, at, author, visibility, body of row i.
core::Note ReadNote(const Res& r, int i) {
  core::Note n;
  n.id = r.Int(i, 0);
  n.complaint_id = r.Int(i, 1);
  n.at = core::FromMillis(r.Int(i, 2));
  n.author = r.Text(i, 3);
  n.visibility = ParseVisibility(r.View(i, 4));
  n.body = r.Text(i, 5);
  return n;
}

// Every row of `r`, each read by `read` (ReadEvent, ReadNote, ReadAttachment).
template <typename Read>
auto ReadRows(const Res& r, Read read) {
  std::vector<decltype(read(r, 0))> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

core::Notification ReadNotification(const Res& r, int i) {
  core::Notification n;
  n.id = r.Int(i, 0);
  n.complaint_id = r.Int(i, 1);
  n.reference = r.Text(i, 2);
  n.kind = r.Text(i, 3);
  n.language = r.Text(i, 4);
  n.recipient = r.Text(i, 5);
  n.vars = r.Text(i, 6);
  n.in_reply_to = r.Text(i, 7);
  n.state = core::ParseDeliveryState(r.View(i, 8)).value_or(core::DeliveryState::kPending);
  n.attempts = static_cast<int>(r.Int(i, 9));
  n.created_at = core::FromMillis(r.Int(i, 10));
  n.next_attempt_at = core::FromMillis(r.Int(i, 11));
  if (auto sent = r.OptInt(i, 12)) n.sent_at = core::FromMillis(*sent);
  n.last_error = r.Text(i, 13);
  return n;
}

core::Record ReadRecord(core::RecordKind kind, const Res& r, int i) {
  core::Record rec;
  rec.kind = kind;
  rec.id = r.Int(i, 0);
  rec.doc = r.Text(i, 1);
  rec.updated_at = core::FromMillis(r.Int(i, 2));
  std::string_view ids = r.View(i, 3);
  while (!ids.empty()) {
    const size_t comma = ids.find(',');
    const std::string_view one = ids.substr(0, comma);
    int64_t v = 0;
    std::from_chars(one.data(), one.data() + one.size(), v);
    rec.complaint_ids.push_back(v);
    if (comma == std::string_view::npos) break;
    ids.remove_prefix(comma + 1);
  }
  std::sort(rec.complaint_ids.begin(), rec.complaint_ids.end());
  return rec;
}

// A failed statement of a write as the caller sees it: a violated constraint is the caller's
// problem (kConflict, kNotFound), named by what it means where the constraint says so.
core::Error WriteError(const Conn& c, const core::Error& e, std::string_view conflict,
                       std::string_view not_found) {
  const std::string& state = c.LastState();
  if (state == "23505") {
    if (c.LastConstraint() == "complaints_reference_key") {
      return MakeError(Errc::kConflict, "reference already exists");
    }
    if (c.LastConstraint() == "users_username_key") {
      return MakeError(Errc::kConflict, "username already exists");
    }
    return MakeError(Errc::kConflict, std::string(conflict.empty() ? "already exists" : conflict));
  }
  if (state == "23503") {
    return MakeError(
        Errc::kNotFound,
        std::string(not_found.empty() ? "a referenced row does not exist" : not_found));
  }
  if (state == "22021") return MakeError(Errc::kInvalid, "text is not valid UTF-8");
  if (state == "22012" && e.detail.find(kUpdateLoadedComplaint.name) != std::string::npos) {
    return MakeError(Errc::kConflict, "complaint was changed meanwhile");
  }
  return e;
}

const char* kReaderSetup =
    "SET default_transaction_read_only = on; SET application_name = 'redress reader'";
const char* kStandbySetup =
    "SET default_transaction_read_only = on; SET application_name = 'redress standby reader'";
const char* kJobsSetup = "SET synchronous_commit = on; SET application_name = 'redress jobs'";
const char* kWriterSetup = "SET synchronous_commit = on; SET application_name = 'redress writer'";

}  // namespace

bool IsPostgresUrl(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

// ---------------------------------------------------------------------------------------------
// The StoreTx of the writer connection. Lives as long as the store; used only on the writer.

class PgStore::Tx final : public core::StoreTx {
 public:
  // `ensure_year` creates a year's reference sequence in a transaction of its own.
  Tx(Conn* c, std::function<Status(int)> ensure_year)
      : c_(c), ensure_year_(std::move(ensure_year)) {}
  void Reset(Conn* c) { c_ = c; }

  // Head of the event chain as of the last statement run (restored on rollback).
  int64_t head_seq = 0;
  std::string head_hash = core::kGenesisHash;
  // Set when a statement failed for want of the server or the connection: the batch is lost.
  bool fatal = false;

  // Differences to state_counts and open_due_days (CountDiffs), summed over the batch and
  // written once before its COMMIT by FlushCounts: an UPSERT of the same row for every complaint
  // of a batch left a chain of row versions in the one transaction, which each next UPSERT's
  // look-up walked (perf: visibility checks a sixth of the backend's time in an import). A
  // function whose savepoint rolls back drops its own (RunBatch truncates the list).
  CountDiffs counts;

  // Queues the summed differences and syncs: one round trip.
  Status FlushCounts() {
    const CountDiffs::Sums sums = counts.Take();
    if (sums.states.empty() && sums.days.empty()) return {};
    for (const auto& [state, delta] : sums.states) {
      if (auto s = Queue(*c_, kCountState, Params().Text(state).Int(delta)); !s) {
        return Fail(s.error(), "", "");
      }
    }
    for (const auto& [day, delta] : sums.days) {
      if (auto s = Queue(*c_, kCountDueDay, Params().Int(day).Int(delta)); !s) {
        return Fail(s.error(), "", "");
      }
    }
    if (auto s = c_->Sync(); !s) return Fail(s.error(), "", "");
    return {};
  }

  using core::StoreTx::InsertComplaint;
  using core::StoreTx::UpdateComplaint;

  Result<int64_t> ReserveSequences(int year, int64_t count) override {
    if (count < 1) return MakeError(Errc::kInvalid, "reserve at least one sequence number");
    if (years_.insert(year).second) {
      if (auto s = ensure_year_(year); !s) {
        years_.erase(year);
        return s.error();
      }
    }
    auto r = Run(*c_, kReserve, Params().Int(year).Int(count));
    if (!r) return Fail(r.error(), "", "");
    return r->Int(0, 0);
  }

  // Ids of complaints and of notifications taken from their tables' sequences under the
  // batch's write lock, a block at a time, so that an insert is queued like the statements
  // after it instead of waiting for a RETURNING id: a round trip per complaint (and one more per
  // message it sends) was the bound of creates and of the import. Dropped when a batch begins,
  // so ids still grow in the order batches commit on every node; the ids a batch leaves unused
  // are gaps, as a rolled-back insert leaves.
  struct IdPool {
    const Q* reserve;
    std::vector<int64_t> ids;  // the next id last
    int64_t block = 0;
  };
  IdPool complaint_ids{&kReserveIds, {}, 0};
  IdPool notification_ids{&kReserveNotificationIds, {}, 0};
  void DropIds() {
    for (IdPool* pool : {&complaint_ids, &notification_ids}) {
      pool->ids.clear();
      pool->block = 0;
    }
  }
  Result<int64_t> NextId(IdPool& pool) {
    if (pool.ids.empty()) {
      // 32 ids at a batch's first insert, twice as many at each next, at most 1,024.
      pool.block = std::clamp<int64_t>(pool.block * 2, 32, 1024);
      auto r = Run(*c_, *pool.reserve, Params().Int(pool.block));
      if (!r) return Fail(r.error(), "", "");
      if (r->rows() == 0) return MakeError(Errc::kInternal, "postgresql: no ids reserved");
      for (int i = r->rows() - 1; i >= 0; --i) pool.ids.push_back(r->Int(i, 0));
    }
    const int64_t id = pool.ids.back();
    pool.ids.pop_back();
    return id;
  }

  Status InsertComplaint(core::Complaint& c, std::string doc) override {
    auto id = NextId(complaint_ids);
    if (!id) return id.error();
    ComplaintRow row(c, std::move(doc));
    Params p;
    p.Text(row.reference).Text(c.reference.prefix).Int(c.reference.year).Int(c.reference.sequence);
    ComplaintParams(p, c, row);
    p.Int(*id);
    if (auto s = Queue(*c_, kInsertComplaint, p); !s) {
      return Fail(s.error(), "reference already exists", "complaint not found");
    }
    c.id = *id;
    counts.State(core::ToString(c.state), 1);
    counts.Due(row.open, row.next_due, 1);
    const std::string terms = TsVectorText(c.description.value);
    if (auto s = Queue(*c_, kInsertText, Params().Int(c.id).Text(c.description.value).Text(terms));
        !s) {
      return Fail(s.error(), "", "");
    }
    return PutFacts(c);
  }

  // What this batch last read or wrote of a complaint's row, by id: the version, state,
  // whether it is open and its due instant. Under the batch's write lock no other writer
  // changes the row, so an update of the next version can be queued with its count
  // differences known instead of waiting for the UPDATE's answer (a round trip per lifecycle
  // action). Cleared when a batch begins and when a write rolls back to its savepoint.
  struct Known {
    int64_t version = 0;
    std::string state;
    bool open = false;
    std::optional<int64_t> next_due;
  };
  std::unordered_map<int64_t, Known> known;

  Result<std::optional<core::Complaint>> LoadComplaint(const core::Reference& ref) override {
    const std::string text = ref.ToString();
    auto r = Run(*c_, kLoadComplaint, Params().Text(text));
    if (!r) return Fail(r.error(), "", "");
    if (r->rows() == 0) return std::optional<core::Complaint>();
    auto c = ParseComplaint(r->Int(0, 0), r->Int(0, 1), r->View(0, 2));
    if (c && c->has_value()) {
      const core::Complaint& got = **c;
      std::optional<int64_t> due;
      if (auto d = core::EarliestDue(got.clocks)) due = core::ToMillis(*d);
      known[got.id] = {got.version, core::ToString(got.state), core::IsOpen(got.state), due};
    }
    return c;
  }

  Status UpdateComplaint(const core::Complaint& c, std::string doc) override {
    ComplaintRow row(c, std::move(doc));
    Params p;
    p.Text(row.reference).Int(c.id).Text("").Int(0);  // $3, $4: unused, keep numbering
    ComplaintParams(p, c, row);
    const char* now = core::ToString(c.state);
    if (auto k = known.find(c.id); k != known.end() && k->second.version == c.version - 1) {
      if (auto s = Queue(*c_, kUpdateLoadedComplaint, p); !s) {
        return Fail(s.error(), "complaint was changed meanwhile", "complaint not found");
      }
      Known& old = k->second;
      counts.Change(old.state, old.open, old.next_due, now, row.open, row.next_due);
      old = {c.version, now, row.open, row.next_due};
    } else {
      known.erase(c.id);
      auto r = Run(*c_, kUpdateComplaint, p);
      if (!r) return Fail(r.error(), "complaint was changed meanwhile", "complaint not found");
      if (r->Int(0, 0) == 0) return MakeError(Errc::kNotFound, "complaint not found");
      if (r->IsNull(0, 1)) return MakeError(Errc::kConflict, "complaint was changed meanwhile");
      counts.Change(r->View(0, 1), r->Int(0, 2) != 0, r->OptInt(0, 3), now, row.open, row.next_due);
    }
    if (auto s = Queue(*c_, kUpdateText, Params().Int(c.id).Text(c.description.value)); !s) {
      return Fail(s.error(), "", "");
    }
    return PutFacts(c);
  }

  Status AppendEvent(core::Event& e) override {
    e.seq = head_seq + 1;
    if (e.payload_digest.empty()) e.payload_digest = util::Sha256Hex(core::PayloadBytes(e));
    e.prev_hash = head_hash;
    e.hash = util::Sha256Hex2(e.prev_hash, core::CanonicalEventBytes(e));
    Params p;
    p.Int(e.seq)
        .Int(e.complaint_id)
        .Text(e.reference)
        .Int(core::ToMillis(e.at))
        .Text(e.actor)
        .Text(e.action)
        .Text(e.before)
        .Text(e.after)
        .Text(e.payload_digest)
        .Text(e.prev_hash)
        .Text(e.hash);
    if (auto s = Queue(*c_, kInsertEvent, p); !s) return Fail(s.error(), "event exists", "");
    head_seq = e.seq;
    head_hash = e.hash;
    return {};
  }

  Status InsertNote(core::Note& n) override {
    Params p;
    p.Int(n.complaint_id)
        .Int(core::ToMillis(n.at))
        .Text(n.author)
        .Text(VisibilityName(n.visibility))
        .Text(n.body.value);
    auto r = Run(*c_, kInsertNote, p);
    if (!r) return Fail(r.error(), "note exists", "complaint not found");
    if (r->rows() == 0) return MakeError(Errc::kNotFound, "complaint not found");
    n.id = r->Int(0, 0);
    const std::string terms = TsVectorText(n.body.value);
    if (auto s = Queue(*c_, kAppendNoteText,
                       Params().Int(n.complaint_id).Text(n.body.value).Text(terms));
        !s) {
      return Fail(s.error(), "", "");
    }
    return {};
  }

  Status InsertAttachment(core::Attachment& a) override {
    Params p;
    p.Int(a.complaint_id)
        .Text(a.sha256)
        .Text(a.content_type)
        .Int(a.size)
        .Text(a.filename.value)
        .Text(a.uploaded_by)
        .Int(core::ToMillis(a.at));
    auto r = Run(*c_, kInsertAttachment, p);
    if (!r) return Fail(r.error(), "attachment exists", "complaint not found");
    if (r->rows() == 0) return MakeError(Errc::kNotFound, "complaint not found");
    a.id = r->Int(0, 0);
    return {};
  }

  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(const std::string& caller,
                                                                const std::string& key) override {
    auto r = Run(*c_, kGetIdempotency, Params().Text(caller).Text(key));
    if (!r) return Fail(r.error(), "", "");
    if (r->rows() == 0) return std::optional<core::IdempotencyRecord>();
    core::IdempotencyRecord rec;
    rec.key = r->Text(0, 0);
    rec.caller = r->Text(0, 1);
    rec.body_hash = r->Text(0, 2);
    rec.status = static_cast<int>(r->Int(0, 3));
    rec.response = r->Text(0, 4);
    rec.at = core::FromMillis(r->Int(0, 5));
    return std::optional<core::IdempotencyRecord>(std::move(rec));
  }

  Status PutIdempotency(const core::IdempotencyRecord& r) override {
    Params p;
    p.Text(r.key)
        .Text(r.caller)
        .Text(r.body_hash)
        .Int(r.status)
        .Text(r.response)
        .Int(core::ToMillis(r.at));
    if (auto s = Queue(*c_, kPutIdempotency, p); !s) return Fail(s.error(), "", "");
    return {};
  }

  Status InsertUser(core::User& u) override {
    Params p;
    UserParams(p, u);
    p.Int(core::ToMillis(u.created_at));
    auto r = Run(*c_, kInsertUser, p);
    if (!r) return Fail(r.error(), "username already exists", "user not found");
    if (r->rows() == 0) return MakeError(Errc::kConflict, "username already exists");
    u.id = r->Int(0, 0);
    return {};
  }

  Result<std::optional<core::User>> LoadUser(const std::string& username) override {
    auto r = Run(*c_, kLoadUser, Params().Text(username));
    if (!r) return Fail(r.error(), "", "");
    if (r->rows() == 0) return std::optional<core::User>();
    return std::optional<core::User>(ReadUser(*r, 0));
  }

  Status UpdateUser(const core::User& u) override {
    Params p;
    UserParams(p, u);
    p.Int(0).Int(u.id);  // $7 unused (created_at never changes), $8 the id
    auto r = Run(*c_, kUpdateUser, p);
    if (!r) return Fail(r.error(), "username already exists", "user not found");
    if (r->Int(0, 0) != 0) return MakeError(Errc::kConflict, "username already exists");
    if (r->Int(0, 1) == 0) return MakeError(Errc::kNotFound, "user not found");
    return {};
  }

  Status InsertSession(const core::Session& s) override {
    Params p;
    p.Text(s.token_hash)
        .Int(s.user_id)
        .Int(core::ToMillis(s.created_at))
        .Int(core::ToMillis(s.expires_at));
    auto r = Run(*c_, kInsertSession, p);
    if (!r) return Fail(r.error(), "session already exists", "user not found");
    if (r->Int(0, 0) == 0) return MakeError(Errc::kNotFound, "user not found");
    if (r->Int(0, 1) == 0) return MakeError(Errc::kConflict, "session already exists");
    return {};
  }

  Status DeleteSession(const std::string& token_hash) override {
    if (auto s = Queue(*c_, kDeleteSession, Params().Text(token_hash)); !s) {
      return Fail(s.error(), "", "");
    }
    return {};
  }

  Status DeleteSessionsOf(int64_t user_id) override {
    if (auto s = Queue(*c_, kDeleteSessionsOf, Params().Int(user_id)); !s) {
      return Fail(s.error(), "", "");
    }
    return {};
  }

  Status PutView(int64_t user_id, const core::SavedView& v) override {
    auto r =
        Run(*c_, kPutView,
            Params().Int(user_id).Text(v.name).Text(v.query).Int(core::ToMillis(v.updated_at)));
    if (!r) return Fail(r.error(), "view exists", "user not found");
    if (r->rows() == 0) return MakeError(Errc::kNotFound, "user not found");
    return {};
  }

  Result<bool> DeleteView(int64_t user_id, const std::string& name) override {
    auto r = Run(*c_, kDeleteView, Params().Int(user_id).Text(name));
    if (!r) return Fail(r.error(), "", "");
    return r->Affected() != 0;
  }

  Result<std::optional<core::SourceKey>> FindSource(const std::string& system,
                                                    const std::string& external_id) override {
    auto r = Run(*c_, kFindSource, Params().Text(system).Text(external_id));
    if (!r) return Fail(r.error(), "", "");
    if (r->rows() == 0) return std::optional<core::SourceKey>();
    core::SourceKey k;
    k.system = system;
    k.external_id = external_id;
    k.complaint_id = r->Int(0, 0);
    k.row_hash = r->Text(0, 1);
    k.reference.prefix = r->Text(0, 2);
    k.reference.year = static_cast<int>(r->Int(0, 3));
    k.reference.sequence = r->Int(0, 4);
    return std::optional<core::SourceKey>(std::move(k));
  }

  Result<std::vector<std::optional<core::SourceKey>>> FindSources(
      const std::string& system, const std::vector<std::string_view>& external_ids) override {
    std::vector<std::optional<core::SourceKey>> out(external_ids.size());
    if (external_ids.empty()) return out;
    std::string ids;
    core::JsonWriter w(ids);
    w.BeginArray();
    for (std::string_view id : external_ids) w.String(id);
    w.EndArray();
    auto r = Run(*c_, kFindSources, Params().Text(system).Text(ids));
    if (!r) return Fail(r.error(), "", "");
    for (int row = 0; row < r->rows(); ++row) {
      const int64_t ord = r->Int(row, 0);
      if (ord < 1 || ord > static_cast<int64_t>(out.size())) {
        return MakeError(Errc::kInternal, "postgresql: a source key out of the list's range");
      }
      core::SourceKey k;
      k.system = system;
      k.external_id = std::string(external_ids[static_cast<size_t>(ord - 1)]);
      k.complaint_id = r->Int(row, 1);
      k.row_hash = r->Text(row, 2);
      k.reference.prefix = r->Text(row, 3);
      k.reference.year = static_cast<int>(r->Int(row, 4));
      k.reference.sequence = r->Int(row, 5);
      out[static_cast<size_t>(ord - 1)] = std::move(k);
    }
    return out;
  }

  Status PutSources(const std::vector<core::SourceKey>& keys) override {
    // One statement a system (an import has one).
    std::map<std::string_view, std::vector<const core::SourceKey*>> by_system;
    for (const auto& k : keys) by_system[k.system].push_back(&k);
    for (const auto& [system, group] : by_system) {
      std::string json;
      core::JsonWriter w(json);
      w.BeginArray();
      for (const core::SourceKey* k : group) {
        w.BeginArray();
        w.String(k->external_id);
        w.Int(k->complaint_id);
        w.String(k->row_hash);
        w.EndArray();
      }
      w.EndArray();
      auto r = Run(*c_, kPutSources, Params().Text(system).Text(json));
      if (!r) return Fail(r.error(), "source key exists", "complaint not found");
      if (r->Int(0, 0) != 0) return MakeError(Errc::kNotFound, "complaint not found");
    }
    return {};
  }

  Status PutSource(const core::SourceKey& k) override {
    auto r = Run(*c_, kPutSource,
                 Params().Text(k.system).Text(k.external_id).Int(k.complaint_id).Text(k.row_hash));
    if (!r) return Fail(r.error(), "source key exists", "complaint not found");
    if (r->rows() == 0) return MakeError(Errc::kNotFound, "complaint not found");
    return {};
  }

  Status InsertNotification(core::Notification& n) override {
    Params p;
    p.Int(n.complaint_id)
        .Text(n.reference)
        .Text(n.kind)
        .Text(n.language)
        .Text(n.recipient.value)
        .Text(n.vars.value)
        .Text(n.in_reply_to)
        .Text(core::ToString(n.state))
        .Int(n.attempts)
        .Int(core::ToMillis(n.created_at))
        .Int(core::ToMillis(n.next_attempt_at))
        .OptInt(OptMillis(n.sent_at))
        .Text(n.last_error);
    auto id = NextId(notification_ids);
    if (!id) return id.error();
    p.Int(*id);
    if (auto s = Queue(*c_, kInsertNotification, p); !s) {
      return Fail(s.error(), "notification exists", "complaint not found");
    }
    n.id = *id;
    return {};
  }

  Status UpdateNotification(const core::Notification& n) override {
    Params p;
    p.Int(n.id)
        .Text(core::ToString(n.state))
        .Int(n.attempts)
        .Int(core::ToMillis(n.next_attempt_at))
        .OptInt(OptMillis(n.sent_at))
        .Text(n.last_error)
        .Text(n.vars.value);
    auto r = Run(*c_, kUpdateNotification, p);
    if (!r) return Fail(r.error(), "", "");
    if (r->Affected() == 0) return MakeError(Errc::kNotFound, "notification not found");
    return {};
  }

  Result<int64_t> NextRecordId(core::RecordKind kind) override {
    auto r = Run(*c_, kNextRecordId, Params().Text(core::ToString(kind)));
    if (!r) return Fail(r.error(), "", "");
    return r->Int(0, 0);
  }

  Status PutRecord(const core::Record& rec) override {
    if (rec.id <= 0) return MakeError(Errc::kInvalid, "record id must be positive");
    const std::string_view kind = core::ToString(rec.kind);
    if (auto s = Queue(
            *c_, kPutRecord,
            Params().Text(kind).Int(rec.id).Text(rec.doc).Int(core::ToMillis(rec.updated_at)));
        !s) {
      return Fail(s.error(), "", "");
    }
    if (auto s = Queue(*c_, kDeleteLinks, Params().Text(kind).Int(rec.id)); !s) {
      return Fail(s.error(), "", "");
    }
    if (rec.complaint_ids.empty()) return {};
    std::string ids;
    for (int64_t id : rec.complaint_ids) {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(id);
    }
    auto r = Run(*c_, kInsertLinks, Params().Text(kind).Int(rec.id).Text(ids));
    if (!r) return Fail(r.error(), "link exists", "complaint not found");
    if (r->Int(0, 0) != 0) return MakeError(Errc::kNotFound, "complaint not found");
    return {};
  }

 private:
  static void UserParams(Params& p, const core::User& u) {
    p.Text(u.username)
        .Text(u.display_name.value)
        .Text(core::ToString(u.role))
        .Text(u.password_hash)
        .Int(u.disabled ? 1 : 0)
        .Int(u.must_change_password ? 1 : 0);
  }

  Status PutFacts(const core::Complaint& c) {
    if (auto s = pg::QueuePutFacts(*c_, core::FactsOf(c)); !s) return Fail(s.error(), "", "");
    return {};
  }

  // Maps a failed statement: constraint violations are the caller's problem; a lost server or
  // connection sinks the batch.
  core::Error Fail(const core::Error& e, std::string_view conflict, std::string_view not_found) {
    if (e.code == Errc::kUnavailable) fatal = true;
    return WriteError(*c_, e, conflict, not_found);
  }

  Conn* c_;
  std::function<Status(int)> ensure_year_;
  std::set<int> years_;  // whose sequence exists
};

// ---------------------------------------------------------------------------------------------
// Reader pool.

// A set of connections to one server with one setup, each checked out by one caller at a time.
class PgStore::Pool {
 public:
  Pool(std::string url, const char* setup) : url_(std::move(url)), setup_(setup) {}

  // Opens `n` connections; fails if one cannot be opened.
  Status Fill(int n) {
    for (int i = 0; i < n; ++i) {
      auto c = Conn::Open(url_, setup_);
      if (!c) return c.error();
      conns_.push_back(std::move(*c));
      free_.push_back(conns_.size() - 1);
    }
    return {};
  }

  // Waits for a free connection. One the server dropped is replaced; if that fails, the
  // lease's calls fail with kUnavailable and the next checkout tries again.
  Lease Take() {
    size_t i = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !free_.empty(); });
      i = free_.back();
      free_.pop_back();
    }
    if (conns_[i]->Broken()) {
      if (auto c = Conn::Open(url_, setup_)) conns_[i] = std::move(*c);
    }
    return Lease(this, i);
  }

  void Give(size_t i) {
    conns_[i]->Reset();
    {
      std::lock_guard lock(mu_);
      free_.push_back(i);
    }
    cv_.notify_one();
  }

  Conn& At(size_t i) const { return *conns_[i]; }

 private:
  std::string url_;
  const char* setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> conns_;  // each touched only by the holder of its lease
  std::vector<size_t> free_;                  // GUARDED_BY(mu_)
};

PgStore::Lease::~Lease() {
  if (pool_) pool_->Give(index_);
}

Conn& PgStore::Lease::operator*() const { return pool_->At(index_); }

Conn* PgStore::Lease::operator->() const { return &pool_->At(index_); }

PgStore::Lease PgStore::Reader() { return readers_->Take(); }

template <typename F>
auto PgStore::ReadStale(F read) -> std::invoke_result_t<F, Lease&> {
  if (standby_) {
    Lease lease = standby_->Take();
    if (!lease->Broken()) {
      auto r = read(lease);
      if (r || r.error().code != Errc::kUnavailable) return r;
    }
    // The standby cannot be reached: the primary answers until it can.
  }
  Lease lease = readers_->Take();
  return read(lease);
}

// ---------------------------------------------------------------------------------------------
// Open / close.

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& url, Options options) {
  util::InitCrypto();
  if (options.max_batch < 1 || options.max_queue < 1) {
    return MakeError(Errc::kInvalid, "postgresql store: max_batch and max_queue must be positive");
  }
  int readers = options.readers;
  if (readers <= 0) {
    readers = std::clamp(2 * static_cast<int>(std::thread::hardware_concurrency()), 2, 16);
  }
  std::unique_ptr<PgStore> store(new PgStore());
  store->url_ = url;
  store->queue_ = std::make_unique<WriteQueue>(options.max_queue, options.max_batch);

  {
    // Migrations use the simple protocol (files of several statements): a connection of their
    // own, outside pipeline mode.
    std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(url.c_str()), &PQfinish);
    if (!c || PQstatus(c.get()) != CONNECTION_OK) {
      std::string msg = c ? PQerrorMessage(c.get()) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      return Unavailable("postgresql: cannot connect: " + msg);
    }
    PQsetNoticeProcessor(
        c.get(), [](void*, const char*) {}, nullptr);
    if (auto s = pg::ApplyMigrations(c.get()); !s) return s.error();
  }
  if (auto s = store->ConnectWriter(); !s) return s.error();
  store->readers_ = std::make_unique<Pool>(url, kReaderSetup);
  if (auto s = store->readers_->Fill(readers); !s) return s.error();
  store->jobs_ = std::make_unique<Pool>(url, kJobsSetup);
  if (auto s = store->jobs_->Fill(2); !s) return s.error();
  if (!options.standby_url.empty()) {
    store->standby_ = std::make_unique<Pool>(options.standby_url, kStandbySetup);
    if (auto s = store->standby_->Fill(readers); !s) return s.error();
  }
  store->thread_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "redress-pgwrite");  // shows in top -H and perf
    s->WriterLoop();
  });
  return store;
}

Status PgStore::ConnectWriter() {
  auto c = Conn::Open(url_, kWriterSetup);
  if (!c) return c.error();
  writer_ = std::move(*c);
  if (tx_) {
    tx_->Reset(writer_.get());
  } else {
    tx_ = std::make_unique<Tx>(writer_.get(), [this](int year) { return EnsureYear(year); });
  }
  return {};
}

Status PgStore::EnsureYear(int year) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(url_.c_str()), &PQfinish);
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    return Unavailable("postgresql: cannot connect to create a reference sequence");
  }
  PQsetNoticeProcessor(
      c.get(), [](void*, const char*) {}, nullptr);
  const std::string sql = "SELECT ensure_reference_sequence(" + std::to_string(year) + ")";
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    return Unavailable("postgresql: create reference sequence: " +
                       std::string(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)
                                       ? PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)
                                       : ""));
  }
  return {};
}

PgStore::~PgStore() {
  if (queue_) queue_->Close();
  if (thread_.joinable()) thread_.join();
  tx_.reset();
  writer_.reset();
  readers_.reset();
  standby_.reset();
  jobs_.reset();
}

bool PgStore::Healthy() const { return !poisoned_.load(); }

std::optional<core::WriterStats> PgStore::WriterStatistics() const {
  // A commit's flush happens in PostgreSQL, inside the batch's time: not timed apart here.
  if (!queue_) return std::nullopt;
  return queue_->Statistics();
}

// ---------------------------------------------------------------------------------------------
// Writes.

void PgStore::Write(TxFn fn, Done done) { Enqueue(std::move(fn), std::move(done), false); }

void PgStore::WriteRerunnable(TxFn fn, Done done) { Enqueue(std::move(fn), std::move(done), true); }

void PgStore::Enqueue(TxFn fn, Done done, bool rerunnable) {
  if (poisoned_.load()) return done(Unavailable("store refuses writes after a failed commit"));
  queue_->Push(std::move(fn), std::move(done), rerunnable);
}

void PgStore::WriterLoop() {
  queue_->Run(
      [this](std::vector<Item>& batch, std::vector<Status>& results) { RunBatch(batch, results); });
}

void PgStore::RunBatch(std::vector<Item>& batch, std::vector<Status>& results) {
  results.assign(batch.size(), Status{});
  auto fail_all = [&](const core::Error& e) {
    for (auto& r : results) r = e;
  };
  if (poisoned_.load()) return fail_all(Unavailable("store refuses writes after a failed commit"));
  // A connection lost in an earlier batch (nothing of it committed) is replaced.
  if (writer_->Broken()) {
    if (auto s = ConnectWriter(); !s) return fail_all(s.error());
  }
  Conn& w = *writer_;
  Tx& tx = *tx_;

  // BEGIN, the write lock and the chain head: one round trip. Another node (or the CLI) may
  // have appended events since our last batch, so the head is read under the lock.
  auto begin = [&]() -> bool {
    tx.counts.Clear();
    tx.DropIds();
    tx.known.clear();
    Status begun = w.QueueCommand("BEGIN");
    if (begun) begun = Queue(w, kWriteLock, Params().Int(pg::kWriteLock));
    Result<Res> head = begun ? Run(w, kChainHead, Params()) : Result<Res>(begun.error());
    if (!head) {
      if (!w.Broken()) (void)w.RunCommand("ROLLBACK");
      fail_all(head.error());
      return false;
    }
    if (head->rows() > 0) {
      tx.head_seq = head->Int(0, 0);
      tx.head_hash = head->Text(0, 1);
    } else {
      tx.head_seq = 0;
      tx.head_hash = core::kGenesisHash;
    }
    return true;
  };
  auto abort_batch = [&](const core::Error& e) {
    if (!w.Broken()) (void)w.RunCommand("ROLLBACK");
    fail_all(e);
  };
  if (!begin()) return;

  // Each function runs in a savepoint, and what it queued travels with the RELEASE, so that
  // one that fails rolls back alone: a round trip per function. A batch made only of functions
  // that may run twice (WriteRerunnable) runs without them first: what its functions queue
  // travels with the next statement that needs an answer and with the last sync. If anything
  // in it fails, the transaction is rolled back and the batch runs again with savepoints.
  bool savepoints = WriteQueue::SavepointsFromTheStart(batch);
  auto run_again = [&]() -> bool {
    (void)w.Sync();
    if (!w.Broken()) (void)w.RunCommand("ROLLBACK");
    savepoints = true;
    results.assign(batch.size(), Status{});
    return begin();
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    if (savepoints) {
      if (auto s = w.QueueCommand("SAVEPOINT w"); !s) return abort_batch(s.error());
    }
    const int64_t seq0 = tx.head_seq;
    std::string hash0 = tx.head_hash;
    const size_t counts0 = tx.counts.size();
    tx.fatal = false;
    Status s;
    try {
      s = batch[i].fn(tx);
    } catch (const std::exception&) {
      s = MakeError(Errc::kInternal, "write function threw an exception");
    } catch (...) {
      s = MakeError(Errc::kInternal, "write function threw");
    }
    if (!savepoints) {
      if (tx.fatal || w.Broken()) {
        return abort_batch(s ? Unavailable("postgresql: connection lost") : s.error());
      }
      if (!s) {
        if (!run_again()) return;
        i = static_cast<size_t>(-1);  // from the first function again
        continue;
      }
      if (i + 1 == batch.size()) {
        // The last sync: an error in what the functions queued sends the batch round again.
        if (Status synced = w.Sync(); !synced) {
          if (synced.error().code == Errc::kUnavailable || w.Broken()) {
            return abort_batch(synced.error());
          }
          if (!run_again()) return;
          i = static_cast<size_t>(-1);
        }
      }
      continue;
    }
    // What the function queued travels with the RELEASE: one round trip. An error in any of
    // it is the function's error.
    if (s && !tx.fatal) {
      if (auto r = w.QueueCommand("RELEASE SAVEPOINT w"); r) {
        s = w.Sync();
      } else {
        s = r;
      }
      if (!s) {
        if (s.error().code == Errc::kUnavailable) tx.fatal = true;
        s = WriteError(w, s.error(), "", "");
      }
    }
    if (tx.fatal || w.Broken()) {
      return abort_batch(s ? Unavailable("postgresql: connection lost") : s.error());
    }
    if (!s) {
      // Anything still queued belongs to the failed function: drain it, then roll back.
      (void)w.Sync();
      Status undo = w.QueueCommand("ROLLBACK TO SAVEPOINT w");
      if (undo) undo = w.RunCommand("RELEASE SAVEPOINT w");
      if (!undo) return abort_batch(undo.error());
      tx.head_seq = seq0;
      tx.head_hash = std::move(hash0);
      tx.counts.Truncate(counts0);
      tx.known.clear();  // what the failed write read or wrote is undone
    }
    results[i] = std::move(s);
  }

  // The batch's count differences, summed; an error here fails the whole batch.
  if (Status counted = tx.FlushCounts(); !counted) return abort_batch(counted.error());

  // COMMIT of a transaction in the failed state would roll back and still answer success.
  if (PQtransactionStatus(w.raw()) != PQTRANS_INTRANS) {
    return abort_batch(Unavailable("postgresql: transaction in an unexpected state"));
  }
  if (auto s = w.RunCommand("COMMIT"); !s) {
    // Sticky (conventions §3): whether the commit happened is unknown.
    poisoned_.store(true);
    return abort_batch(s.error());
  }
}

// ---------------------------------------------------------------------------------------------
// Reads.

Result<std::optional<core::Complaint>> PgStore::GetComplaint(const core::Reference& ref) {
  const std::string text = ref.ToString();
  auto c = Reader();
  auto r = Run(*c, kLoadComplaint, Params().Text(text));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::Complaint>();
  return ParseComplaint(r->Int(0, 0), r->Int(0, 1), r->View(0, 2));
}

// The complaint, its events, notes and attachments: four statements of one read-only snapshot,
// sent together, so a get costs one round trip and shows one moment of the file.
Result<std::optional<core::ComplaintFile>> PgStore::GetComplaintFile(const core::Reference& ref) {
  const std::string text = ref.ToString();
  auto c = Reader();
  Params p;
  p.Text(text);
  Status s = c->QueueCommand(kReadSnapshot);
  for (const Q* q :
       {&kLoadComplaint, &kEventsOfReference, &kNotesOfReference, &kAttachmentsOfReference}) {
    if (s) s = c->Fetch(q->name, q->sql, p);
  }
  if (s) s = c->QueueCommand("COMMIT");
  if (!s) return s.error();  // the lease's return rolls the transaction back
  auto rs = c->Collect();
  if (!rs) return rs.error();
  const std::vector<Res>& r = *rs;
  if (r.size() != 4) return MakeError(Errc::kInternal, "postgresql: a complaint's file is missing");
  if (r[0].rows() == 0) return std::optional<core::ComplaintFile>();
  auto complaint = ParseComplaint(r[0].Int(0, 0), r[0].Int(0, 1), r[0].View(0, 2));
  if (!complaint) return complaint.error();
  if (!complaint->has_value()) return std::optional<core::ComplaintFile>();
  return std::optional<core::ComplaintFile>(core::ComplaintFile{
      std::make_shared<const core::Complaint>(std::move(**complaint)), ReadRows(r[1], ReadEvent),
      ReadRows(r[2], ReadNote), ReadRows(r[3], ReadAttachment)});
}

namespace {

// The tsquery of a list of terms: each a quoted lexeme (terms hold only letters, digits and
// non-ASCII text, never a quote or backslash), all required.
std::string TsQuery(const std::vector<std::string>& terms) {
  std::string q;
  for (const auto& t : terms) {
    if (!q.empty()) q += " & ";
    q += '\'';
    q += t;
    q += '\'';
  }
  return q;
}

}  // namespace

Result<core::ListPage> PgStore::ListComplaints(const core::ListQuery& q) {
  core::ListPage page;
  std::string tsquery;
  if (auto terms = ListSearchTerms(q)) {
    if (terms->empty()) return page;  // only punctuation: matches nothing
    for (const auto& t : *terms) {
      // Stored text is UTF-8 and its terms are shorter than 2048 bytes: such a term matches
      // nothing.
      if (!util::IsUtf8Text(t) || t.size() >= 2048) return page;
    }
    tsquery = TsQuery(*terms);
  }
  auto planned = PlanList(q, !tsquery.empty());
  if (!planned) return planned.error();
  if (!*planned) return page;  // the scope sees nothing
  const uint64_t bits = (*planned)->bits;
  const core::ListSort sort = (*planned)->sort;
  const CursorPos& after = (*planned)->after;
  const std::string& named = (*planned)->named;
  const int limit = (*planned)->limit;
  const core::Scope& scope = q.scope;
  // A value that is not UTF-8 equals no stored value.
  for (const std::string* v :
       {q.category ? &*q.category : nullptr, q.assignee ? &*q.assignee : nullptr, &scope.assignee,
        &scope.investigator}) {
    if (v != nullptr && !util::IsUtf8Text(*v)) return page;
  }
  const int64_t now = core::ToMillis(q.now);
  const bool merged = MergesHandlerQueue(bits);

  // The text and its parameters are built together, in an order fixed by `bits`, so the text
  // of one set of bits is always the same statement.
  Params p;
  int n = 0;
  auto param = [&n] { return "$" + std::to_string(++n); };
  std::string sql =
      "SELECT c.id, c.reference, c.state, c.priority, c.category, c.product, c.channel, "
      "c.assignee, c.received_at, c.next_due, c.is_open FROM ";
  if (bits & kText) {
    // The matches come by complaint id, newest recorded first; pages follow the id alone.
    sql += "complaint_text x JOIN complaints c ON c.id = x.id WHERE x.terms @@ " + param() +
           "::tsquery";
    p.Text(tsquery);
    if (bits & kAfter) {
      sql += " AND x.id < " + param();
      p.Int(after.id);
    }
  } else {
    sql += "complaints c WHERE true";
    if (bits & kSortDue) sql += " AND c.is_open = 1 AND c.next_due IS NOT NULL";
    if (bits & kAfter) {
      if (bits & kSortOldest) {
        const std::string at = param();
        const std::string id = param();
        sql += " AND (c.received_at, c.id) > (" + at + ", " + id + ")";
        p.Int(after.received_at_ms).Int(after.id);
      } else if (bits & kSortDue) {
        const std::string key = param();
        const std::string id = param();
        sql += " AND (c.next_due, c.id) > (" + key + ", " + id + ")";
        p.Int(after.key).Int(after.id);
      } else if (bits & kSortPriority) {
        const std::string key = param();
        const std::string at = param();
        const std::string id = param();
        sql += " AND (c.priority > " + key + " OR (c.priority = " + key +
               " AND (c.received_at, c.id) < (" + at + ", " + id + ")))";
        p.Int(after.key).Int(after.received_at_ms).Int(after.id);
      } else {
        const std::string at = param();
        const std::string id = param();
        sql += " AND (c.received_at, c.id) < (" + at + ", " + id + ")";
        p.Int(after.received_at_ms).Int(after.id);
      }
    }
  }
  const std::string state_name = q.state ? core::ToString(*q.state) : "";
  if (bits & kByState) {
    sql += " AND c.state = " + param();
    p.Text(state_name);
  }
  // The indexes by category and by investigator hold only complaints that name one (migration
  // 0018): a term that says the value is not empty lets the planner use them.
  if (bits & kByCategory) {
    sql += " AND c.category = " + param();
    p.Text(*q.category);
  }
  if (bits & kCategoryNamed) sql += " AND c.category <> ''";
  if (bits & kByPriority) {
    sql += " AND c.priority = " + param();
    p.Int(static_cast<int64_t>(*q.priority));
  }
  if (bits & kByAssignee) {
    sql += " AND c.assignee = " + param();
    p.Text(*q.assignee);
  }
  if (bits & kOverdue) {
    sql += " AND c.is_open = 1 AND c.next_due < " + param();
    p.Int(now);
  }
  if (bits & kFollowUpDue) {
    sql += " AND c.follow_up_at <= " + param();
    p.Int(now);
  }
  if (bits & kFrom) {
    sql += " AND c.received_at >= " + param();
    p.Int(core::ToMillis(*q.received_from));
  }
  if (bits & kTo) {
    sql += " AND c.received_at < " + param();
    p.Int(core::ToMillis(*q.received_to));
  }
  if ((bits & kScopeAssignee) && (bits & kScopeInvestigator)) {
    const std::string a = param();
    const std::string i = param();
    sql += " AND (c.assignee = " + a + " OR c.assignee = '' OR (c.investigator = " + i +
           " AND c.investigator <> ''))";
    p.Text(scope.assignee).Text(scope.investigator);
  } else if ((bits & kScopeAssignee) && !merged) {
    sql += " AND (c.assignee = " + param() + " OR c.assignee = '')";
    p.Text(scope.assignee);
  } else if (bits & kScopeInvestigator) {
    sql += " AND c.investigator = " + param() + " AND c.investigator <> ''";
    p.Text(scope.investigator);
  }
  if (bits & kExcludeNamed) {
    // The empty case first, though strpos alone would answer it: the planner takes a function's
    // result compared to a constant as matching 0.5 % of rows, and so reads every row of the
    // scope to sort them instead of walking an index until the page is full (16.7 ms against
    // 0.5 for a handler whose queue is 2 % of 200,000; docs/performance.md). Its statistics
    // know that most complaints name nobody.
    sql += " AND (c.persons_named = '' OR strpos(c.persons_named, " + param() + ") = 0)";
    p.Text(named);
  }
  if (merged) {
    // The handler's own complaints and the unassigned ones, each an ordered walk of
    // complaints_assignee that stops at the limit, then the two merged (as the SQLite store;
    // with `assignee = $a OR assignee = ''` the planner may take every row of both and sort
    // them, when the two are a small part of the table).
    const std::string a = param();
    p.Text(scope.assignee);
    const std::string lim = param();
    p.Int(limit + 1);
    const char* dir = (bits & kSortOldest) ? " ASC" : " DESC";
    const std::string arm_order =
        std::string(" ORDER BY c.received_at") + dir + ", c.id" + dir + " LIMIT " + lim;
    sql = "(" + sql + " AND c.assignee = " + a + arm_order + ") UNION ALL (" + sql +
          " AND c.assignee = ''" + arm_order + ") ORDER BY received_at" + dir + ", id" + dir +
          " LIMIT " + lim;
  } else {
    if (bits & kText) {
      sql += " ORDER BY c.id DESC";
    } else if (bits & kSortOldest) {
      sql += " ORDER BY c.received_at ASC, c.id ASC";
    } else if (bits & kSortDue) {
      sql += " ORDER BY c.next_due ASC, c.id ASC";
    } else if (bits & kSortPriority) {
      sql += " ORDER BY c.priority ASC, c.received_at DESC, c.id DESC";
    } else {
      sql += " ORDER BY c.received_at DESC, c.id DESC";
    }
    sql += " LIMIT " + param();
    p.Int(limit + 1);
  }

  auto r = ReadStale([&](Lease& c) { return c->Run("list_" + std::to_string(bits), sql, p); });
  if (!r) return r.error();
  page.items.reserve(static_cast<size_t>(limit));
  for (int i = 0; i < r->rows(); ++i) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_cursor = CursorAfter(page.items.back(), sort);
      break;
    }
    core::ComplaintSummary s;
    s.id = r->Int(i, 0);
    s.reference = r->Text(i, 1);
    s.state = core::ParseState(r->View(i, 2)).value_or(core::State::kReceived);
    s.priority = static_cast<core::Priority>(r->Int(i, 3));
    s.category = r->Text(i, 4);
    s.product = r->Text(i, 5);
    s.channel = core::ParseChannel(r->View(i, 6)).value_or(core::Channel::kWeb);
    s.assignee = r->Text(i, 7);
    s.received_at = core::FromMillis(r->Int(i, 8));
    if (auto due = r->OptInt(i, 9)) {
      s.due = core::FromMillis(*due);
      s.overdue = r->Int(i, 10) != 0 && *due < now;
    }
    page.items.push_back(std::move(s));
  }
  return page;
}

Result<std::vector<core::Event>> PgStore::EventsOf(int64_t complaint_id) {
  auto c = Reader();
  auto r = Run(*c, kEventsOf, Params().Int(complaint_id));
  if (!r) return r.error();
  return ReadRows(*r, ReadEvent);
}

Result<std::vector<core::Note>> PgStore::NotesOf(int64_t complaint_id) {
  auto c = Reader();
  auto r = Run(*c, kNotesOf, Params().Int(complaint_id));
  if (!r) return r.error();
  return ReadRows(*r, ReadNote);
}

Result<std::vector<core::Attachment>> PgStore::AttachmentsOf(int64_t complaint_id) {
  auto c = Reader();
  auto r = Run(*c, kAttachmentsOf, Params().Int(complaint_id));
  if (!r) return r.error();
  return ReadRows(*r, ReadAttachment);
}

Result<std::optional<core::Attachment>> PgStore::GetAttachment(int64_t complaint_id,
                                                               int64_t attachment_id) {
  auto c = Reader();
  auto r = Run(*c, kGetAttachment, Params().Int(complaint_id).Int(attachment_id));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::Attachment>();
  return std::optional<core::Attachment>(ReadAttachment(*r, 0));
}

Result<std::optional<core::User>> PgStore::FindUser(const std::string& username) {
  if (!util::IsUtf8Text(username)) return std::optional<core::User>();
  auto c = Reader();
  auto r = Run(*c, kLoadUser, Params().Text(username));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::User>();
  return std::optional<core::User>(ReadUser(*r, 0));
}

Result<std::optional<core::User>> PgStore::GetUser(int64_t id) {
  auto c = Reader();
  auto r = Run(*c, kGetUser, Params().Int(id));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::User>();
  return std::optional<core::User>(ReadUser(*r, 0));
}

Result<std::vector<core::User>> PgStore::ListUsers() {
  auto c = Reader();
  auto r = Run(*c, kListUsers, Params());
  if (!r) return r.error();
  std::vector<core::User> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadUser(*r, i));
  return out;
}

Result<std::optional<core::Session>> PgStore::FindSession(const std::string& token_hash) {
  if (!util::IsUtf8Text(token_hash)) return std::optional<core::Session>();
  auto c = Reader();
  auto r = Run(*c, kFindSession, Params().Text(token_hash));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::Session>();
  core::Session s;
  s.token_hash = r->Text(0, 0);
  s.user_id = r->Int(0, 1);
  s.created_at = core::FromMillis(r->Int(0, 2));
  s.expires_at = core::FromMillis(r->Int(0, 3));
  return std::optional<core::Session>(std::move(s));
}

Result<std::vector<core::SavedView>> PgStore::ViewsOf(int64_t user_id) {
  auto c = Reader();
  auto r = Run(*c, kViewsOf, Params().Int(user_id));
  if (!r) return r.error();
  std::vector<core::SavedView> out;
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back({r->Text(i, 0), r->Text(i, 1), core::FromMillis(r->Int(i, 2))});
  }
  return out;
}

Result<std::vector<core::Notification>> PgStore::DueNotifications(core::Instant now, int limit) {
  auto c = Reader();
  auto r = Run(*c, kDueNotifications, Params().Int(core::ToMillis(now)).Int(limit));
  if (!r) return r.error();
  std::vector<core::Notification> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadNotification(*r, i));
  return out;
}

Result<std::vector<core::Notification>> PgStore::NotificationsOf(int64_t complaint_id) {
  auto c = Reader();
  auto r = Run(*c, kNotificationsOf, Params().Int(complaint_id));
  if (!r) return r.error();
  std::vector<core::Notification> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadNotification(*r, i));
  return out;
}

Result<std::optional<core::Notification>> PgStore::GetNotification(int64_t id) {
  auto c = Reader();
  auto r = Run(*c, kGetNotification, Params().Int(id));
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<core::Notification>();
  return std::optional<core::Notification>(ReadNotification(*r, 0));
}

Result<core::DashboardCounts> PgStore::Dashboard(const core::DashboardQuery& q) {
  return ReadStale([&](Lease& c) -> Result<core::DashboardCounts> {
    core::DashboardCounts out;
    // One read transaction, so the figures come from one snapshot.
    auto run = [&]() -> Status {
      if (auto s = c->QueueCommand(kReadSnapshot); !s) return s;
      auto age = Run(*c, kDashAge,
                     Params()
                         .Int(core::ToMillis(q.age_edges[0]))
                         .Int(core::ToMillis(q.age_edges[1]))
                         .Int(core::ToMillis(q.age_edges[2])));
      if (!age) return age.error();
      for (int i = 0; i < 4; ++i) out.open_by_age[static_cast<size_t>(i)] = age->Int(0, i);
      const int64_t since = core::ToMillis(q.since);
      auto clocks = Run(*c, kDashClocks, Params().Int(since));
      if (!clocks) return clocks.error();
      for (int i = 0; i < clocks->rows(); ++i) {
        out.clocks[clocks->Text(i, 0)] = {clocks->Int(i, 1), clocks->Int(i, 2)};
      }
      auto weeks = Run(*c, kDashWeeks, Params().Int(since));
      if (!weeks) return weeks.error();
      for (int i = 0; i < weeks->rows(); ++i) {
        out.by_week.emplace_back(core::FromMillis(weeks->Int(i, 0) * 604800000LL + 345600000LL),
                                 weeks->Int(i, 1));
      }
      auto cats = Run(*c, kDashCategories, Params().Int(since));
      if (!cats) return cats.error();
      for (int i = 0; i < cats->rows(); ++i)
        out.by_category.emplace_back(cats->Text(i, 0), cats->Int(i, 1));
      return {};
    };
    Status s = run();
    const Status end = c->RunCommand(s ? "COMMIT" : "ROLLBACK");
    if (!s) return s.error();
    if (!end) return end.error();
    return out;
  });
}

Result<std::vector<std::vector<core::FactRow>>> PgStore::Facts(
    const std::vector<core::FactQuery>& qs) {
  for (const auto& q : qs) {
    if (auto s = core::ValidateFactQuery(q); !s) return s.error();
    for (const auto& [dim, value] : q.where) {
      if (!util::IsUtf8Text(value))
        return MakeError(Errc::kInvalid, "filter value is not valid UTF-8");
    }
  }
  using Rows = std::vector<std::vector<core::FactRow>>;
  return ReadStale([&](Lease& c) -> Result<Rows> {
    Rows out;
    out.reserve(qs.size());
    // One read transaction, so every query sees the same snapshot.
    Status s = c->QueueCommand(kReadSnapshot);
    for (const auto& q : qs) {
      if (!s) break;
      auto rows = pg::QueryFacts(*c, q);
      if (!rows) {
        s = rows.error();
        break;
      }
      out.push_back(std::move(*rows));
    }
    const Status end = c->RunCommand(s ? "COMMIT" : "ROLLBACK");
    if (!s) return s.error();
    if (!end) return end.error();
    return out;
  });
}

Result<std::vector<core::Record>> PgStore::ReadRecords(const char* name, const char* sql,
                                                       core::RecordKind kind,
                                                       std::optional<int64_t> arg) {
  auto c = Reader();
  Params p;
  p.Text(core::ToString(kind));
  if (arg) p.Int(*arg);
  auto r = c->Run(name, sql, p);
  if (!r) return r.error();
  std::vector<core::Record> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadRecord(kind, *r, i));
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> PgStore::ClosedIn(core::Instant from,
                                                                       core::Instant to) {
  auto r = ReadStale([&](Lease& c) {
    return Run(*c, kClosedIn, Params().Int(core::ToMillis(from)).Int(core::ToMillis(to)));
  });
  if (!r) return r.error();
  std::vector<std::pair<int64_t, std::string>> out;
  for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->Int(i, 0), r->Text(i, 1));
  return out;
}

Result<std::optional<core::Record>> PgStore::GetRecord(core::RecordKind kind, int64_t id) {
  auto rows = ReadRecords(kGetRecord.name, kGetRecord.sql, kind, id);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<core::Record>();
  return std::optional<core::Record>(std::move(rows->front()));
}

Result<std::vector<core::Record>> PgStore::ListRecords(core::RecordKind kind) {
  return ReadRecords(kListRecords.name, kListRecords.sql, kind, std::nullopt);
}

Result<std::vector<core::Record>> PgStore::RecordsLinkedTo(core::RecordKind kind,
                                                           int64_t complaint_id) {
  return ReadRecords(kRecordsLinked.name, kRecordsLinked.sql, kind, complaint_id);
}

Result<std::map<core::State, int64_t>> PgStore::CountByState() {
  std::map<core::State, int64_t> out;
  for (core::State s : kAllStates) out[s] = 0;
  auto c = Reader();
  auto r = Run(*c, kCountByState, Params());
  if (!r) return r.error();
  for (int i = 0; i < r->rows(); ++i) {
    if (auto s = core::ParseState(r->View(i, 0))) out[*s] = r->Int(i, 1);
  }
  return out;
}

Result<int64_t> PgStore::CountOverdue(core::Instant now) {
  auto c = Reader();
  const int64_t at = core::ToMillis(now);
  auto r = Run(*c, kCountOverdue,
               Params().Int(at).Int(at / kMillisPerDay).Int(at / kMillisPerDay * kMillisPerDay));
  if (!r) return r.error();
  return r->Int(0, 0);
}

Result<int64_t> PgStore::CountComplaints() {
  auto c = Reader();
  auto r = Run(*c, kCountComplaints, Params());
  if (!r) return r.error();
  return r->Int(0, 0);
}

Result<std::vector<core::Reference>> PgStore::DueForClockCheck(core::Instant now, int limit) {
  std::vector<core::Reference> out;
  if (limit <= 0) return out;
  auto c = Reader();
  auto r = Run(*c, kDueForClockCheck, Params().Int(core::ToMillis(now)).Int(limit));
  if (!r) return r.error();
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadReference(*r, i));
  return out;
}

Status PgStore::ScanEvents(int64_t from_seq, const std::function<bool(const core::Event&)>& fn) {
  auto c = Reader();
  Status s = c->QueueCommand(kReadSnapshot);
  int64_t next = from_seq;
  while (s) {
    auto r = Run(*c, kScanEvents, Params().Int(next).Int(kScanPage));
    if (!r) {
      s = r.error();
      break;
    }
    bool stop = r->rows() < kScanPage;
    for (int i = 0; i < r->rows(); ++i) {
      core::Event e = ReadEvent(*r, i);
      next = e.seq + 1;
      if (!fn(e)) {
        stop = true;
        break;
      }
    }
    if (stop) break;
  }
  const Status end = c->RunCommand(s ? "COMMIT" : "ROLLBACK");
  if (!s) return s;
  return end;
}

Status PgStore::Backup(const std::string& /*dest*/) {
  return MakeError(Errc::kInvalid,
                   "backup of a PostgreSQL store is not supported: use pg_dump or pg_basebackup");
}

Status PgStore::ScanComplaints(int64_t after_id,
                               const std::function<bool(const core::Complaint&)>& fn) {
  auto c = Reader();
  Status s = c->QueueCommand(kReadSnapshot);
  int64_t last = after_id;
  while (s) {
    auto r = Run(*c, kScanComplaints, Params().Int(last).Int(kScanPage));
    if (!r) {
      s = r.error();
      break;
    }
    bool stop = r->rows() < kScanPage;
    for (int i = 0; i < r->rows(); ++i) {
      auto complaint = ParseComplaint(r->Int(i, 0), r->Int(i, 1), r->View(i, 2));
      if (!complaint) {
        s = complaint.error();
        stop = true;
        break;
      }
      last = (*complaint)->id;
      if (!fn(**complaint)) {
        stop = true;
        break;
      }
    }
    if (stop) break;
  }
  const Status end = c->RunCommand(s ? "COMMIT" : "ROLLBACK");
  if (!s) return s;
  return end;
}

// ---------------------------------------------------------------------------------------------
// Work shared by several nodes: claims and rate limits, on the jobs connections (autocommit:
// each claim commits at once, before the work it claims starts).

namespace {
// $1 now, $2 limit, $3 node, $4 the instant the claim ends.
Params ClaimParams(core::Instant now, int limit, const core::Claim& claim) {
  Params p;
  p.Int(core::ToMillis(now)).Int(limit).Text(claim.node).Int(core::ToMillis(now + claim.lease));
  return p;
}
}  // namespace

Result<std::vector<core::Reference>> PgStore::ClaimClockChecks(core::Instant now, int limit,
                                                               const core::Claim& claim) {
  std::vector<core::Reference> out;
  if (limit <= 0) return out;
  auto c = jobs_->Take();
  auto r = Run(*c, kClaimClockChecks, ClaimParams(now, limit, claim));
  if (!r) return r.error();
  // RETURNING has no order: oldest clock first, as DueForClockCheck.
  std::vector<std::tuple<int64_t, int64_t, int>> order;  // (next_clock, id, row)
  for (int i = 0; i < r->rows(); ++i) order.emplace_back(r->Int(i, 3), r->Int(i, 4), i);
  std::sort(order.begin(), order.end());
  for (const auto& [next_clock, id, i] : order) out.push_back(ReadReference(*r, i));
  return out;
}

Result<std::vector<core::Notification>> PgStore::ClaimNotifications(core::Instant now, int limit,
                                                                    const core::Claim& claim) {
  std::vector<core::Notification> out;
  if (limit <= 0) return out;
  auto c = jobs_->Take();
  auto r = Run(*c, kClaimNotifications, ClaimParams(now, limit, claim));
  if (!r) return r.error();
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadNotification(*r, i));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::pair(a.next_attempt_at, a.id) < std::pair(b.next_attempt_at, b.id);
  });
  return out;
}

Result<bool> PgStore::ClaimPeriodic(const std::string& name, core::Instant now,
                                    std::chrono::milliseconds every, const core::Claim& claim) {
  auto c = jobs_->Take();
  if (auto s = Queue(*c, kAddPeriodic, Params().Text(name)); !s) return s.error();
  auto r = Run(*c, kClaimPeriodic,
               Params()
                   .Text(name)
                   .Int(core::ToMillis(now))
                   .Int(core::ToMillis(now - every))
                   .Text(claim.node)
                   .Int(core::ToMillis(now + claim.lease)));
  if (!r) return r.error();
  return r->rows() == 1;
}

Status PgStore::EndPeriodic(const std::string& name, core::Instant now) {
  auto c = jobs_->Take();
  auto r = Run(*c, kEndPeriodic, Params().Text(name).Int(core::ToMillis(now)));
  if (!r) return r.error();
  return {};
}

Result<int64_t> PgStore::AddHit(const std::string& key, core::Instant now,
                                std::chrono::milliseconds window) {
  auto c = jobs_->Take();
  const int64_t ended = core::ToMillis(now - window);
  auto r = Run(*c, kAddHit, Params().Text(key).Int(core::ToMillis(now)).Int(ended));
  if (!r) return r.error();
  const int64_t hits = r->Int(0, 0);
  // A new window: now and then, drop the windows that ended, so the table stays small.
  if (hits == 1 && ++hits_since_sweep_ % 256 == 0) {
    if (auto d = Run(*c, kDropOldHits, Params().Int(ended)); !d) return d.error();
  }
  return hits;
}

Result<int64_t> PgStore::Hits(const std::string& key, core::Instant now,
                              std::chrono::milliseconds window) {
  auto c = jobs_->Take();
  auto r = Run(*c, kHits, Params().Text(key).Int(core::ToMillis(now - window)));
  if (!r) return r.error();
  return r->rows() == 0 ? 0 : r->Int(0, 0);
}

}  // namespace redress::store
