#include "cli/import_cmd.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <vector>

#include "cli/progress.hpp"
#include "cli/runtime.hpp"
#include "core/time.hpp"
#include "importer/cfpb_export.hpp"
#include "importer/cfpb_import.hpp"
#include "importer/csv_reader.hpp"
#include "store/postgres/pg_store.hpp"

namespace redress::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr const char* kCfpbPolicy = "cfpb";

int Usage(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kUsage;
}

int Failed(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kFailed;
}

core::Instant Now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

bool ValidPrefix(const std::string& p) {
  return !p.empty() && p.size() <= 8 && std::all_of(p.begin(), p.end(), ::isupper);
}

// The import's progress line; `file_bytes` is the file's size (0 if unknown), of which the
// share read so far leads the line.
void ShowImport(Progress& progress, const importer::ImportSummary& s, int64_t file_bytes) {
  if (!progress.OnTerminal()) return;
  const double secs = progress.Seconds();
  const std::string share =
      file_bytes > 0 ? fmt::format("{}% of the file, ",
                                   std::min<int64_t>(100, s.file_offset * 100 / file_bytes))
                     : std::string();
  progress.Say(fmt::format("importing: {}{} rows read, {} new, {} updated, {} bad ({:.0f} rows/s)",
                           share, s.rows, s.imported, s.updated, s.bad,
                           secs > 0 ? s.rows / secs : 0.0));
}

// Standard input copied to a temporary file (in $TMPDIR), removed with this object.
class SpooledStdin {
 public:
  SpooledStdin() = default;
  SpooledStdin(const SpooledStdin&) = delete;
  SpooledStdin& operator=(const SpooledStdin&) = delete;
  ~SpooledStdin() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

  core::Status Fill() {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    std::string tmpl = (ec ? std::filesystem::path("/tmp") : dir) / "redress-stdin-XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return Error("cannot create " + tmpl);
    path_ = tmpl;
    std::vector<char> buf(1 << 20);
    bool ok = true;
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      for (ssize_t done = 0; ok && done < n;) {
        const ssize_t w = ::write(fd, buf.data() + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        done += w > 0 ? w : 0;
      }
      if (!ok) break;
    }
    const int err = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok) return Error("cannot keep standard input in " + path_ + ": " + std::strerror(err));
    return {};
  }

 private:
  static core::Error Error(std::string detail) {
    return core::MakeError(core::Errc::kUnavailable, std::move(detail));
  }
  std::string path_;
};

// The columns --rejects adds after the input's own.
constexpr std::array<const char*, 2> kRejectColumns = {"Redress line", "Redress reason"};

// Rows from which an import into a smaller store builds its indexes at the end.
constexpr int64_t kDeferIndexesFrom = 50'000;

}  // namespace

DataCommands::DataCommands(CLI::App& app) {
  auto* import_cmd = app.add_subcommand("import", "Import complaints from another system");
  import_cmd->require_subcommand(1);
  import_cfpb_ = import_cmd->add_subcommand(
      "cfpb", "Import a CFPB consumer complaint CSV (plain, .gz or .zip)");
  import_cfpb_
      ->add_option("FILE", file_, "The CSV file (18-column or 2014 layout; - for standard input)")
      ->required();
  import_cfpb_->add_option("--data", data_, "Data directory")->capture_default_str();
  import_cfpb_->add_option("--policies", policies_, "Policies directory (needs cfpb.toml)");
  import_cfpb_->add_option("--store", store_, kStoreOptionHelp);
  import_cfpb_->add_option("--reference-prefix", reference_prefix_, "Prefix of new references")
      ->capture_default_str();
  import_cfpb_->add_flag("--strict", strict_,
                         "Stop at the first bad row (exit 2) and write nothing");
  import_cfpb_->add_flag("--json", json_, "Print the summary as one JSON object on stdout");
  import_cfpb_->add_option("--rejects", rejects_,
                           "Write the bad rows to FILE as CSV: the file's header and fields, "
                           "then the line and the reason (to fix and import again)");
  import_cfpb_
      ->add_option("--batch-rows", batch_rows_, "Rows per store write (tuning; default 2048)")
      ->check(CLI::Range(1, 1000000));

  auto* export_cmd = app.add_subcommand("export", "Export complaints");
  export_cmd->require_subcommand(1);
  export_csv_ = export_cmd->add_subcommand("csv", "Every complaint as a CFPB-layout CSV");
  export_csv_->add_option("--data", data_, "Data directory")->capture_default_str();
  export_csv_->add_option("--policies", policies_, "Policies directory (time zones)");
  export_csv_->add_option("--store", store_, kStoreOptionHelp);
  export_csv_->add_option("--out", out_,
                          "Write to FILE, gzip-compressed if it ends in .gz (default: stdout)");
  export_csv_->add_option("--from", from_,
                          "Only complaints received on or after this day (YYYY-MM-DD)");
  export_csv_->add_option("--to", to_, "Only complaints received on or before this day");
}

bool DataCommands::Parsed() const { return import_cfpb_->parsed() || export_csv_->parsed(); }

int DataCommands::Run() { return import_cfpb_->parsed() ? Import() : Export(); }

int DataCommands::Import() {
  if (!ValidPrefix(reference_prefix_)) {
    return Usage("--reference-prefix must be 1 to 8 capital letters");
  }
  if (strict_ && !rejects_.empty()) {
    return Usage("--rejects keeps the bad rows of an import that skips them: leave out --strict");
  }
  const auto location = StoreLocation(store_);
  if (!location) return Usage(location.error().detail);
  auto loaded = LoadPoliciesAndTaxonomy(PoliciesDir(policies_));
  if (!loaded) return Usage(loaded.error().detail);
  const core::Policy* policy = nullptr;
  for (const auto& p : loaded->policies) {
    if (p.id == kCfpbPolicy) policy = &p;
  }
  if (policy == nullptr) return Usage("the policy \"cfpb\" is not among the loaded policies");

  // Bad input is found before the store is opened (or, with --strict, before anything is
  // written).
  const std::string name = importer::InputName(file_);
  std::string path = file_;
  std::optional<SpooledStdin> spooled;
  if (strict_ && file_ == "-") {
    // --strict reads its input twice (the check, then the import): standard input is kept in
    // a temporary file for that.
    spooled.emplace();
    if (auto s = spooled->Fill(); !s) return Failed(s.error().detail);
    path = spooled->path();
  }
  // Messages name the input as the user gave it, not its temporary copy.
  auto named = [&](std::string detail) {
    for (size_t at; path != file_ && (at = detail.find(path)) != std::string::npos;) {
      detail.replace(at, path.size(), name);
    }
    return detail;
  };
  auto input = importer::InspectCsvInput(path);
  if (!input) return Usage(named(input.error().detail));
  auto header = importer::ReadCfpbHeader(path);
  if (!header) return Usage(named(header.error().detail));

  // Batches of records are allocated on this thread and freed as they are written: keep the
  // freed memory instead of handing it back to the kernel and faulting it in again (measured:
  // page faults were a fifth of this thread's time).
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);

  importer::ImportOptions o;
  o.policy = policy;
  o.now = Now();
  o.reference_prefix = reference_prefix_;
  o.strict = strict_;
  if (batch_rows_ > 0) {
    o.batch_rows = static_cast<size_t>(batch_rows_);
    o.max_in_flight = std::max(4, 16384 / batch_rows_);  // about 16,000 rows queued
  }
  // --rejects: the input's header and two columns of ours, then each bad row as read. The
  // import ignores columns it does not know, so the file, fixed, can be imported again.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> rejects(nullptr, &std::fclose);
  auto reject = [&rejects](const std::vector<std::string>& fields) {
    std::string text;
    importer::AppendCsvRecord(text, fields);
    std::fwrite(text.data(), 1, text.size(), rejects.get());  // ferror() is checked at the end
  };
  if (!rejects_.empty()) {
    rejects.reset(std::fopen(rejects_.c_str(), "wb"));
    if (!rejects) return Usage("cannot create " + rejects_ + ": " + std::strerror(errno));
    std::vector<std::string> names = header->names;
    names.insert(names.end(), kRejectColumns.begin(), kRejectColumns.end());
    reject(names);
  }
  Progress progress;
  int64_t bad_reported = 0;
  constexpr int64_t kMaxBadReported = 1000;
  o.on_bad = [&](const importer::BadRow& bad) {
    if (rejects && bad.fields != nullptr) {
      std::vector<std::string> row = *bad.fields;
      row.push_back(std::to_string(bad.line));
      row.push_back(bad.reason);
      reject(row);
    }
    progress.Clear();
    if (++bad_reported <= kMaxBadReported) {
      std::cerr << "redress: " << name << ":" << bad.line << ": " << bad.reason << " (skipped)\n";
    } else if (bad_reported == kMaxBadReported + 1) {
      std::cerr << "redress: more bad rows; only the first " << kMaxBadReported << " are listed\n";
    }
  };
  o.on_progress = [&](const importer::ImportSummary& s) {
    ShowImport(progress, s, input->file_bytes);
  };

  if (strict_) {
    auto check = importer::CheckCfpbFile(path, o);
    if (!check) return Usage(named(check.error().detail));
    if (check->has_value()) {
      const auto& bad = **check;
      return Usage(
          fmt::format("{}:{}: {}; nothing imported (--strict)", name, bad.line, bad.reason));
    }
  }

  std::unique_ptr<core::Store> store;
  store::SqliteStore* sqlite = nullptr;  // the store, when it is SQLite's: a bulk load
  if (!location->empty()) {
    // PostgreSQL: rows written in batches by its group commit like any other writes, beside
    // whatever the nodes serving it do meanwhile (docs/postgresql.md).
    store::PgStore::Options pg_options;
    pg_options.readers = 2;  // the look-ups of an update only
    auto pg = store::PgStore::Open(*location, pg_options);
    if (!pg) return Failed(pg.error().detail);
    store = std::move(*pg);
  } else {
    store::SqliteStore::Options store_options;
    store_options.writer_mmap_bytes = int64_t{1} << 40;  // as much as SQLite allows
    store_options.load_without_wal = true;               // when nothing else has the store open
    store_options.skip_syncs_if_new = true;              // a new store: flushed once at the end
    auto opened = OpenStore({data_, policies_}, true, store_options);
    if (!opened) return Failed(opened.error().detail);
    sqlite = opened->get();
    store = std::move(*opened);
    // A bulk load (docs/import.md): roll-ups summed in memory and written at the end; and when
    // the file holds more complaints than the store (roughly: a row of a CFPB export is well
    // under 1 KB), indexes built once at the end instead of row by row. Of standard input the
    // size is unknown: a store smaller than that threshold builds them at the end.
    auto in_store = sqlite->CountComplaints();
    if (!in_store) return Failed(in_store.error().detail);
    const int64_t rows_at_least = input->text_bytes / 1000;
    const bool defer_indexes =
        input->kind == importer::CsvInput::Kind::kStdin
            ? *in_store < kDeferIndexesFrom
            : rows_at_least >= kDeferIndexesFrom && rows_at_least > *in_store;
    if (auto s = sqlite->BeginBulkLoad(defer_indexes); !s) return Failed(s.error().detail);
  }
  auto summary = importer::ImportCfpb(*store, path, o);
  if (sqlite != nullptr) {
    // The end takes a while at a million rows (docs/import.md): say which step runs. The
    // callback runs on the store's writer thread while this thread waits in EndBulkLoad.
    auto ended = sqlite->EndBulkLoad([&progress](const store::SqliteStore::BulkLoadStep& step) {
      if (step.kind == store::SqliteStore::BulkLoadStep::kRollups) {
        progress.Say("importing: writing roll-ups");
      } else {
        progress.Say(
            fmt::format("importing: building index {} of {} ({})", step.index, step.of, step.name));
      }
    });
    if (summary && !ended) summary = ended.error();
  }
  store.reset();  // drains the writer: every batch is committed or failed
  progress.Clear();
  if (rejects && (std::fflush(rejects.get()) != 0 || std::ferror(rejects.get()) != 0)) {
    return Failed("cannot write " + rejects_ + ": " + std::strerror(errno));
  }
  if (!summary) {
    const auto& e = summary.error();
    if (strict_ && e.code == core::Errc::kInvalid) return Usage(named(e.detail));
    return Failed(named(e.detail) +
                  " (rows committed before this stay; importing again continues)");
  }
  if (rejects)
    std::cerr << "redress: " << summary->bad << " bad rows written to " << rejects_ << "\n";
  const double secs = progress.Seconds();
  const double rate = secs > 0 ? static_cast<double>(summary->rows) / secs : 0.0;
  if (json_) {
    // One object, in the documented order (docs/cli.md).
    nlohmann::ordered_json j;
    j["rows"] = summary->rows;
    j["imported"] = summary->imported;
    j["updated"] = summary->updated;
    j["unchanged"] = summary->unchanged;
    j["bad"] = summary->bad;
    j["seconds"] = std::round(secs * 1000) / 1000;
    j["rows_per_s"] = static_cast<int64_t>(std::llround(rate));
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "{} rows: {} imported, {} updated, {} unchanged, {} bad ({:.2f} s, {:.0f} rows/s)\n",
        summary->rows, summary->imported, summary->updated, summary->unchanged, summary->bad, secs,
        rate);
  }
  return kOk;
}

int DataCommands::Export() {
  // The days are those the export writes in `Date received`: the complaint's policy's zone.
  importer::ExportFilter filter;
  for (auto [text, day, name] :
       {std::tuple{&from_, &filter.from, "--from"}, std::tuple{&to_, &filter.to, "--to"}}) {
    if (text->empty()) continue;
    *day = core::ParseDate(*text);
    if (!*day) return Usage(fmt::format("{} must be a date, YYYY-MM-DD (got \"{}\")", name, *text));
  }
  if (filter.from && filter.to && *filter.from > *filter.to) {
    return Usage("--from must not be after --to");
  }
  const auto location = StoreLocation(store_);
  if (!location) return Usage(location.error().detail);
  const std::string path = data_ + "/redress.db";
  if (location->empty() && !std::filesystem::exists(path)) return Usage("no store at " + path);
  auto loaded = LoadPoliciesAndTaxonomy(PoliciesDir(policies_));
  if (!loaded) return Usage(loaded.error().detail);
  auto opened = OpenStoreToRead({data_, policies_}, *location);
  if (!opened && opened.error().code == core::Errc::kInvalid) {
    return Usage(opened.error().detail);
  }
  if (!opened) return Failed(opened.error().detail);
  core::Store* store = opened->get();

  if (out_.empty()) {
    auto n = importer::ExportCfpbCsv(*store, loaded->policies, stdout, filter);
    if (!n) return Failed(n.error().detail);
    return kOk;
  }
  // Written through OutputFile: beside the destination and renamed into place, so a failed
  // export leaves no partial file (a device or a named pipe is written as it is). A name ending
  // in ".gz" is written gzip-compressed.
  auto file = OutputFile::For(out_);
  if (!file) return Usage(file.error().detail);
  const std::string& tmp = file->path();
  core::Result<int64_t> n = 0;
  bool closed = false;
  if (out_.ends_with(".gz")) {
    gzFile_s* gz = gzopen(tmp.c_str(), "wb6");
    if (gz == nullptr) return Usage("cannot create " + tmp + ": " + std::strerror(errno));
    n = importer::ExportCfpbCsv(
        *store, loaded->policies,
        [gz](std::string_view text) {
          return gzwrite(gz, text.data(), static_cast<unsigned>(text.size())) ==
                 static_cast<int>(text.size());
        },
        filter);
    closed = gzclose(gz) == Z_OK;
  } else {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return Usage("cannot create " + tmp + ": " + std::strerror(errno));
    n = importer::ExportCfpbCsv(*store, loaded->policies, f, filter);
    closed = std::fclose(f) == 0;
  }
  if (!n || !closed) {
    file->Discard();
    return Failed(n ? "cannot write " + out_ : n.error().detail);
  }
  if (auto s = file->Commit(); !s) return Failed(s.error().detail);
  std::cout << "exported " << *n << " complaints to " << out_ << "\n";
  return kOk;
}

}  // namespace redress::cli
