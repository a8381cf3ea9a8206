// Time types. Instants are UTC with millisecond precision; local dates belong to a policy's
// time zone. The core never reads a system clock: `now` is always a parameter.
#pragma once

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace redress::core {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using LocalDate = date::year_month_day;

// "2026-03-01T09:30:00.000Z"
std::string FormatInstant(Instant t);
// Writes FormatInstant(t)'s 24 characters at `p` and returns true, for years 0 to 9999 (every
// instant a store holds); false, writing nothing, for any other. For writers that build JSON
// text straight into a buffer: no string is allocated.
bool PutInstant(char* p, Instant t);
// Accepts RFC 3339 with Z or a numeric offset, with or without fractional seconds.
std::optional<Instant> ParseInstant(std::string_view text);
// "2026-03-01"
std::string FormatDate(LocalDate d);
std::optional<LocalDate> ParseDate(std::string_view text);

inline int64_t ToMillis(Instant t) { return t.time_since_epoch().count(); }
inline Instant FromMillis(int64_t ms) { return Instant(std::chrono::milliseconds(ms)); }

}  // namespace redress::core
