#include "cli/migrate_cmd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "app/audit.hpp"
#include "cli/progress.hpp"
#include "http/attachment_files.hpp"
#include "store/migrate/sqlite_to_pg.hpp"
#include "store/postgres/pg_store.hpp"
#include "util/crypto.hpp"

namespace redress::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr std::string_view kSqliteScheme = "sqlite:";

int Usage(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kUsage;
}

// Bad input (nothing changed) is a usage error; anything else a failure.
int Fail(const core::Error& e) {
  std::cerr << "redress: " << e.detail << "\n";
  const bool usage = e.code == core::Errc::kInvalid || e.code == core::Errc::kMalformed ||
                     e.code == core::Errc::kNotFound || e.code == core::Errc::kConflict;
  return usage ? kUsage : kFailed;
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The files of the attachments the copy meets: each must be in the target data directory,
// copied there from the source's when missing, its bytes checked against its hash.
struct AttachmentFiles {
  std::string from;  // the source's data directory
  std::string to;    // the target's
  std::set<std::string> seen;
  int64_t files = 0;   // distinct files the rows name
  int64_t copied = 0;  // of those, copied into `to`

  core::Status Bring(const core::Attachment& a) {
    auto fail = [&](const std::string& what) {
      return core::MakeError(
          core::Errc::kInternal,
          fmt::format("attachment {} of complaint id {}: {}", a.id, a.complaint_id, what));
    };
    // The hash names the file's path: nothing else may.
    if (!IsSha256Hex(a.sha256)) return fail("its recorded hash is not a SHA-256");
    if (!seen.insert(a.sha256).second) return {};
    ++files;
    std::error_code ec;
    const auto dest = http::AttachmentPath(to, a.sha256);
    if (std::filesystem::exists(dest, ec)) {
      const auto size = std::filesystem::file_size(dest, ec);
      if (ec || static_cast<int64_t>(size) != a.size) {
        return fail(fmt::format("{} has {} bytes, its record says {}", dest.string(), ec ? 0 : size,
                                a.size));
      }
      return {};
    }
    const auto src = http::AttachmentPath(from, a.sha256);
    std::ifstream in(src, std::ios::binary);
    if (!in) return fail("its file " + src.string() + " is missing");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail("cannot read " + src.string());
    if (static_cast<int64_t>(data.size()) != a.size || util::Sha256Hex(data) != a.sha256) {
      return fail(src.string() + " does not match its recorded size and hash");
    }
    core::Attachment meta = a;
    if (auto s = http::StoreAttachmentFile(to, data, meta); !s) {
      return fail(s.error().detail + " in " + to);
    }
    ++copied;
    return {};
  }
};

}  // namespace

MigrateCommand::MigrateCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("migrate-store",
                            "Copy a SQLite installation into an empty PostgreSQL database, "
                            "attachments included, and verify the copy");
  cmd_->add_option("--from", from_,
                   "sqlite:PATH, PATH the redress.db file or the data directory holding it")
      ->required();
  cmd_->add_option("--to", to_, "postgresql://user@host:port/database, an empty database")
      ->required();
  cmd_->add_option("--data", data_,
                   "Data directory of the PostgreSQL installation, where the attachment files "
                   "go (default: the source's directory)");
  cmd_->add_flag("--json", json_, "Print the report as one JSON object on stdout");
}

bool MigrateCommand::Parsed() const { return cmd_->parsed(); }

int MigrateCommand::Run() {
  util::InitCrypto();
  if (!from_.starts_with(kSqliteScheme) || from_.size() == kSqliteScheme.size()) {
    return Usage(
        "--from must be sqlite:PATH, PATH a redress.db file or the data directory "
        "holding one");
  }
  if (!store::IsPostgresUrl(to_)) {
    return Usage("--to must be a postgresql:// (or postgres://) URL");
  }
  const std::filesystem::path path = from_.substr(kSqliteScheme.size());
  std::error_code ec;
  std::filesystem::path db = path;
  std::filesystem::path dir = path.parent_path();
  if (std::filesystem::is_directory(path, ec)) {
    db = path / "redress.db";
    dir = path;
  }
  if (dir.empty()) dir = ".";
  if (!std::filesystem::is_regular_file(db, ec)) return Usage("no store at " + db.string());
  const std::string data_dir = data_.empty() ? dir.string() : data_;

  auto migration = store::migrate::SqliteToPostgres::Open(db.string(), to_);
  if (!migration) return Fail(migration.error());
  // The target's schema, made as any node opening the database makes it.
  store::PgStore::Options options;
  options.readers = 2;
  auto target = store::PgStore::Open(to_, options);
  if (!target) return Fail(target.error());

  Progress progress;
  app::ChainVerifier chain;
  AttachmentFiles files{dir.string(), data_dir, {}, 0, 0};
  store::migrate::CopyHooks hooks;
  hooks.on_event = [&chain](const core::Event& e) -> core::Status {
    if (chain.Check(e)) return {};
    return core::MakeError(core::Errc::kInternal,
                           fmt::format("the source's audit chain does not verify: event {}: {} "
                                       "(see redress audit verify)",
                                       *chain.report().first_bad_seq, chain.report().problem));
  };
  hooks.on_attachment = [&files](const core::Attachment& a) { return files.Bring(a); };
  hooks.on_progress = [&progress](std::string_view what) {
    progress.Say(fmt::format("migrate-store: {} ({:.0f} s)", what, progress.Seconds()));
  };
  auto report = (*migration)->Copy(hooks);
  progress.Clear();
  if (!report) return Fail(report.error());

  // What any node will see: the chain as `redress audit verify` checks it, and the counts,
  // through the PostgreSQL store.
  progress.Say("migrate-store: verifying the audit chain on the target");
  std::vector<std::string> problems;
  auto audit = app::VerifyAudit(**target);
  progress.Clear();
  if (!audit) {
    problems.push_back("cannot verify the audit chain on the target: " + audit.error().detail);
  } else if (!audit->ok) {
    problems.push_back(fmt::format("the audit chain does not verify on the target: event {}: {}",
                                   *audit->first_bad_seq, audit->problem));
  } else if (audit->events != report->events || audit->head_hash != report->head_hash) {
    problems.push_back(
        fmt::format("the target's audit chain ends at event {} ({}), the source's at event {} ({})",
                    audit->events, audit->head_hash, report->head_seq, report->head_hash));
  }
  int64_t complaints = 0;
  for (const auto& t : report->tables) {
    if (t.table == "complaints") complaints = t.source_rows;
  }
  if (auto n = (*target)->CountComplaints(); !n) {
    problems.push_back("cannot count the target's complaints: " + n.error().detail);
  } else if (*n != complaints) {
    problems.push_back(
        fmt::format("the target counts {} complaints, the source has {}", *n, complaints));
  }
  const double secs = progress.Seconds();

  if (json_) {
    nlohmann::ordered_json j;
    j["ok"] = problems.empty();
    j["schema_version"] = report->schema_version;
    j["tables"] = nlohmann::json::array();
    for (const auto& t : report->tables) {
      j["tables"].push_back(nlohmann::ordered_json{{"table", t.table},
                                                   {"source_rows", t.source_rows},
                                                   {"target_rows", t.target_rows},
                                                   {"derived", t.derived}});
    }
    j["events"] = report->events;
    j["head_hash"] = report->head_hash;
    j["attachment_files"] = files.files;
    j["attachment_files_copied"] = files.copied;
    nlohmann::ordered_json refs = nlohmann::ordered_json::object();
    for (const auto& [year, last] : report->references) refs[std::to_string(year)] = last;
    j["reference_sequences"] = refs;
    j["problems"] = problems;
    j["seconds"] = std::round(secs * 1000) / 1000;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format("{:<16} {:>12} {:>12}\n", "TABLE", "SOURCE", "TARGET");
    for (const auto& t : report->tables) {
      std::cout << fmt::format("{:<16} {:>12} {:>12}{}\n", t.table, t.source_rows, t.target_rows,
                               t.derived ? "  (derived)" : "");
    }
    std::cout << fmt::format("attachment files: {} ({} copied into {})\n", files.files,
                             files.copied, data_dir);
    std::cout << fmt::format("audit chain: {} events, head {}\n", report->events,
                             report->head_hash.empty() ? "-" : report->head_hash);
    for (const auto& [year, last] : report->references) {
      std::cout << fmt::format("reference sequence {}: at {}\n", year, last);
    }
    if (problems.empty()) std::cout << fmt::format("verified ({:.2f} s)\n", secs);
  }
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "redress: copied, but " << p << "\n";
    return kFailed;
  }
  return kOk;
}

}  // namespace redress::cli
