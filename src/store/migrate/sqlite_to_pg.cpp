#include "store/migrate/sqlite_to_pg.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/facts.hpp"
#include "store/list_support.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_copy.hpp"
#include "store/postgres/pg_facts.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/record_pack.hpp"
#include "store/sqlite/statement.hpp"
#include "store/stored_complaint.hpp"
#include "util/crypto.hpp"

namespace redress::store::migrate {

using core::Errc;
using core::MakeError;
using core::Result;
using core::Status;

namespace {

// A copied table: its columns have the same names on both sides.
struct Table {
  const char* name;
  const char* columns;
  const char* sqlite_order;  // its key
  const char* pg_order;      // the same order on PostgreSQL: text in byte order, as SQLite's
  // A table of the source whose columns but `id` belong to this one's rows, or null.
  const char* sqlite_joined = nullptr;
  // A column the source reads through an expression (a packed record unpacked), the
  // expression, and the source's column read only through it (not copied by name).
  const char* through_column = nullptr;
  const char* sqlite_expr = nullptr;
  const char* sqlite_read_through = nullptr;
};

constexpr Table kUsers{
    "users",
    "id, username, display_name, role, password_hash, disabled, must_change_password, created_at",
    "id", "id"};
constexpr Table kComplaints{
    "complaints",
    "id, reference, prefix, year, seq, state, priority, category, product, channel, assignee, "
    "investigator, persons_named, received_at, next_due, next_clock, is_open, version, "
    "updated_at, doc, follow_up_at",
    "id", "id", "complaint_docs",  // the record, in a table of its own since migration 0016
    // The record's JSON, unpacked when it is packed (migration 0020).
    "doc", "redress_record(doc, packed, reference)", "packed"};
// Columns of kComplaints that the copy reads.
constexpr int kComplaintId = 0;
constexpr int kComplaintYear = 3;
constexpr int kComplaintSeq = 4;
constexpr int kComplaintState = 5;
constexpr int kComplaintNextDue = 14;
constexpr int kComplaintIsOpen = 16;
constexpr int kComplaintVersion = 17;
constexpr int kComplaintDoc = 19;
constexpr Table kSessions{"sessions", "token_hash, user_id, created_at, expires_at", "token_hash",
                          "token_hash COLLATE \"C\""};
constexpr Table kSavedViews{"saved_views", "user_id, name, query, updated_at", "user_id, name",
                            "user_id, name COLLATE \"C\""};
constexpr Table kNotes{"notes", "id, complaint_id, at, author, visibility, body", "id", "id"};
constexpr Table kAttachments{
    "attachments", "id, complaint_id, sha256, content_type, size, filename, uploaded_by, at", "id",
    "id"};
constexpr Table kNotifications{
    "notifications",
    "id, complaint_id, reference, kind, language, recipient, vars, in_reply_to, state, attempts, "
    "created_at, next_attempt_at, sent_at, last_error",
    "id", "id"};
constexpr Table kEvents{"events",
                        "seq, complaint_id, reference, at, actor, action, \"before\", \"after\", "
                        "payload_digest, prev_hash, hash",
                        "seq", "seq", nullptr,
                        // The receipt's copy of the record, unpacked (migration 0021).
                        "after", "redress_record(\"after\", after_packed, reference)",
                        "after_packed"};
constexpr Table kIdempotency{"idempotency", "caller, key, body_hash, status, response, at",
                             "caller, key", "caller COLLATE \"C\", key COLLATE \"C\""};
constexpr Table kSourceKeys{"source_keys", "system, external_id, complaint_id, row_hash",
                            "system, external_id",
                            "system COLLATE \"C\", external_id COLLATE \"C\""};
constexpr Table kRecords{"records", "kind, id, doc, updated_at", "kind, id",
                         "kind COLLATE \"C\", id"};
constexpr Table kRecordLinks{"record_links", "kind, id, complaint_id", "kind, id, complaint_id",
                             "kind COLLATE \"C\", id, complaint_id"};

// In copy order: the rows a row refers to come first.
constexpr const Table* kCopied[] = {&kUsers,       &kComplaints,  &kSessions,      &kSavedViews,
                                    &kNotes,       &kAttachments, &kNotifications, &kEvents,
                                    &kIdempotency, &kSourceKeys,  &kRecords,       &kRecordLinks};

// The source's tables that are not copied, and why.
constexpr std::string_view kNotCopied[] = {
    "schema_migrations",  // the target has its own
    "sequences",          // become the target's reference sequences
    // The FTS5 index and its shadow tables: the target derives complaint_text.
    "complaint_text", "complaint_text_config", "complaint_text_content", "complaint_text_data",
    "complaint_text_docsize", "complaint_text_idx",
    // Derived: the target derives facts, state_counts and open_due_days and keeps no roll-ups.
    "facts", "facts_daily", "facts_monthly", "state_counts", "open_due_days",
    // What a bulk load left undone: the SQLite store's own business.
    "store_flags", "deferred_indexes",
    // Copied with complaints (kComplaints.sqlite_joined), each record as JSON: the target
    // needs no dictionary of packed records.
    "complaint_docs", "record_dicts"};

// The tables whose rows the target derives from the copied ones.
constexpr const char* kDerived[] = {"complaint_text", "facts", "state_counts", "open_due_days"};

// Tables whose id is an identity column on PostgreSQL.
constexpr const char* kIdentityTables[] = {"users", "complaints", "notes", "attachments",
                                           "notifications"};

// A batch is sent once it holds this much.
constexpr size_t kBatchBytes = size_t{4} << 20;
constexpr int64_t kBatchRows = 20000;

constexpr const char* kTargetSetup =
    "SET client_encoding = 'UTF8'; SET synchronous_commit = on; "
    "SET application_name = 'redress migrate-store'";

std::vector<std::string> ColumnNames(const char* columns) {
  std::vector<std::string> out;
  std::string_view rest = columns;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    while (!one.empty() && (one.front() == ' ' || one.front() == '"')) one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '"')) one.remove_suffix(1);
    out.emplace_back(one);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// --- The source ---------------------------------------------------------------------------

using StmtPtr = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

Result<StmtPtr> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return sqlite::SqliteError(db, rc, "read the source");
  }
  return StmtPtr(st, &sqlite3_finalize);
}

std::string_view ColumnText(sqlite3_stmt* st, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(st, col))};
}

// Steps `st`: true for a row, false when done, an error otherwise.
Result<bool> Step(sqlite3* db, sqlite3_stmt* st) {
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite::SqliteError(db, rc, "read the source");
}

// The first column of each row of `sql`, as text.
Result<std::vector<std::string>> Texts(sqlite3* db, const std::string& sql) {
  auto st = Prepare(db, sql);
  if (!st) return st.error();
  std::vector<std::string> out;
  for (;;) {
    auto row = Step(db, st->get());
    if (!row) return row.error();
    if (!*row) return out;
    out.emplace_back(ColumnText(st->get(), 0));
  }
}

// Refuses a source with a table or a column of a copied table that this code does not know:
// a migration added it, and the copy must learn of it.
Status CheckSourceSchema(sqlite3* db) {
  auto tables = Texts(db,
                      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                      "'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  if (!tables) return tables.error();
  for (const std::string& t : *tables) {
    const bool copied = std::any_of(std::begin(kCopied), std::end(kCopied),
                                    [&](const Table* c) { return t == c->name; });
    const bool skipped =
        std::find(std::begin(kNotCopied), std::end(kNotCopied), t) != std::end(kNotCopied);
    if (!copied && !skipped) {
      return MakeError(Errc::kInternal, "the source has a table this binary cannot copy: " + t);
    }
  }
  for (const Table* t : kCopied) {
    auto present = Texts(db, fmt::format("SELECT name FROM pragma_table_info('{}')", t->name));
    if (!present) return present.error();
    if (t->sqlite_joined != nullptr) {
      auto joined = Texts(db, fmt::format("SELECT name FROM pragma_table_info('{}') WHERE name "
                                          "<> 'id'",
                                          t->sqlite_joined));
      if (!joined) return joined.error();
      present->insert(present->end(), joined->begin(), joined->end());
    }
    if (t->sqlite_read_through != nullptr) std::erase(*present, t->sqlite_read_through);
    std::vector<std::string> known = ColumnNames(t->columns);
    std::sort(present->begin(), present->end());
    std::sort(known.begin(), known.end());
    if (*present != known) {
      return MakeError(Errc::kInternal, fmt::format("the source's table {} has other columns than "
                                                    "this binary copies",
                                                    t->name));
    }
  }
  return {};
}

// Adds the current row of `st` (the columns of a copied table, as selected) to `out`.
Status AddRow(sqlite3_stmt* st, const Table& t, pg::CopyRows& out) {
  const int n = sqlite3_column_count(st);
  for (int i = 0; i < n; ++i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER:
        out.Int(sqlite3_column_int64(st, i));
        break;
      case SQLITE_TEXT:
        out.Text(ColumnText(st, i));
        break;
      case SQLITE_NULL:
        out.Null();
        break;
      default:
        return MakeError(Errc::kInternal,
                         fmt::format("the source's {}.{} holds a value that is not an integer, "
                                     "text or null",
                                     t.name, sqlite3_column_name(st, i)));
    }
  }
  out.EndRow();
  return {};
}

core::Event ReadEvent(sqlite3_stmt* st) {
  core::Event e;
  e.seq = sqlite3_column_int64(st, 0);
  e.complaint_id = sqlite3_column_int64(st, 1);
  e.reference = ColumnText(st, 2);
  e.at = core::FromMillis(sqlite3_column_int64(st, 3));
  e.actor = ColumnText(st, 4);
  e.action = ColumnText(st, 5);
  e.before = ColumnText(st, 6);
  e.after = ColumnText(st, 7);
  e.payload_digest = ColumnText(st, 8);
  e.prev_hash = ColumnText(st, 9);
  e.hash = ColumnText(st, 10);
  return e;
}

core::Attachment ReadAttachment(sqlite3_stmt* st) {
  core::Attachment a;
  a.id = sqlite3_column_int64(st, 0);
  a.complaint_id = sqlite3_column_int64(st, 1);
  a.sha256 = ColumnText(st, 2);
  a.content_type = ColumnText(st, 3);
  a.size = sqlite3_column_int64(st, 4);
  a.filename = std::string(ColumnText(st, 5));
  a.uploaded_by = ColumnText(st, 6);
  a.at = core::FromMillis(sqlite3_column_int64(st, 7));
  return a;
}

// --- The target ---------------------------------------------------------------------------

Result<int64_t> QueryInt(PGconn* c, const std::string& sql, std::string_view what) {
  auto r = pg::Exec(c, sql, what);
  if (!r) return r.error();
  if (r->rows() == 0) return int64_t{0};
  return r->Int(0, 0);
}

// The schema version recorded on the target (0 if none).
Result<int64_t> TargetVersion(PGconn* c) {
  auto exists = QueryInt(c, "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int",
                         "read the schema version");
  if (!exists) return exists.error();
  if (*exists == 0) return int64_t{0};
  return QueryInt(c, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                  "read the schema version");
}

// Refuses a target that holds rows in any table the copy fills.
Status CheckTargetEmpty(PGconn* c) {
  std::vector<std::string> tables;
  for (const Table* t : kCopied) tables.emplace_back(t->name);
  for (const char* t : kDerived) tables.emplace_back(t);
  std::string exists = "SELECT 0";
  for (const std::string& t : tables) {
    exists += fmt::format(", (to_regclass('{}') IS NOT NULL)::int", t);
  }
  auto present = pg::Exec(c, exists, "inspect the target");
  if (!present) return present.error();
  std::string query = "SELECT 0";
  std::vector<std::string> checked;
  for (size_t i = 0; i < tables.size(); ++i) {
    if (present->Int(0, static_cast<int>(i) + 1) == 0) continue;
    query += fmt::format(", EXISTS (SELECT 1 FROM {})::int", tables[i]);
    checked.push_back(tables[i]);
  }
  auto held = pg::Exec(c, query, "inspect the target");
  if (!held) return held.error();
  std::string names;
  for (size_t i = 0; i < checked.size(); ++i) {
    if (held->Int(0, static_cast<int>(i) + 1) == 0) continue;
    names += (names.empty() ? "" : ", ") + checked[i];
  }
  if (names.empty()) return {};
  return MakeError(Errc::kConflict,
                   "the target database is not empty (it has rows in " + names +
                       "); migrate-store copies into an empty database only: create a new one "
                       "and run it again");
}

// One table's rows on their way: a batch, and the digest of every batch sent.
struct Batch {
  Batch(const std::string& table, const std::string& columns)
      : name(table), copy_sql("COPY " + table + " (" + columns + ") FROM STDIN") {}
  std::string name;
  std::string copy_sql;
  pg::CopyRows rows;
  util::Sha256Stream digest;
  int64_t sent = 0;
};

// The copy itself: one read transaction on the source, one write transaction on the target.
class Copier {
 public:
  Copier(sqlite3* source, PGconn* target, const CopyHooks& hooks)
      : src_(source), dst_(target), hooks_(hooks) {}

  Result<CopyReport> Run() {
    if (auto s = Exec("BEGIN", "begin"); !s) return s.error();
    Status s = Begin();
    if (s) s = CopyAll();
    if (s) s = Derive();
    if (s) s = AdvanceSequences();
    if (s) s = Verify();
    if (s) {
      Progress("committing");
      if (s = Exec("COMMIT", "commit"); !s) {
        core::Error e = s.error();
        e.detail += " (the target holds either the whole copy or none of it)";
        s = std::move(e);
      }
    } else {
      if (PQstatus(dst_) == CONNECTION_OK) (void)Exec("ROLLBACK", "roll back");
      core::Error e = s.error();
      e.detail += "; the target database is unchanged";
      s = std::move(e);
    }
    sqlite3_exec(src_, "COMMIT", nullptr, nullptr, nullptr);
    if (!s) return s.error();
    return std::move(report_);
  }

 private:
  Status Exec(const std::string& sql, std::string_view what) {
    auto r = pg::Exec(dst_, sql, what);
    if (!r) return r.error();
    return {};
  }

  void Progress(const std::string& what) {
    if (hooks_.on_progress) hooks_.on_progress(what);
  }

  // Both snapshots, and the target checked again under the writers' lock.
  Status Begin() {
    // A read transaction: the snapshot is taken at the first read, and kept.
    if (int rc = sqlite3_exec(src_, "BEGIN", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return sqlite::SqliteError(src_, rc, "begin reading the source");
    }
    if (auto s = Exec(fmt::format("SELECT pg_advisory_xact_lock({})", pg::kWriteLock), "lock");
        !s) {
      return s;
    }
    auto version = TargetVersion(dst_);
    if (!version) return version.error();
    if (*version != pg::Migrations().back().version) {
      return MakeError(Errc::kInternal, "the target has no schema of this binary's version");
    }
    return CheckTargetEmpty(dst_);
  }

  Status CopyAll() {
    for (const Table* t : kCopied) {
      Status s;
      if (t == &kComplaints) {
        s = CopyComplaints();
      } else if (t == &kEvents) {
        s = CopyTable(*t, [this](sqlite3_stmt* st) -> Status {
          core::Event e = ReadEvent(st);
          report_.events += 1;
          report_.head_seq = e.seq;
          report_.head_hash = e.hash;
          return hooks_.on_event ? hooks_.on_event(e) : Status{};
        });
      } else if (t == &kAttachments) {
        s = CopyTable(*t, [this](sqlite3_stmt* st) -> Status {
          return hooks_.on_attachment ? hooks_.on_attachment(ReadAttachment(st)) : Status{};
        });
      } else {
        s = CopyTable(*t, nullptr);
      }
      if (!s) return s;
    }
    return {};
  }

  std::string Select(const Table& t) const {
    std::string columns = t.columns;
    if (t.through_column != nullptr) {
      columns.clear();
      for (const std::string& name : ColumnNames(t.columns)) {
        if (!columns.empty()) columns += ", ";
        columns += name == t.through_column ? fmt::format("{} AS \"{}\"", t.sqlite_expr, name)
                                            : fmt::format("\"{}\"", name);
      }
    }
    if (t.sqlite_joined != nullptr) {
      return fmt::format("SELECT {} FROM {} JOIN {} USING (id) ORDER BY {}", columns, t.name,
                         t.sqlite_joined, t.sqlite_order);
    }
    return fmt::format("SELECT {} FROM {} ORDER BY {}", columns, t.name, t.sqlite_order);
  }

  // Sends what `b` holds.
  Status Flush(Batch& b) {
    if (b.rows.rows() == 0) return {};
    b.digest.Update(b.rows.data());
    auto n = pg::CopyIn(dst_, b.copy_sql, b.rows);
    if (!n) return n.error();
    if (*n != b.rows.rows()) {
      return MakeError(Errc::kInternal,
                       fmt::format("{}: {} rows sent, {} stored", b.name, b.rows.rows(), *n));
    }
    b.sent += *n;
    b.rows.Clear();
    Progress(fmt::format("copying {}: {} rows", b.name, b.sent));
    return {};
  }

  void Copied(const Table& t, Batch& b) {
    report_.tables.push_back({t.name, b.sent, 0, false});
    digests_[t.name] = b.digest.Hex();
  }

  Status CopyTable(const Table& t, const std::function<Status(sqlite3_stmt*)>& on_row) {
    Batch b(t.name, t.columns);
    auto st = Prepare(src_, Select(t));
    if (!st) return st.error();
    for (;;) {
      auto row = Step(src_, st->get());
      if (!row) return row.error();
      if (!*row) break;
      if (on_row) {
        if (auto s = on_row(st->get()); !s) return s;
      }
      if (auto s = AddRow(st->get(), t, b.rows); !s) return s;
      if (b.rows.data().size() >= kBatchBytes) {
        if (auto s = Flush(b); !s) return s;
      }
    }
    if (auto s = Flush(b); !s) return s;
    Copied(t, b);
    return {};
  }

  // The complaints, and with each batch of them their rows of complaint_text (description and
  // notes, as the store's writer keeps them) and facts (core::FactsOf the decoded record).
  Status CopyComplaints() {
    Batch complaints(kComplaints.name, kComplaints.columns);
    Batch text("complaint_text", "id, description, notes, terms");
    const auto fact_columns = pg::FactColumns();
    std::string fact_list;
    for (const char* c : fact_columns)
      fact_list += (fact_list.empty() ? "" : ", ") + std::string(c);
    Batch facts("facts", fact_list);
    std::vector<std::pair<int64_t, std::string>> descriptions;  // of the batch, by id
    auto notes = Prepare(src_,
                         "SELECT complaint_id, body FROM notes WHERE complaint_id BETWEEN ?1 AND "
                         "?2 ORDER BY complaint_id, id");
    if (!notes) return notes.error();

    auto flush = [&]() -> Status {
      if (descriptions.empty()) return {};
      if (auto s = Flush(complaints); !s) return s;
      // Each complaint's notes, as the writer appends them: a newline and the body, in order.
      std::unordered_map<int64_t, std::string> noted;
      sqlite3_stmt* n = notes->get();
      sqlite3_reset(n);
      sqlite3_bind_int64(n, 1, descriptions.front().first);
      sqlite3_bind_int64(n, 2, descriptions.back().first);
      for (;;) {
        auto row = Step(src_, n);
        if (!row) return row.error();
        if (!*row) break;
        std::string& all = noted[sqlite3_column_int64(n, 0)];
        all += '\n';
        all += ColumnText(n, 1);
      }
      sqlite3_reset(n);
      for (const auto& [id, description] : descriptions) {
        auto it = noted.find(id);
        static const std::string kNoNotes;
        const std::string& notes_text = it == noted.end() ? kNoNotes : it->second;
        text.rows.Int(id)
            .Text(description)
            .Text(notes_text)
            .Text(TsVectorText(description + ' ' + notes_text))
            .EndRow();
      }
      descriptions.clear();
      if (auto s = Flush(text); !s) return s;
      return Flush(facts);
    };

    auto st = Prepare(src_, Select(kComplaints));
    if (!st) return st.error();
    for (;;) {
      auto row = Step(src_, st->get());
      if (!row) return row.error();
      if (!*row) break;
      sqlite3_stmt* r = st->get();
      if (auto s = AddRow(r, kComplaints, complaints.rows); !s) return s;
      const int64_t id = sqlite3_column_int64(r, kComplaintId);
      auto parsed = ParseComplaint(id, sqlite3_column_int64(r, kComplaintVersion),
                                   ColumnText(r, kComplaintDoc));
      if (!parsed) return parsed.error();
      const core::Complaint& c = **parsed;
      descriptions.emplace_back(id, c.description.value);
      pg::FactValues(facts.rows, core::FactsOf(c));
      facts.rows.EndRow();
      auto& year = references_[sqlite3_column_int64(r, kComplaintYear)];
      year = std::max<int64_t>(year, sqlite3_column_int64(r, kComplaintSeq));
      states_.insert(std::string(ColumnText(r, kComplaintState)));
      if (sqlite3_column_int64(r, kComplaintIsOpen) != 0 &&
          sqlite3_column_type(r, kComplaintNextDue) != SQLITE_NULL) {
        due_days_.insert(sqlite3_column_int64(r, kComplaintNextDue) / kMillisPerDay);
        ++open_with_due_;
      }
      if (complaints.rows.data().size() >= kBatchBytes || complaints.rows.rows() >= kBatchRows) {
        if (auto s = flush(); !s) return s;
      }
    }
    if (auto s = flush(); !s) return s;
    Copied(kComplaints, complaints);
    complaints_ = complaints.sent;
    derived_.push_back({"complaint_text", text.sent, 0, true});
    derived_.push_back({"facts", facts.sent, 0, true});
    return {};
  }

  // The tables derived by SQL from the copied rows.
  Status Derive() {
    Progress("deriving state_counts");
    if (auto s = Exec("INSERT INTO state_counts (state, n) SELECT state, count(*) FROM complaints "
                      "GROUP BY state",
                      "fill state_counts");
        !s) {
      return s;
    }
    derived_.push_back({"state_counts", static_cast<int64_t>(states_.size()), 0, true});
    Progress("deriving open_due_days");
    if (auto s = Exec("INSERT INTO open_due_days (day, n) SELECT next_due / 86400000, count(*) "
                      "FROM complaints WHERE is_open = 1 AND next_due IS NOT NULL "
                      "GROUP BY next_due / 86400000",
                      "fill open_due_days");
        !s) {
      return s;
    }
    derived_.push_back({"open_due_days", static_cast<int64_t>(due_days_.size()), 0, true});
    return {};
  }

  // The id sequences past the copied ids; each year's reference sequence past the numbers
  // the source handed out (its sequences table, and the references themselves).
  Status AdvanceSequences() {
    Progress("advancing sequences");
    for (const char* t : kIdentityTables) {
      if (auto s = Exec(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), max(id)) "
                                    "FROM {0} HAVING count(*) > 0",
                                    t),
                        "advance an id sequence");
          !s) {
        return s;
      }
    }
    auto st = Prepare(src_, "SELECT year, next - 1 FROM sequences");
    if (!st) return st.error();
    for (;;) {
      auto row = Step(src_, st->get());
      if (!row) return row.error();
      if (!*row) break;
      auto& year = references_[sqlite3_column_int64(st->get(), 0)];
      year = std::max<int64_t>(year, sqlite3_column_int64(st->get(), 1));
    }
    for (const auto& [year, last] : references_) {
      if (last < 1) continue;
      if (auto s = Exec(fmt::format("SELECT ensure_reference_sequence({})", year),
                        "create a reference sequence");
          !s) {
        return s;
      }
      // Never back: the sequence may have handed out numbers already (and rolled them back).
      const std::string name = fmt::format("reference_seq_{}", year);
      auto now = QueryInt(dst_,
                          fmt::format("SELECT setval('{0}', GREATEST({1}, coalesce((SELECT "
                                      "last_value FROM pg_sequences WHERE schemaname = "
                                      "current_schema() AND sequencename = '{0}'), 0)))",
                                      name, last),
                          "advance a reference sequence");
      if (!now) return now.error();
      report_.references[year] = *now;
    }
    return {};
  }

  // Counts every table on the target; reads each copied one back, to hash as it was sent.
  Status Verify() {
    for (TableReport& t : report_.tables) {
      Progress("verifying " + t.table);
      auto n = QueryInt(dst_, "SELECT count(*) FROM " + t.table, "count rows");
      if (!n) return n.error();
      t.target_rows = *n;
      if (t.target_rows != t.source_rows) {
        return MakeError(Errc::kInternal,
                         fmt::format("verification failed: {} has {} rows on the source, {} on "
                                     "the target",
                                     t.table, t.source_rows, t.target_rows));
      }
      const Table* spec = *std::find_if(std::begin(kCopied), std::end(kCopied),
                                        [&](const Table* c) { return t.table == c->name; });
      util::Sha256Stream read_back;
      auto s = pg::CopyOut(dst_,
                           fmt::format("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT",
                                       spec->columns, spec->name, spec->pg_order),
                           [&](std::string_view piece) { read_back.Update(piece); });
      if (!s) return s;
      if (read_back.Hex() != digests_[t.table]) {
        return MakeError(Errc::kInternal,
                         fmt::format("verification failed: the rows of {} read back from the "
                                     "target differ from those copied",
                                     t.table));
      }
    }
    for (TableReport& t : derived_) {
      auto n = QueryInt(dst_, "SELECT count(*) FROM " + t.table, "count rows");
      if (!n) return n.error();
      t.target_rows = *n;
      if (t.target_rows != t.source_rows) {
        return MakeError(Errc::kInternal,
                         fmt::format("verification failed: {} has {} rows on the target, {} "
                                     "expected",
                                     t.table, t.target_rows, t.source_rows));
      }
      report_.tables.push_back(t);
    }
    if (auto s = VerifySum("state_counts", complaints_, "complaints on the target"); !s) return s;
    return VerifySum("open_due_days", open_with_due_, "open complaints with a due date");
  }

  // The counts of a derived table (its column n) add up to `want`, what `of` says.
  Status VerifySum(const std::string& table, int64_t want, std::string_view of) {
    auto sum = QueryInt(dst_, "SELECT coalesce(sum(n), 0) FROM " + table, "verify " + table);
    if (!sum) return sum.error();
    if (*sum == want) return {};
    return MakeError(Errc::kInternal,
                     fmt::format("verification failed: {} counts {} complaints, expected {} ({})",
                                 table, *sum, want, of));
  }

  sqlite3* src_;
  PGconn* dst_;
  const CopyHooks& hooks_;
  CopyReport report_;
  std::vector<TableReport> derived_;
  std::map<std::string, std::string> digests_;  // table -> SHA-256 of its rows as sent
  std::map<int64_t, int64_t> references_;       // year -> highest number used
  std::set<std::string> states_;
  std::set<int64_t> due_days_;  // the days open complaints fall due (open_due_days' rows)
  int64_t open_with_due_ = 0;   // open complaints with a due instant (their sum)
  int64_t complaints_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct SqliteToPostgres::State {
  sqlite::PackDicts dicts;  // the source's, for redress_record(); outlives `source`
  std::unique_ptr<sqlite::Conn> source;
  pg::PlainConn target{nullptr, &PQfinish};
  bool used = false;
};

SqliteToPostgres::SqliteToPostgres(std::unique_ptr<State> state) : state_(std::move(state)) {}
SqliteToPostgres::~SqliteToPostgres() = default;

Result<std::unique_ptr<SqliteToPostgres>> SqliteToPostgres::Open(const std::string& sqlite_path,
                                                                 const std::string& pg_url) {
  auto state = std::make_unique<State>();
  auto source = sqlite::Conn::Open(sqlite_path, SQLITE_OPEN_READONLY);
  if (!source) return source.error();
  state->source = std::move(*source);
  sqlite3* db = state->source->db();
  sqlite3_busy_timeout(db, 5000);
  if (int rc = sqlite::RegisterRecordFunction(db, &state->dicts); rc != SQLITE_OK) {
    return sqlite::SqliteError(db, rc, "register redress_record");
  }
  auto version = sqlite::SchemaVersion(db);
  if (!version) return version.error();
  if (*version == 0) {
    return MakeError(Errc::kNotFound, sqlite_path + " is not a Redress database (no schema)");
  }
  const int latest = sqlite::Migrations().back().version;
  if (*version != latest) {
    return MakeError(Errc::kInvalid, sqlite::OtherSchemaMessage("the source's", *version));
  }
  if (auto s = CheckSourceSchema(db); !s) return s.error();

  auto target = pg::ConnectPlain(pg_url, kTargetSetup);
  if (!target) return target.error();
  state->target = std::move(*target);
  auto target_version = TargetVersion(state->target.get());
  if (!target_version) return target_version.error();
  const int pg_latest = pg::Migrations().back().version;
  if (*target_version > pg_latest) {
    return MakeError(Errc::kInvalid,
                     fmt::format("the target database's schema version {} is newer than this "
                                 "binary's {}",
                                 *target_version, pg_latest));
  }
  if (auto s = CheckTargetEmpty(state->target.get()); !s) return s.error();
  std::unique_ptr<SqliteToPostgres> out(new SqliteToPostgres(std::move(state)));
  out->schema_version_ = *version;
  return out;
}

Result<CopyReport> SqliteToPostgres::Copy(const CopyHooks& hooks) {
  if (state_->used) return MakeError(Errc::kInternal, "a SqliteToPostgres copies once");
  state_->used = true;
  Copier copier(state_->source->db(), state_->target.get(), hooks);
  auto report = copier.Run();
  if (!report) return report.error();
  report->schema_version = schema_version_;
  return report;
}

}  // namespace redress::store::migrate
