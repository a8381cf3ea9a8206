// The clock scheduler: every `interval` it asks the service to check the clocks of complaints
// whose next warning or due instant has passed, recording warnings and breaches as events and
// raising priority. Idempotent: a clock fires each alert once (core/clocks.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "app/service.hpp"

namespace redress::jobs {

class ClockScheduler {
 public:
  ClockScheduler(app::ComplaintService& service, std::chrono::milliseconds interval);
  ~ClockScheduler();  // stops and joins

  // Work to run at start and then once an hour on the same thread (the effectiveness checks
  // of corrective actions), as the periodic job `name`: with several nodes on one store, one
  // node runs it each hour (core::Store::ClaimPeriodic). Set before Start().
  void AlsoHourly(std::string name, std::function<void()> fn) {
    hourly_name_ = std::move(name);
    hourly_ = std::move(fn);
  }
  void Start();
  void Stop();

 private:
  void Run();
  void RunHourly();

  app::ComplaintService& service_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::string hourly_name_;
  std::function<void()> hourly_;
};

}  // namespace redress::jobs
