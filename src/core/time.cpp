// date::parse leaves locals that GCC 12 cannot prove initialised when inlined at -O3 (the
// warning points into <chrono>, so it must be off before any include).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/time.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <limits>
#include <sstream>

namespace redress::core {

// Formatting and the common parse run without iostreams: they sit on every hot path that
// writes or reads a complaint (each has a dozen instants), and a stream per call costs more
// than the rest of the conversion.
namespace {

// "00" to "99": two digits by one copy.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> a{};
  for (int i = 0; i < 100; ++i) {
    a[2 * i] = static_cast<char>('0' + i / 10);
    a[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return a;
}();

void Put2(char* p, unsigned v) { std::memcpy(p, &kDigitPairs[2 * v], 2); }

// "YYYY-MM-DD" at `p`, for a year of 0 to 9999.
void PutDate(char* p, int year, unsigned month, unsigned day) {
  Put2(&p[0], static_cast<unsigned>(year / 100));
  Put2(&p[2], static_cast<unsigned>(year % 100));
  p[4] = '-';
  Put2(&p[5], month);
  p[7] = '-';
  Put2(&p[8], day);
}

}  // namespace

bool PutInstant(char* p, Instant t) {
  // Fixed width, written without fmt: this runs dozens of times per stored record and twice
  // per row of a list page, and fmt's run-time format parsing was most of its cost. The
  // calendar dates of the last days written on this thread are kept: a record's instants and
  // a page's rows mostly fall on a few days (docs/performance.md).
  constexpr int64_t kDay = 86'400'000;
  const int64_t ms = t.time_since_epoch().count();
  int64_t day = ms / kDay;
  int64_t in_day = ms % kDay;
  if (in_day < 0) {
    in_day += kDay;
    --day;
  }
  struct DayText {
    int64_t day = std::numeric_limits<int64_t>::min();
    bool fits = false;  // a year of four digits
    char text[10];
  };
  // Direct-mapped by day: a list row's received and due days, a record's few days.
  thread_local std::array<DayText, 8> kept;
  DayText& slot = kept[static_cast<uint64_t>(day) % kept.size()];
  if (day != slot.day) {
    const date::year_month_day ymd{date::sys_days{date::days{day}}};
    const int year = static_cast<int>(ymd.year());
    slot.day = day;
    slot.fits = year >= 0 && year <= 9999;
    if (slot.fits) {
      PutDate(slot.text, year, static_cast<unsigned>(ymd.month()),
              static_cast<unsigned>(ymd.day()));
    }
  }
  if (!slot.fits) return false;
  std::memcpy(p, slot.text, 10);
  auto rest = static_cast<unsigned>(in_day);
  p[10] = 'T';
  Put2(&p[11], rest / 3'600'000);
  rest %= 3'600'000;
  p[13] = ':';
  Put2(&p[14], rest / 60'000);
  rest %= 60'000;
  p[16] = ':';
  Put2(&p[17], rest / 1000);
  rest %= 1000;
  p[19] = '.';
  p[20] = static_cast<char>('0' + rest / 100);
  Put2(&p[21], rest % 100);
  p[23] = 'Z';
  return true;
}

std::string FormatInstant(Instant t) {
  std::string out(24, '0');
  if (PutInstant(out.data(), t)) return out;
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::milliseconds> hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

namespace {

// Reads exactly `n` digits at `pos`; -1 if any is not a digit.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "YYYY-MM-DDTHH:MM:SS[.fff]Z", the form FormatInstant writes.
std::optional<Instant> ParseUtcFast(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const int y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  const int h = Digits(s, 11, 2), mi = Digits(s, 14, 2), sec = Digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  int ms = 0;
  size_t pos = 19;
  if (s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    const size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    const int first = Digits(s, start, std::min<size_t>(n, 3));
    ms = first;
    for (size_t k = n; k < 3; ++k) ms *= 10;
  }
  if (pos + 1 != s.size() || (s[pos] != 'Z' && s[pos] != 'z')) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Instant(date::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) + std::chrono::milliseconds(ms);
}

}  // namespace

std::optional<Instant> ParseInstant(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  if (auto fast = ParseUtcFast(text)) return fast;
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
  const int year = static_cast<int>(d.year());
  if (year < 0 || year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}", year, static_cast<unsigned>(d.month()),
                       static_cast<unsigned>(d.day()));
  }
  std::string out(10, '-');  // as FormatInstant: a clock's local due date, per record
  PutDate(out.data(), year, static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return out;
}

std::optional<LocalDate> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  if (text[4] == '-' && text[7] == '-') {
    const int y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
    if (y < 0 || m < 0 || d < 0) return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
  }
  std::istringstream in{std::string(text)};
  date::year_month_day d;
  in >> date::parse("%F", d);
  if (in.fail() || !d.ok()) return std::nullopt;
  return d;
}

}  // namespace redress::core
