// Bulk transfer for the PostgreSQL store: COPY in text format, on a connection of its own
// outside pipeline mode (libpq allows no COPY in pipeline mode, so pg_conn.hpp's Conn cannot
// carry it), and the plain statements that go with it.
//
//  * CopyRows encodes rows as COPY's text format: fields separated by tabs, rows ended by a
//    newline, NULL as \N, and in text a backslash before a backslash and before the control
//    characters COPY TO writes as escapes (\b \f \n \r \t \v). PostgreSQL's COPY TO writes a
//    row the same way, byte for byte, so what is sent and what is read back can be compared
//    by their digests.
//  * CopyIn sends one batch of rows with one COPY ... FROM STDIN; CopyOut streams the output
//    of a COPY ... TO STDOUT.
// Error details carry PostgreSQL's primary message only, never the rows' values.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/postgres/pg_conn.hpp"

namespace redress::store::pg {

// Rows in COPY's text format.
class CopyRows {
 public:
  CopyRows& Int(int64_t v);
  CopyRows& OptInt(const std::optional<int64_t>& v);
  CopyRows& Text(std::string_view v);
  CopyRows& Null();
  // Ends the row begun by the fields added since the last EndRow().
  void EndRow();

  const std::string& data() const { return data_; }
  int64_t rows() const { return rows_; }
  // Forgets the rows (keeping the memory).
  void Clear();

 private:
  void Separate();

  std::string data_;
  int64_t rows_ = 0;
  bool in_row_ = false;
};

using PlainConn = std::unique_ptr<PGconn, void (*)(PGconn*)>;

// Connects to `url` with the simple protocol (not in pipeline mode) and runs `setup` (may be
// empty). kUnavailable if the server cannot be reached.
core::Result<PlainConn> ConnectPlain(const std::string& url, const std::string& setup);

// Runs `sql` (one or more statements without parameters); the last statement's result.
// `what` names the operation in an error.
core::Result<Res> Exec(PGconn* c, const std::string& sql, std::string_view what);

// Runs `copy_sql` (COPY table (columns) FROM STDIN) and sends `rows`; the rows the server
// stored.
core::Result<int64_t> CopyIn(PGconn* c, const std::string& copy_sql, const CopyRows& rows);

// Runs `copy_sql` (COPY (query) TO STDOUT) and hands its output to `fn`, a piece at a time (a
// row or more per piece).
core::Status CopyOut(PGconn* c, const std::string& copy_sql,
                     const std::function<void(std::string_view)>& fn);

}  // namespace redress::store::pg
