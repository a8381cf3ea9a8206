#include "core/reference.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cctype>
#include <string>

namespace redress::core {
namespace {

constexpr std::string_view kCheckAlphabet = "ABCDEFGHJKLMNPQRSTVWXYZ";  // 23 letters: no I, O, U

char CheckLetterOfDigits(std::string_view digits) {
  int64_t sum = 0;
  int weight = 2;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++weight) {
    sum += static_cast<int64_t>(*it - '0') * weight;
  }
  return kCheckAlphabet[static_cast<size_t>(sum % 23)];
}

}  // namespace

char CheckLetter(int year, int64_t sequence) {
  return CheckLetterOfDigits(fmt::format("{:04d}{:06d}", year, sequence));
}

std::string Reference::ToString() const {
  // Compiled at build time: a reference is written several times for every record stored.
  return fmt::format(FMT_COMPILE("{}-{:04d}-{:06d}-{}"), prefix, year, sequence,
                     CheckLetter(year, sequence));
}

std::optional<Reference> ParseReference(std::string_view text, std::string_view prefix) {
  std::string compact;
  compact.reserve(text.size());
  for (char ch : text) {
    if (ch == '-' || ch == ' ') continue;
    compact.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  std::string want_prefix;
  for (char ch : prefix) {
    if (ch != '-')
      want_prefix.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  // prefix + 4-digit year + >= 6-digit sequence + check letter
  if (compact.size() < want_prefix.size() + 4 + 6 + 1) return std::nullopt;
  if (compact.compare(0, want_prefix.size(), want_prefix) != 0) return std::nullopt;
  std::string_view rest(compact);
  rest.remove_prefix(want_prefix.size());
  const char check = rest.back();
  rest.remove_suffix(1);
  if (rest.size() > 4 + 15) return std::nullopt;  // sequence fits in int64 comfortably
  for (char ch : rest) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  if (CheckLetterOfDigits(rest) != check) return std::nullopt;
  Reference r;
  r.prefix = std::string(prefix);
  r.year = std::stoi(std::string(rest.substr(0, 4)));
  r.sequence = std::stoll(std::string(rest.substr(4)));
  if (r.sequence <= 0) return std::nullopt;
  return r;
}

}  // namespace redress::core
