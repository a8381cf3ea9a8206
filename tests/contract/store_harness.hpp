// The adapters the store contract suite runs against. Each factory makes a fresh, empty
// store; adding an adapter (PostgreSQL) is one line in Adapters() (store_harness.cpp).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/complaint.hpp"
#include "core/event.hpp"
#include "core/ports/store.hpp"

namespace redress::testing {

class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  virtual core::Store& store() = 0;
  // Closes the store (draining its writer) and opens the same data again; false when the
  // adapter keeps nothing across a close.
  virtual bool Reopen() { return false; }
  // A destination for Backup(), or "" when the adapter cannot back up.
  virtual std::string BackupDest() { return {}; }
  // Opens what Backup(BackupDest()) wrote.
  virtual std::unique_ptr<core::Store> OpenBackup(const std::string&) { return nullptr; }
};

struct Adapter {
  std::string name;  // a gtest-safe identifier
  std::function<std::unique_ptr<StoreHarness>()> make;
};

// How gtest prints a parameter in --gtest_list_tests, and so in the names ctest gives the
// discovered tests: the adapter's name, not the struct's bytes (addresses that change by run).
inline void PrintTo(const Adapter& adapter, std::ostream* os) { *os << adapter.name; }

const std::vector<Adapter>& Adapters();

// The test-name suffix of a parameterised suite over Adapters().
std::string AdapterName(const ::testing::TestParamInfo<Adapter>& info);

// A new, empty PostgreSQL database on the test run's server (store_harness.cpp); its URL.
// Throws when there is no server, so the test fails.
std::string NewPostgresDatabase();
// Drops it (connections and all).
void DropPostgresDatabase(const std::string& url);

// Checks the store's whole event chain: seq 1..n without a gap, each payload digest and hash
// recomputed, each event linked to the one before. Returns n.
int64_t ExpectChainValid(core::Store& store);

// The least a test's complaint needs to be stored: CMP-2026-`seq`, version 1, received, logged
// and updated at `at`.
core::Complaint StoredComplaint(int64_t seq, core::Instant at, std::string description = "text");

// The "created" event of the stored complaint `c`, at `at`, by `actor` (before and after "{}").
core::Event CreatedEvent(const core::Complaint& c, core::Instant at, std::string actor = "system");

// Holds the store's writer inside a write function from construction until Release(), so
// that writes made meanwhile stay queued; Release() returns that function's result. A test
// that stops early releases it on the way out.
class WriterHold {
 public:
  explicit WriterHold(core::Store& s) : release_future_(release_.get_future().share()) {
    s.Write(
        [this, f = release_future_](core::StoreTx&) -> core::Status {
          entered_.set_value();
          f.wait();
          return {};
        },
        [this](core::Status st) { first_.set_value(st); });
    entered_.get_future().wait();
  }
  WriterHold(const WriterHold&) = delete;
  WriterHold& operator=(const WriterHold&) = delete;
  ~WriterHold() {
    if (!released_) (void)Release();
  }
  core::Status Release() {
    released_ = true;
    release_.set_value();
    return first_.get_future().get();
  }

 private:
  bool released_ = false;
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> release_future_;
  std::promise<core::Status> first_;
};

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace redress::testing
