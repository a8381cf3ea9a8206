// Durations counted at fixed bounds, the way a Prometheus histogram reports them: bucket i
// counts every duration of at most kBounds[i] seconds (so the counts only grow with i), `count`
// all of them, `sum` their total.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace redress::core {

struct DurationHistogram {
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  std::array<uint64_t, kBounds.size()> buckets{};
  uint64_t count = 0;
  double sum = 0;

  void Observe(double seconds) {
    for (size_t i = 0; i < kBounds.size(); ++i) {
      if (seconds <= kBounds[i]) ++buckets[i];
    }
    ++count;
    sum += seconds;
  }
};

// The same, observed on one thread and read on others.
class SharedDurationHistogram {
 public:
  void Observe(double seconds) {
    std::lock_guard lock(mu_);
    h_.Observe(seconds);
  }
  // Runs fn() and observes how long it took; returns what it returned.
  template <class Fn>
  decltype(auto) Time(Fn&& fn) {
    const auto started = std::chrono::steady_clock::now();
    decltype(auto) result = fn();
    Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return result;
  }
  DurationHistogram Snapshot() const {
    std::lock_guard lock(mu_);
    return h_;
  }

 private:
  mutable std::mutex mu_;
  DurationHistogram h_;  // GUARDED_BY(mu_)
};

}  // namespace redress::core
