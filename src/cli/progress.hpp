// The progress line of a long command (import, migrate-store) on stderr: shown only when
// stderr is a terminal, rewritten in place, cleared before other output.
#pragma once

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>

namespace redress::cli {

class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

  // Replaces the line with `what` (on a terminal).
  void Say(const std::string& what) {
    if (!tty_) return;
    std::cerr << "\r\033[K" << what << std::flush;
    shown_ = true;
  }
  void Clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
  }
  bool OnTerminal() const { return tty_; }
  // Since construction.
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace redress::cli
