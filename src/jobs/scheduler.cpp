#include "jobs/scheduler.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

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

void ClockScheduler::RunHourly() {
  core::Store& store = service_.store();
  const core::Claim claim{service_.config().node, std::chrono::minutes(10)};
  auto claimed =
      store.ClaimPeriodic(hourly_name_, service_.clock().Now(), std::chrono::hours(1), claim);
  if (!claimed) {
    spdlog::warn("{}: cannot claim the hourly run: {}", hourly_name_, claimed.error().detail);
    return;
  }
  if (!*claimed) return;  // ran within the hour, here or on another node
  hourly_();
  spdlog::info("{}: ran on this node", hourly_name_);
  if (auto s = store.EndPeriodic(hourly_name_, service_.clock().Now()); !s) {
    spdlog::warn("{}: cannot record the run: {}", hourly_name_, s.error().detail);
  }
}

void ClockScheduler::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (hourly_) RunHourly();
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
