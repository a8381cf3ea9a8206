#include "store/postgres/pg_copy.hpp"

#include <algorithm>
#include <charconv>

namespace redress::store::pg {
namespace {

void IgnoreNotice(void*, const char*) {}

// The error of a failed statement: kUnavailable when the server or connection failed,
// kInternal otherwise.
core::Error StatementError(PGconn* c, const PGresult* r, std::string_view what) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary != nullptr ? primary : PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const bool server = PQstatus(c) != CONNECTION_OK || IsServerFailure(state ? state : "");
  return core::MakeError(server ? core::Errc::kUnavailable : core::Errc::kInternal,
                         "postgresql: " + std::string(what) + (msg.empty() ? "" : ": " + msg));
}

// Reads the results of the statement just sent up to the end; the last one in *last. An
// error if any of them failed.
core::Status Finish(PGconn* c, std::string_view what, Res* last) {
  core::Status s;
  while (PGresult* r = PQgetResult(c)) {
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (s) s = StatementError(c, r, what);
      PQclear(r);
    } else if (last != nullptr) {
      *last = Res(r);
    } else {
      PQclear(r);
    }
  }
  if (s && PQstatus(c) != CONNECTION_OK) return StatementError(c, nullptr, what);
  return s;
}

}  // namespace

// --- CopyRows -----------------------------------------------------------------------------

void CopyRows::Separate() {
  if (in_row_) data_ += '\t';
  in_row_ = true;
}

CopyRows& CopyRows::Int(int64_t v) {
  Separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  data_.append(buf, end);
  return *this;
}

CopyRows& CopyRows::OptInt(const std::optional<int64_t>& v) {
  if (v) return Int(*v);
  return Null();
}

CopyRows& CopyRows::Null() {
  Separate();
  data_ += "\\N";
  return *this;
}

CopyRows& CopyRows::Text(std::string_view v) {
  Separate();
  size_t plain = 0;  // start of the run not yet appended
  for (size_t i = 0; i < v.size(); ++i) {
    char escape = 0;
    switch (v[i]) {
      case '\\':
        escape = '\\';
        break;
      case '\b':
        escape = 'b';
        break;
      case '\f':
        escape = 'f';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      case '\t':
        escape = 't';
        break;
      case '\v':
        escape = 'v';
        break;
      default:
        continue;
    }
    data_.append(v.data() + plain, i - plain);
    data_ += '\\';
    data_ += escape;
    plain = i + 1;
  }
  data_.append(v.data() + plain, v.size() - plain);
  return *this;
}

void CopyRows::EndRow() {
  data_ += '\n';
  in_row_ = false;
  ++rows_;
}

void CopyRows::Clear() {
  data_.clear();
  rows_ = 0;
  in_row_ = false;
}

// --- Statements ---------------------------------------------------------------------------

core::Result<PlainConn> ConnectPlain(const std::string& url, const std::string& setup) {
  PlainConn c(PQconnectdb(url.c_str()), &PQfinish);
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    // The message names the host and port, never a password.
    std::string msg = c ? PQerrorMessage(c.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return core::MakeError(core::Errc::kUnavailable, "postgresql: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(c.get(), &IgnoreNotice, nullptr);
  if (!setup.empty()) {
    auto r = Exec(c.get(), setup, "session setup");
    if (!r) return r.error();
  }
  return c;
}

core::Result<Res> Exec(PGconn* c, const std::string& sql, std::string_view what) {
  if (PQsendQuery(c, sql.c_str()) != 1) return StatementError(c, nullptr, what);
  Res last;
  if (auto s = Finish(c, what, &last); !s) return s.error();
  return last;
}

core::Result<int64_t> CopyIn(PGconn* c, const std::string& copy_sql, const CopyRows& rows) {
  const std::string_view what = std::string_view(copy_sql).substr(0, copy_sql.find(" ("));
  if (PQsendQuery(c, copy_sql.c_str()) != 1) return StatementError(c, nullptr, what);
  PGresult* started = PQgetResult(c);
  if (PQresultStatus(started) != PGRES_COPY_IN) {
    core::Error e = StatementError(c, started, what);
    PQclear(started);
    (void)Finish(c, what, nullptr);
    return e;
  }
  PQclear(started);
  // In pieces of at most 1 MiB: libpq buffers what it cannot send at once.
  constexpr size_t kPiece = 1 << 20;
  const std::string& data = rows.data();
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kPiece) {
    const size_t n = std::min(kPiece, data.size() - off);
    sent = PQputCopyData(c, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(c, sent ? nullptr : "sending the rows failed") != 1) sent = false;
  Res done;
  core::Status s = Finish(c, what, &done);
  if (!s) return s.error();
  if (!sent) return StatementError(c, nullptr, what);
  return done.Affected();
}

core::Status CopyOut(PGconn* c, const std::string& copy_sql,
                     const std::function<void(std::string_view)>& fn) {
  const std::string_view what = "COPY TO";
  if (PQsendQuery(c, copy_sql.c_str()) != 1) return StatementError(c, nullptr, what);
  PGresult* started = PQgetResult(c);
  if (PQresultStatus(started) != PGRES_COPY_OUT) {
    core::Error e = StatementError(c, started, what);
    PQclear(started);
    (void)Finish(c, what, nullptr);
    return e;
  }
  PQclear(started);
  char* buf = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    fn(std::string_view(buf, static_cast<size_t>(n)));
    PQfreemem(buf);
  }
  // -1: the COPY is done (its result follows); -2: an error.
  core::Status s = Finish(c, what, nullptr);
  if (s && n == -2) return StatementError(c, nullptr, what);
  return s;
}

}  // namespace redress::store::pg
