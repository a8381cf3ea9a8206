#include "store/write_queue.hpp"

#include <algorithm>
#include <iterator>

namespace redress::store {

bool WriteQueue::SavepointsFromTheStart(const std::vector<Item>& batch) {
  return batch.size() < 2 ||
         !std::all_of(batch.begin(), batch.end(), [](const Item& it) { return it.rerunnable; });
}

void WriteQueue::Push(core::Store::TxFn fn, core::Store::Done done, bool rerunnable) {
  bool full = false;
  bool stopping = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      stopping = true;
    } else if (queue_.size() >= max_queue_) {
      full = true;
    } else {
      queue_.push_back(Item{std::move(fn), std::move(done), rerunnable});
    }
  }
  if (stopping) return done(core::MakeError(core::Errc::kUnavailable, "store is closing"));
  if (full) return done(core::MakeError(core::Errc::kOverloaded, "write queue is full"));
  cv_.notify_one();
}

void WriteQueue::Run(const RunBatch& run, const std::function<void()>& between) {
  Run(run, between, Idle{});
}

void WriteQueue::CallDone(Item& item, core::Status result) {
  try {
    item.done(std::move(result));
  } catch (...) {
    // `done` must not throw; the writer thread must survive a caller's bug.
  }
}

void WriteQueue::Run(const RunBatch& run, const std::function<void()>& between, const Idle& idle,
                     const Deliver& deliver) {
  std::vector<Item> batch;
  std::vector<core::Status> results;
  batch.reserve(static_cast<size_t>(max_batch_));
  results.reserve(static_cast<size_t>(max_batch_));
  const auto ready = [this] { return stopping_ || !queue_.empty(); };
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (!idle.fn) {
        cv_.wait(lock, ready);
      } else if (!cv_.wait_for(lock, idle.every, ready)) {
        lock.unlock();
        idle.fn();
        continue;
      }
      if (queue_.empty()) return;  // stopping, and everything queued is done
      size_t n = std::min(queue_.size(), static_cast<size_t>(max_batch_));
      auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
      std::move(queue_.begin(), end, std::back_inserter(batch));
      queue_.erase(queue_.begin(), end);
    }
    const auto started = std::chrono::steady_clock::now();
    run(batch, results);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    {
      std::lock_guard lock(stats_mu_);
      writes_ += batch.size();
      batch_seconds_.Observe(took.count());
    }
    if (deliver) {
      deliver(std::move(batch), std::move(results));
      batch = {};
      results = {};
      batch.reserve(static_cast<size_t>(max_batch_));
      results.reserve(static_cast<size_t>(max_batch_));
    } else {
      for (size_t i = 0; i < batch.size(); ++i) CallDone(batch[i], std::move(results[i]));
      batch.clear();
      results.clear();
    }
    if (between) between();
  }
}

// What TakeMore() waits for while `wait_while` holds, and how long at most.
constexpr size_t kTakeAtLeast = 8;
constexpr std::chrono::milliseconds kLongestWait{1000};

size_t WriteQueue::TakeMore(std::vector<Item>& batch, bool rerunnable_only,
                            const std::function<bool()>& wait_while) {
  const size_t max = static_cast<size_t>(max_batch_);
  if (batch.size() >= max) return 0;
  if (!wait_while()) return 0;
  std::unique_lock lock(mu_);
  // Woken for a few writes at a time, not for each: every wake-up costs both threads a switch.
  // Those queued when `wait_while` ends are taken too.
  // At most kLongestWait, a safety net: should `wait_while` hold with no flush to end it, the
  // writes taken so far still commit (and their flush ends it).
  cv_.wait_for(lock, kLongestWait,
               [&] { return stopping_ || queue_.size() >= kTakeAtLeast || !wait_while(); });
  if (stopping_) return 0;
  size_t moved = 0;
  while (!queue_.empty() && batch.size() < max && (!rerunnable_only || queue_.front().rerunnable)) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    ++moved;
  }
  return moved;
}

void WriteQueue::Wake() {
  { std::lock_guard lock(mu_); }  // a TakeMore() between its check and its wait sees it
  cv_.notify_all();
}

core::WriterStats WriteQueue::Statistics() const {
  core::WriterStats out;
  std::lock_guard lock(stats_mu_);
  out.batches = batch_seconds_.count;  // each batch is timed once
  out.writes = writes_;
  out.batch_seconds = batch_seconds_;
  return out;
}

void WriteQueue::Close() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace redress::store
