// What `serve` and the other commands share: locating the data directory, opening the store,
// loading policies and the taxonomy.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/service.hpp"
#include "core/policy.hpp"
#include "core/result.hpp"
#include "report/review.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace redress::cli {

struct Paths {
  std::string data_dir;
  std::string policies_dir;  // empty: the default search (see PoliciesDir)

  std::string DatabasePath() const { return data_dir + "/redress.db"; }
};

// --policies, else $REDRESS_POLICIES, else ./policies, else the source tree's policies/.
std::string PoliciesDir(const std::string& flag);

// The mail templates: the setting, else $REDRESS_MAIL_TEMPLATES, else ./mail-templates, else
// the source tree's mail-templates/.
std::string MailTemplatesDir(const std::string& setting);

core::Result<std::unique_ptr<store::SqliteStore>> OpenStore(
    const Paths& paths, bool create, store::SqliteStore::Options options = {});

// The help text of a command's --store option.
inline constexpr const char* kStoreOptionHelp =
    "Store: sqlite (the data directory's redress.db, the default) or a "
    "postgresql://user@host:port/database URL (default: $REDRESS_STORE)";

// The --store setting: the flag, else $REDRESS_STORE, else "" (SQLite).
std::string StoreSetting(const std::string& flag);
// The same, checked: "" for SQLite ("sqlite" or nothing), else a PostgreSQL URL; kInvalid
// for anything else.
core::Result<std::string> StoreLocation(const std::string& flag);
// Opens the store `store` names: "" or "sqlite", the SQLite store in the data directory (as
// OpenStore); a postgresql:// (postgres://) URL, the PostgreSQL store, reading what may be
// stale from `standby` (a URL) if one is given. kInvalid otherwise.
core::Result<std::unique_ptr<core::Store>> OpenAnyStore(const Paths& paths,
                                                        const std::string& store, bool create,
                                                        const std::string& standby = {});
// The store a command that only reads opens (`export csv`, `report …`) at `location`
// (StoreLocation): the data directory's SQLite store read-only at this binary's schema
// (kInvalid for one of another schema: the caller's usage error), or the PostgreSQL store,
// opened as every command opens it (any failure to open it kUnavailable).
core::Result<std::unique_ptr<core::Store>> OpenStoreToRead(const Paths& paths,
                                                           const std::string& location);
// What a log line may say of a store setting: "sqlite" or "postgresql" (never the URL, which
// may hold a password).
std::string StoreKind(const std::string& store);

// Where a command writes its --out FILE. A regular file (or one yet to be made) is written as
// a temporary file beside it (through a symbolic link: beside the file the link names, and the
// link stays) and renamed into place by Commit(), so a failure leaves no partial file; a FILE
// that exists and is not a regular file (a device such as /dev/stdout, a named pipe) is
// written as it is, never replaced. For() refuses a directory (kInvalid).
class OutputFile {
 public:
  static core::Result<OutputFile> For(const std::string& out);
  // The file to open and write.
  const std::string& path() const { return write_to_; }
  // The written file renamed into place (kUnavailable if it cannot be; it is then removed).
  core::Status Commit();
  // What was written removed (nothing for a FILE written as it is).
  void Discard();

 private:
  std::string write_to_;
  std::string target_;  // the temporary file's final name; empty when written in place
};

struct Loaded {
  std::vector<core::Policy> policies;
  std::set<std::string> categories;
  std::map<std::string, std::string> fca_groups;  // category -> FCA product group (fca_code)
  // The KPI objectives of objectives.toml (empty: the review's defaults).
  std::vector<report::Target> objectives;
};

// The wall clock, in milliseconds.
class SystemClock final : public core::Clock {
 public:
  core::Instant Now() const override;
};
core::Result<Loaded> LoadPoliciesAndTaxonomy(const std::string& dir);

}  // namespace redress::cli
