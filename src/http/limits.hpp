// Every limit of the HTTP server in one place (documented in docs/config.md).
#pragma once

#include <chrono>
#include <cstddef>

namespace redress::http {

struct Limits {
  size_t header_bytes = 8 * 1024;             // request line + headers
  size_t json_body_bytes = 64 * 1024;         // JSON bodies
  size_t upload_bytes = 10 * 1024 * 1024;     // attachment uploads
  std::chrono::seconds request_deadline{10};  // whole request, from its first byte (slowloris)
  std::chrono::seconds idle_timeout{60};      // keep-alive wait for the next request
  int max_connections = 10000;                // beyond: accepted and closed at once
  int max_inflight_writes = 4096;             // store queue; beyond: 503 + Retry-After
  int max_concurrent_hashes = 2;              // Argon2id at 64 MiB each
};

}  // namespace redress::http
