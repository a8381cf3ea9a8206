#include "http/metrics.hpp"

#include <fmt/format.h>

namespace redress::http {

void Metrics::Observe(std::string_view route, std::string_view method, unsigned status,
                      double seconds) {
  const std::pair<std::string_view, std::string_view> key(method, route);
  std::lock_guard lock(mu_);
  auto it = series_.find(key);
  if (it == series_.end()) it = series_.emplace(Key(method, route), Series{}).first;
  Series& s = it->second;
  ++s.requests[status];
  Histogram& h = s.latency;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  auto labels = [](const Key& k) {
    return fmt::format("method=\"{}\",route=\"{}\"", k.first, k.second);
  };
  out += "# HELP redress_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE redress_http_requests_total counter\n";
  for (const auto& [key, s] : series_) {
    for (const auto& [status, n] : s.requests) {
      out += fmt::format("redress_http_requests_total{{{},status=\"{}\"}} {}\n", labels(key),
                         status, n);
    }
  }
  out += "# HELP redress_http_request_duration_seconds Time to handle a request.\n";
  out += "# TYPE redress_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    const std::string l = labels(key);
    const Histogram& h = s.latency;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("redress_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", l,
                         kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("redress_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", l,
                       h.count);
    out += fmt::format("redress_http_request_duration_seconds_sum{{{}}} {}\n", l, h.sum);
    out += fmt::format("redress_http_request_duration_seconds_count{{{}}} {}\n", l, h.count);
  }
}

}  // namespace redress::http
