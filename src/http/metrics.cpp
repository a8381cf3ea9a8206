#include "http/metrics.hpp"

#include <fmt/format.h>

namespace redress::http {

void Metrics::Observe(std::string_view route, std::string_view method, unsigned status,
                      double seconds) {
  std::string key = fmt::format("method=\"{}\",route=\"{}\"", method, route);
  std::string counter_key = fmt::format("{},status=\"{}\"", key, status);
  std::lock_guard lock(mu_);
  ++requests_[counter_key];
  Histogram& h = latencies_[key];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  out += "# HELP redress_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE redress_http_requests_total counter\n";
  for (const auto& [labels, n] : requests_) {
    out += fmt::format("redress_http_requests_total{{{}}} {}\n", labels, n);
  }
  out += "# HELP redress_http_request_duration_seconds Time to handle a request.\n";
  out += "# TYPE redress_http_request_duration_seconds histogram\n";
  for (const auto& [labels, h] : latencies_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("redress_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                         labels, kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("redress_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n",
                       labels, h.count);
    out += fmt::format("redress_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("redress_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
}

}  // namespace redress::http
