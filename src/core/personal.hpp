// Personal<T> marks a field as personal data (iso10002.md §3, PD = P or S). It behaves like
// the value for the code that needs it, but formatting it for a log prints "[redacted]", so a
// personal value cannot reach a log line by accident.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <utility>

namespace redress::core {

enum class Sensitivity { kPersonal, kSpecial };

template <typename T, Sensitivity S = Sensitivity::kPersonal>
struct Personal {
  T value{};

  Personal() = default;
  Personal(T v) : value(std::move(v)) {}  // NOLINT: implicit by design
  Personal& operator=(T v) {
    value = std::move(v);
    return *this;
  }
  const T& get() const { return value; }
  bool operator==(const Personal&) const = default;
  static constexpr Sensitivity kSensitivity = S;
};

template <typename T>
using Special = Personal<T, Sensitivity::kSpecial>;

template <typename T, Sensitivity S>
std::ostream& operator<<(std::ostream& os, const Personal<T, S>&) {
  return os << "[redacted]";
}

}  // namespace redress::core

template <typename T, redress::core::Sensitivity S>
struct fmt::formatter<redress::core::Personal<T, S>> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const redress::core::Personal<T, S>&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("[redacted]", ctx);
  }
};
