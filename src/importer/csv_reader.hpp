// Reading CSV files (RFC 4180 as written by the CFPB and by pandas): libcsv does the parsing;
// zlib reads the bytes, so a file may be plain or gzip-compressed, and libzip reads a ZIP
// archive holding the CSV file (as the CFPB publishes its database: complaints.csv.zip). The
// kind is found from the content, whatever the name. The path "-" is standard input (plain or
// gzip).
//
//  * A record may span lines (quoted fields hold line breaks); each record carries the number
//    of the physical line it starts on (1-based; the header is line 1), so errors can name it.
//  * Field values are returned byte for byte: no trimming of spaces, no encoding checks (the
//    caller validates UTF-8). Blank lines are skipped. A quote inside an unquoted field is
//    kept as a character (lenient, as Python's csv module reads it).
//  * A file that is not valid gzip after a gzip header, or that cannot be read, is an error
//    (Errc::kUnavailable) naming the line reached.
//  * A ZIP archive must hold one CSV file: its only member ending in ".csv" (any case), or its
//    only member. Otherwise, or if it is no readable archive, kInvalid before any record.
//  * Standard input is read once: PeekCsvFile keeps what it read, and the next ReadCsvFile of
//    "-" parses that again before reading on; a second whole read is kUnavailable.
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
  // chunks, so records of one chunk share it); at most the file's size. For a ZIP archive, the
  // share of its CSV member read, times the archive's size. 0 from ParseCsv and for standard
  // input.
  int64_t file_offset = 0;
};

// Called once per record; return false to stop reading. The record's storage is reused for
// the next one: copy or move out what you keep.
using CsvRecordFn = std::function<bool(CsvRecord&)>;

// Parses `text` as a whole CSV document.
core::Status ParseCsv(std::string_view text, const CsvRecordFn& fn);

// Reads and parses the file at `path` (plain, gzip or ZIP; "-": standard input). kNotFound if
// it cannot be opened.
core::Status ReadCsvFile(const std::string& path, const CsvRecordFn& fn);

// As ReadCsvFile, for a caller that stops early (a header): from standard input, what it read
// is given again to the next read.
core::Status PeekCsvFile(const std::string& path, const CsvRecordFn& fn);

// What ReadCsvFile will read at `path`, found without parsing it.
struct CsvInput {
  enum class Kind { kPlain, kGzip, kZip, kStdin };
  Kind kind = Kind::kPlain;
  int64_t file_bytes = 0;  // the file's size (0 for standard input): what file_offset reaches
  // Bytes of CSV text it holds: the file's size, the ZIP member's size, five times a gzip
  // file's size (an estimate: CFPB exports compress about so), 0 for standard input.
  int64_t text_bytes = 0;
  std::string member;  // ZIP: the member read
};
core::Result<CsvInput> InspectCsvInput(const std::string& path);

// How messages name the input at `path`: "<stdin>" for "-".
std::string InputName(const std::string& path);

// Appends one CSV record to `out`, ending it with "\n". A field is quoted only where needed
// (it holds a comma, a quote, CR or LF), with its quotes doubled, as the CFPB writes them.
void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields);

}  // namespace redress::importer
