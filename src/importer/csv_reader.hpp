// Reading CSV files (RFC 4180 as written by the CFPB and by pandas): libcsv does the parsing,
// zlib reads the bytes, so a file may be plain or gzip-compressed (detected from its content).
//
//  * A record may span lines (quoted fields hold line breaks); each record carries the number
//    of the physical line it starts on (1-based; the header is line 1), so errors can name it.
//  * Field values are returned byte for byte: no trimming of spaces, no encoding checks (the
//    caller validates UTF-8). Blank lines are skipped. A quote inside an unquoted field is
//    kept as a character (lenient, as Python's csv module reads it).
//  * A file that is not valid gzip after a gzip header, or that cannot be read, is an error
//    (Errc::kUnavailable) naming the line reached.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::importer {

struct CsvRecord {
  int64_t line = 0;  // physical line the record starts on
  std::vector<std::string> fields;
  // ReadCsvFile: the bytes of the file read so far, compressed bytes for a gzip file (read in
  // chunks, so records of one chunk share it); at most the file's size. 0 from ParseCsv.
  int64_t file_offset = 0;
};

// Called once per record; return false to stop reading. The record's storage is reused for
// the next one: copy or move out what you keep.
using CsvRecordFn = std::function<bool(CsvRecord&)>;

// Parses `text` as a whole CSV document.
core::Status ParseCsv(std::string_view text, const CsvRecordFn& fn);

// Reads and parses the file at `path` (plain or gzip). kNotFound if it cannot be opened.
core::Status ReadCsvFile(const std::string& path, const CsvRecordFn& fn);

// Appends one CSV record to `out`, ending it with "\n". A field is quoted only where needed
// (it holds a comma, a quote, CR or LF), with its quotes doubled, as the CFPB writes them.
void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields);

}  // namespace redress::importer
