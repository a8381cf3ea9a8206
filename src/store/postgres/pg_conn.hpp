// Thin RAII over libpq for the PostgreSQL store: one connection, always in pipeline mode, with
// named prepared statements and binary parameters.
//
//  * Statements are named; the first use of a name on a connection sends its Parse (prepare)
//    in the same pipeline as its first execution, so preparing costs no round trip of its own.
//  * Queue() sends a statement whose result the caller does not need now; Run() sends one,
//    ends the pipeline segment (PQpipelineSync) and waits: everything queued before it and the
//    statement itself travel in one round trip. An error in any of them is Run()'s (or
//    Sync()'s) error; PostgreSQL skips the rest of that segment.
//  * Fetch() sends a statement whose result Collect() returns: several reads, one round trip.
//  * Parameters are int8 or text, sent in binary; results come as text.
// A Conn is used by one thread at a time (the writer, or a reader checked out of the pool).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/result.hpp"

namespace redress::store::pg {

// Parameters of one execution. Text values are borrowed: they must live until the statement is
// sent (Queue/Run return).
class Params {
 public:
  Params() { entries_.reserve(16); }
  Params& Int(int64_t v);
  Params& OptInt(const std::optional<int64_t>& v);
  Params& Text(std::string_view v);

  int size() const { return static_cast<int>(entries_.size()); }
  // Views for libpq, valid until the next change.
  void Build(std::vector<Oid>& types, std::vector<const char*>& values, std::vector<int>& lengths,
             std::vector<int>& formats) const;

 private:
  struct Entry {
    Oid type;
    const char* data;
    int length;
    bool null;
    char be[8];  // an int8 in network order
  };
  std::vector<Entry> entries_;
};

// A result (PGRES_TUPLES_OK or PGRES_COMMAND_OK), owned.
class Res {
 public:
  Res() = default;
  explicit Res(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view View(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  int64_t Int(int row, int col) const;  // 0 for NULL
  std::optional<int64_t> OptInt(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return Int(row, col);
  }
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  std::shared_ptr<PGresult> r_;
};

class Conn {
 public:
  // Connects to `url` (a libpq connection URI or key=value string) and enters pipeline mode.
  // `setup` (may be empty) is run first, outside pipeline mode, with the simple protocol.
  static core::Result<std::unique_ptr<Conn>> Open(const std::string& url,
                                                  const std::string& setup = {});
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Sends `name` (prepared from `sql` on first use) without waiting for its result.
  core::Status Queue(const std::string& name, std::string_view sql, const Params& p);
  // Sends `name`, syncs, and returns its result.
  core::Result<Res> Run(const std::string& name, std::string_view sql, const Params& p);
  // Syncs and checks everything queued.
  core::Status Sync();
  // Sends `name` without waiting, keeping its result for Collect().
  core::Status Fetch(const std::string& name, std::string_view sql, const Params& p);
  // Syncs and returns the results of the statements sent with Fetch() since the last sync, in
  // the order sent; an error in any statement of the segment is its error.
  core::Result<std::vector<Res>> Collect();

  // Makes the connection ready for its next user: whatever is still queued is sent and its
  // results dropped, and an open transaction (a caller that threw mid-read) is rolled back.
  void Reset();

  // An unnamed one-off statement without parameters (transaction control).
  core::Status QueueCommand(std::string_view sql);
  core::Status RunCommand(std::string_view sql);

  // The SQLSTATE of the last failed statement ("" if none, or the connection failed), and the
  // constraint it violated ("" if none).
  const std::string& LastState() const { return last_state_; }
  const std::string& LastConstraint() const { return last_constraint_; }
  // The connection is gone; a new one is needed.
  bool Broken() const;
  PGconn* raw() const { return c_; }

 private:
  struct Pending {
    bool prepare;       // a Parse, not an execution
    std::string name;   // the prepared name (for a Parse that failed)
    bool keep = false;  // sent by Fetch(): its result goes to Collect()
  };

  explicit Conn(PGconn* c) : c_(c) {}
  core::Status Send(const std::string& name, std::string_view sql, const Params& p);
  // Reads every pending result and the sync; the result of the last execution in *last, and
  // those of the statements sent by Fetch() in *kept.
  core::Status Drain(Res* last, std::vector<Res>* kept = nullptr);
  core::Error Fail(std::string_view what, const char* message);

  PGconn* c_ = nullptr;
  std::unordered_set<std::string> prepared_;
  std::vector<Pending> pending_;
  bool broken_ = false;
  std::string last_state_;
  std::string last_constraint_;
  // Scratch for Send.
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

// Whether a statement failed for want of a live connection or server, rather than for what it
// asked (SQLSTATE classes 08, 53, 57, 58, XX, or no SQLSTATE at all).
bool IsServerFailure(std::string_view sqlstate);

}  // namespace redress::store::pg
