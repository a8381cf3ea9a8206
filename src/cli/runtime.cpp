#include "cli/runtime.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "app/learning.hpp"
#include "config/objectives.hpp"
#include "config/policy_loader.hpp"
#include "config/taxonomy.hpp"
#include "store/postgres/pg_store.hpp"

namespace redress::cli {

std::string PoliciesDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("REDRESS_POLICIES"); env && *env) return env;
  if (std::filesystem::is_directory("policies")) return "policies";
  return std::string(REDRESS_SOURCE_DIR) + "/policies";
}

std::string MailTemplatesDir(const std::string& setting) {
  if (!setting.empty()) return setting;
  if (const char* env = std::getenv("REDRESS_MAIL_TEMPLATES"); env && *env) return env;
  if (std::filesystem::is_directory("mail-templates")) return "mail-templates";
  return std::string(REDRESS_SOURCE_DIR) + "/mail-templates";
}

core::Result<std::unique_ptr<store::SqliteStore>> OpenStore(const Paths& paths, bool create,
                                                            store::SqliteStore::Options options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(paths.data_dir, ec)) {
    if (!create) {
      return core::MakeError(core::Errc::kInvalid,
                             "The data directory " + paths.data_dir + " does not exist.");
    }
    std::filesystem::create_directories(paths.data_dir, ec);
    if (ec) {
      return core::MakeError(core::Errc::kInternal,
                             "Cannot create the data directory " + paths.data_dir);
    }
  }
  if (!options.on_upgrade) {
    // On stderr, whatever the command prints on stdout (JSON for --json).
    options.on_upgrade = [started = std::chrono::steady_clock::now()](std::string_view file,
                                                                      bool done) mutable {
      if (!done) {
        started = std::chrono::steady_clock::now();
        fmt::print(stderr,
                   "redress: upgrading the store: migration {} (a large store may "
                   "take minutes)\n",
                   file);
        return;
      }
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      fmt::print(stderr, "redress: migration {} applied in {:.1f} s\n", file, took.count());
    };
  }
  auto store = store::SqliteStore::Open(paths.DatabasePath(), options);
  if (!store) return store.error();
  return std::move(*store);
}

std::string StoreSetting(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("REDRESS_STORE"); env && *env) return env;
  return {};
}

core::Result<std::string> StoreLocation(const std::string& flag) {
  std::string s = StoreSetting(flag);
  if (s == "sqlite") s.clear();
  if (!s.empty() && !store::IsPostgresUrl(s)) {
    return core::MakeError(core::Errc::kInvalid, "--store must be sqlite or a postgresql:// URL");
  }
  return s;
}

core::Result<std::unique_ptr<core::Store>> OpenAnyStore(const Paths& paths,
                                                        const std::string& store, bool create,
                                                        const std::string& standby) {
  if (!standby.empty() && (!store::IsPostgresUrl(store) || !store::IsPostgresUrl(standby))) {
    return core::MakeError(core::Errc::kInvalid,
                           "--standby needs a postgresql:// --store and a postgresql:// URL");
  }
  if (store::IsPostgresUrl(store)) {
    store::PgStore::Options options;
    options.standby_url = standby;
    auto pg = store::PgStore::Open(store, options);
    if (!pg) return pg.error();
    return std::unique_ptr<core::Store>(std::move(*pg));
  }
  if (!store.empty() && store != "sqlite") {
    return core::MakeError(core::Errc::kInvalid, "--store must be sqlite or a postgresql:// URL");
  }
  auto sqlite = OpenStore(paths, create);
  if (!sqlite) return sqlite.error();
  return std::unique_ptr<core::Store>(std::move(*sqlite));
}

core::Result<std::unique_ptr<core::Store>> OpenStoreToRead(const Paths& paths,
                                                           const std::string& location) {
  if (location.empty()) {
    auto sqlite = store::SqliteStore::OpenReadOnly(paths.DatabasePath(), 1,
                                                   store::SqliteStore::Schema::kCurrent);
    if (!sqlite) return sqlite.error();
    return std::unique_ptr<core::Store>(std::move(*sqlite));
  }
  store::PgStore::Options options;
  options.readers = 2;  // the command reads on one thread
  auto pg = store::PgStore::Open(location, options);
  if (!pg) return core::MakeError(core::Errc::kUnavailable, pg.error().detail);
  return std::unique_ptr<core::Store>(std::move(*pg));
}

std::string StoreKind(const std::string& store) {
  return store::IsPostgresUrl(store) ? "postgresql" : "sqlite";
}

core::Result<OutputFile> OutputFile::For(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_type kind = fs::status(out, ec).type();
  if (kind == fs::file_type::directory) {
    return core::MakeError(core::Errc::kInvalid, out + " is a directory");
  }
  OutputFile f;
  if (kind != fs::file_type::not_found && kind != fs::file_type::none &&
      kind != fs::file_type::regular) {
    f.write_to_ = out;
    return f;
  }
  f.target_ = out;
  if (fs::is_symlink(out, ec)) {
    f.target_ = fs::weakly_canonical(out, ec).string();
    if (ec)
      return core::MakeError(core::Errc::kInvalid, "cannot follow " + out + ": " + ec.message());
  }
  f.write_to_ = f.target_ + ".partial";
  return f;
}

core::Status OutputFile::Commit() {
  if (target_.empty()) return {};
  std::error_code ec;
  std::filesystem::rename(write_to_, target_, ec);
  if (!ec) return {};
  Discard();
  return core::MakeError(core::Errc::kUnavailable, "cannot rename " + write_to_ + " to " + target_);
}

void OutputFile::Discard() {
  if (target_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(write_to_, ec);
}

core::Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

core::Result<Loaded> LoadPoliciesAndTaxonomy(const std::string& dir) {
  Loaded out;
  auto policies = config::LoadPolicyDir(dir);
  if (!policies) return policies.error();
  if (policies->empty()) {
    return core::MakeError(core::Errc::kInvalid, "No policies found in " + dir);
  }
  out.policies = std::move(*policies);
  const std::string taxonomy_path = dir + "/taxonomy.toml";
  if (std::filesystem::exists(taxonomy_path)) {
    auto taxonomy = config::LoadTaxonomyFile(taxonomy_path);
    if (!taxonomy) return taxonomy.error();
    for (const auto& n : taxonomy->nodes) {
      out.categories.insert(n.id);
      // A node without its own code takes its parent's (parents come first).
      std::string code = n.fca_code;
      if (code.empty() && !n.parent.empty()) code = out.fca_groups[n.parent];
      out.fca_groups[n.id] = code;
    }
  }
  const std::string objectives_path = dir + "/objectives.toml";
  if (std::filesystem::exists(objectives_path)) {
    auto objectives = config::LoadObjectivesFile(objectives_path);
    if (!objectives) return objectives.error();
    for (const auto& o : *objectives) out.objectives.push_back(app::TargetFor(o.kpi, o.value));
  }
  return out;
}

}  // namespace redress::cli
