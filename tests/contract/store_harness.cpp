#include "store_harness.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include "store/memory/memory_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace redress::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redress-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

class MemoryHarness final : public StoreHarness {
 public:
  core::Store& store() override { return store_; }

 private:
  store::MemoryStore store_;
};

class SqliteHarness final : public StoreHarness {
 public:
  SqliteHarness() { Open(); }
  core::Store& store() override { return *store_; }
  bool Reopen() override {
    store_.reset();
    Open();
    return true;
  }
  std::string BackupDest() override { return dir_.File("backup-" + std::to_string(++n_) + ".db"); }
  std::unique_ptr<core::Store> OpenBackup(const std::string& path) override {
    auto s = store::SqliteStore::Open(path, {});
    if (!s) throw std::runtime_error("cannot open backup: " + s.error().detail);
    return std::move(*s);
  }

 private:
  void Open() {
    auto s = store::SqliteStore::Open(dir_.File("redress.db"), {});
    if (!s) throw std::runtime_error("cannot open sqlite store: " + s.error().detail);
    store_ = std::move(*s);
  }
  TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  int n_ = 0;
};

}  // namespace

std::string AdapterName(const ::testing::TestParamInfo<Adapter>& info) { return info.param.name; }

const std::vector<Adapter>& Adapters() {
  static const std::vector<Adapter> adapters = {
      {"Memory", [] { return std::make_unique<MemoryHarness>(); }},
      {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }},
      // {"Postgres", [] { return std::make_unique<PostgresHarness>(); }},
  };
  return adapters;
}

}  // namespace redress::testing
