#include "importer/csv_reader.hpp"

#include <csv.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace redress::importer {
namespace {

using core::Errc;
using core::MakeError;

constexpr size_t kChunk = 1 << 20;

// No character is "space": libcsv would otherwise trim spaces and tabs around unquoted fields.
int NeverSpace(unsigned char) { return 0; }

// Collects libcsv's callbacks into records and counts physical lines (line feeds, inside
// fields and between records).
class Collector {
 public:
  explicit Collector(const CsvRecordFn& fn) : fn_(fn) {}

  static void OnField(void* data, size_t len, void* self) {
    static_cast<Collector*>(self)->Field(static_cast<const char*>(data), len);
  }
  static void OnEnd(int c, void* self) { static_cast<Collector*>(self)->End(c); }

  bool stopped() const { return stopped_; }
  int64_t line() const { return line_; }
  // The bytes of the file read so far, given to each record ended after it is set.
  void set_file_offset(int64_t offset) { record_.file_offset = offset; }

 private:
  void Field(const char* p, size_t len) {
    if (stopped_) return;
    if (count_ == 0) record_.line = line_;
    if (count_ < record_.fields.size()) {
      record_.fields[count_].assign(p, len);
    } else {
      record_.fields.emplace_back(p, len);
    }
    ++count_;
    for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\n', p + len - q)));
         ++q) {
      ++line_;
    }
  }

  void End(int c) {
    if (stopped_) return;
    if (count_ > 0) {
      record_.fields.resize(count_);
      count_ = 0;
      if (!fn_(record_)) stopped_ = true;
    }
    if (c == CSV_LF) ++line_;
  }

  const CsvRecordFn& fn_;
  CsvRecord record_;
  size_t count_ = 0;
  int64_t line_ = 1;
  bool stopped_ = false;
};

struct Parser {
  csv_parser p{};
  bool ok = false;
  Parser() {
    ok = csv_init(&p, CSV_REPALL_NL | CSV_APPEND_NULL) == 0;
    if (ok) csv_set_space_func(&p, NeverSpace);
  }
  ~Parser() {
    if (ok) csv_free(&p);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

core::Status Feed(Parser& parser, Collector& collector, const char* data, size_t len) {
  if (csv_parse(&parser.p, data, len, Collector::OnField, Collector::OnEnd, &collector) != len) {
    return MakeError(Errc::kUnavailable, "line " + std::to_string(collector.line()) + ": " +
                                             csv_strerror(csv_error(&parser.p)));
  }
  return {};
}

core::Status Finish(Parser& parser, Collector& collector) {
  if (collector.stopped()) return {};
  if (csv_fini(&parser.p, Collector::OnField, Collector::OnEnd, &collector) != 0) {
    return MakeError(Errc::kUnavailable, std::string("csv: ") + csv_strerror(csv_error(&parser.p)));
  }
  return {};
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

}  // namespace

core::Status ParseCsv(std::string_view text, const CsvRecordFn& fn) {
  Parser parser;
  if (!parser.ok) return MakeError(Errc::kInternal, "csv: cannot initialise the parser");
  Collector collector(fn);
  if (auto s = Feed(parser, collector, text.data(), text.size()); !s) return s;
  return Finish(parser, collector);
}

core::Status ReadCsvFile(const std::string& path, const CsvRecordFn& fn) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) {
    return MakeError(Errc::kNotFound,
                     "cannot open " + path + ": " + std::strerror(errno != 0 ? errno : ENOENT));
  }
  gzbuffer(file.get(), 256 * 1024);
  Parser parser;
  if (!parser.ok) return MakeError(Errc::kInternal, "csv: cannot initialise the parser");
  Collector collector(fn);
  std::unique_ptr<char[]> buf(new char[kChunk]);
  for (;;) {
    const int n = gzread(file.get(), buf.get(), static_cast<unsigned>(kChunk));
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(file.get(), &err);
      return MakeError(Errc::kUnavailable, path + ": line " + std::to_string(collector.line()) +
                                               ": " +
                                               (err == Z_ERRNO ? std::strerror(errno) : msg));
    }
    if (n == 0) break;
    collector.set_file_offset(gzoffset(file.get()));
    if (auto s = Feed(parser, collector, buf.get(), static_cast<size_t>(n)); !s) return s;
    if (collector.stopped()) return {};
  }
  // zlib reads a truncated gzip stream as a short file; it says so only here.
  int err = 0;
  gzerror(file.get(), &err);
  if (err != Z_OK && err != Z_BUF_ERROR) {
    return MakeError(Errc::kUnavailable, path + ": line " + std::to_string(collector.line()) +
                                             ": " + gzerror(file.get(), &err));
  }
  if (err == Z_BUF_ERROR) {
    return MakeError(Errc::kUnavailable, path + ": line " + std::to_string(collector.line()) +
                                             ": the gzip data ends early (truncated file)");
  }
  return Finish(parser, collector);
}

void AppendCsvRecord(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char ch : f) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  out += '\n';
}

}  // namespace redress::importer
