#include "core/time.hpp"

// date::parse leaves locals that GCC 12 cannot prove initialised when inlined at -O3.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <sstream>

#include <fmt/format.h>

namespace redress::core {

std::string FormatInstant(Instant t) {
  return date::format("%FT%TZ", t);
}

std::optional<Instant> ParseInstant(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  std::string s(text);
  for (auto& ch : s) {
    if (ch == 't') ch = 'T';
    if (ch == 'z') ch = 'Z';
  }
  Instant t;
  for (const char* fmt_str : {"%FT%TZ", "%FT%T%Ez", "%FT%T%z"}) {
    std::istringstream in(s);
    in >> date::parse(fmt_str, t);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return t;
  }
  // A plain date means midnight UTC.
  if (auto d = ParseDate(text)) return Instant(date::sys_days(*d));
  return std::nullopt;
}

std::string FormatDate(LocalDate d) {
  if (!d.ok()) return std::string();  // an unset date prints empty rather than throwing
  return date::format("%F", d);
}

std::optional<LocalDate> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  std::istringstream in{std::string(text)};
  date::year_month_day d;
  in >> date::parse("%F", d);
  if (in.fail() || !d.ok()) return std::nullopt;
  return d;
}

}  // namespace redress::core
