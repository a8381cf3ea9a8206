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
  s.latency.Observe(seconds);
}

void RenderHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void RenderValue(std::string& out, std::string_view name, std::string_view type,
                 std::string_view help, uint64_t value) {
  RenderHeader(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

void RenderHistogram(std::string& out, std::string_view name, std::string_view labels,
                     const core::DurationHistogram& h) {
  const std::string_view sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                       core::DurationHistogram::kBounds[i], h.buckets[i]);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
  if (labels.empty()) {
    out += fmt::format("{}_sum {}\n{}_count {}\n", name, h.sum, name, h.count);
  } else {
    out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, h.sum, name, labels,
                       h.count);
  }
}

void Metrics::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  auto labels = [](const Key& k) {
    return fmt::format("method=\"{}\",route=\"{}\"", k.first, k.second);
  };
  RenderHeader(out, "redress_http_requests_total", "counter",
               "HTTP requests by method, route and status.");
  for (const auto& [key, s] : series_) {
    for (const auto& [status, n] : s.requests) {
      out += fmt::format("redress_http_requests_total{{{},status=\"{}\"}} {}\n", labels(key),
                         status, n);
    }
  }
  RenderHeader(out, "redress_http_request_duration_seconds", "histogram",
               "Time to handle a request.");
  for (const auto& [key, s] : series_) {
    RenderHistogram(out, "redress_http_request_duration_seconds", labels(key), s.latency);
  }
}

}  // namespace redress::http
