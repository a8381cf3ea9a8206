#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>

#include "core/codec.hpp"
#include "core/facts.hpp"
#include "core/lifecycle.hpp"
#include "store/list_support.hpp"
#include "store/sqlite/facts_sql.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sorter.hpp"
#include "store/sqlite/statement.hpp"
#include "store/sqlite/wal_vfs.hpp"
#include "store/stored_complaint.hpp"
#include "util/crypto.hpp"

namespace redress::store {

using core::Errc;
using core::MakeError;
using core::Result;
using core::Status;
using sqlite::CombiningVfs;
using sqlite::Conn;
using sqlite::EnableWalCombining;
using sqlite::SqliteError;
using sqlite::Stmt;
using sqlite::TimeWalFlushes;

namespace {

constexpr int kBusyTimeoutMs = 5000;

// Statement ids for Conn::Cached; SqlOf() gives the text of each.
enum StmtId : int {
  kBegin,
  kCommit,
  kRollback,
  kSavepoint,
  kRelease,
  kRollbackTo,
  kNextSequence,
  kInsertComplaint,
  kInsertDoc,
  kNewestPlainRecords,
  kCountPlainRecords,
  kInsertDict,
  kPlainRecordsIn,
  kPlainPayloadsIn,
  kPackPayload,
  kUpdateDoc,
  kInsertText,
  kLoadComplaint,
  kUpdateComplaint,
  kUpdateText,
  kComplaintExists,
  kInsertEvent,
  kInsertNote,
  kAppendNoteText,
  kInsertAttachment,
  kGetIdempotency,
  kPutIdempotency,
  kInsertUser,
  kLoadUser,
  kUpdateUser,
  kInsertSession,
  kDeleteSession,
  kDeleteSessionsOf,
  kLastEvent,
  kEventsOf,
  kNotesOf,
  kAttachmentsOf,
  kGetAttachment,
  kGetUser,
  kListUsers,
  kFindSession,
  kCountByState,
  kCountOverdue,
  kCountComplaints,
  kDueForClockCheck,
  kScanEvents,
  kFindSource,
  kInsertSource,
  kScanComplaints,
  kUpdateSource,
  kCountState,
  kCountDueDay,
  kStateOf,
  kPutView,
  kDeleteView,
  kViewsOf,
  kDashAge,
  kDashClocks,
  kDashWeeks,
  kDashCategories,
  kInsertNotification,
  kUpdateNotification,
  kDueNotifications,
  kNotificationsOf,
  kGetNotification,
  kNextRecordId,
  kPutRecord,
  kDeleteLinks,
  kInsertLink,
  kGetRecord,
  kListRecords,
  kRecordsLinked,
  kClosedIn,
  kReadBegin,
  kReadEnd,
  kDataVersion,
  kInsertTextContent,
  kUpdateTextContent,
  kAppendNoteTextContent,
};

#define REDRESS_RECORD_SELECT                                                                   \
  "SELECT r.id, r.doc, r.updated_at, (SELECT group_concat(l.complaint_id) FROM record_links l " \
  "WHERE l.kind = r.kind AND l.id = r.id) FROM records r "

// Each complaint row with its record (migration 0016 keeps the records in a table of their own).
#define REDRESS_COMPLAINTS_WITH_DOCS "complaints c JOIN complaint_docs d ON d.id = c.id"

// after_packed: migration 0021, `after` packed as a record is (record_pack.hpp), with "after" ''.
#define REDRESS_EVENT_COLS                                                                   \
  "seq, complaint_id, reference, at, actor, action, \"before\", \"after\", payload_digest, " \
  "prev_hash, hash, after_packed"
#define REDRESS_USER_COLS \
  "id, username, display_name, role, password_hash, disabled, must_change_password, created_at"
#define REDRESS_NOTIFICATION_COLS                                                                \
  "id, complaint_id, reference, kind, language, recipient, vars, in_reply_to, state, attempts, " \
  "created_at, next_attempt_at, sent_at, last_error"
#define REDRESS_ATTACHMENT_COLS \
  "id, complaint_id, sha256, content_type, size, filename, uploaded_by, at"

const char* SqlOf(StmtId id) {
  switch (id) {
    case kBegin:
      return "BEGIN IMMEDIATE";
    case kCommit:
      return "COMMIT";
    case kRollback:
      return "ROLLBACK";
    case kSavepoint:
      return "SAVEPOINT w";
    case kRelease:
      return "RELEASE w";
    case kRollbackTo:
      return "ROLLBACK TO w";
    case kNextSequence:
      return "INSERT INTO sequences (year, next) VALUES (?1, 1 + ?2) "
             "ON CONFLICT (year) DO UPDATE SET next = next + ?2 RETURNING next - ?2";
    case kReadBegin:
      return "BEGIN";
    case kReadEnd:
      return "COMMIT";
    case kDataVersion:
      return "PRAGMA data_version";
    case kClosedIn:
      return "SELECT f.id, c.reference FROM facts f JOIN complaints c ON c.id = f.id "
             "WHERE f.closed_at >= ?1 AND f.closed_at < ?2 ORDER BY f.id";
    case kNextRecordId:
      return "SELECT coalesce(max(id), 0) + 1 FROM records WHERE kind = ?1";
    case kPutRecord:
      return "INSERT OR REPLACE INTO records (kind, id, doc, updated_at) VALUES (?1, ?2, ?3, ?4)";
    case kDeleteLinks:
      return "DELETE FROM record_links WHERE kind = ?1 AND id = ?2";
    case kInsertLink:
      return "INSERT OR IGNORE INTO record_links (kind, id, complaint_id) VALUES (?1, ?2, ?3)";
    case kGetRecord:
      return REDRESS_RECORD_SELECT "WHERE r.kind = ?1 AND r.id = ?2";
    case kListRecords:
      return REDRESS_RECORD_SELECT "WHERE r.kind = ?1 ORDER BY r.id";
    case kRecordsLinked:
      return REDRESS_RECORD_SELECT
          "WHERE r.kind = ?1 AND r.id IN (SELECT id FROM record_links WHERE complaint_id = ?2 "
          "AND kind = ?1) ORDER BY r.id";
    case kInsertComplaint:
      return "INSERT INTO complaints (reference, prefix, year, seq, state, priority, category, "
             "product, channel, assignee, investigator, persons_named, received_at, next_due, "
             "next_clock, is_open, version, updated_at, follow_up_at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
             "?18, ?21)";
    case kInsertDoc:
      return "INSERT INTO complaint_docs (id, doc, packed) VALUES (?1, ?2, ?3)";
    case kNewestPlainRecords:
      return "SELECT doc FROM complaint_docs WHERE packed IS NULL ORDER BY id DESC LIMIT ?1";
    case kCountPlainRecords:
      return "SELECT count(*) FROM (SELECT 1 FROM complaint_docs WHERE packed IS NULL LIMIT ?1)";
    case kInsertDict:
      return "INSERT INTO record_dicts (dict, made_at) VALUES (?1, ?2)";
    case kPlainRecordsIn:
      return "SELECT d.id, c.reference, d.doc FROM complaint_docs d JOIN complaints c ON c.id = "
             "d.id WHERE d.id > ?1 AND d.id <= ?2 AND d.packed IS NULL";
    case kPlainPayloadsIn:
      return "SELECT seq, reference, \"after\" FROM events WHERE seq > ?1 AND seq <= ?2 AND "
             "after_packed IS NULL AND length(CAST(\"after\" AS BLOB)) >= ?3";
    case kPackPayload:
      return "UPDATE events SET \"after\" = '', after_packed = ?2 WHERE seq = ?1";
    case kUpdateDoc:
      return "UPDATE complaint_docs SET doc = ?2, packed = ?3 WHERE id = ?1";
    case kInsertText:
      return "INSERT INTO complaint_text (rowid, description, notes) VALUES (?1, ?2, '')";
    case kLoadComplaint:
      return "SELECT c.id, c.version, d.doc, d.packed FROM " REDRESS_COMPLAINTS_WITH_DOCS
             " WHERE c.reference = ?1";
    case kUpdateComplaint:
      return "UPDATE complaints SET state = ?5, priority = ?6, category = ?7, product = ?8, "
             "channel = ?9, assignee = ?10, investigator = ?11, persons_named = ?12, "
             "received_at = ?13, next_due = ?14, next_clock = ?15, is_open = ?16, version = ?17, "
             "updated_at = ?18, follow_up_at = ?21 "
             "WHERE id = ?20 AND reference = ?1 AND version = ?17 - 1";
    case kUpdateText:
      // Re-indexes only when the description changed: FTS5 turns an UPDATE into delete+insert.
      return "UPDATE complaint_text SET description = ?2 WHERE rowid = ?1 AND description IS NOT "
             "?2";
    case kComplaintExists:
      return "SELECT 1 FROM complaints WHERE id = ?1 AND reference = ?2";
    case kInsertEvent:
      return "INSERT INTO events (" REDRESS_EVENT_COLS
             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    case kInsertNote:
      return "INSERT INTO notes (complaint_id, at, author, visibility, body) "
             "VALUES (?1, ?2, ?3, ?4, ?5)";
    case kAppendNoteText:
      return "UPDATE complaint_text SET notes = notes || char(10) || ?2 WHERE rowid = ?1";
    // The same three into the full-text table's own copy of the text only, during a bulk load
    // that builds the index once at its end (SqliteStore::BeginBulkLoad).
    case kInsertTextContent:
      return "INSERT INTO complaint_text_content (id, c0, c1) VALUES (?1, ?2, '')";
    case kUpdateTextContent:
      return "UPDATE complaint_text_content SET c0 = ?2 WHERE id = ?1";
    case kAppendNoteTextContent:
      return "UPDATE complaint_text_content SET c1 = c1 || char(10) || ?2 WHERE id = ?1";
    case kInsertAttachment:
      return "INSERT INTO attachments (complaint_id, sha256, content_type, size, filename, "
             "uploaded_by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    case kGetIdempotency:
      return "SELECT key, caller, body_hash, status, response, at FROM idempotency "
             "WHERE caller = ?1 AND key = ?2";
    case kPutIdempotency:
      return "INSERT INTO idempotency (key, caller, body_hash, status, response, at) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (caller, key) DO UPDATE SET "
             "body_hash = excluded.body_hash, status = excluded.status, "
             "response = excluded.response, at = excluded.at";
    case kInsertUser:
      return "INSERT INTO users (username, display_name, role, password_hash, disabled, "
             "must_change_password, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    case kLoadUser:
      return "SELECT " REDRESS_USER_COLS " FROM users WHERE username = ?1";
    case kUpdateUser:
      return "UPDATE users SET username = ?1, display_name = ?2, role = ?3, password_hash = ?4, "
             "disabled = ?5, must_change_password = ?6 WHERE id = ?7";
    case kInsertSession:
      return "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
             "VALUES (?1, ?2, ?3, ?4)";
    case kDeleteSession:
      return "DELETE FROM sessions WHERE token_hash = ?1";
    case kDeleteSessionsOf:
      return "DELETE FROM sessions WHERE user_id = ?1";
    case kLastEvent:
      return "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
    case kEventsOf:
      return "SELECT " REDRESS_EVENT_COLS " FROM events WHERE complaint_id = ?1 ORDER BY seq";
    case kNotesOf:
      return "SELECT id, complaint_id, at, author, visibility, body FROM notes "
             "WHERE complaint_id = ?1 ORDER BY id";
    case kAttachmentsOf:
      return "SELECT " REDRESS_ATTACHMENT_COLS
             " FROM attachments WHERE complaint_id = ?1 ORDER BY id";
    case kGetAttachment:
      return "SELECT " REDRESS_ATTACHMENT_COLS
             " FROM attachments WHERE complaint_id = ?1 AND id = ?2";
    case kGetUser:
      return "SELECT " REDRESS_USER_COLS " FROM users WHERE id = ?1";
    case kListUsers:
      return "SELECT " REDRESS_USER_COLS " FROM users ORDER BY username";
    case kFindSession:
      return "SELECT token_hash, user_id, created_at, expires_at FROM sessions "
             "WHERE token_hash = ?1";
    case kCountByState:
      return "SELECT state, n FROM state_counts";
    case kCountOverdue:
      // ?1 now, ?2 its day (now / 86400000), ?3 that day's first millisecond: the days before
      // from open_due_days (migration 0012), today's from the complaints_due index.
      return "SELECT coalesce((SELECT sum(n) FROM open_due_days WHERE day < ?2), 0) + "
             "(SELECT count(*) FROM complaints WHERE is_open = 1 AND next_due >= ?3 AND "
             "next_due < ?1)";
    case kCountComplaints:
      return "SELECT coalesce(sum(n), 0) FROM state_counts";
    case kDueForClockCheck:
      return "SELECT prefix, year, seq FROM complaints "
             "WHERE is_open = 1 AND next_clock <= ?1 ORDER BY next_clock, id LIMIT ?2";
    case kScanEvents:
      return "SELECT " REDRESS_EVENT_COLS " FROM events WHERE seq >= ?1 ORDER BY seq";
    case kFindSource:
      return "SELECT s.complaint_id, s.row_hash, c.prefix, c.year, c.seq FROM source_keys s "
             "JOIN complaints c ON c.id = s.complaint_id "
             "WHERE s.system = ?1 AND s.external_id = ?2";
    case kInsertSource:
      // Not an UPSERT: SQLite gives an UPSERT a statement journal, whose release inside the
      // writer's SAVEPOINT costs time in proportion to everything the savepoint changed.
      return "INSERT INTO source_keys (system, external_id, complaint_id, row_hash) "
             "VALUES (?1, ?2, ?3, ?4)";
    case kScanComplaints:
      return "SELECT c.id, c.version, d.doc, d.packed, c.reference "
             "FROM " REDRESS_COMPLAINTS_WITH_DOCS " WHERE c.id > ?1 ORDER BY c.id";
    case kUpdateSource:
      return "UPDATE source_keys SET complaint_id = ?3, row_hash = ?4 "
             "WHERE system = ?1 AND external_id = ?2";
    case kCountState:
      return "INSERT INTO state_counts (state, n) VALUES (?1, ?2) "
             "ON CONFLICT (state) DO UPDATE SET n = n + ?2";
    case kCountDueDay:
      return "INSERT INTO open_due_days (day, n) VALUES (?1, ?2) "
             "ON CONFLICT (day) DO UPDATE SET n = n + ?2";
    case kStateOf:
      return "SELECT state, is_open, next_due FROM complaints WHERE id = ?1";
    case kPutView:
      return "INSERT INTO saved_views (user_id, name, query, updated_at) VALUES (?1, ?2, ?3, ?4) "
             "ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, "
             "updated_at = excluded.updated_at";
    case kDeleteView:
      return "DELETE FROM saved_views WHERE user_id = ?1 AND name = ?2";
    case kViewsOf:
      return "SELECT name, query, updated_at FROM saved_views WHERE user_id = ?1 ORDER BY name";
    case kInsertNotification:
      return "INSERT INTO notifications (complaint_id, reference, kind, language, recipient, "
             "vars, in_reply_to, state, attempts, created_at, next_attempt_at, sent_at, "
             "last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    case kUpdateNotification:
      return "UPDATE notifications SET state = ?2, attempts = ?3, next_attempt_at = ?4, "
             "sent_at = ?5, last_error = ?6, vars = ?7 WHERE id = ?1";
    case kDueNotifications:
      return "SELECT " REDRESS_NOTIFICATION_COLS
             " FROM notifications "
             "WHERE state = 'pending' AND next_attempt_at <= ?1 "
             "ORDER BY next_attempt_at, id LIMIT ?2";
    case kNotificationsOf:
      return "SELECT " REDRESS_NOTIFICATION_COLS
             " FROM notifications WHERE complaint_id = ?1 ORDER BY id";
    case kGetNotification:
      return "SELECT " REDRESS_NOTIFICATION_COLS " FROM notifications WHERE id = ?1";
    case kDashAge:
      return "SELECT coalesce(sum(received_at >= ?1), 0), "
             "coalesce(sum(received_at < ?1 AND received_at >= ?2), 0), "
             "coalesce(sum(received_at < ?2 AND received_at >= ?3), 0), "
             "coalesce(sum(received_at < ?3), 0) FROM complaints WHERE is_open = 1";
    case kDashClocks:
      // The clocks live in the record: one json_each row per clock of each complaint.
      return "SELECT json_extract(t.value, '$.name') AS name, "
             "sum(coalesce(json_extract(t.value, '$.breached'), 0) = 0 "
             "AND json_extract(t.value, '$.state') = 'met'), "
             "sum(coalesce(json_extract(t.value, '$.breached'), 0) <> 0 "
             "OR json_extract(t.value, '$.state') = 'breached') "
             "FROM " REDRESS_COMPLAINTS_WITH_DOCS
             ", json_each(redress_record(d.doc, d.packed, c.reference), '$.clocks') t "
             "WHERE c.received_at >= ?1 GROUP BY name";
    case kDashWeeks:
      // Weeks start on Monday 00:00 UTC; 345600000 ms is 1970-01-05, the first Monday.
      return "SELECT (received_at - 345600000) / 604800000 AS w, count(*) FROM complaints "
             "WHERE received_at >= ?1 GROUP BY w ORDER BY w";
    case kDashCategories:
      return "SELECT category, count(*) AS n FROM complaints WHERE received_at >= ?1 "
             "GROUP BY category ORDER BY n DESC, category LIMIT 20";
  }
  return "";
}

Result<Stmt> Prep(Conn& c, StmtId id) { return c.Cached(id, SqlOf(id)); }

const char* VisibilityName(core::NoteVisibility v) {
  return v == core::NoteVisibility::kComplainant ? "complainant" : "internal";
}
core::NoteVisibility ParseVisibility(std::string_view s) {
  return s == "complainant" ? core::NoteVisibility::kComplainant : core::NoteVisibility::kInternal;
}

core::Error Unavailable(std::string detail) {
  return MakeError(Errc::kUnavailable, std::move(detail));
}

// Binds ?5..?18 and ?21 (shared by insert and update; update adds ?1 reference and ?20 id); the
// record goes to complaint_docs (migration 0016).
void BindComplaintFields(Stmt& st, const core::Complaint& c, const ComplaintRow& row) {
  st.Bind(5, std::string_view(core::ToString(c.state)));
  st.Bind(6, static_cast<int64_t>(c.priority));
  st.Bind(7, c.assessment.category);
  st.Bind(8, c.subject.product);
  st.Bind(9, std::string_view(core::ToString(c.channel)));
  st.Bind(10, c.assignee);
  st.Bind(11, c.investigator);
  st.Bind(12, row.persons_named);
  st.Bind(13, core::ToMillis(c.received_at));
  st.Bind(14, row.next_due);
  st.Bind(15, row.next_clock);
  st.Bind(16, static_cast<int64_t>(row.open ? 1 : 0));
  st.Bind(17, c.version);
  st.Bind(18, core::ToMillis(c.updated_at));
  st.Bind(21, row.follow_up_at);
}

core::User ReadUser(const Stmt& st) {
  core::User u;
  u.id = st.Int(0);
  u.username = st.Text(1);
  u.display_name = st.Text(2);
  u.role = core::ParseRole(st.View(3)).value_or(core::Role::kHandler);
  u.password_hash = st.Text(4);
  u.disabled = st.Int(5) != 0;
  u.must_change_password = st.Int(6) != 0;
  u.created_at = core::FromMillis(st.Int(7));
  return u;
}

core::Attachment ReadAttachment(const Stmt& st) {
  core::Attachment a;
  a.id = st.Int(0);
  a.complaint_id = st.Int(1);
  a.sha256 = st.Text(2);
  a.content_type = st.Text(3);
  a.size = st.Int(4);
  a.filename = st.Text(5);
  a.uploaded_by = st.Text(6);
  a.at = core::FromMillis(st.Int(7));
  return a;
}

// Maps a failed step of an insert/update: constraint violations are the caller's problem.
core::Error StepError(sqlite3* db, int rc, std::string_view what, std::string_view conflict,
                      std::string_view not_found) {
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return MakeError(Errc::kConflict, std::string(conflict));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return MakeError(Errc::kNotFound, std::string(not_found));
  return SqliteError(db, rc, what);
}

// One-off queries on the writer while it opens or ends a bulk load, or sets its journal mode:
// the first column of the one row, or of every row.
Result<int64_t> QueryInt(Conn& c, const char* sql, const char* what) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(c.db(), sql, -1, &st, nullptr);
  int64_t n = 0;
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return SqliteError(c.db(), rc, what);
  return n;
}

// With `columns` > 1, each row's first `columns` texts in turn.
Result<std::vector<std::string>> QueryTexts(Conn& c, const char* sql, const char* what,
                                            int columns = 1) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(c.db(), sql, -1, &st, nullptr);
  std::vector<std::string> out;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < columns; ++i) {
        const auto* text = sqlite3_column_text(st, i);
        out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, what);
  return out;
}

// PRAGMA journal_mode = `mode`: the mode in force after it (SQLite answers with the old one
// when it cannot change).
Result<std::string> SetJournalMode(Conn& c, const char* mode) {
  const std::string sql = std::string("PRAGMA journal_mode = ") + mode;
  auto rows = QueryTexts(c, sql.c_str(), "journal_mode");
  if (!rows) return rows.error();
  return rows->empty() ? std::string() : std::move(rows->front());
}

// Options::load_without_wal: whether the writer, still the store's only connection, now keeps
// a rollback journal. Leaving WAL mode needs every other connection closed, another process's
// too: otherwise SQLite says the database is locked at once (no busy wait), and the store stays
// in WAL mode. Without a WAL a commit waits for the readers of other processes to finish (a
// `redress backup` or `export` beside the load): the writer then waits up to
// kLoadBusyTimeoutMs for them instead of failing the load after kBusyTimeoutMs.
constexpr int kLoadBusyTimeoutMs = 600'000;

Result<bool> TryRollbackJournal(Conn& c) {
  sqlite3_busy_timeout(c.db(), 0);
  auto mode = SetJournalMode(c, "TRUNCATE");
  const bool rollback = mode && *mode == "truncate";
  sqlite3_busy_timeout(c.db(), rollback ? kLoadBusyTimeoutMs : kBusyTimeoutMs);
  if (!mode) {
    if (mode.error().code == Errc::kOverloaded) return false;  // busy or locked
    return mode.error();
  }
  return rollback;
}

// The file by which an opening store asks a bulk loader without a WAL to return to WAL mode.
std::string WalWantedPath(const std::string& db_path) { return db_path + ".wal-wanted"; }

// PRAGMA journal_mode = WAL for a store's writer at `path`. A bulk loader without a WAL
// (Options::load_without_wal) takes the database again as soon as each batch commits, which no
// busy wait outlasts: ask it, by the file above, to return to WAL mode itself after its next
// batch, and try again meanwhile.
Result<std::string> EnterWal(Conn& c, const std::string& path) {
  sqlite3_busy_timeout(c.db(), 100);  // a first look, before asking
  auto mode = SetJournalMode(c, "WAL");
  sqlite3_busy_timeout(c.db(), kBusyTimeoutMs);
  if (mode || mode.error().code != Errc::kOverloaded) return mode;
  const std::string wanted = WalWantedPath(path);
  const int fd = ::open(wanted.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(2 * kBusyTimeoutMs);
  // Each try without a busy wait, which would hold a shared lock the loader needs to leave.
  sqlite3_busy_timeout(c.db(), 0);
  while (!mode && mode.error().code == Errc::kOverloaded &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    mode = SetJournalMode(c, "WAL");
  }
  sqlite3_busy_timeout(c.db(), kBusyTimeoutMs);
  ::unlink(wanted.c_str());
  return mode;
}

// Options::skip_syncs_if_new: the file beside the database that marks a bulk load into a new
// store writing without syncs (PRAGMA synchronous = OFF). It holds the machine's boot id: a
// process that dies leaves every page it wrote in the kernel's page cache, consistent, so the
// next opening in the same boot only flushes them; a machine that stopped meanwhile may have
// left any page unwritten, and the store is refused (UnsyncedLoadLeft).
std::string UnsyncedLoadPath(const std::string& db_path) { return db_path + ".unsynced-load"; }

// The first line of a small file ("" when it cannot be read).
std::string FirstLine(const char* path) {
  std::string line;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return line;
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n > 0) line.assign(buf, static_cast<size_t>(n));
  line.resize(std::min(line.find('\n'), line.size()));
  return line;
}

// The kernel's id of this boot ("" when it cannot be read: then no load skips its syncs).
std::string BootId() { return FirstLine("/proc/sys/kernel/random/boot_id"); }

// fdatasync of the file at `path` (absent: nothing to do), or fsync of a directory.
Status SyncPath(const std::string& path, bool directory = false) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return MakeError(Errc::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  }
  const int rc = directory ? ::fsync(fd) : ::fdatasync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return MakeError(Errc::kUnavailable, "cannot flush " + path + ": " + std::strerror(err));
  }
  return {};
}

std::string DirectoryOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Marks the start of a bulk load without syncs (UnsyncedLoadPath), the mark itself on the disk.
Status MarkUnsyncedLoad(const std::string& db_path, const std::string& boot_id) {
  const std::string marker = UnsyncedLoadPath(db_path);
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Errc::kUnavailable, "cannot create " + marker);
  const std::string text = boot_id + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(Errc::kUnavailable, "cannot write " + marker);
  return SyncPath(DirectoryOf(db_path), true);
}

// The end of a bulk load without syncs, between transactions: the database file and its
// journal (truncated: a journal left with its old header would be taken for a hot one) flushed,
// then the mark removed.
Status FinishUnsyncedLoad(const std::string& db_path) {
  if (auto s = SyncPath(db_path); !s) return s;
  if (auto s = SyncPath(db_path + "-journal"); !s) return s;
  if (::unlink(UnsyncedLoadPath(db_path).c_str()) != 0 && errno != ENOENT) {
    return MakeError(Errc::kUnavailable, "cannot remove " + UnsyncedLoadPath(db_path));
  }
  return SyncPath(DirectoryOf(db_path), true);
}

// Looked for before an opening touches the database: whether a bulk load without syncs left its
// mark in this boot (it runs still, and a read-only opening reads beside it; or its process
// died, and the writer, which opens only once the load has given the database back, flushes
// what it wrote and removes the mark: FinishUnsyncedLoad). A mark from another boot: refused.
Result<bool> UnsyncedLoadLeft(const std::string& db_path) {
  const std::string marker = UnsyncedLoadPath(db_path);
  if (::access(marker.c_str(), F_OK) != 0) return false;
  const std::string id = FirstLine(marker.c_str());
  if (id.empty() || id != BootId()) {
    return MakeError(
        Errc::kUnavailable,
        "sqlite: " + db_path +
            " was being written by the first import into a new store, which does not flush "
            "each batch to the disk, when the machine stopped (" +
            marker +
            "); some of its pages may never have reached the disk. Remove the store's files (" +
            db_path + "*) and run the import again");
  }
  return true;
}

// `path`: the database's; the writer's needs it (EnterWal).
Status SetPragmas(Conn& c, bool writer, const std::string& path = {}) {
  sqlite3_busy_timeout(c.db(), kBusyTimeoutMs);
  if (auto s = c.Exec("PRAGMA busy_timeout = 5000", "busy_timeout"); !s) return s;
  if (!writer) return {};
  // A new database gets 8 KiB pages (an existing one keeps its own: WAL mode fixes the size).
  // A complaint row and its receipt event are about 2 KB each, so a 4 KiB page held one and
  // left a fifth of the tables unused; 8 KiB pages make the store about 8 % smaller and an
  // import's system time a third lower (docs/performance.md).
  if (auto s = c.Exec("PRAGMA page_size = 8192", "page_size"); !s) return s;
  // journal_mode answers with the mode in force; anything but "wal" (e.g. ":memory:") is
  // refused, since the durability and reader design depend on it.
  auto mode = EnterWal(c, path);
  if (!mode) return mode.error();
  if (*mode != "wal") {
    return Unavailable("sqlite: cannot use WAL journal mode (got " + *mode + ")");
  }
  if (auto s = c.Exec("PRAGMA synchronous = FULL", "synchronous"); !s) return s;
  // Every commit syncs the WAL, so a commit's frames can be written in one call at that sync
  // (wal_vfs.hpp): the writer was opened on CombiningVfs(). False only without that VFS, and
  // then each frame is written as SQLite writes it.
  (void)EnableWalCombining(c.db());
  // 64 MiB of page cache for the writer (the default is 2 MB): a large transaction (an import
  // writes thousands of rows, each touching nine indexes and the full-text index) would
  // otherwise spill dirty pages to the WAL before it commits and read them back.
  if (auto s = c.Exec("PRAGMA cache_size = -65536", "cache_size"); !s) return s;
  if (auto s = c.Exec("PRAGMA foreign_keys = ON", "foreign_keys"); !s) return s;
  // Each command runs in a savepoint, and SQLite saves the first change to a page inside one
  // to a statement journal, a temporary file by default: a pwrite of a whole page per page
  // touched, per command (perf: a third of the writer's time). Keep it in memory.
  if (auto s = c.Exec("PRAGMA temp_store = MEMORY", "temp_store"); !s) return s;
  return {};
}

std::optional<int64_t> OptMillis(const std::optional<core::Instant>& t) {
  if (!t) return std::nullopt;
  return core::ToMillis(*t);
}

// The checkpointer runs kCheckpointerNice below the process's threads (nice 10 above theirs,
// at most 19; raising one's own nice needs no privilege). Its copying is background work: on a
// busy machine the I/O threads and the writer, which requests wait on, take the CPU first, and
// the checkpointer, running less often, copies a page that every commit changes fewer times.
// The WAL stays bounded all the same: past kRestartPages the writer checkpoints itself. At 64
// connections, creates +11 % and 9 % less server CPU a create, p99 no higher
// (docs/performance.md).
constexpr int kCheckpointerNice = 10;

void LowerCheckpointerPriority() {
  const auto tid = static_cast<id_t>(::gettid());
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, tid);
  if (nice == -1 && errno != 0) return;
  (void)::setpriority(PRIO_PROCESS, tid, std::min(nice + kCheckpointerNice, 19));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The StoreTx of the writer connection. Lives as long as the store; used only on the writer.

class SqliteStore::Tx final : public core::StoreTx {
 public:
  Tx(Conn& c, SqliteStore& store) : c_(c), store_(store) {}

  // Head of the event chain as of the last statement run (restored on rollback).
  int64_t head_seq = 0;
  std::string head_hash = core::kGenesisHash;
  // The last I/O-class error code seen since reset (0 if none): the batch must abort.
  int fatal_rc = 0;

  // Full-text index changes, applied by FlushText once per batch, after the last command's
  // savepoint: FTS5 writes its pending terms out as a new segment at every savepoint, so
  // indexing inside each command's savepoint cost a segment (and later merges) per command.
  // A command that rolls back drops its own entries (RunBatch truncates the list).
  struct TextOp {
    StmtId stmt;  // kInsertText, kUpdateText or kAppendNoteText
    int64_t rowid;
    std::string text;
  };
  std::vector<TextOp> text_ops;
  // The complaints whose file (record, events, notes, attachments) the batch changed, for the
  // change listener after the commit. Not trimmed when a command rolls back: naming a complaint
  // that did not change costs a cache entry, never a stale one.
  std::vector<int64_t> changed;
  // Roll-up differences (migration 0006), added once per batch like text_ops.
  sqlite::RollupBuffer rollup;
  // During a bulk load (BeginBulkLoad), each committed batch's roll-up differences are added to
  // bulk_rollups instead (on their own thread), written when the load ends or they grow past
  // kMaxBulkRollupRows.
  bool bulk = false;
  sqlite::BackgroundSums bulk_rollups;
  // During a bulk load that defers indexes, the text goes into the full-text table's content
  // only, and the index is built from it once at the end (store flag 'text_index_stale').
  bool text_deferred = false;
  static StmtId ContentOnly(StmtId id) {
    switch (id) {
      case kInsertText:
        return kInsertTextContent;
      case kUpdateText:
        return kUpdateTextContent;
      default:
        return kAppendNoteTextContent;
    }
  }

  // Differences to state_counts (migration 0003) and open_due_days (migration 0012), kept in
  // step with complaints here rather than by triggers (a trigger makes SQLite keep a statement
  // journal for every complaint insert). Added up and written once per batch by FlushCounts,
  // like text_ops: an UPSERT per changed row was two statements per imported row. A command
  // that rolls back drops its own entries (RunBatch truncates the list).
  CountDiffs counts;

  Status FlushCounts() {
    const CountDiffs::Sums sums = counts.Take();
    auto add = [this](StmtId stmt, const auto& key, int64_t delta, const char* what) -> Status {
      auto st = Prep(c_, stmt);
      if (!st) return st.error();
      st->Bind(1, key);
      st->Bind(2, delta);
      if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, what);
      return {};
    };
    for (const auto& [state, delta] : sums.states) {
      if (auto s = add(kCountState, state, delta, "count complaint state"); !s) return s;
    }
    for (const auto& [day, delta] : sums.days) {
      if (auto s = add(kCountDueDay, day, delta, "count complaint due day"); !s) return s;
    }
    return {};
  }

  // Keeps the facts row (migration 0006) of a complaint in step; `old` is its previous facts.
  // `is_new`: c was just inserted (complaints are never deleted, so its id has no facts row).
  Status PutFactsOf(const core::Complaint& c, const std::optional<core::ComplaintFacts>& old,
                    bool is_new = false) {
    core::ComplaintFacts now = core::FactsOf(c);
    if (old && *old == now) return {};
    if (auto s = sqlite::PutFacts(c_, now, is_new); !s) {
      return Checked(sqlite3_errcode(c_.db()), s.error());
    }
    if (old) rollup.Add(*old, -1);
    rollup.Add(now, 1);
    return {};
  }

  Status FlushText() {
    for (const auto& op : text_ops) {
      auto st = Prep(c_, text_deferred ? ContentOnly(op.stmt) : op.stmt);
      if (!st) return st.error();
      st->Bind(1, op.rowid);
      st->Bind(2, op.text);
      if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "index complaint text");
    }
    text_ops.clear();
    return {};
  }

  using core::StoreTx::InsertComplaint;
  using core::StoreTx::UpdateComplaint;

  Result<int64_t> ReserveSequences(int year, int64_t count) override {
    if (count < 1) return MakeError(Errc::kInvalid, "reserve at least one sequence number");
    auto st = Prep(c_, kNextSequence);
    if (!st) return st.error();
    st->Bind(1, static_cast<int64_t>(year));
    st->Bind(2, count);
    int rc = st->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "next sequence");
    return st->Int(0);
  }

  Status InsertComplaint(core::Complaint& c, std::string doc) override {
    ComplaintRow row(c, std::move(doc));
    int64_t id = 0;
    {
      auto st = Prep(c_, kInsertComplaint);
      if (!st) return st.error();
      st->Bind(1, row.reference);
      st->Bind(2, c.reference.prefix);
      st->Bind(3, static_cast<int64_t>(c.reference.year));
      st->Bind(4, c.reference.sequence);
      BindComplaintFields(*st, c, row);
      int rc = st->Step();
      if (rc != SQLITE_DONE) {
        return Checked(rc, StepError(c_.db(), rc, "insert complaint", "reference already exists",
                                     "complaint not found"));
      }
      id = sqlite3_last_insert_rowid(c_.db());
    }
    if (auto s = PutDoc(kInsertDoc, id, row.doc); !s) return s;
    counts.State(core::ToString(c.state), 1);
    counts.Due(row.open, row.next_due, 1);
    text_ops.push_back({kInsertText, id, c.description.value});
    c.id = id;
    return PutFactsOf(c, std::nullopt, true);
  }

  // The record of complaint `id` (migration 0016): kInsertDoc or kUpdateDoc. A plain record is
  // packed here when the store has a dictionary (migration 0020); one packed off the writer
  // (Store::PackRecord) is written as it is.
  Status PutDoc(StmtId stmt, int64_t id, std::string_view doc) {
    std::string packed;
    if (!sqlite::IsPacked(doc)) {
      if (auto dict = store_.PackingDict()) {
        packed = dict->Pack(doc);
        doc = packed;
      } else {
        ++store_.plain_written_;
      }
    }
    auto st = Prep(c_, stmt);
    if (!st) return st.error();
    st->Bind(1, id);
    if (sqlite::IsPacked(doc)) {
      st->Bind(2, std::string_view(""));  // NOT NULL: '' beside a packed record
      st->BindBlob(3, doc);
    } else {
      st->Bind(2, doc);
      st->BindNull(3);
    }
    int rc = st->Step();
    if (rc != SQLITE_DONE) return Fail(rc, "write complaint record");
    if (sqlite3_changes(c_.db()) != 1) {
      return MakeError(Errc::kInternal, "complaint record missing");
    }
    return {};
  }

  Result<std::optional<core::Complaint>> LoadComplaint(const core::Reference& ref) override {
    std::string text = ref.ToString();
    auto st = Prep(c_, kLoadComplaint);
    if (!st) return st.error();
    st->Bind(1, text);
    int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<core::Complaint>();
    if (rc != SQLITE_ROW) return Fail(rc, "load complaint");
    auto parsed = store_.ParseStoredRow(c_.db(), *st, text);
    if (!parsed) return Checked(sqlite3_errcode(c_.db()), parsed.error());
    return parsed;
  }

  Status UpdateComplaint(const core::Complaint& c, std::string doc) override {
    ComplaintRow row(c, std::move(doc));
    std::string old_state;
    bool old_open = false;
    std::optional<int64_t> old_due;
    {
      auto st = Prep(c_, kStateOf);
      if (!st) return st.error();
      st->Bind(1, c.id);
      int rc = st->Step();
      if (rc == SQLITE_ROW) {
        old_state = st->Text(0);
        old_open = st->Int(1) != 0;
        old_due = st->OptInt(2);
      } else if (rc != SQLITE_DONE) {
        return Fail(rc, "read complaint state");
      }
    }
    {
      auto st = Prep(c_, kUpdateComplaint);
      if (!st) return st.error();
      st->Bind(1, row.reference);
      BindComplaintFields(*st, c, row);
      st->Bind(20, c.id);
      int rc = st->Step();
      if (rc != SQLITE_DONE) return Fail(rc, "update complaint");
    }
    if (sqlite3_changes(c_.db()) == 0) {
      auto st = Prep(c_, kComplaintExists);
      if (!st) return st.error();
      st->Bind(1, c.id);
      st->Bind(2, row.reference);
      int rc = st->Step();
      if (rc == SQLITE_ROW) return MakeError(Errc::kConflict, "complaint was changed meanwhile");
      if (rc == SQLITE_DONE) return MakeError(Errc::kNotFound, "complaint not found");
      return Fail(rc, "check complaint");
    }
    if (auto s = PutDoc(kUpdateDoc, c.id, row.doc); !s) return s;
    changed.push_back(c.id);
    counts.Change(old_state, old_open, old_due, core::ToString(c.state), row.open, row.next_due);
    text_ops.push_back({kUpdateText, c.id, c.description.value});
    auto old = sqlite::GetFacts(c_, c.id);
    if (!old) return Checked(sqlite3_errcode(c_.db()), old.error());
    return PutFactsOf(c, *old);
  }

  Status AppendEvent(core::Event& e) override {
    e.seq = head_seq + 1;
    if (e.payload_digest.empty()) e.payload_digest = util::Sha256Hex(core::PayloadBytes(e));
    e.prev_hash = head_hash;
    e.hash = util::Sha256Hex2(e.prev_hash, core::CanonicalEventBytes(e));
    auto st = Prep(c_, kInsertEvent);
    if (!st) return st.error();
    st->Bind(1, e.seq);
    st->Bind(2, e.complaint_id);
    st->Bind(3, e.reference);
    st->Bind(4, core::ToMillis(e.at));
    st->Bind(5, e.actor);
    st->Bind(6, e.action);
    st->Bind(7, e.before);
    if (e.packed_after.empty()) {
      st->Bind(8, e.after);
      st->BindNull(12);
    } else {
      st->Bind(8, std::string_view("", 0));  // not null: "after" is NOT NULL
      st->BindBlob(12, e.packed_after);
    }
    st->Bind(9, e.payload_digest);
    st->Bind(10, e.prev_hash);
    st->Bind(11, e.hash);
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "append event");
    changed.push_back(e.complaint_id);
    head_seq = e.seq;
    head_hash = e.hash;
    return {};
  }

  Status InsertNote(core::Note& n) override {
    {
      auto st = Prep(c_, kInsertNote);
      if (!st) return st.error();
      st->Bind(1, n.complaint_id);
      st->Bind(2, core::ToMillis(n.at));
      st->Bind(3, n.author);
      st->Bind(4, std::string_view(VisibilityName(n.visibility)));
      st->Bind(5, n.body.value);
      int rc = st->Step();
      if (rc != SQLITE_DONE) {
        return Checked(rc,
                       StepError(c_.db(), rc, "insert note", "note exists", "complaint not found"));
      }
      n.id = sqlite3_last_insert_rowid(c_.db());
    }
    changed.push_back(n.complaint_id);
    text_ops.push_back({kAppendNoteText, n.complaint_id, n.body.value});
    return {};
  }

  Status InsertAttachment(core::Attachment& a) override {
    auto st = Prep(c_, kInsertAttachment);
    if (!st) return st.error();
    st->Bind(1, a.complaint_id);
    st->Bind(2, a.sha256);
    st->Bind(3, a.content_type);
    st->Bind(4, a.size);
    st->Bind(5, a.filename.value);
    st->Bind(6, a.uploaded_by);
    st->Bind(7, core::ToMillis(a.at));
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(rc, StepError(c_.db(), rc, "insert attachment", "attachment exists",
                                   "complaint not found"));
    }
    a.id = sqlite3_last_insert_rowid(c_.db());
    changed.push_back(a.complaint_id);
    return {};
  }

  Result<std::optional<core::IdempotencyRecord>> GetIdempotency(const std::string& caller,
                                                                const std::string& key) override {
    auto st = Prep(c_, kGetIdempotency);
    if (!st) return st.error();
    st->Bind(1, caller);
    st->Bind(2, key);
    int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<core::IdempotencyRecord>();
    if (rc != SQLITE_ROW) return Fail(rc, "get idempotency");
    core::IdempotencyRecord r;
    r.key = st->Text(0);
    r.caller = st->Text(1);
    r.body_hash = st->Text(2);
    r.status = static_cast<int>(st->Int(3));
    r.response = st->Text(4);
    r.at = core::FromMillis(st->Int(5));
    return std::optional<core::IdempotencyRecord>(std::move(r));
  }

  Status PutIdempotency(const core::IdempotencyRecord& r) override {
    auto st = Prep(c_, kPutIdempotency);
    if (!st) return st.error();
    st->Bind(1, r.key);
    st->Bind(2, r.caller);
    st->Bind(3, r.body_hash);
    st->Bind(4, static_cast<int64_t>(r.status));
    st->Bind(5, r.response);
    st->Bind(6, core::ToMillis(r.at));
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "put idempotency");
    return {};
  }

  Status InsertUser(core::User& u) override {
    auto st = Prep(c_, kInsertUser);
    if (!st) return st.error();
    BindUser(*st, u);
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(
          rc, StepError(c_.db(), rc, "insert user", "username already exists", "user not found"));
    }
    u.id = sqlite3_last_insert_rowid(c_.db());
    return {};
  }

  Result<std::optional<core::User>> LoadUser(const std::string& username) override {
    auto st = Prep(c_, kLoadUser);
    if (!st) return st.error();
    st->Bind(1, username);
    int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<core::User>();
    if (rc != SQLITE_ROW) return Fail(rc, "load user");
    return std::optional<core::User>(ReadUser(*st));
  }

  Status UpdateUser(const core::User& u) override {
    auto st = Prep(c_, kUpdateUser);
    if (!st) return st.error();
    BindUser(*st, u);
    st->Bind(7, u.id);
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(
          rc, StepError(c_.db(), rc, "update user", "username already exists", "user not found"));
    }
    if (sqlite3_changes(c_.db()) == 0) return MakeError(Errc::kNotFound, "user not found");
    return {};
  }

  Status InsertSession(const core::Session& s) override {
    auto st = Prep(c_, kInsertSession);
    if (!st) return st.error();
    st->Bind(1, s.token_hash);
    st->Bind(2, s.user_id);
    st->Bind(3, core::ToMillis(s.created_at));
    st->Bind(4, core::ToMillis(s.expires_at));
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(
          rc, StepError(c_.db(), rc, "insert session", "session already exists", "user not found"));
    }
    return {};
  }

  Status DeleteSession(const std::string& token_hash) override {
    auto st = Prep(c_, kDeleteSession);
    if (!st) return st.error();
    st->Bind(1, token_hash);
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "delete session");
    return {};
  }

  Status PutView(int64_t user_id, const core::SavedView& v) override {
    auto st = Prep(c_, kPutView);
    if (!st) return st.error();
    st->Bind(1, user_id);
    st->Bind(2, v.name);
    st->Bind(3, v.query);
    st->Bind(4, core::ToMillis(v.updated_at));
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(rc, StepError(c_.db(), rc, "save view", "view exists", "user not found"));
    }
    return {};
  }

  Result<bool> DeleteView(int64_t user_id, const std::string& name) override {
    auto st = Prep(c_, kDeleteView);
    if (!st) return st.error();
    st->Bind(1, user_id);
    st->Bind(2, name);
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "delete view");
    return sqlite3_changes(c_.db()) != 0;
  }

  Status InsertNotification(core::Notification& n) override {
    auto st = Prep(c_, kInsertNotification);
    if (!st) return st.error();
    st->Bind(1, n.complaint_id);
    st->Bind(2, n.reference);
    st->Bind(3, n.kind);
    st->Bind(4, n.language);
    st->Bind(5, n.recipient.value);
    st->Bind(6, n.vars.value);
    st->Bind(7, n.in_reply_to);
    st->Bind(8, std::string_view(core::ToString(n.state)));
    st->Bind(9, int64_t{n.attempts});
    st->Bind(10, core::ToMillis(n.created_at));
    st->Bind(11, core::ToMillis(n.next_attempt_at));
    st->Bind(12, OptMillis(n.sent_at));
    st->Bind(13, n.last_error);
    int rc = st->Step();
    if (rc != SQLITE_DONE) {
      return Checked(rc, StepError(c_.db(), rc, "insert notification", "notification exists",
                                   "complaint not found"));
    }
    n.id = sqlite3_last_insert_rowid(c_.db());
    return {};
  }

  Result<int64_t> NextRecordId(core::RecordKind kind) override {
    auto st = Prep(c_, kNextRecordId);
    if (!st) return st.error();
    st->Bind(1, std::string_view(core::ToString(kind)));
    int rc = st->Step();
    if (rc != SQLITE_ROW) return Fail(rc, "next record id");
    return st->Int(0);
  }

  Status PutRecord(const core::Record& r) override {
    if (r.id <= 0) return MakeError(Errc::kInvalid, "record id must be positive");
    const std::string_view kind = core::ToString(r.kind);
    {
      auto st = Prep(c_, kPutRecord);
      if (!st) return st.error();
      st->Bind(1, kind);
      st->Bind(2, r.id);
      st->Bind(3, r.doc);
      st->Bind(4, core::ToMillis(r.updated_at));
      if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "put record");
    }
    {
      auto st = Prep(c_, kDeleteLinks);
      if (!st) return st.error();
      st->Bind(1, kind);
      st->Bind(2, r.id);
      if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "put record links");
    }
    for (int64_t complaint_id : r.complaint_ids) {
      auto st = Prep(c_, kInsertLink);
      if (!st) return st.error();
      st->Bind(1, kind);
      st->Bind(2, r.id);
      st->Bind(3, complaint_id);
      if (int rc = st->Step(); rc != SQLITE_DONE) {
        return Checked(rc,
                       StepError(c_.db(), rc, "link record", "link exists", "complaint not found"));
      }
    }
    return {};
  }

  Status UpdateNotification(const core::Notification& n) override {
    auto st = Prep(c_, kUpdateNotification);
    if (!st) return st.error();
    st->Bind(1, n.id);
    st->Bind(2, std::string_view(core::ToString(n.state)));
    st->Bind(3, int64_t{n.attempts});
    st->Bind(4, core::ToMillis(n.next_attempt_at));
    st->Bind(5, OptMillis(n.sent_at));
    st->Bind(6, n.last_error);
    st->Bind(7, n.vars.value);
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "update notification");
    if (sqlite3_changes(c_.db()) == 0) return MakeError(Errc::kNotFound, "notification not found");
    return {};
  }

  Status DeleteSessionsOf(int64_t user_id) override {
    auto st = Prep(c_, kDeleteSessionsOf);
    if (!st) return st.error();
    st->Bind(1, user_id);
    if (int rc = st->Step(); rc != SQLITE_DONE) return Fail(rc, "delete sessions");
    return {};
  }

  Result<std::optional<core::SourceKey>> FindSource(const std::string& system,
                                                    const std::string& external_id) override {
    auto st = Prep(c_, kFindSource);
    if (!st) return st.error();
    st->Bind(1, system);
    st->Bind(2, external_id);
    int rc = st->Step();
    if (rc == SQLITE_DONE) return std::optional<core::SourceKey>();
    if (rc != SQLITE_ROW) return Fail(rc, "find source key");
    core::SourceKey k;
    k.system = system;
    k.external_id = external_id;
    k.complaint_id = st->Int(0);
    k.row_hash = st->Text(1);
    k.reference.prefix = st->Text(2);
    k.reference.year = static_cast<int>(st->Int(3));
    k.reference.sequence = st->Int(4);
    return std::optional<core::SourceKey>(std::move(k));
  }

  // A new key is one plain INSERT (the import's common case); a known one an UPDATE.
  Status PutSource(const core::SourceKey& k) override {
    int rc = SQLITE_OK;
    for (StmtId id : {kInsertSource, kUpdateSource}) {
      auto st = Prep(c_, id);
      if (!st) return st.error();
      st->Bind(1, k.system);
      st->Bind(2, k.external_id);
      st->Bind(3, k.complaint_id);
      st->Bind(4, k.row_hash);
      rc = st->Step();
      if (id == kInsertSource && rc == SQLITE_CONSTRAINT_PRIMARYKEY) continue;
      break;
    }
    if (rc != SQLITE_DONE) {
      return Checked(
          rc, StepError(c_.db(), rc, "put source key", "source key exists", "complaint not found"));
    }
    return {};
  }

 private:
  static void BindUser(Stmt& st, const core::User& u) {
    st.Bind(1, u.username);
    st.Bind(2, u.display_name.value);
    st.Bind(3, std::string_view(core::ToString(u.role)));
    st.Bind(4, u.password_hash);
    st.Bind(5, static_cast<int64_t>(u.disabled ? 1 : 0));
    st.Bind(6, static_cast<int64_t>(u.must_change_password ? 1 : 0));
    st.Bind(7, core::ToMillis(u.created_at));
  }

  core::Error Fail(int rc, std::string_view what) {
    return Checked(rc, SqliteError(c_.db(), rc, what));
  }
  core::Error Checked(int rc, core::Error e) {
    if (sqlite::IsFatal(rc)) fatal_rc = rc;
    return e;
  }

  Conn& c_;
  SqliteStore& store_;
};

// ---------------------------------------------------------------------------------------------
// Reader pool.

class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, Conn* conn) : store_(store), conn_(conn) {}
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  ~ReaderLease() {
    {
      std::lock_guard lock(store_->readers_mu_);
      store_->free_readers_.push_back(conn_);
    }
    store_->readers_cv_.notify_one();
  }
  Conn& operator*() const { return *conn_; }
  Conn* operator->() const { return conn_; }

 private:
  SqliteStore* store_;
  Conn* conn_;
};

SqliteStore::ReaderLease SqliteStore::Reader() {
  std::unique_lock lock(readers_mu_);
  readers_cv_.wait(lock, [this] { return !free_readers_.empty(); });
  Conn* c = free_readers_.back();
  free_readers_.pop_back();
  return ReaderLease(this, c);
}

Status SqliteStore::OpenReaders(const std::string& path, int readers) {
  for (int i = 0; i < std::max(1, readers); ++i) {
    auto c = Conn::Open(path, SQLITE_OPEN_READONLY);
    if (!c) return c.error();
    if (auto s = SetPragmas(**c, false); !s) return s;
    if (int rc = sqlite::RegisterRecordFunction((*c)->db(), &dicts_); rc != SQLITE_OK) {
      return SqliteError((*c)->db(), rc, "register redress_record");
    }
    free_readers_.push_back(c->get());
    readers_.push_back(std::move(*c));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Open / close.

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Options options) {
  util::InitCrypto();
  if (options.max_batch < 1 || options.max_queue < 1) {
    return MakeError(Errc::kInvalid, "sqlite store: max_batch and max_queue must be positive");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->queue_ = std::make_unique<WriteQueue>(options.max_queue, options.max_batch);

  const bool created = options.skip_syncs_if_new && ::access(path.c_str(), F_OK) != 0;
  auto unsynced_left = UnsyncedLoadLeft(path);
  if (!unsynced_left) return unsynced_left.error();
  auto w = Conn::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, CombiningVfs());
  if (!w) return w.error();
  store->writer_ = std::move(*w);
  if (auto s = SetPragmas(*store->writer_, true, path); !s) return s.error();
  if (int rc = sqlite::RegisterRecordFunction(store->writer_->db(), &store->dicts_);
      rc != SQLITE_OK) {
    return SqliteError(store->writer_->db(), rc, "register redress_record");
  }
  // In WAL mode now: the bulk load without syncs that left its mark has died.
  if (*unsynced_left) {
    if (auto s = FinishUnsyncedLoad(path); !s) return s.error();
  }
  store->flushes_timed_ = TimeWalFlushes(store->writer_->db(), &store->wal_flushes_);
  if (options.writer_mmap_bytes > 0) {
    const std::string sql = "PRAGMA mmap_size = " + std::to_string(options.writer_mmap_bytes);
    if (auto s = store->writer_->Exec(sql.c_str(), "mmap_size"); !s) return s.error();
  }
  if (auto s = sqlite::ApplyMigrations(store->writer_->db(), options.on_upgrade); !s) {
    return s.error();
  }
  store->tx_ = std::make_unique<Tx>(*store->writer_, *store);
  store->path_ = path;
  if (auto s = store->FinishBulkLoadLeftUndone(); !s) return s.error();
  if (auto s = store->RebuildFactsIfBehind(); !s) return s.error();
  if (auto s = store->LoadChainHead(); !s) return s.error();
  if (auto s = store->LoadPackingDict(); !s) return s.error();
  if (options.load_without_wal) {
    auto rollback = TryRollbackJournal(*store->writer_);
    if (!rollback) return rollback.error();
    store->rollback_journal_ = *rollback;
    store->opened_without_wal_ = *rollback;
    const std::string boot_id = *rollback && created ? BootId() : std::string();
    const int fd = boot_id.empty() ? -1 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      store->unsynced_fd_ = fd;  // the destructor closes it if what follows fails
      if (auto s = MarkUnsyncedLoad(path, boot_id); !s) return s.error();
      if (auto s = store->writer_->Exec("PRAGMA synchronous = OFF", "synchronous"); !s) {
        return s.error();
      }
    }
  }
  if (auto s = store->OpenReaders(path, options.readers); !s) return s.error();
  auto ck = Conn::Open(path, SQLITE_OPEN_READWRITE);
  if (!ck) return ck.error();
  store->checkpointer_ = std::move(*ck);
  if (auto s = SetPragmas(*store->checkpointer_, false); !s) return s.error();
  // A connection enters WAL mode on its first read; until then a checkpoint is a no-op.
  if (auto s = store->checkpointer_->Exec("SELECT count(*) FROM sqlite_schema", "checkpointer");
      !s) {
    return s.error();
  }
  if (auto s = store->writer_->Exec("PRAGMA wal_autocheckpoint = 0", "wal_autocheckpoint"); !s) {
    return s.error();
  }
  sqlite3_wal_hook(store->writer_->db(), &SqliteStore::OnWalCommit, store.get());
  store->ckpt_thread_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "redress-ckpt");
    LowerCheckpointerPriority();
    s->CheckpointLoop();
  });
  // From here on the writer's commits are flushed by the syncer (until now each synced itself).
  store->deferring_ =
      options.flush_beside_writer && sqlite::DeferWalSyncs(store->writer_->db(), &store->deferred_);
  store->before_flush_ = std::move(options.before_flush);
  if (store->deferring_) {
    store->sync_thread_ = std::thread([s = store.get()] {
      pthread_setname_np(pthread_self(), "redress-sync");
      s->SyncLoop();
    });
  }
  store->thread_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "redress-writer");  // shows in top -H and perf
    s->WriterLoop();
  });
  return store;
}

// A database written before migration 0006, or by a binary that did not keep the facts, has
// complaints without facts: rebuild the facts and their roll-up from the documents, once, in
// one transaction, before the writer starts.
Status SqliteStore::RebuildFactsIfBehind() {
  Conn& w = *writer_;
  // One statement, one snapshot: counted apart, another process's commit between the two
  // counts (an import beside a starting service) looked like missing facts.
  auto behind =
      QueryInt(w, "SELECT (SELECT count(*) FROM complaints) - (SELECT count(*) FROM facts)",
               "count complaints and facts");
  if (!behind) return behind.error();
  if (*behind == 0) return {};
  if (auto s = w.Exec("BEGIN IMMEDIATE; DELETE FROM facts; DELETE FROM facts_daily; "
                      "DELETE FROM facts_monthly;",
                      "rebuild facts");
      !s) {
    return s;
  }
  auto run = [&]() -> Status {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(
        w.db(),
        "SELECT c.id, c.version, d.doc, d.packed, c.reference FROM " REDRESS_COMPLAINTS_WITH_DOCS
        " ORDER BY c.id",
        -1, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(w.db(), rc, "rebuild facts");
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(raw, sqlite3_finalize);
    Stmt st(raw);  // destroyed (reset) before `owner` finalizes
    sqlite::RollupBuffer rollup;
    while ((rc = st.Step()) == SQLITE_ROW) {
      auto c = ParseStoredRow(w.db(), st, st.View(4));
      if (!c) return c.error();
      if (!*c) continue;
      const core::ComplaintFacts f = core::FactsOf(**c);
      if (auto s = sqlite::PutFacts(w, f); !s) return s;
      rollup.Add(f, 1);
      if (rollup.size() >= 10000) {
        if (auto s = rollup.Flush(w); !s) return s;
      }
    }
    if (rc != SQLITE_DONE) return SqliteError(w.db(), rc, "rebuild facts");
    return rollup.Flush(w);
  };
  Status s = run();
  if (!s) {
    (void)w.Exec("ROLLBACK", "rebuild facts");
    return s;
  }
  return w.Exec("COMMIT", "rebuild facts");
}

// Roll-up rows a bulk load holds in memory (a few hundred bytes each) before it writes them.
constexpr size_t kMaxBulkRollupRows = 500'000;

// The WAL's size in pages from which the checkpointer runs (SQLite's own default is 1000), and
// past which the writer completes a checkpoint itself so that the WAL can start over (see
// WriterLoop). 4,000 and 16,000 (32 and 128 MB with 8 KiB pages): the writer stops for its own
// checkpoint a quarter as often as with 1,000 and 4,000, for about 7 % more creates and no
// slower reads. The first 4,000 frames are copied in one go; after that the WAL stays above
// the mark until it starts over, so the checkpointer copies again after each commit it is not
// already busy with, and a page that every commit changes (an index's last leaf) about as
// often as it changes.
// Copying in windows of so many new frames instead copied about half as many pages but made
// the creates' p99 worse: each window's sync of the database competes with the commits' WAL
// syncs for the disk (docs/performance.md).
constexpr int kCheckpointPages = 4000;
constexpr int kRestartPages = 16000;

int SqliteStore::OnWalCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  store->writer_wal_pages_ = pages;  // this runs on the writer thread, inside its COMMIT
  bool wake = false;
  {
    std::lock_guard lock(store->ckpt_mu_);
    store->wal_pages_ = pages;
    wake = pages >= kCheckpointPages;
  }
  if (wake) store->ckpt_cv_.notify_one();
  return SQLITE_OK;
}

void SqliteStore::CheckpointLoop() {
  std::unique_lock lock(ckpt_mu_);
  while (!ckpt_stop_) {
    ckpt_cv_.wait(lock, [this] { return ckpt_stop_ || wal_pages_ >= kCheckpointPages; });
    if (ckpt_stop_) break;
    wal_pages_ = 0;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer. A
    // failure leaves the pages in the WAL (still durable) for the next round.
    // Opened without a WAL, this connection enters WAL mode on its first read after the
    // database did: until then a checkpoint is a no-op.
    if (opened_without_wal_) (void)checkpointer_->Exec("PRAGMA schema_version", "checkpointer");
    TimedCheckpoint(*checkpointer_, SQLITE_CHECKPOINT_PASSIVE, checkpoints_);
    lock.lock();
  }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenReadOnly(const std::string& path, int readers,
                                                               Schema schema) {
  util::InitCrypto();
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->read_only_ = true;
  if (auto left = UnsyncedLoadLeft(path); !left) return left.error();
  if (auto s = store->OpenReaders(path, readers); !s) return s.error();
  auto lease = store->Reader();
  auto version = sqlite::SchemaVersion(lease->db());
  if (!version) return version.error();
  if (*version == 0) {
    return MakeError(Errc::kNotFound, "sqlite: not a Redress database (no schema)");
  }
  const int latest = sqlite::Migrations().back().version;
  if (schema == Schema::kCurrent && *version < latest) {
    return MakeError(Errc::kInvalid, sqlite::OtherSchemaMessage("the store's", *version));
  }
  return store;
}

// ---------------------------------------------------------------------------------------------
// Packed records (migration 0020, record_pack.hpp).

std::string SqliteStore::PackRecord(std::string record) const {
  auto dict = PackingDict();
  if (!dict || sqlite::IsPacked(record)) return record;
  return dict->Pack(record);
}

std::shared_ptr<const sqlite::PackDict> SqliteStore::PackingDict() const {
  std::lock_guard lock(packing_mu_);
  return packing_;
}

Result<core::Event> SqliteStore::ReadEvent(sqlite3* db, const Stmt& st) const {
  core::Event e;
  e.seq = st.Int(0);
  e.complaint_id = st.Int(1);
  e.reference = st.Text(2);
  e.at = core::FromMillis(st.Int(3));
  e.actor = st.Text(4);
  e.action = st.Text(5);
  e.before = st.Text(6);
  if (auto packed = st.OptBlob(11)) {
    auto text = dicts_.Text(db, {}, packed, e.reference, e.after);
    if (!text) return text.error();
  } else {
    e.after = st.Text(7);
  }
  e.payload_digest = st.Text(8);
  e.prev_hash = st.Text(9);
  e.hash = st.Text(10);
  return e;
}

Result<std::optional<core::Complaint>> SqliteStore::ParseStoredRow(
    sqlite3* db, const Stmt& st, std::string_view reference) const {
  std::string buf;
  auto text = dicts_.Text(db, st.View(2), st.OptBlob(3), reference, buf);
  if (!text) return text.error();
  return ParseComplaint(st.Int(0), st.Int(1), *text);
}

Status SqliteStore::LoadPackingDict() {
  auto newest =
      QueryInt(*writer_, "SELECT coalesce(max(id), 0) FROM record_dicts", "record dictionaries");
  if (!newest) return newest.error();
  if (*newest == 0) {
    plain_written_ = 1;  // look at the store's records after the first batch
    return {};
  }
  auto dict = dicts_.Get(writer_->db(), *newest);
  if (!dict) return dict.error();
  std::lock_guard lock(packing_mu_);
  packing_ = *dict;
  dict_asked_ = true;
  return {};
}

void SqliteStore::MaybeMakeDict() {
  if (dict_asked_ || plain_written_ == 0) return;
  plain_written_ = 0;
  auto enough = EnoughForDict();
  if (!enough || !*enough) return;
  dict_asked_ = true;
  // Made in a write of its own, after the batches queued now; new records are packed with it
  // once it has committed.
  auto made = std::make_shared<std::shared_ptr<const sqlite::PackDict>>();
  Queue(
      [this, made](core::StoreTx&) -> Status {
        auto dict = WriteDict();
        if (!dict) return dict.error();
        *made = std::move(*dict);
        return {};
      },
      [this, made](Status s) {
        if (s && *made) PublishDict(*made);
      },
      false);
}

Result<bool> SqliteStore::EnoughForDict() {
  auto st = Prep(*writer_, kCountPlainRecords);
  if (!st) return st.error();
  st->Bind(1, static_cast<int64_t>(sqlite::kDictRecords));
  if (int rc = st->Step(); rc != SQLITE_ROW) {
    return SqliteError(writer_->db(), rc, "records toward a dictionary");
  }
  return st->Int(0) >= sqlite::kDictRecords;
}

Result<std::shared_ptr<const sqlite::PackDict>> SqliteStore::WriteDict() {
  std::vector<std::string> records;
  {
    auto st = Prep(*writer_, kNewestPlainRecords);
    if (!st) return st.error();
    st->Bind(1, static_cast<int64_t>(sqlite::kDictRecords));
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      // What of each record a dictionary may keep: no personal data, no free text.
      auto c = core::DecodeStorage(st->View(0));
      if (c) records.push_back(core::EncodeStorage(sqlite::DictSample(*c)));
    }
    if (rc != SQLITE_DONE) return SqliteError(writer_->db(), rc, "records toward a dictionary");
    if (records.empty()) return MakeError(Errc::kInternal, "no record to make a dictionary of");
  }
  std::reverse(records.begin(), records.end());  // newest last
  std::string bytes = sqlite::DictBytes(records);
  auto st = Prep(*writer_, kInsertDict);
  if (!st) return st.error();
  st->BindBlob(1, bytes);
  st->Bind(2, core::ToMillis(std::chrono::time_point_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now())));
  if (int rc = st->Step(); rc != SQLITE_DONE) {
    return SqliteError(writer_->db(), rc, "write record dictionary");
  }
  return std::make_shared<const sqlite::PackDict>(sqlite3_last_insert_rowid(writer_->db()),
                                                  std::move(bytes));
}

void SqliteStore::PublishDict(std::shared_ptr<const sqlite::PackDict> dict) {
  dicts_.Put(dict);
  std::lock_guard lock(packing_mu_);
  packing_ = std::move(dict);
}

Result<SqliteStore::PackCounts> SqliteStore::PackPlain(
    int rows, const std::function<void(const PackCounts&)>& progress) {
  if (read_only_) return MakeError(Errc::kUnavailable, "the store is open read-only");
  if (rows <= 0) return MakeError(Errc::kInvalid, "rows a write must be positive");
  // The first write makes the dictionary when the store has none and none is on its way (the
  // writer queues one after a batch that brought enough plain records: MaybeMakeDict), and
  // takes the newest record and event: what is written after is packed as it is written.
  int64_t newest[2] = {0, 0};
  std::shared_ptr<const sqlite::PackDict> made;
  auto first = WriteSync([&](core::StoreTx&) -> Status {
    auto record =
        QueryInt(*writer_, "SELECT coalesce(max(id), 0) FROM complaint_docs", "newest record");
    if (!record) return record.error();
    auto event = QueryInt(*writer_, "SELECT coalesce(max(seq), 0) FROM events", "newest event");
    if (!event) return event.error();
    newest[0] = *record;
    newest[1] = *event;
    if (dict_asked_) return {};
    auto enough = EnoughForDict();
    if (!enough) return enough.error();
    if (!*enough) return {};
    auto dict = WriteDict();
    if (!dict) return dict.error();
    dict_asked_ = true;
    made = std::move(*dict);
    return {};
  });
  if (!first) return first.error();
  if (made) {
    PublishDict(made);  // committed
  } else if (!PackingDict()) {
    // One the writer queued before that write is published once a write queued after it is
    // done.
    if (auto w = WriteSync([](core::StoreTx&) { return Status{}; }); !w) return w.error();
  }
  PackCounts n;
  const auto dict = PackingDict();
  if (!dict) return n;
  n.dictionary = true;
  // By ranges of `rows` ids (records) or sequence numbers (events), so that no write holds the
  // writer long however few of them are plain.
  for (const bool records : {true, false}) {
    for (int64_t from = 0; from < newest[records ? 0 : 1]; from += rows) {
      auto s = WriteSync([&](core::StoreTx&) -> Status {
        std::vector<std::pair<int64_t, std::string>> packed;
        {
          auto st = Prep(*writer_, records ? kPlainRecordsIn : kPlainPayloadsIn);
          if (!st) return st.error();
          st->Bind(1, from);
          st->Bind(2, from + rows);
          if (!records) st->Bind(3, static_cast<int64_t>(core::kPackedPayloadBytes));
          int rc;
          while ((rc = st->Step()) == SQLITE_ROW) {
            const std::string_view reference = st->View(1);
            const std::string_view text = st->View(2);
            std::string p = dict->Pack(text);
            bool same = false;
            if (sqlite::IsPacked(p)) {
              auto back = sqlite::Unpack(p, *dict, reference);
              same = back && *back == text;
            }
            if (!same) {
              ++n.kept_plain;
              continue;
            }
            n.bytes_before += static_cast<int64_t>(text.size());
            n.bytes_after += static_cast<int64_t>(p.size());
            packed.emplace_back(st->Int(0), std::move(p));
          }
          if (rc != SQLITE_DONE) return SqliteError(writer_->db(), rc, "plain rows to pack");
        }
        for (const auto& [id, p] : packed) {
          auto st = Prep(*writer_, records ? kUpdateDoc : kPackPayload);
          if (!st) return st.error();
          st->Bind(1, id);
          if (records) {
            st->Bind(2, std::string_view("", 0));
            st->BindBlob(3, p);
          } else {
            st->BindBlob(2, p);
          }
          if (int rc = st->Step(); rc != SQLITE_DONE) {
            return SqliteError(writer_->db(), rc, "pack a plain row");
          }
        }
        (records ? n.records : n.payloads) += static_cast<int64_t>(packed.size());
        return {};
      });
      if (!s) return s.error();
      if (progress) progress(n);
    }
  }
  return n;
}

Status SqliteStore::Vacuum(const std::string& path) {
  auto c = sqlite::Conn::Open(path, SQLITE_OPEN_READWRITE);
  if (!c) return c.error();
  sqlite3_busy_timeout((*c)->db(), kBusyTimeoutMs);
  return (*c)->Exec("VACUUM", "vacuum");
}

Status SqliteStore::LoadChainHead() {
  auto st = Prep(*writer_, kLastEvent);
  if (!st) return st.error();
  int rc = st->Step();
  if (rc == SQLITE_ROW) {
    tx_->head_seq = st->Int(0);
    tx_->head_hash = st->Text(1);
  } else if (rc != SQLITE_DONE) {
    return SqliteError(writer_->db(), rc, "load event chain head");
  }
  return {};
}

bool SqliteStore::SetChangeListener(ChangeListener fn) {
  if (read_only_) return false;
  std::lock_guard lock(listener_mu_);
  listening_.store(static_cast<bool>(fn));
  listener_ = std::move(fn);
  return true;
}

void SqliteStore::Notify(const std::vector<int64_t>& complaint_ids, bool all) {
  std::lock_guard lock(listener_mu_);
  if (listener_) listener_(complaint_ids, all);
}

void SqliteStore::NoticeOtherWriters() {
  // The writer connection's data_version changes only when another connection commits; the
  // store's own readers and checkpointer never do, so that connection is another process's.
  // Nobody listening (a CLI command's store): nothing to look for.
  if (!listening_.load()) return;
  auto st = Prep(*writer_, kDataVersion);
  if (!st || st->Step() != SQLITE_ROW) return;  // unknown: the next check will tell
  const int64_t version = st->Int(0);
  // The first look has nothing to compare with: whatever was read before it may be older than
  // another process's commit, so it counts as one.
  if (version != data_version_) Notify({}, true);
  data_version_ = version;
}

SqliteStore::~SqliteStore() {
  if (queue_) queue_->Close();
  if (thread_.joinable()) thread_.join();
  // After the writer: the syncer flushes and answers the batches it handed over last.
  {
    std::lock_guard lock(sync_mu_);
    sync_stop_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
  }
  ckpt_cv_.notify_all();
  if (ckpt_thread_.joinable()) ckpt_thread_.join();
  // The writer closes last: the last connection to close checkpoints the WAL into the database
  // and removes it, which a read-only connection cannot do (after an import, that left a WAL of
  // a gigabyte for the next process to copy while it served).
  readers_.clear();
  checkpointer_.reset();
  // Back to WAL mode (Options::load_without_wal), as any other opening would put it; if that
  // fails here, the next Open() does it.
  if (rollback_journal_ && writer_) ReturnToWal();
  tx_.reset();
  writer_.reset();
  if (bulk_lock_fd_ >= 0) ::close(bulk_lock_fd_);
  if (unsynced_fd_ >= 0) ::close(unsynced_fd_);  // a flush that failed
}

bool SqliteStore::Healthy() const { return !read_only_ && !poisoned_.load(); }

std::optional<core::WriterStats> SqliteStore::WriterStatistics() const {
  if (!queue_) return std::nullopt;
  core::WriterStats out = queue_->Statistics();
  core::WalStats& wal = out.wal.emplace();
  if (flushes_timed_) wal.flush_seconds = wal_flushes_.Snapshot();
  wal.checkpoint_seconds = checkpoints_.Snapshot();
  wal.writer_checkpoint_seconds = writer_checkpoints_.Snapshot();
  // After the checkpoints: one counted has done whatever it did to the file. No WAL file (a
  // bulk load through a rollback journal, or none written yet) holds 0 bytes.
  struct stat st {};
  if (::stat((path_ + "-wal").c_str(), &st) == 0) wal.bytes = static_cast<uint64_t>(st.st_size);
  return out;
}

void SqliteStore::TimedCheckpoint(sqlite::Conn& c, int mode, core::SharedDurationHistogram& into) {
  // A checkpoint that waits (TRUNCATE) waits for readers of older snapshots through the busy
  // handler; one another connection is running answers SQLITE_BUSY at once (SQLite lets one
  // run at a time, without the busy handler): that one is waited for, a few milliseconds at a
  // time, for half a second at most. PASSIVE never waits.
  (void)into.Time([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    for (;;) {
      const int rc = sqlite3_wal_checkpoint_v2(c.db(), nullptr, mode, nullptr, nullptr);
      if (rc != SQLITE_BUSY || mode == SQLITE_CHECKPOINT_PASSIVE ||
          std::chrono::steady_clock::now() >= until) {
        return rc;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
}

void SqliteStore::Poison() { poisoned_.store(true); }

// ---------------------------------------------------------------------------------------------
// Writes.

void SqliteStore::Write(TxFn fn, Done done) { Queue(std::move(fn), std::move(done), false); }

void SqliteStore::WriteRerunnable(TxFn fn, Done done) {
  Queue(std::move(fn), std::move(done), true);
}

void SqliteStore::Queue(TxFn fn, Done done, bool rerunnable) {
  if (read_only_) return done(Unavailable("store opened read-only"));
  if (poisoned_.load()) return done(Unavailable("store refuses writes after a failed commit"));
  queue_->Push(std::move(fn), std::move(done), rerunnable);
}

void SqliteStore::ReturnToWal() {
  if (const int fd = unsynced_fd_; fd >= 0) {
    // Flushed before the WAL's first commit can say anything is on the disk; on failure the
    // mark stays, the store stays without a WAL, and the next batch (or opening) tries again.
    if (auto s = writer_->Exec("PRAGMA synchronous = FULL", "synchronous"); !s) return;
    if (auto s = FinishUnsyncedLoad(path_); !s) return;
    unsynced_fd_ = -1;
    ::close(fd);
  }
  auto mode = SetJournalMode(*writer_, "WAL");
  if (!mode || *mode != "wal") return;  // tried again after the next batch, or by Open()
  rollback_journal_ = false;
  sqlite3_busy_timeout(writer_->db(), kBusyTimeoutMs);
  ::unlink(WalWantedPath(path_).c_str());
}

void SqliteStore::WriterLoop() {
  queue_->Run(
      [this](std::vector<Item>& batch, std::vector<Status>& results) { RunBatch(batch, results); },
      [this] {
        // The background checkpointer copies most pages, but under a steady stream of commits it
        // never catches up with the WAL's end, and SQLite restarts the WAL from its beginning only
        // after a checkpoint that did. Past kRestartPages the writer finishes one itself (little
        // is left to copy), so the WAL stops growing: a large WAL slows every page lookup.
        if (poisoned_.load()) return;
        MaybeMakeDict();
        // Without syncs, the kernel would start writing the batch's pages out only after 30 s
        // or past a tenth of the memory, leaving gigabytes for the one flush at the end: it
        // starts now, in the background, and the writer goes on (no wait).
        if (const int fd = unsynced_fd_; fd >= 0) {
          (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        }
        if (rollback_journal_ && ::access(WalWantedPath(path_).c_str(), F_OK) == 0) {
          ReturnToWal();
        }
        if (empty_wal_after_batch_) {
          // Waits for readers of older snapshots and for the checkpointer's checkpoint
          // (TimedCheckpoint); if they outlast it, the WAL is left as it is, which is only
          // slower.
          empty_wal_after_batch_ = false;
          TimedCheckpoint(*writer_, SQLITE_CHECKPOINT_TRUNCATE, writer_checkpoints_);
          writer_wal_pages_ = 0;
        } else if (writer_wal_pages_ >= kRestartPages) {
          TimedCheckpoint(*writer_, SQLITE_CHECKPOINT_PASSIVE, writer_checkpoints_);
          writer_wal_pages_ = 0;
        }
      },
      // While idle, the writer looks for other processes' commits (an import beside the
      // service) every 10 ms, so a change listener hears of them soon.
      WriteQueue::Idle{std::chrono::milliseconds(10),
                       [this] {
                         if (!poisoned_.load()) NoticeOtherWriters();
                       }},
      deferring_
          ? WriteQueue::Deliver([this](std::vector<Item>&& batch, std::vector<Status>&& results) {
              Deliver(std::move(batch), std::move(results));
            })
          : WriteQueue::Deliver{});
}

// Commits handed to the syncer that may wait behind the flush in progress (Deliver).
constexpr size_t kMaxWaitingCommits = 2;

void SqliteStore::Deliver(std::vector<Item>&& batch, std::vector<Status>&& results) {
  // Every commit so far, this batch's among them, is counted in `written` by now.
  const uint64_t upto = deferred_.written.load(std::memory_order_acquire);
  if (deferred_.synced.load(std::memory_order_acquire) >= upto) {
    // Nothing committed since the last flush (a batch that failed, or wrote without a WAL).
    for (size_t i = 0; i < batch.size(); ++i) WriteQueue::CallDone(batch[i], std::move(results[i]));
    return;
  }
  std::unique_lock lock(sync_mu_);
  unflushed_.push_back(Unflushed{upto, std::move(batch), std::move(results)});
  sync_cv_.notify_one();
  // The writer commits while a flush is in progress only when its transaction could not wait
  // for it (a full batch, or a write that may not run twice next to a batch without
  // savepoints: RunBatch). Even then at most two commits wait behind that flush: a writer
  // running further ahead made commits half as large (13 creates instead of 31 at 64
  // connections), each paying a commit's own work again (docs/performance.md).
  flushed_cv_.wait(lock, [this] { return unflushed_.size() <= kMaxWaitingCommits; });
}

bool SqliteStore::AllDurable() const {
  return !deferring_ || deferred_.synced.load(std::memory_order_acquire) >=
                            deferred_.written.load(std::memory_order_acquire);
}

void SqliteStore::WhenDurable(std::function<void()> then) {
  if (deferring_) {
    // Counted before SQLite publishes a commit: any commit a read before this call saw.
    const uint64_t want = deferred_.written.load(std::memory_order_acquire);
    if (deferred_.synced.load(std::memory_order_acquire) < want) {
      {
        std::lock_guard lock(sync_mu_);
        if (!sync_stop_ && deferred_.synced.load(std::memory_order_acquire) < want) {
          durable_waiters_.emplace_back(want, std::move(then));
          then = nullptr;
        }
      }
      if (!then) {
        sync_cv_.notify_one();
        return;
      }
    }
  }
  then();
}

void SqliteStore::SyncLoop() {
  std::vector<Unflushed> ready;
  std::unique_lock lock(sync_mu_);
  for (;;) {
    sync_cv_.wait(
        lock, [this] { return sync_stop_ || !unflushed_.empty() || !durable_waiters_.empty(); });
    if (unflushed_.empty() && durable_waiters_.empty()) break;  // stopping, all answered
    lock.unlock();
    // One flush for every commit counted when it starts: the batches handed over while the
    // last one ran share it.
    if (before_flush_) before_flush_();
    const int err = sqlite::FlushDeferredWal(deferred_);
    const uint64_t synced = deferred_.synced.load(std::memory_order_acquire);
    lock.lock();
    while (!unflushed_.empty() && (err != 0 || unflushed_.front().upto <= synced)) {
      ready.push_back(std::move(unflushed_.front()));
      unflushed_.pop_front();
    }
    // A failed flush leaves nothing known durable; those waiting are let go all the same (the
    // store is unhealthy from now on and refuses writes).
    std::vector<std::function<void()>> waiting;
    std::erase_if(durable_waiters_, [&](auto& w) {
      if (err == 0 && w.first > synced) return false;
      waiting.push_back(std::move(w.second));
      return true;
    });
    lock.unlock();
    flushed_cv_.notify_one();
    queue_->Wake();  // a transaction growing while the flush ran commits now
    if (err != 0) {
      // Sticky (conventions §3): after a failed sync the file's state is unknown. The batches'
      // commits are in the database but not known to be on the disk: none is acknowledged.
      Poison();
    }
    for (auto& u : ready) {
      for (size_t i = 0; i < u.batch.size(); ++i) {
        Status r = std::move(u.results[i]);
        if (err != 0 && r) {
          r = Unavailable(std::string("sqlite: the commit could not be flushed to the disk: ") +
                          std::strerror(err));
        }
        WriteQueue::CallDone(u.batch[i], std::move(r));
      }
    }
    ready.clear();
    for (auto& then : waiting) then();
    lock.lock();
  }
}

void SqliteStore::RunBatch(std::vector<Item>& batch, std::vector<Status>& results) {
  results.assign(batch.size(), Status{});
  auto fail_all = [&](const core::Error& e) {
    for (auto& r : results) r = e;
  };
  if (poisoned_.load()) return fail_all(Unavailable("store refuses writes after a failed commit"));

  sqlite3* db = writer_->db();
  auto exec = [&](StmtId id) -> int {
    auto st = Prep(*writer_, id);
    if (!st) return writer_->LastRc() != SQLITE_OK ? writer_->LastRc() : SQLITE_ERROR;
    int rc = st->Step();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  };

  int64_t batch_seq = 0;
  std::string batch_hash;
  auto begin = [&]() -> bool {
    if (int rc = exec(kBegin); rc != SQLITE_OK) {
      if (sqlite::IsFatal(rc)) Poison();
      fail_all(SqliteError(db, rc, "begin"));
      return false;
    }
    // Another process (the CLI adding a user while the service runs) may have appended events
    // since our last batch: read the chain head under the write lock, one indexed lookup.
    if (auto st = LoadChainHead(); !st) {
      exec(kRollback);
      fail_all(st.error());
      return false;
    }
    batch_seq = tx_->head_seq;
    batch_hash = tx_->head_hash;
    NoticeOtherWriters();
    tx_->changed.clear();
    tx_->text_ops.clear();
    tx_->counts.Clear();
    tx_->rollup.Clear();
    return true;
  };
  // Undoes the whole transaction and what the Tx holds of it.
  auto roll_back = [&] {
    tx_->text_ops.clear();
    tx_->counts.Clear();
    tx_->rollup.Clear();
    if (!sqlite3_get_autocommit(db)) exec(kRollback);
    tx_->head_seq = batch_seq;
    tx_->head_hash = batch_hash;
  };
  auto abort_batch = [&](const core::Error& e) {
    roll_back();
    fail_all(e);
  };
  if (!begin()) return;

  // Each command runs in a savepoint, so that one that fails leaves the others' work in the
  // batch. A savepoint journals every page the batch's earlier commands dirtied that the
  // command touches (perf: 12 % of creates' throughput went to it). A batch of functions that
  // may run twice (WriteRerunnable) runs without them first; if one of its commands fails
  // after changing something, the whole transaction is rolled back and the batch runs again
  // with savepoints. One that fails before changing anything (a refused action, a reused
  // idempotency key) leaves nothing to undo, and the batch goes on.
  bool savepoints = WriteQueue::SavepointsFromTheStart(batch);
  const auto flush_pending = [this] { return !AllDurable(); };
  for (size_t i = 0;; ++i) {
    if (i == batch.size()) {
      // While the last commit is being flushed, the transaction takes in the writes queued
      // meanwhile (without savepoints, only those that may run twice) and commits once the
      // flush is done: the writer works through the flush and its commits stay as large as
      // when it waited for each flush itself.
      if (!deferring_ || queue_->TakeMore(batch, !savepoints, flush_pending) == 0) break;
      results.resize(batch.size());
    }
    if (int rc = savepoints ? exec(kSavepoint) : SQLITE_OK; rc != SQLITE_OK) {
      if (sqlite::IsFatal(rc)) Poison();
      return abort_batch(SqliteError(db, rc, "savepoint"));
    }
    const int64_t seq0 = tx_->head_seq;
    std::string hash0 = tx_->head_hash;
    const size_t text0 = tx_->text_ops.size();
    const size_t counts0 = tx_->counts.size();
    const size_t rollup0 = tx_->rollup.size();
    const int64_t changes0 = sqlite3_total_changes64(db);
    tx_->fatal_rc = 0;
    Status s;
    try {
      s = batch[i].fn(*tx_);
    } catch (const std::exception&) {
      s = MakeError(Errc::kInternal, "write function threw an exception");
    } catch (...) {
      s = MakeError(Errc::kInternal, "write function threw");
    }
    // An I/O-class error, or SQLite having rolled the whole transaction back on its own, sinks
    // the batch: earlier commands' work is gone too.
    if (tx_->fatal_rc != 0) {
      Poison();
      return abort_batch(Unavailable(std::string("sqlite: ") + sqlite3_errstr(tx_->fatal_rc)));
    }
    if (sqlite3_get_autocommit(db)) {
      return abort_batch(Unavailable("sqlite: transaction rolled back; retry"));
    }
    if (s) {
      if (int rc = savepoints ? exec(kRelease) : SQLITE_OK; rc != SQLITE_OK) {
        if (sqlite::IsFatal(rc)) Poison();
        return abort_batch(SqliteError(db, rc, "release savepoint"));
      }
    } else if (!savepoints && sqlite3_total_changes64(db) == changes0 && tx_->head_seq == seq0 &&
               tx_->text_ops.size() == text0 && tx_->counts.size() == counts0 &&
               tx_->rollup.size() == rollup0) {
      // Failed before changing a row or what the Tx holds: nothing of it to undo.
    } else if (!savepoints) {
      roll_back();
      savepoints = true;
      if (!begin()) return;
      results.assign(batch.size(), Status{});
      i = static_cast<size_t>(-1);  // from the first command again
      continue;
    } else {
      int rc = exec(kRollbackTo);
      if (rc == SQLITE_OK) rc = exec(kRelease);
      if (rc != SQLITE_OK) {
        if (sqlite::IsFatal(rc)) Poison();
        return abort_batch(SqliteError(db, rc, "rollback to savepoint"));
      }
      tx_->head_seq = seq0;
      tx_->head_hash = std::move(hash0);
      tx_->text_ops.resize(text0);
      tx_->counts.Truncate(counts0);
      tx_->rollup.Truncate(rollup0);
    }
    results[i] = std::move(s);
  }

  tx_->fatal_rc = 0;
  if (auto st = tx_->FlushText(); !st) {
    if (tx_->fatal_rc != 0) Poison();
    return abort_batch(st.error());
  }
  if (auto st = tx_->FlushCounts(); !st) {
    if (tx_->fatal_rc != 0) Poison();
    return abort_batch(st.error());
  }
  // A bulk load's sums hold committed batches only: this batch's join them after its commit.
  const bool defer_rollup = tx_->bulk;
  if (auto st = !defer_rollup ? tx_->rollup.Flush(*writer_)
                : tx_->bulk_rollups.ApproxSize() >= kMaxBulkRollupRows
                    ? tx_->bulk_rollups.WriteAll(*writer_)
                    : Status{};
      !st) {
    if (sqlite::IsFatal(sqlite3_errcode(db))) Poison();
    return abort_batch(st.error());
  }

  if (int rc = exec(kCommit); rc != SQLITE_OK) {
    // Sticky (conventions §3): after a failed commit or sync the file's state is unknown.
    Poison();
    return abort_batch(SqliteError(db, rc, "commit"));
  }
  if (!tx_->changed.empty()) Notify(tx_->changed, false);
  if (defer_rollup) tx_->bulk_rollups.Push(tx_->rollup);
}

// ---------------------------------------------------------------------------------------------
// Bulk loads.

namespace {

// Held with flock() by the process whose bulk load runs, beside the database file.
std::string BulkLockPath(const std::string& db_path) { return db_path + ".bulk-lock"; }

// Takes the bulk-load lock without waiting: the descriptor, -1 if another process holds it.
Result<int> TryBulkLock(const std::string& db_path) {
  const std::string path = BulkLockPath(db_path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Errc::kInternal, "cannot open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The indexes of the complaints, events and facts that a bulk load keeps, as an SQL list
// (DropIndexesForBulkLoad).
#define REDRESS_KEPT_IN_BULK_LOAD                                                       \
  "('events_complaint', 'complaints_clock', 'complaints_due', 'complaints_follow_up', " \
  "'facts_open', 'facts_by_department', 'facts_by_location', 'facts_by_handler')"

// An index a bulk load dropped, to be built again at its end (migration 0010).
struct DeferredIndex {
  std::string name;
  std::string sql;
};

Result<std::vector<DeferredIndex>> DeferredIndexes(Conn& c) {
  auto rows =  // name, sql; name, sql; ...
      QueryTexts(c, "SELECT name, sql FROM deferred_indexes ORDER BY name", "deferred indexes", 2);
  if (!rows) return rows.error();
  std::vector<DeferredIndex> out;
  for (size_t i = 0; i + 1 < rows->size(); i += 2) {
    out.push_back({std::move((*rows)[i]), std::move((*rows)[i + 1])});
  }
  return out;
}

// How a deferred index's keys are sorted: on helper threads in short runs through temporary
// files (sqlite::SorterSettings), or with the writer's own settings, in memory.
enum class Sort { kHelpers, kInMemory };

// Builds one deferred index, inside the caller's transaction, and strikes it from the list.
Status BuildDeferredIndex(Conn& c, const DeferredIndex& index, Sort sort) {
  std::optional<sqlite::SorterSettings> sorter;
  if (sort == Sort::kHelpers) sorter.emplace(c);
  Status built = c.Exec(index.sql.c_str(), "build deferred index");
  if (sorter) built = sorter->Restore(std::move(built));
  if (!built) return built;
  // Index names come from the schema (migrations), not from input.
  const std::string done = "DELETE FROM deferred_indexes WHERE name = '" + index.name + "'";
  return c.Exec(done.c_str(), "build deferred index");
}

// The full-text index lacks text its table holds: a bulk load wrote the text alone, to build
// the index once at its end ('rebuild' reads FTS5's copy of every row: 300,000 descriptions
// took 5.0-5.5 s that way against 6.7-6.8 s indexed commit by commit; docs/performance.md).
constexpr const char* kSetTextIndexStale =
    "INSERT OR REPLACE INTO store_flags (name, value) VALUES ('text_index_stale', 1)";
constexpr const char* kRebuildTextIndex =
    "INSERT INTO complaint_text (complaint_text) VALUES ('rebuild')";
// FTS5 writes a segment each time the terms it holds in memory pass `hashsize` (1 MiB unless
// set): 64 MiB for the rebuild (1,000,000 CFPB rows: 6.9-9.3 s against 8.3-10.0 with 16 MiB,
// four alternating pairs, and about 57 MB more memory at its peak), the default again after
// it, for the few terms of each batch of ordinary writes.
constexpr const char* kLargeTextHash =
    "INSERT INTO complaint_text (complaint_text, rank) VALUES ('hashsize', 67108864)";
constexpr const char* kDefaultTextHash =
    "INSERT INTO complaint_text (complaint_text, rank) VALUES ('hashsize', 1048576)";
constexpr const char* kClearTextIndexStale =
    "DELETE FROM store_flags WHERE name = 'text_index_stale'";

// The full-text index's name among the bulk load's steps (not an SQL index: FTS5's own tables).
constexpr const char* kTextIndexName = "complaint_text";

// Whether the flag `name` is set in store_flags (1 or 0): what a bulk load left to do, its
// roll-ups ('rollups_stale') or its full-text index ('text_index_stale'). Names from this file.
Result<int64_t> StoreFlag(Conn& c, const std::string& name) {
  const std::string sql = "SELECT count(*) FROM store_flags WHERE name = '" + name + "'";
  return QueryInt(c, sql.c_str(), "bulk load state");
}

// Builds the full-text index from the text its table holds, inside the caller's transaction,
// and clears the flag that said it was behind.
Status RebuildTextIndex(Conn& c) {
  for (const char* sql :
       {kLargeTextHash, kRebuildTextIndex, kDefaultTextHash, kClearTextIndexStale}) {
    if (auto s = c.Exec(sql, "build the full-text index"); !s) return s;
  }
  return {};
}

// Every deferred index, in one transaction (the caller's), sorted in memory: this runs when a
// store opens with indexes a bulk load left unbuilt, after a crash or after a build that failed
// (its temporary files, say, found no room), and must not fail the same way again.
Status BuildDeferredIndexesInMemory(Conn& c) {
  auto indexes = DeferredIndexes(c);
  if (!indexes) return indexes.error();
  for (const auto& index : *indexes) {
    if (auto s = BuildDeferredIndex(c, index, Sort::kInMemory); !s) return s;
  }
  return {};
}

// Drops the secondary indexes of the tables a bulk load fills, keeping their statements, but
// for those it keeps in step row by row (REDRESS_KEPT_IN_BULK_LOAD). Building an index after the
// load scans its whole table (about 2 GB of complaint rows at a million, 1-2 s each), where
// keeping it costs little when its keys arrive in order (the events by complaint) or when few
// rows enter it: the partial indexes of open complaints (about a tenth of a CFPB import), of
// follow-ups, and of the facts' department, location and handler, which imported rows leave
// empty. docs/import.md.
Status DropIndexesForBulkLoad(Conn& c) {
  if (auto s = c.Exec("INSERT OR REPLACE INTO deferred_indexes (name, sql) SELECT name, sql "
                      "FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND "
                      "tbl_name IN ('complaints', 'events', 'facts') AND name NOT "
                      "IN " REDRESS_KEPT_IN_BULK_LOAD,
                      "defer indexes");
      !s) {
    return s;
  }
  auto names = QueryTexts(c, "SELECT name FROM deferred_indexes", "defer indexes");
  if (!names) return names.error();
  for (const auto& name : *names) {
    // Index names come from the schema (migrations), not from input.
    const std::string sql = "DROP INDEX IF EXISTS \"" + name + "\"";
    if (auto s = c.Exec(sql.c_str(), "defer index"); !s) return s;
  }
  return {};
}

constexpr const char* kSetRollupsStale =
    "INSERT OR REPLACE INTO store_flags (name, value) VALUES ('rollups_stale', 1)";
constexpr const char* kClearRollupsStale = "DELETE FROM store_flags WHERE name = 'rollups_stale'";

}  // namespace

Status SqliteStore::BeginBulkLoad(bool defer_indexes) {
  if (bulk_lock_fd_ < 0) {
    auto fd = TryBulkLock(path_);
    if (!fd) return fd.error();
    if (*fd < 0) return MakeError(Errc::kConflict, "another bulk load is running on this store");
    bulk_lock_fd_ = *fd;
  }
  return WriteSync([this, defer_indexes](core::StoreTx&) -> Status {
    if (auto s = writer_->Exec(kSetRollupsStale, "begin bulk load"); !s) return s;
    if (defer_indexes) {
      if (auto s = DropIndexesForBulkLoad(*writer_); !s) return s;
      if (auto s = writer_->Exec(kSetTextIndexStale, "begin bulk load"); !s) return s;
    }
    tx_->bulk = true;
    tx_->text_deferred = defer_indexes;
    return {};
  });
}

Status SqliteStore::EndBulkLoad(const BulkLoadProgress& on_step) {
  // First the roll-up sums, then an empty WAL: building an index reads its whole table, and
  // a page still in the WAL is read with a system call each time, where a page in the database
  // file is read through the writer's memory map (perf: system reads were over a quarter of the
  // index builds while the WAL still held the load's last pages).
  std::vector<DeferredIndex> deferred;
  Status ended = WriteSync([this, &on_step, &deferred](core::StoreTx&) -> Status {
    if (on_step) on_step({BulkLoadStep::kRollups, 1, 1, ""});
    if (auto s = tx_->bulk_rollups.WriteAll(*writer_); !s) return s;
    if (auto s = writer_->Exec(kClearRollupsStale, "end bulk load"); !s) return s;
    tx_->bulk = false;
    auto indexes = DeferredIndexes(*writer_);
    if (!indexes) return indexes.error();
    deferred = std::move(*indexes);
    auto text_stale = StoreFlag(*writer_, "text_index_stale");
    if (!text_stale) return text_stale.error();
    // Last of the builds, in a transaction of its own like each index.
    if (*text_stale != 0) deferred.push_back({kTextIndexName, ""});
    tx_->text_deferred = false;
    empty_wal_after_batch_ = true;
    return {};
  });
  // Then each index in a transaction of its own, so that another process opening the store
  // meanwhile waits for one build at most (Options::load_without_wal); one left unbuilt by a
  // crash is built by the next Open().
  const int count = static_cast<int>(deferred.size());
  for (int i = 0; ended && i < count; ++i) {
    ended = WriteSync([this, &on_step, &deferred, i, count](core::StoreTx&) -> Status {
      const DeferredIndex& index = deferred[static_cast<size_t>(i)];
      if (on_step) on_step({BulkLoadStep::kIndex, i + 1, count, index.name});
      if (index.name == kTextIndexName) return RebuildTextIndex(*writer_);
      return BuildDeferredIndex(*writer_, index, Sort::kHelpers);
    });
  }
  if (ended && bulk_lock_fd_ >= 0) {
    ::close(bulk_lock_fd_);  // releases the lock
    bulk_lock_fd_ = -1;
  }
  return ended;
}

Status SqliteStore::FinishBulkLoadLeftUndone() {
  Conn& w = *writer_;
  auto indexes = QueryInt(w, "SELECT count(*) FROM deferred_indexes", "bulk load state");
  if (!indexes) return indexes.error();
  auto stale = StoreFlag(w, "rollups_stale");
  if (!stale) return stale.error();
  auto text_stale = StoreFlag(w, "text_index_stale");
  if (!text_stale) return text_stale.error();
  if (*indexes == 0 && *stale == 0 && *text_stale == 0) return {};
  auto fd = TryBulkLock(path_);
  if (!fd) return fd.error();
  if (*fd < 0) return {};  // still running in another process: its end does it
  const int lock_fd = *fd;
  if (auto s = w.Exec("BEGIN IMMEDIATE", "finish bulk load"); !s) {
    ::close(lock_fd);
    return s;
  }
  Status s = BuildDeferredIndexesInMemory(w);
  if (s && *text_stale != 0) s = RebuildTextIndex(w);
  if (s && *stale != 0) s = sqlite::RebuildRollups(w);
  if (s) s = w.Exec(kClearRollupsStale, "finish bulk load");
  if (s) {
    s = w.Exec("COMMIT", "finish bulk load");
  } else {
    (void)w.Exec("ROLLBACK", "finish bulk load");
  }
  ::close(lock_fd);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Reads.

Result<std::optional<core::Complaint>> SqliteStore::GetComplaint(const core::Reference& ref) {
  auto c = Reader();
  return ComplaintOn(*c, ref);
}

namespace {

// One read transaction around several statements on a reader: what they read is one snapshot.
Status BeginRead(Conn& c) {
  auto begin = Prep(c, kReadBegin);
  if (!begin) return begin.error();
  if (int rc = begin->Step(); rc != SQLITE_DONE) return SqliteError(c.db(), rc, "begin read");
  return {};
}

// Ends it; the statements read inside must have been reset.
Status EndRead(Conn& c) {
  auto end = Prep(c, kReadEnd);
  const int rc = end ? end->Step() : SQLITE_ERROR;
  if (rc != SQLITE_DONE) {
    // Never hand the connection back inside a transaction.
    if (!sqlite3_get_autocommit(c.db())) (void)c.Exec("ROLLBACK", "end read");
    return end ? SqliteError(c.db(), rc, "end read") : end.error();
  }
  return {};
}

}  // namespace

Result<std::optional<core::ComplaintFile>> SqliteStore::GetComplaintFile(
    const core::Reference& ref) {
  auto c = Reader();
  if (auto s = BeginRead(*c); !s) return s.error();
  auto read = [&]() -> Result<std::optional<core::ComplaintFile>> {
    auto complaint = SharedComplaintOn(*c, ref);
    if (!complaint) return complaint.error();
    if (*complaint == nullptr) return std::optional<core::ComplaintFile>();
    std::optional<core::ComplaintFile> file(core::ComplaintFile{std::move(*complaint), {}, {}, {}});
    const int64_t id = file->complaint().id;
    auto events = EventsOn(*c, id);
    if (!events) return events.error();
    file->events = std::move(*events);
    auto notes = NotesOn(*c, id);
    if (!notes) return notes.error();
    file->notes = std::move(*notes);
    auto atts = AttachmentsOn(*c, id);
    if (!atts) return atts.error();
    file->attachments = std::move(*atts);
    return file;
  };
  auto file = read();  // its statements are reset when it returns
  if (auto s = EndRead(*c); !s) return s.error();
  return file;
}

Result<std::optional<core::Complaint>> SqliteStore::ComplaintOn(sqlite::Conn& c,
                                                                const core::Reference& ref) {
  auto shared = SharedComplaintOn(c, ref);
  if (!shared) return shared.error();
  if (*shared == nullptr) return std::optional<core::Complaint>();
  return std::optional<core::Complaint>(**shared);
}

Result<std::shared_ptr<const core::Complaint>> SqliteStore::SharedComplaintOn(
    sqlite::Conn& c, const core::Reference& ref) {
  std::string text = ref.ToString();
  auto st = Prep(c, kLoadComplaint);
  if (!st) return st.error();
  st->Bind(1, text);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::shared_ptr<const core::Complaint>();
  if (rc != SQLITE_ROW) return SqliteError(c.db(), rc, "get complaint");
  const int64_t id = st->Int(0);
  const int64_t version = st->Int(1);
  if (auto kept = decoded_.Find(id, version)) return kept;
  // The document is read (and its overflow pages fetched) only on a miss.
  auto parsed = ParseStoredRow(c.db(), *st, text);
  if (!parsed) return parsed.error();
  if (!parsed->has_value()) return std::shared_ptr<const core::Complaint>();
  auto shared = std::make_shared<const core::Complaint>(std::move(**parsed));
  decoded_.Put(id, shared);
  return shared;
}

namespace {

std::string ListFilters(uint64_t bits, const std::string& t);

std::string BuildListSql(uint64_t bits) {
  // With a text query the full-text index drives: it yields matches newest-recorded first
  // (rowid = complaint id, descending) and the LIMIT stops it early, so a common word costs a
  // page of matches, not all of them. Pages then follow the id alone.
  if (bits & kText) {
    std::string sql =
        "SELECT c.id, c.reference, c.state, c.priority, c.category, c.product, c.channel, "
        "c.assignee, c.received_at, c.next_due, c.is_open "
        "FROM complaint_text t JOIN complaints c ON c.id = t.rowid "
        "WHERE complaint_text MATCH :text";
    if (bits & kAfter) sql += " AND t.rowid < :after_id";
    sql += ListFilters(bits, "c.");
    sql += " ORDER BY t.rowid DESC LIMIT :limit";
    return sql;
  }
  // The rows' conditions but the scope's: the order's seek after a cursor, then the filters.
  std::string where;
  // Due order: open complaints with a due date, served by the partial index complaints_due.
  if (bits & kSortDue) where += " AND is_open = 1 AND next_due IS NOT NULL";
  if (bits & kAfter) {
    if (bits & kSortOldest) {
      where += (bits & kTie) ? " AND received_at = :after_at AND id > :after_id"
                             : " AND received_at > :after_at";
    } else if (bits & kSortDue) {
      where += " AND (next_due, id) > (:after_key, :after_id)";
    } else if (bits & kSortPriority) {
      where +=
          " AND (priority > :after_key OR (priority = :after_key AND (received_at, id) < "
          "(:after_at, :after_id)))";
    } else {
      where += (bits & kTie) ? " AND received_at = :after_at AND id < :after_id"
                             : " AND received_at < :after_at";
    }
  }
  std::string order;
  if (bits & kSortOldest) {
    order = " ORDER BY received_at ASC, id ASC";
  } else if (bits & kSortDue) {
    order = " ORDER BY next_due ASC, id ASC";
  } else if (bits & kSortPriority) {
    order = " ORDER BY priority ASC, received_at DESC, id DESC";
  } else {
    order = " ORDER BY received_at DESC, id DESC";
  }
  const std::string select =
      "SELECT id, reference, state, priority, category, product, channel, assignee, "
      "received_at, next_due, is_open FROM complaints WHERE 1";
  // A handler's queue with no other filter, newest or oldest first (the page a handler opens
  // most): their complaints and the unassigned ones as two walks of complaints_assignee, each
  // already in received order, merged. As one query with `assignee = ? OR assignee = ''` SQLite
  // reads both walks' rows into a temporary B-tree to sort them, about a fifth of the page's
  // cost (docs/performance.md). The two never share a row (a scope's assignee is not empty).
  // With another filter the single query stays: an index of that filter may serve it better.
  if (MergesHandlerQueue(bits)) {
    const std::string rest = where + ListFilters(bits & ~kScopeAssignee, "");
    return select + rest + " AND assignee = :scope_assignee UNION ALL " + select + rest +
           " AND assignee = ''" + order + " LIMIT :limit";
  }
  return select + where + ListFilters(bits, "") + order + " LIMIT :limit";
}

// The filters both forms share; `t` qualifies the complaints table's columns.
std::string ListFilters(uint64_t bits, const std::string& t) {
  std::string sql;
  if (bits & kByState) sql += " AND " + t + "state = :state";
  // The indexes by category and by investigator hold only complaints that name one (migration
  // 0018): a term that says the value is not empty lets them serve.
  if (bits & kByCategory) sql += " AND " + t + "category = :category";
  if (bits & kCategoryNamed) sql += " AND " + t + "category <> ''";
  if (bits & kByPriority) sql += " AND " + t + "priority = :priority";
  if (bits & kByAssignee) sql += " AND " + t + "assignee = :assignee";
  if (bits & kOverdue) sql += " AND " + t + "is_open = 1 AND " + t + "next_due < :now";
  if (bits & kFollowUpDue) sql += " AND " + t + "follow_up_at <= :now";
  if (bits & kFrom) sql += " AND " + t + "received_at >= :from";
  if (bits & kTo) sql += " AND " + t + "received_at < :to";
  if ((bits & kScopeAssignee) && (bits & kScopeInvestigator)) {
    sql += " AND (" + t + "assignee = :scope_assignee OR " + t + "assignee = '' OR (" + t +
           "investigator = :scope_investigator AND " + t + "investigator <> ''))";
  } else if (bits & kScopeAssignee) {
    sql += " AND (" + t + "assignee = :scope_assignee OR " + t + "assignee = '')";
  } else if (bits & kScopeInvestigator) {
    sql += " AND " + t + "investigator = :scope_investigator AND " + t + "investigator <> ''";
  }
  if (bits & kExcludeNamed) sql += " AND instr(" + t + "persons_named, :named) = 0";
  return sql;
}

// FTS5 query of string tokens: each term is double-quoted, and terms hold only letters,
// digits and non-ASCII bytes, so user input can never be read as FTS5 syntax.
std::string FtsQuery(const std::vector<std::string>& terms) {
  std::string q;
  for (const auto& t : terms) {
    if (!q.empty()) q += ' ';
    q += '"';
    q += t;
    q += '"';
  }
  return q;
}

}  // namespace

Result<core::ListPage> SqliteStore::ListComplaints(const core::ListQuery& q) {
  core::ListPage page;
  page.items.reserve(static_cast<size_t>(ClampLimit(q.limit)));
  auto cursor =
      ListRows(q, [&](const core::ComplaintSummaryView& row) { page.items.push_back(row.Copy()); });
  if (!cursor) return cursor.error();
  page.next_cursor = std::move(*cursor);
  return page;
}

Status SqliteStore::WriteComplaintsPage(const core::ListQuery& q, std::string& out) {
  const size_t start = out.size();
  core::ListPageWriter w(out, static_cast<size_t>(ClampLimit(q.limit)));
  auto cursor = ListRows(q, [&](const core::ComplaintSummaryView& row) { w.Add(row); });
  if (!cursor) {
    out.resize(start);
    return cursor.error();
  }
  w.Finish(*cursor);
  return {};
}

Result<std::string> SqliteStore::ListRows(const core::ListQuery& q, const RowSink& on_row) {
  std::string fts;
  if (auto terms = ListSearchTerms(q)) {
    if (terms->empty()) return std::string();  // only punctuation: matches nothing
    fts = FtsQuery(*terms);
  }
  auto planned = PlanList(q, !fts.empty());
  if (!planned) return planned.error();
  if (!*planned) return std::string();  // the scope sees nothing
  uint64_t bits = (*planned)->bits;
  const core::ListSort sort = (*planned)->sort;
  const CursorPos& after = (*planned)->after;
  const std::string& named = (*planned)->named;
  const int limit = (*planned)->limit;
  const core::Scope& scope = q.scope;

  std::string_view state_name = q.state ? core::ToString(*q.state) : "";
  const int64_t now = core::ToMillis(q.now);
  auto c = Reader();
  int taken = 0;
  core::ComplaintSummaryView last;  // the last row handed on: its id, priority and instants
  std::string next_cursor;
  // Runs the statement of `b` for the rows the page still lacks (and one more, to know whether
  // a next page exists: then it sets next_cursor).
  auto take = [&](uint64_t b) -> Status {
    auto st = c->CachedByKey(b, [b] { return BuildListSql(b); });
    if (!st) return st.error();
    if (q.state) st->BindName(":state", state_name);
    if (q.category) st->BindName(":category", *q.category);
    if (q.priority) st->BindName(":priority", static_cast<int64_t>(*q.priority));
    if (q.assignee) st->BindName(":assignee", *q.assignee);
    if (q.overdue || q.follow_up_due) st->BindName(":now", now);
    if (q.received_from) st->BindName(":from", core::ToMillis(*q.received_from));
    if (q.received_to) st->BindName(":to", core::ToMillis(*q.received_to));
    if (b & kText) st->BindName(":text", fts);
    if (b & kAfter) {
      if (!(b & kText)) st->BindName(":after_at", after.received_at_ms);
      st->BindName(":after_key", after.key);
      st->BindName(":after_id", after.id);
    }
    if (b & kScopeAssignee) st->BindName(":scope_assignee", scope.assignee);
    if (b & kScopeInvestigator) st->BindName(":scope_investigator", scope.investigator);
    if (b & kExcludeNamed) st->BindName(":named", named);
    st->BindName(":limit", static_cast<int64_t>(limit + 1 - taken));
    int rc;
    while ((rc = st->Step()) == SQLITE_ROW) {
      if (taken == limit) {
        next_cursor = CursorAfter(last, sort);
        return {};
      }
      core::ComplaintSummaryView s;
      s.id = st->Int(0);
      s.reference = st->View(1);
      s.state = core::ParseState(st->View(2)).value_or(core::State::kReceived);
      s.priority = static_cast<core::Priority>(st->Int(3));
      s.category = st->View(4);
      s.product = st->View(5);
      s.channel = core::ParseChannel(st->View(6)).value_or(core::Channel::kWeb);
      s.assignee = st->View(7);
      s.received_at = core::FromMillis(st->Int(8));
      if (auto due = st->OptInt(9)) {
        s.due = core::FromMillis(*due);
        s.overdue = st->Int(10) != 0 && *due < now;
      }
      on_row(s);
      ++taken;
      last.id = s.id;
      last.priority = s.priority;
      last.received_at = s.received_at;
      last.due = s.due;
    }
    if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "list complaints");
    return {};
  };
  // A page after a cursor, newest or oldest first, is two seeks in one snapshot: the rows
  // received at the cursor's instant beyond its id, then those received before (after) it.
  // One seek by (received_at, id) started at the instant and stepped over every row of it on
  // the cursor's near side: imported complaints carry a day, hundreds of them each
  // (docs/performance.md).
  if ((bits & kAfter) && !(bits & (kText | kSortDue | kSortPriority))) {
    if (auto s = BeginRead(*c); !s) return s.error();
    Status took = take(bits | kTie);
    if (took && next_cursor.empty()) took = take(bits);
    if (auto s = EndRead(*c); !s) return s.error();
    if (!took) return took.error();
    return next_cursor;
  }
  if (auto s = take(bits); !s) return s.error();
  return next_cursor;
}

Result<std::vector<core::Event>> SqliteStore::EventsOf(int64_t complaint_id) {
  auto c = Reader();
  return EventsOn(*c, complaint_id);
}

Result<std::vector<core::Note>> SqliteStore::NotesOf(int64_t complaint_id) {
  auto c = Reader();
  return NotesOn(*c, complaint_id);
}

Result<std::vector<core::Attachment>> SqliteStore::AttachmentsOf(int64_t complaint_id) {
  auto c = Reader();
  return AttachmentsOn(*c, complaint_id);
}

Result<std::vector<core::Event>> SqliteStore::EventsOn(sqlite::Conn& c,
                                                       int64_t complaint_id) const {
  auto st = Prep(c, kEventsOf);
  if (!st) return st.error();
  st->Bind(1, complaint_id);
  std::vector<core::Event> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    auto e = ReadEvent(c.db(), *st);
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, "events of");
  return out;
}

Result<std::vector<core::Note>> SqliteStore::NotesOn(sqlite::Conn& c, int64_t complaint_id) {
  auto st = Prep(c, kNotesOf);
  if (!st) return st.error();
  st->Bind(1, complaint_id);
  std::vector<core::Note> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    core::Note n;
    n.id = st->Int(0);
    n.complaint_id = st->Int(1);
    n.at = core::FromMillis(st->Int(2));
    n.author = st->Text(3);
    n.visibility = ParseVisibility(st->View(4));
    n.body = st->Text(5);
    out.push_back(std::move(n));
  }
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, "notes of");
  return out;
}

Result<std::vector<core::Attachment>> SqliteStore::AttachmentsOn(sqlite::Conn& c,
                                                                 int64_t complaint_id) {
  auto st = Prep(c, kAttachmentsOf);
  if (!st) return st.error();
  st->Bind(1, complaint_id);
  std::vector<core::Attachment> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadAttachment(*st));
  if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, "attachments of");
  return out;
}

Result<std::optional<core::Attachment>> SqliteStore::GetAttachment(int64_t complaint_id,
                                                                   int64_t attachment_id) {
  auto c = Reader();
  auto st = Prep(*c, kGetAttachment);
  if (!st) return st.error();
  st->Bind(1, complaint_id);
  st->Bind(2, attachment_id);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<core::Attachment>();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "get attachment");
  return std::optional<core::Attachment>(ReadAttachment(*st));
}

Result<std::optional<core::User>> SqliteStore::FindUser(const std::string& username) {
  auto c = Reader();
  auto st = Prep(*c, kLoadUser);
  if (!st) return st.error();
  st->Bind(1, username);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<core::User>();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "find user");
  return std::optional<core::User>(ReadUser(*st));
}

Result<std::optional<core::User>> SqliteStore::GetUser(int64_t id) {
  auto c = Reader();
  auto st = Prep(*c, kGetUser);
  if (!st) return st.error();
  st->Bind(1, id);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<core::User>();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "get user");
  return std::optional<core::User>(ReadUser(*st));
}

Result<std::vector<core::User>> SqliteStore::ListUsers() {
  auto c = Reader();
  auto st = Prep(*c, kListUsers);
  if (!st) return st.error();
  std::vector<core::User> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadUser(*st));
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "list users");
  return out;
}

Result<std::optional<core::Session>> SqliteStore::FindSession(const std::string& token_hash) {
  auto c = Reader();
  auto st = Prep(*c, kFindSession);
  if (!st) return st.error();
  st->Bind(1, token_hash);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<core::Session>();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "find session");
  core::Session s;
  s.token_hash = st->Text(0);
  s.user_id = st->Int(1);
  s.created_at = core::FromMillis(st->Int(2));
  s.expires_at = core::FromMillis(st->Int(3));
  return std::optional<core::Session>(std::move(s));
}

Result<std::vector<core::SavedView>> SqliteStore::ViewsOf(int64_t user_id) {
  auto c = Reader();
  auto st = Prep(*c, kViewsOf);
  if (!st) return st.error();
  st->Bind(1, user_id);
  std::vector<core::SavedView> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    out.push_back({st->Text(0), st->Text(1), core::FromMillis(st->Int(2))});
  }
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "list views");
  return out;
}

namespace {

core::Notification ReadNotification(const Stmt& st) {
  core::Notification n;
  n.id = st.Int(0);
  n.complaint_id = st.Int(1);
  n.reference = st.Text(2);
  n.kind = st.Text(3);
  n.language = st.Text(4);
  n.recipient = st.Text(5);
  n.vars = st.Text(6);
  n.in_reply_to = st.Text(7);
  n.state = core::ParseDeliveryState(st.View(8)).value_or(core::DeliveryState::kPending);
  n.attempts = static_cast<int>(st.Int(9));
  n.created_at = core::FromMillis(st.Int(10));
  n.next_attempt_at = core::FromMillis(st.Int(11));
  if (auto sent = st.OptInt(12)) n.sent_at = core::FromMillis(*sent);
  n.last_error = st.Text(13);
  return n;
}

}  // namespace

Result<std::vector<core::Notification>> SqliteStore::DueNotifications(core::Instant now,
                                                                      int limit) {
  auto c = Reader();
  auto st = Prep(*c, kDueNotifications);
  if (!st) return st.error();
  st->Bind(1, core::ToMillis(now));
  st->Bind(2, int64_t{limit});
  std::vector<core::Notification> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadNotification(*st));
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "due notifications");
  return out;
}

Result<std::vector<core::Notification>> SqliteStore::NotificationsOf(int64_t complaint_id) {
  auto c = Reader();
  auto st = Prep(*c, kNotificationsOf);
  if (!st) return st.error();
  st->Bind(1, complaint_id);
  std::vector<core::Notification> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadNotification(*st));
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "notifications");
  return out;
}

Result<std::optional<core::Notification>> SqliteStore::GetNotification(int64_t id) {
  auto c = Reader();
  auto st = Prep(*c, kGetNotification);
  if (!st) return st.error();
  st->Bind(1, id);
  int rc = st->Step();
  if (rc == SQLITE_DONE) return std::optional<core::Notification>();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "notification");
  return std::optional<core::Notification>(ReadNotification(*st));
}

Result<core::DashboardCounts> SqliteStore::Dashboard(const core::DashboardQuery& q) {
  core::DashboardCounts out;
  auto c = Reader();
  // One read transaction, so the figures come from one snapshot.
  if (int rc = sqlite3_exec(c->db(), "BEGIN", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    return SqliteError(c->db(), rc, "dashboard");
  }
  auto run = [&]() -> Status {
    int rc;
    auto age = Prep(*c, kDashAge);
    if (!age) return age.error();
    for (int i = 0; i < 3; ++i) age->Bind(i + 1, core::ToMillis(q.age_edges[i]));
    if ((rc = age->Step()) != SQLITE_ROW) return SqliteError(c->db(), rc, "dashboard ages");
    for (int i = 0; i < 4; ++i) out.open_by_age[i] = age->Int(i);
    const int64_t since = core::ToMillis(q.since);
    auto clocks = Prep(*c, kDashClocks);
    if (!clocks) return clocks.error();
    clocks->Bind(1, since);
    while ((rc = clocks->Step()) == SQLITE_ROW) {
      out.clocks[clocks->Text(0)] = {clocks->Int(1), clocks->Int(2)};
    }
    if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "dashboard clocks");
    auto weeks = Prep(*c, kDashWeeks);
    if (!weeks) return weeks.error();
    weeks->Bind(1, since);
    while ((rc = weeks->Step()) == SQLITE_ROW) {
      out.by_week.emplace_back(core::FromMillis(weeks->Int(0) * 604800000LL + 345600000LL),
                               weeks->Int(1));
    }
    if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "dashboard weeks");
    auto cats = Prep(*c, kDashCategories);
    if (!cats) return cats.error();
    cats->Bind(1, since);
    while ((rc = cats->Step()) == SQLITE_ROW)
      out.by_category.emplace_back(cats->Text(0), cats->Int(1));
    if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "dashboard categories");
    return {};
  };
  Status s = run();
  sqlite3_exec(c->db(), "COMMIT", nullptr, nullptr, nullptr);
  if (!s) return s.error();
  return out;
}

Result<std::vector<std::vector<core::FactRow>>> SqliteStore::Facts(
    const std::vector<core::FactQuery>& qs) {
  for (const auto& q : qs) {
    if (auto s = core::ValidateFactQuery(q); !s) return s.error();
  }
  std::vector<std::vector<core::FactRow>> out;
  out.reserve(qs.size());
  auto c = Reader();
  // One read transaction, so every query sees the same snapshot.
  if (int rc = sqlite3_exec(c->db(), "BEGIN", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    return SqliteError(c->db(), rc, "analytics");
  }
  Status s;
  for (const auto& q : qs) {
    auto rows = sqlite::QueryFacts(*c, q);
    if (!rows) {
      s = rows.error();
      break;
    }
    out.push_back(std::move(*rows));
  }
  sqlite3_exec(c->db(), "COMMIT", nullptr, nullptr, nullptr);
  if (!s) return s.error();
  return out;
}

namespace {

core::Record ReadRecord(core::RecordKind kind, const Stmt& st) {
  core::Record r;
  r.kind = kind;
  r.id = st.Int(0);
  r.doc = st.Text(1);
  r.updated_at = core::FromMillis(st.Int(2));
  std::string_view ids = st.View(3);
  while (!ids.empty()) {
    const size_t comma = ids.find(',');
    const std::string_view one = ids.substr(0, comma);
    int64_t v = 0;
    std::from_chars(one.data(), one.data() + one.size(), v);
    r.complaint_ids.push_back(v);
    if (comma == std::string_view::npos) break;
    ids.remove_prefix(comma + 1);
  }
  std::sort(r.complaint_ids.begin(), r.complaint_ids.end());
  return r;
}

}  // namespace

Result<std::vector<core::Record>> SqliteStore::ReadRecords(int stmt, core::RecordKind kind,
                                                           std::optional<int64_t> arg) {
  auto c = Reader();
  auto st = Prep(*c, static_cast<StmtId>(stmt));
  if (!st) return st.error();
  st->Bind(1, std::string_view(core::ToString(kind)));
  if (arg) st->Bind(2, *arg);
  std::vector<core::Record> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(ReadRecord(kind, *st));
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "read records");
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> SqliteStore::ClosedIn(core::Instant from,
                                                                           core::Instant to) {
  auto c = Reader();
  auto st = Prep(*c, kClosedIn);
  if (!st) return st.error();
  st->Bind(1, core::ToMillis(from));
  st->Bind(2, core::ToMillis(to));
  std::vector<std::pair<int64_t, std::string>> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.emplace_back(st->Int(0), st->Text(1));
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "closed in");
  return out;
}

Result<std::optional<core::Record>> SqliteStore::GetRecord(core::RecordKind kind, int64_t id) {
  auto rows = ReadRecords(kGetRecord, kind, id);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<core::Record>();
  return std::optional<core::Record>(std::move(rows->front()));
}

Result<std::vector<core::Record>> SqliteStore::ListRecords(core::RecordKind kind) {
  return ReadRecords(kListRecords, kind, std::nullopt);
}

Result<std::vector<core::Record>> SqliteStore::RecordsLinkedTo(core::RecordKind kind,
                                                               int64_t complaint_id) {
  return ReadRecords(kRecordsLinked, kind, complaint_id);
}

Result<std::map<core::State, int64_t>> SqliteStore::CountByState() {
  std::map<core::State, int64_t> out;
  for (core::State s : kAllStates) out[s] = 0;
  auto c = Reader();
  auto st = Prep(*c, kCountByState);
  if (!st) return st.error();
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    if (auto s = core::ParseState(st->View(0))) out[*s] = st->Int(1);
  }
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "count by state");
  return out;
}

Result<int64_t> SqliteStore::CountOverdue(core::Instant now) {
  auto c = Reader();
  auto st = Prep(*c, kCountOverdue);
  if (!st) return st.error();
  const int64_t at = core::ToMillis(now);
  st->Bind(1, at);
  st->Bind(2, at / kMillisPerDay);
  st->Bind(3, at / kMillisPerDay * kMillisPerDay);
  int rc = st->Step();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "count overdue");
  return st->Int(0);
}

Result<int64_t> SqliteStore::CountComplaints() {
  auto c = Reader();
  auto st = Prep(*c, kCountComplaints);
  if (!st) return st.error();
  int rc = st->Step();
  if (rc != SQLITE_ROW) return SqliteError(c->db(), rc, "count complaints");
  return st->Int(0);
}

Result<std::vector<core::Reference>> SqliteStore::DueForClockCheck(core::Instant now, int limit) {
  std::vector<core::Reference> out;
  if (limit <= 0) return out;
  auto c = Reader();
  auto st = Prep(*c, kDueForClockCheck);
  if (!st) return st.error();
  st->Bind(1, core::ToMillis(now));
  st->Bind(2, static_cast<int64_t>(limit));
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    core::Reference r;
    r.prefix = st->Text(0);
    r.year = static_cast<int>(st->Int(1));
    r.sequence = st->Int(2);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "due for clock check");
  return out;
}

Status SqliteStore::ScanEvents(int64_t from_seq,
                               const std::function<bool(const core::Event&)>& fn) {
  auto c = Reader();
  auto st = Prep(*c, kScanEvents);
  if (!st) return st.error();
  st->Bind(1, from_seq);
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    auto e = ReadEvent(c->db(), *st);
    if (!e) return e.error();
    if (!fn(*e)) return {};
  }
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "scan events");
  return {};
}

Status SqliteStore::Backup(const std::string& dest) {
  std::error_code ec;
  if (std::filesystem::exists(dest, ec) || ec) {
    return MakeError(Errc::kConflict, "backup destination already exists");
  }
  auto c = Reader();
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(dest.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Status result;
  if (rc != SQLITE_OK) {
    result = SqliteError(out, rc, "open backup destination");
  } else {
    sqlite3_backup* b = sqlite3_backup_init(out, "main", c->db(), "main");
    if (b == nullptr) {
      result = SqliteError(out, sqlite3_errcode(out), "backup init");
    } else {
      // One step copies every page inside one read transaction: a consistent snapshot.
      rc = sqlite3_backup_step(b, -1);
      int frc = sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) {
        result = SqliteError(out, rc, "backup");
      } else if (frc != SQLITE_OK) {
        result = SqliteError(out, frc, "backup finish");
      }
    }
  }
  if (int crc = sqlite3_close(out); crc != SQLITE_OK && result) {
    result = SqliteError(nullptr, crc, "close backup");
  }
  if (!result) {
    std::filesystem::remove(dest, ec);
    std::filesystem::remove(dest + "-wal", ec);
    std::filesystem::remove(dest + "-shm", ec);
  }
  return result;
}

Status SqliteStore::IntegrityCheck() {
  auto c = Reader();
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(c->db(), "PRAGMA integrity_check", -1, &st, nullptr);
  std::string problems;
  bool ok = false;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      std::string_view line = p != nullptr ? p : "";
      if (line == "ok") {
        ok = true;
      } else if (problems.size() < 1000) {
        if (!problems.empty()) problems += "; ";
        problems += line;
      }
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "integrity_check");
  if (!ok || !problems.empty()) {
    return MakeError(Errc::kInternal, "integrity_check: " + problems);
  }
  return {};
}

Status SqliteStore::ScanComplaints(int64_t after_id,
                                   const std::function<bool(const core::Complaint&)>& fn) {
  auto c = Reader();
  auto st = Prep(*c, kScanComplaints);
  if (!st) return st.error();
  st->Bind(1, after_id);
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) {
    auto complaint = ParseStoredRow(c->db(), *st, st->View(4));
    if (!complaint) return complaint.error();
    if (!fn(**complaint)) return {};
  }
  if (rc != SQLITE_DONE) return SqliteError(c->db(), rc, "scan complaints");
  return {};
}

}  // namespace redress::store
