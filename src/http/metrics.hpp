// Request metrics in Prometheus text format. Labels are route patterns and status codes only:
// never a path with a reference, never personal data.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace redress::http {

class Metrics {
 public:
  void Observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  // Appends the request counters and latency histograms to `out`.
  void Render(std::string& out) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Series {
    std::map<unsigned, uint64_t> requests;  // status → count
    Histogram latency;
  };
  // Keyed by (method, route), looked up by views of them: a request allocates nothing here
  // once its route has been seen.
  using Key = std::pair<std::string, std::string>;
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };
  mutable std::mutex mu_;
  std::map<Key, Series, KeyLess> series_;
};

}  // namespace redress::http
