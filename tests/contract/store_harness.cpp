#include "store_harness.hpp"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "core/event.hpp"
#include "store/memory/memory_store.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/crypto.hpp"

namespace redress::testing {

core::Complaint StoredComplaint(int64_t seq, core::Instant at, std::string description) {
  core::Complaint c;
  c.reference = core::Reference{"CMP", 2026, seq};
  c.version = 1;
  c.received_at = at;
  c.logged_at = at;
  c.updated_at = at;
  c.description = std::move(description);
  return c;
}

core::Event CreatedEvent(const core::Complaint& c, core::Instant at, std::string actor) {
  core::Event e;
  e.complaint_id = c.id;
  e.reference = c.reference.ToString();
  e.at = at;
  e.actor = std::move(actor);
  e.action = "created";
  e.before = "{}";
  e.after = "{}";
  return e;
}

int64_t ExpectChainValid(core::Store& store) {
  std::string prev = core::kGenesisHash;
  int64_t seq = 0;
  EXPECT_TRUE(store.ScanEvents(1, [&](const core::Event& e) {
    EXPECT_EQ(e.seq, ++seq);
    EXPECT_EQ(e.prev_hash, prev) << "seq " << e.seq;
    EXPECT_EQ(e.payload_digest, util::Sha256Hex(core::PayloadBytes(e))) << "seq " << e.seq;
    EXPECT_EQ(e.hash, util::Sha256Hex2(e.prev_hash, core::CanonicalEventBytes(e)))
        << "seq " << e.seq;
    prev = e.hash;
    return true;
  }));
  return seq;
}

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

// The PostgreSQL server of this test run: $REDRESS_PG_URL when set, else the URL in the file
// $REDRESS_PG_URL_FILE names (ctest's shared cluster, tests/CMakeLists.txt), else a throwaway
// cluster started by scripts/pg-test-cluster.sh on first use and stopped when the process exits
// (the script's watcher stops it too should the process die first). If there is none, every
// PostgreSQL test fails: a missing PostgreSQL is never a silent skip.
class PgCluster {
 public:
  static PgCluster& Get() {
    static PgCluster cluster;
    if (!cluster.error_.empty()) throw std::runtime_error(cluster.error_);
    return cluster;
  }

  ~PgCluster() {
    if (dir_.empty()) return;
    const std::string cmd = Script() + " stop '" + dir_ + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) fprintf(stderr, "pg-test-cluster.sh stop failed\n");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A new, empty database; its URL.
  std::string CreateDatabase() {
    static std::atomic<int> n{0};
    const std::string name = "redress_test_" + std::to_string(getpid()) + "_" + std::to_string(++n);
    Admin("CREATE DATABASE " + name);
    return WithDatabase(url_, name);
  }
  void DropDatabase(const std::string& url) {
    const std::string name = url.substr(url.rfind('/') + 1);
    Admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

 private:
  PgCluster() {
    if (const char* env = std::getenv("REDRESS_PG_URL"); env && *env) {
      url_ = env;
      return;
    }
    if (const char* file = std::getenv("REDRESS_PG_URL_FILE"); file && *file) {
      std::ifstream in(file);
      std::getline(in, url_);
      if (url_.rfind("postgresql://", 0) != 0) {
        error_ = std::string("no PostgreSQL URL in ") + file + " (did the cluster start?)";
      }
      return;
    }
    std::string tmpl = "/tmp/redress-pgtest-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      error_ = "cannot create a directory for the PostgreSQL test cluster";
      return;
    }
    dir_ = tmpl;
    const std::string cmd =
        Script() + " start '" + dir_ + "' " + std::to_string(getpid()) + " 2>&1";
    FILE* out = popen(cmd.c_str(), "r");
    if (out == nullptr) {
      error_ = "cannot run " + Script();
      return;
    }
    std::string text;
    char buf[512];
    while (fgets(buf, sizeof buf, out) != nullptr) text += buf;
    const int status = pclose(out);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (status != 0 || text.rfind("postgresql://", 0) != 0) {
      error_ = "the PostgreSQL test cluster did not start (" + Script() + "): " + text;
      return;
    }
    url_ = text;
  }

  static std::string Script() {
    return std::string(REDRESS_SOURCE_DIR) + "/scripts/pg-test-cluster.sh";
  }

  // `url` with its database name replaced.
  static std::string WithDatabase(const std::string& url, const std::string& db) {
    const size_t scheme = url.find("://");
    const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t query = url.find('?');
    const std::string base = url.substr(0, slash == std::string::npos ? query : slash);
    return base + "/" + db + (query == std::string::npos ? "" : url.substr(query));
  }

  void Admin(const std::string& sql) {
    std::lock_guard lock(mu_);
    PGconn* c = PQconnectdb(url_.c_str());
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
      error = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error("postgresql: " + sql + ": " + error);
  }

  std::string dir_;
  std::string url_;
  std::string error_;
  std::mutex mu_;
};

class PostgresHarness final : public StoreHarness {
 public:
  PostgresHarness() : url_(PgCluster::Get().CreateDatabase()) { Open(); }
  ~PostgresHarness() override {
    store_.reset();
    try {
      PgCluster::Get().DropDatabase(url_);
    } catch (...) {
      // The cluster goes at exit anyway.
    }
  }
  core::Store& store() override { return *store_; }
  bool Reopen() override {
    store_.reset();
    Open();
    return true;
  }

 private:
  void Open() {
    auto s = store::PgStore::Open(url_, {});
    if (!s) throw std::runtime_error("cannot open postgresql store: " + s.error().detail);
    store_ = std::move(*s);
  }
  std::string url_;
  std::unique_ptr<store::PgStore> store_;
};

}  // namespace

std::string NewPostgresDatabase() { return PgCluster::Get().CreateDatabase(); }
void DropPostgresDatabase(const std::string& url) { PgCluster::Get().DropDatabase(url); }

std::string AdapterName(const ::testing::TestParamInfo<Adapter>& info) { return info.param.name; }

const std::vector<Adapter>& Adapters() {
  static const std::vector<Adapter> adapters = {
      {"Memory", [] { return std::make_unique<MemoryHarness>(); }},
      {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }},
      {"Postgres", [] { return std::make_unique<PostgresHarness>(); }},
  };
  return adapters;
}

}  // namespace redress::testing
