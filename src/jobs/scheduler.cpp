#include "jobs/scheduler.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <optional>

namespace redress::jobs {

ClockScheduler::ClockScheduler(app::ComplaintService& service, std::chrono::milliseconds interval)
    : service_(service), interval_(interval) {}

ClockScheduler::~ClockScheduler() { Stop(); }

void ClockScheduler::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "redress-clocks");
    Run();
  });
}

void ClockScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClockScheduler::Run() {
  std::unique_lock lock(mu_);
  std::optional<std::chrono::steady_clock::time_point> last_hourly;
  while (!stop_) {
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    if (hourly_ && (!last_hourly || now - *last_hourly >= std::chrono::hours(1))) {
      last_hourly = now;
      hourly_();
    }
    // Drain in batches so a backlog after downtime is worked off promptly.
    for (int round = 0; round < 100; ++round) {
      auto changed = service_.RunClockChecks(500);
      if (!changed) {
        spdlog::warn("clock check failed: {}", changed.error().detail);
        break;
      }
      if (*changed > 0)
        spdlog::info("clock check: {} complaints had warnings or breaches", *changed);
      if (*changed < 500) break;
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace redress::jobs
