// Thin RAII over the SQLite C API: a connection that owns a cache of persistent prepared
// statements, and a Stmt handle that resets its statement when it goes out of scope.
// A Conn is used by one thread at a time (the writer, or a reader checked out of the pool).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace redress::store::sqlite {

// An Error for a failed SQLite call; `what` names the operation (no data values).
core::Error SqliteError(sqlite3* db, int rc, std::string_view what);

// Process-wide settings, which SQLite takes only before its first use: any call that
// initialises it (an open, a VFS looked up or registered) must come after this one. Memory
// statistics off: they take a global mutex on every allocation of every connection, and
// nothing here reads them. Conn::Open and the combining VFS's registration call it. Should
// something else in the process have used SQLite first, SQLite refuses the setting and keeps
// its statistics: slower, nothing else.
void ConfigureLibrary();

// The integer value of `PRAGMA name` on `db`.
core::Result<int64_t> PragmaInt(sqlite3* db, const char* name);
// True for result codes after which the database file can no longer be trusted to hold what
// we wrote (I/O error, full disk, corruption): the store must refuse further writes.
bool IsFatal(int rc);

// A borrowed prepared statement, reset (not finalized) on destruction. Text is bound
// SQLITE_STATIC: the bound string must outlive the last Step().
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      Reset();
      s_ = o.s_;
      o.s_ = nullptr;
    }
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { Reset(); }

  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void Bind(int i, const std::optional<int64_t>& v) {
    if (v) {
      sqlite3_bind_int64(s_, i, *v);
    } else {
      sqlite3_bind_null(s_, i);
    }
  }
  void BindNull(int i) { sqlite3_bind_null(s_, i); }
  void BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  // Binds by name (":name"); a parameter the statement does not use is skipped.
  template <typename T>
  void BindName(const char* name, const T& v) {
    int i = sqlite3_bind_parameter_index(s_, name);
    if (i > 0) Bind(i, v);
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(s_); }

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<int64_t> OptInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }
  std::string_view View(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    if (p == nullptr) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(s_, col))};
  }
  std::string Text(int col) const { return std::string(View(col)); }
  // A BLOB column's bytes (valid until the next step), or none when it is NULL.
  std::optional<std::string_view> OptBlob(int col) const {
    if (IsNull(col)) return std::nullopt;
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return std::string_view(p == nullptr ? "" : p,
                            static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }

  sqlite3_stmt* get() const { return s_; }

 private:
  void Reset() {
    if (s_ != nullptr) sqlite3_reset(s_);
    s_ = nullptr;
  }
  sqlite3_stmt* s_ = nullptr;
};

class Conn {
 public:
  // flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, or SQLITE_OPEN_READONLY.
  // `vfs`: a registered VFS's name (e.g. CombiningVfs()), or nullptr for SQLite's default.
  static core::Result<std::unique_ptr<Conn>> Open(const std::string& path, int flags,
                                                  const char* vfs = nullptr);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement number `id` (ids are small, dense integers chosen by the caller),
  // prepared with SQLITE_PREPARE_PERSISTENT on first use. `sql` must be the same every time.
  core::Result<Stmt> Cached(int id, const char* sql);
  // The cached statement for a dynamically built query, keyed by `key`; `build()` returns its
  // SQL and is called only the first time a key is seen.
  template <typename Build>
  core::Result<Stmt> CachedByKey(uint64_t key, Build&& build) {
    auto it = dynamic_.find(key);
    if (it != dynamic_.end()) return Stmt(it->second);
    return PrepareKeyed(key, build());
  }

  // Runs one or more statements without results.
  core::Status Exec(const char* sql, std::string_view what);
  int LastRc() const { return last_rc_; }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}
  sqlite3_stmt* Prepare(const char* sql, int n);
  core::Result<Stmt> PrepareKeyed(uint64_t key, const std::string& sql);

  sqlite3* db_ = nullptr;
  int last_rc_ = SQLITE_OK;
  std::vector<sqlite3_stmt*> cache_;
  std::unordered_map<uint64_t, sqlite3_stmt*> dynamic_;
};

}  // namespace redress::store::sqlite
