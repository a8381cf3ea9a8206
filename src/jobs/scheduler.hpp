// The clock scheduler: every `interval` it asks the service to check the clocks of complaints
// whose next warning or due instant has passed, recording warnings and breaches as events and
// raising priority. Idempotent: a clock fires each alert once (core/clocks.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "app/service.hpp"

namespace redress::jobs {

class ClockScheduler {
 public:
  ClockScheduler(app::ComplaintService& service, std::chrono::milliseconds interval);
  ~ClockScheduler();  // stops and joins

  // Work to run once at start and then at most once an hour on the same thread (the
  // effectiveness checks of corrective actions). Set before Start().
  void AlsoHourly(std::function<void()> fn) { hourly_ = std::move(fn); }
  void Start();
  void Stop();

 private:
  void Run();

  app::ComplaintService& service_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::function<void()> hourly_;
};

}  // namespace redress::jobs
