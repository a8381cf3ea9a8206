// The SQLite side of complaint facts (migration 0006): the per-complaint row, the daily
// roll-up the writer keeps, and the analytics query (core::FactQuery) over either.
#pragma once

#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/facts.hpp"
#include "core/result.hpp"
#include "store/sqlite/statement.hpp"

namespace redress::store::sqlite {

// Inserts or replaces the facts row of f.id. `is_new`: the complaint was just inserted, so it
// has no facts row yet, and a plain INSERT does: REPLACE makes SQLite keep a statement
// journal, whose release inside the writer's SAVEPOINT costs time in proportion to all the
// savepoint changed (a bulk import's batch).
core::Status PutFacts(Conn& c, const core::ComplaintFacts& f, bool is_new = false);
// The stored facts of a complaint, or nullopt.
core::Result<std::optional<core::ComplaintFacts>> GetFacts(Conn& c, int64_t id);

// Roll-up differences summed by (kind, day or month, value), not yet written: complaints of
// one day and one category share a row, so each row is written once however many add to it.
class RollupSums {
 public:
  // Adds f's tallies, times `sign` (1 or -1), to the row of every kind.
  void Add(const core::ComplaintFacts& f, int64_t sign);
  size_t size() const { return days_.size(); }  // day rows to write (months follow from them)
  void Clear() {
    days_.clear();
    months_.clear();
  }
  // Adds the sums to facts_daily and facts_monthly, then clears them.
  core::Status Write(Conn& c);

  // (kind, day or month, value) -> summed differences. Hashed: a bulk load holds hundreds of
  // thousands, and adds to thirty for every complaint (its day's rows; the months are summed
  // from the days by Write). Open addressing (Boost's flat map): a look-up reads a group of
  // hashes and one entry, where std::unordered_map follows a bucket to a node to the key's
  // string, and at that size each step is a cache miss.
  struct Key {
    const char* kind;  // one of the kinds' names (compared by address)
    int64_t period;
    std::string value;
  };
  // A key to look up without copying its value (the map's hash and equality take both).
  struct KeyView {
    const char* kind;
    int64_t period;
    std::string_view value;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const;
    size_t operator()(const Key& k) const { return (*this)(KeyView{k.kind, k.period, k.value}); }
  };
  struct KeyEq {
    using is_transparent = void;
    static KeyView View(const Key& k) { return {k.kind, k.period, k.value}; }
    static KeyView View(const KeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const KeyView x = View(a), y = View(b);
      return x.kind == y.kind && x.period == y.period && x.value == y.value;
    }
  };
  using Map = boost::unordered_flat_map<Key, core::FactTally, KeyHash, KeyEq>;

 private:
  Map days_, months_;
};

// Roll-up differences gathered during a write batch and added to facts_daily once, at the
// end. Entries stay apart until then, so that a command rolled back to its savepoint can drop
// its own.
class RollupBuffer {
 public:
  void Add(const core::ComplaintFacts& f, int64_t sign);
  size_t size() const { return entries_.size(); }
  void Truncate(size_t n) { entries_.resize(n); }  // drops a rolled-back command's entries
  void Clear() { entries_.clear(); }
  // Writes the batch's differences now, and clears.
  core::Status Flush(Conn& c);

  struct Entry {
    core::ComplaintFacts facts;
    int64_t sign;
  };
  // Hands the differences over (leaving none): what BackgroundSums sums.
  std::vector<Entry> Take() { return std::exchange(entries_, {}); }

 private:
  std::vector<Entry> entries_;
};

// A bulk load's roll-up sums, added on a thread of their own: hashing sixty keys per complaint
// into a map of hundreds of thousands of rows is bound by cache misses, and the writer, which
// bounds an import, would otherwise do it after every commit (a tenth of its time). The thread
// starts with the first Push.
class BackgroundSums {
 public:
  BackgroundSums() = default;
  BackgroundSums(const BackgroundSums&) = delete;
  BackgroundSums& operator=(const BackgroundSums&) = delete;
  ~BackgroundSums();

  // Queues a committed batch's differences (waits while many batches are queued).
  void Push(RollupBuffer& batch);
  // Day rows summed so far (read without waiting; it lags the pushes).
  size_t ApproxSize() const { return size_.load(std::memory_order_relaxed); }
  // Waits until every pushed batch is summed, then writes the sums (RollupSums::Write).
  core::Status WriteAll(Conn& c);

 private:
  void Run();

  RollupSums sums_;
  std::atomic<size_t> size_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<RollupBuffer::Entry>> queue_;  // GUARDED_BY(mu_)
  bool busy_ = false;                                   // GUARDED_BY(mu_)
  bool stop_ = false;                                   // GUARDED_BY(mu_)
  std::thread thread_;
};

// Empties facts_daily and facts_monthly and sums them again from the facts table, inside the
// caller's transaction.
core::Status RebuildRollups(Conn& c);

// The rows of a fact query (core/facts.hpp), from facts_daily when the query allows (whole UTC
// days of receipt, at most one dimension filtered or grouped, no open conditions), from the
// facts table otherwise. Run inside the caller's read transaction for one snapshot.
core::Result<std::vector<core::FactRow>> QueryFacts(Conn& c, const core::FactQuery& q);

// Whether QueryFacts would answer `q` from the roll-up (for tests and benchmarks).
bool UsesRollup(const core::FactQuery& q);

// The SQL QueryFacts runs for `q`, with its parameters unbound (for tests of its plan).
std::string FactQuerySql(const core::FactQuery& q);

}  // namespace redress::store::sqlite
