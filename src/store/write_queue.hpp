// The queue between Store::Write() and an SQL store's one writer thread (SQLite, PostgreSQL):
// bounded, taken in batches that the store commits together (group commit), each write's
// `done` called with its own result after the batch.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/duration_histogram.hpp"
#include "core/ports/store.hpp"

namespace redress::store {

class WriteQueue {
 public:
  struct Item {
    core::Store::TxFn fn;
    core::Store::Done done;
    bool rerunnable = false;  // queued by WriteRerunnable()
  };
  // Runs one batch: fills results[i] for batch[i] (results arrives empty).
  using RunBatch =
      std::function<void(std::vector<Item>& batch, std::vector<core::Status>& results)>;

  WriteQueue(size_t max_queue, int max_batch) : max_queue_(max_queue), max_batch_(max_batch) {}

  // Whether a batch runs each write in a savepoint from the start: unless it holds two or more
  // writes and every one was queued by WriteRerunnable (those run without, and again with
  // savepoints when one fails).
  static bool SavepointsFromTheStart(const std::vector<Item>& batch);

  // Queues a write, or fails `done` at once: kUnavailable once closing, kOverloaded when full.
  void Push(core::Store::TxFn fn, core::Store::Done done, bool rerunnable = false);

  // What the writer does while no write is queued: `fn` every `every` (none if `fn` is empty).
  struct Idle {
    std::chrono::milliseconds every{0};
    std::function<void()> fn;
  };

  // Who answers a batch once it ran: by default the writer calls each `done` at once. A store
  // whose commits are durable only later (SQLite's WAL flushed beside the writer) takes the
  // batch and its results and calls CallDone() for each write when they are.
  using Deliver =
      std::function<void(std::vector<Item>&& batch, std::vector<core::Status>&& results)>;

  // The writer thread's loop: takes up to max_batch queued writes, runs them, calls each
  // `done` (a throwing `done` does not stop the writer) or hands them to `deliver`, then
  // `between` if given. Returns once Close() was called and the queue is empty.
  void Run(const RunBatch& run, const std::function<void()>& between = {});
  // The same, running `idle` while no write is queued.
  void Run(const RunBatch& run, const std::function<void()>& between, const Idle& idle,
           const Deliver& deliver = {});

  // Calls `item.done` with `result`; a throwing `done` is ignored (the caller's thread must
  // survive a caller's bug).
  static void CallDone(Item& item, core::Status result);

  // From the writer, inside a batch, while `wait_while()` holds (SQLite's last commit is being
  // flushed): waits for a few writes to be queued, or for `wait_while()` to end, then moves
  // those queued to the end of `batch` (up to max_batch in all; with `rerunnable_only`,
  // stopping before the first that is not). Returns how many it moved: 0 at once if
  // `wait_while()` does not hold, and when closing. SQLite's writer grows its open transaction
  // so.
  size_t TakeMore(std::vector<Item>& batch, bool rerunnable_only,
                  const std::function<bool()>& wait_while);
  // Has TakeMore() look at its `wait_while` again (call after what it reads changed).
  void Wake();

  // No more writes; Run() finishes those queued and returns.
  void Close();

  // What Run() has done so far, as a store reports it (the batches, the writes in them, and
  // each batch's time from its start to the end of its commit or rollback: what a write waits
  // once its batch began); the store adds what it measures itself.
  core::WriterStats Statistics() const;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;   // GUARDED_BY(mu_)
  size_t max_queue_;
  int max_batch_;
  mutable std::mutex stats_mu_;
  uint64_t writes_ = 0;                    // GUARDED_BY(stats_mu_)
  core::DurationHistogram batch_seconds_;  // GUARDED_BY(stats_mu_); its count: the batches
};

}  // namespace redress::store
