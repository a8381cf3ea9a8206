#include "importer/csv_reader.hpp"

#include <csv.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

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

// The bytes of one input, chunk by chunk.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes into `buf`: how many (0 at the end), or -1 with error().
  virtual int64_t Read(char* buf, size_t n) = 0;
  // Bytes of the file read so far, for progress (0 where unknown).
  virtual int64_t Offset() const = 0;
  // After a Read returned 0: an error if the input ended early (a truncated gzip stream).
  virtual std::string EndError() = 0;
  virtual std::string error() const = 0;
};

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

class GzSource final : public ByteSource {
 public:
  explicit GzSource(gzFile_s* f) : file_(f) { gzbuffer(f, 256 * 1024); }
  int64_t Read(char* buf, size_t n) override {
    return gzread(file_.get(), buf, static_cast<unsigned>(n));
  }
  int64_t Offset() const override { return std::max<int64_t>(0, gzoffset(file_.get())); }
  std::string EndError() override {
    // zlib reads a truncated gzip stream as a short file; it says so only here.
    int err = 0;
    const char* msg = gzerror(file_.get(), &err);
    if (err == Z_BUF_ERROR) return "the gzip data ends early (truncated file)";
    if (err != Z_OK) return msg;
    return {};
  }
  std::string error() const override {
    int err = 0;
    const char* msg = gzerror(file_.get(), &err);
    return err == Z_ERRNO ? std::strerror(errno) : msg;
  }

 private:
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

std::string ZipOpenError(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string out = zip_error_strerror(&e);
  zip_error_fini(&e);
  return out;
}

bool EndsWithCsv(std::string_view name) {
  if (name.size() < 4) return false;
  std::string tail(name.substr(name.size() - 4));
  for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tail == ".csv";
}

// An open archive and the index of its CSV member.
struct ZipMember {
  std::unique_ptr<zip_t, ZipCloser> archive;
  zip_uint64_t index = 0;
  std::string name;
  int64_t size = 0;
};

core::Result<ZipMember> OpenZipMember(const std::string& path) {
  int code = 0;
  ZipMember m;
  m.archive.reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
  if (!m.archive) {
    return MakeError(Errc::kInvalid,
                     path + " is not a readable ZIP archive: " + ZipOpenError(code));
  }
  std::vector<zip_uint64_t> files;
  std::vector<zip_uint64_t> csvs;
  const zip_int64_t n = zip_get_num_entries(m.archive.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(m.archive.get(), static_cast<zip_uint64_t>(i), 0);
    if (name == nullptr) continue;
    const std::string_view v(name);
    if (v.empty() || v.back() == '/') continue;  // a directory
    files.push_back(static_cast<zip_uint64_t>(i));
    if (EndsWithCsv(v)) csvs.push_back(static_cast<zip_uint64_t>(i));
  }
  if (csvs.size() == 1) {
    m.index = csvs.front();
  } else if (csvs.empty() && files.size() == 1) {
    m.index = files.front();
  } else {
    return MakeError(Errc::kInvalid,
                     fmt::format("{} holds {} files, {} of them .csv: expected one CSV file", path,
                                 files.size(), csvs.size()));
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(m.archive.get(), m.index, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
    return MakeError(Errc::kInvalid, path + ": cannot read its member's size");
  }
  m.name = zip_get_name(m.archive.get(), m.index, 0);
  m.size = static_cast<int64_t>(st.size);
  return m;
}

class ZipSource final : public ByteSource {
 public:
  ZipSource(ZipMember m, zip_file_t* f, int64_t file_bytes)
      : member_(std::move(m)), file_(f), file_bytes_(file_bytes) {}
  int64_t Read(char* buf, size_t n) override {
    const zip_int64_t got = zip_fread(file_.get(), buf, n);
    if (got > 0) read_ += got;
    return got;
  }
  // The member's share read, in bytes of the archive.
  int64_t Offset() const override {
    if (member_.size <= 0) return file_bytes_;
    return static_cast<int64_t>(static_cast<double>(read_) / static_cast<double>(member_.size) *
                                static_cast<double>(file_bytes_));
  }
  std::string EndError() override {
    return read_ == member_.size ? std::string() : "the archive's member ends early";
  }
  std::string error() const override { return zip_error_strerror(zip_file_get_error(file_.get())); }

 private:
  ZipMember member_;
  std::unique_ptr<zip_file_t, ZipCloser> file_;
  int64_t file_bytes_ = 0;
  int64_t read_ = 0;
};

bool IsStdin(const std::string& path) { return path == "-"; }

// The first bytes of the file at `path` (fewer if it is shorter); nullopt if it cannot be read.
std::optional<std::string> Magic(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  char buf[4];
  const size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  return std::string(buf, n);
}

bool IsZip(std::string_view magic) {
  return magic == std::string_view("PK\x03\x04", 4) || magic == std::string_view("PK\x05\x06", 4);
}

core::Error CannotOpen(const std::string& path) {
  return MakeError(Errc::kNotFound,
                   "cannot open " + path + ": " + std::strerror(errno != 0 ? errno : ENOENT));
}

bool IsGzip(std::string_view magic) {
  return magic.size() >= 2 && magic[0] == '\x1f' && magic[1] == '\x8b';
}

// The kind of the file at `path` (from its first bytes) and its size.
struct Probe {
  CsvInput::Kind kind = CsvInput::Kind::kPlain;
  int64_t bytes = 0;
};

core::Result<Probe> ProbeFile(const std::string& path) {
  errno = 0;
  auto magic = Magic(path);
  std::error_code ec;
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  if (!magic || ec) return CannotOpen(path);
  const auto kind = IsZip(*magic)    ? CsvInput::Kind::kZip
                    : IsGzip(*magic) ? CsvInput::Kind::kGzip
                                     : CsvInput::Kind::kPlain;
  return Probe{kind, bytes};
}

core::Result<std::unique_ptr<ByteSource>> OpenFile(const std::string& path) {
  auto probe = ProbeFile(path);
  if (!probe) return probe.error();
  if (probe->kind == CsvInput::Kind::kZip) {
    auto m = OpenZipMember(path);
    if (!m) return m.error();
    zip_file_t* f = zip_fopen_index(m->archive.get(), m->index, 0);
    if (f == nullptr) {
      return MakeError(Errc::kInvalid,
                       path + ": cannot read " + m->name + ": " + zip_strerror(m->archive.get()));
    }
    return std::unique_ptr<ByteSource>(std::make_unique<ZipSource>(std::move(*m), f, probe->bytes));
  }
  gzFile_s* f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return CannotOpen(path);
  return std::unique_ptr<ByteSource>(std::make_unique<GzSource>(f));
}

// Standard input, read once for the process: what peeks read is kept for the next reader.
struct StdinTap {
  std::mutex mu;
  std::unique_ptr<ByteSource> source;  // GUARDED_BY(mu)
  std::vector<std::string> peeked;     // GUARDED_BY(mu)
  bool spent = false;                  // GUARDED_BY(mu): a whole read took the stream
};

StdinTap& Tap() {
  static StdinTap tap;
  return tap;
}

core::Status ReadFrom(ByteSource& src, const std::string& name,
                      const std::vector<std::string>* replay, std::vector<std::string>* keep,
                      const CsvRecordFn& fn) {
  Parser parser;
  if (!parser.ok) return MakeError(Errc::kInternal, "csv: cannot initialise the parser");
  Collector collector(fn);
  auto failed = [&](const std::string& why) {
    return MakeError(Errc::kUnavailable,
                     name + ": line " + std::to_string(collector.line()) + ": " + why);
  };
  if (replay != nullptr) {
    for (const std::string& chunk : *replay) {
      if (auto s = Feed(parser, collector, chunk.data(), chunk.size()); !s) return s;
      if (collector.stopped()) return {};
    }
  }
  std::unique_ptr<char[]> buf(new char[kChunk]);
  for (;;) {
    const int64_t n = src.Read(buf.get(), kChunk);
    if (n < 0) return failed(src.error());
    if (n == 0) break;
    if (keep != nullptr) keep->emplace_back(buf.get(), static_cast<size_t>(n));
    collector.set_file_offset(src.Offset());
    if (auto s = Feed(parser, collector, buf.get(), static_cast<size_t>(n)); !s) return s;
    if (collector.stopped()) return {};
  }
  if (auto why = src.EndError(); !why.empty()) return failed(why);
  return Finish(parser, collector);
}

core::Status Read(const std::string& path, const CsvRecordFn& fn, bool peek) {
  if (!IsStdin(path)) {
    auto src = OpenFile(path);
    if (!src) return src.error();
    return ReadFrom(**src, path, nullptr, nullptr, fn);
  }
  StdinTap& tap = Tap();
  std::lock_guard lock(tap.mu);
  if (tap.spent) return MakeError(Errc::kUnavailable, "standard input was read already");
  if (!tap.source) {
    const int fd = dup(STDIN_FILENO);  // gzclose closes it; descriptor 0 stays open
    gzFile_s* f = fd < 0 ? nullptr : gzdopen(fd, "rb");
    if (f == nullptr) {
      if (fd >= 0) close(fd);
      return MakeError(Errc::kNotFound, "cannot read standard input");
    }
    tap.source = std::make_unique<GzSource>(f);
    // An archive needs its central directory, at its end: it is read from a file only.
    std::string first(kChunk, '\0');
    const int64_t n = tap.source->Read(first.data(), first.size());
    if (n < 0) return MakeError(Errc::kUnavailable, InputName(path) + ": " + tap.source->error());
    first.resize(static_cast<size_t>(n));
    if (IsZip(std::string_view(first).substr(0, 4))) {
      tap.spent = true;
      return MakeError(Errc::kInvalid,
                       "standard input holds a ZIP archive: give its path instead, or unzip -p it");
    }
    if (!first.empty()) tap.peeked.push_back(std::move(first));
  }
  if (peek) return ReadFrom(*tap.source, InputName(path), &tap.peeked, &tap.peeked, fn);
  tap.spent = true;
  const std::vector<std::string> replay = std::move(tap.peeked);
  tap.peeked.clear();
  return ReadFrom(*tap.source, InputName(path), &replay, nullptr, fn);
}

}  // namespace

core::Status ParseCsv(std::string_view text, const CsvRecordFn& fn) {
  Parser parser;
  if (!parser.ok) return MakeError(Errc::kInternal, "csv: cannot initialise the parser");
  Collector collector(fn);
  if (auto s = Feed(parser, collector, text.data(), text.size()); !s) return s;
  return Finish(parser, collector);
}

core::Status ReadCsvFile(const std::string& path, const CsvRecordFn& fn) {
  return Read(path, fn, false);
}

core::Status PeekCsvFile(const std::string& path, const CsvRecordFn& fn) {
  return Read(path, fn, true);
}

core::Result<CsvInput> InspectCsvInput(const std::string& path) {
  CsvInput in;
  if (IsStdin(path)) {
    in.kind = CsvInput::Kind::kStdin;
    return in;
  }
  auto probe = ProbeFile(path);
  if (!probe) return probe.error();
  in.kind = probe->kind;
  in.file_bytes = probe->bytes;
  in.text_bytes = probe->bytes;
  if (in.kind == CsvInput::Kind::kZip) {
    auto m = OpenZipMember(path);
    if (!m) return m.error();
    in.text_bytes = m->size;
    in.member = m->name;
  } else if (in.kind == CsvInput::Kind::kGzip) {
    in.text_bytes = probe->bytes * 5;
  }
  return in;
}

std::string InputName(const std::string& path) { return IsStdin(path) ? "<stdin>" : path; }

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
