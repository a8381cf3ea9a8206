// Request metrics in Prometheus text format. Labels are route patterns and status codes only:
// never a path with a reference, never personal data.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/duration_histogram.hpp"

namespace redress::http {

// Appends the HELP and TYPE lines of metric `name` in Prometheus text.
void RenderHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help);
// The same, then its one sample (no labels).
void RenderValue(std::string& out, std::string_view name, std::string_view type,
                 std::string_view help, uint64_t value);

// Appends histogram `name` in Prometheus text (its _bucket series, _sum and _count) with
// `labels` ("key=\"value\",..." or empty) on every line; the HELP and TYPE lines are the
// caller's.
void RenderHistogram(std::string& out, std::string_view name, std::string_view labels,
                     const core::DurationHistogram& h);

class Metrics {
 public:
  void Observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  // Appends the request counters and latency histograms to `out`.
  void Render(std::string& out) const;

 private:
  struct Series {
    std::map<unsigned, uint64_t> requests;  // status → count
    core::DurationHistogram latency;
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
