// Clock port. Production reads the system clock; tests use FakeClock, which moves only on
// Advance(). Thread-safe.
#pragma once

#include <atomic>

#include "core/time.hpp"

namespace redress::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : ms_(ToMillis(start)) {}
  Instant Now() const override { return FromMillis(ms_.load()); }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  void Set(Instant t) { ms_ = ToMillis(t); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace redress::core
