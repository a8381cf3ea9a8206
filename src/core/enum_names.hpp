// One table per enum gives both directions of its string mapping, so names are written once.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace redress::core {

template <typename E, size_t N>
using EnumNames = std::array<std::pair<E, const char*>, N>;

template <typename E, size_t N>
const char* NameOf(const EnumNames<E, N>& names, E value) {
  for (const auto& [v, n] : names) {
    if (v == value) return n;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const EnumNames<E, N>& names, std::string_view text) {
  for (const auto& [v, n] : names) {
    if (text == n) return v;
  }
  return std::nullopt;
}

}  // namespace redress::core
