// Tracking references, e.g. CMP-2026-000123-N (iso10002.md §3). Readable over the phone,
// immutable, not a secret. The check letter: weight the year+sequence digits 2, 3, 4 ... from
// the right, sum, mod 23, index into ABCDEFGHJKLMNPQRSTVWXYZ. It catches every single-digit
// error and every swap of two adjacent digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redress::core {

struct Reference {
  std::string prefix = "CMP";
  int year = 0;
  int64_t sequence = 0;  // per year, from 1; printed with at least 6 digits

  std::string ToString() const;
  bool operator==(const Reference&) const = default;
};

char CheckLetter(int year, int64_t sequence);

// Parses case-insensitively, hyphens optional ("cmp2026000123n"). Rejects a wrong check
// letter, so a mistyped reference is told apart from an unknown one.
std::optional<Reference> ParseReference(std::string_view text, std::string_view prefix = "CMP");

}  // namespace redress::core
