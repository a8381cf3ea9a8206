#include "core/reference.hpp"

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
  // Only the fallback's sign (a reference has no negative numbers) can make the sum negative.
  return kCheckAlphabet[static_cast<size_t>((sum % 23 + 23) % 23)];
}

// Writes `v` in decimal, at least `width` digits (zero-padded), ending just before `end`;
// returns where the digits start.
char* PutDigitsBefore(char* end, uint64_t v, int width) {
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
    --width;
  } while (v != 0 || width > 0);
  return p;
}

// The year (at least 4 digits) followed by the sequence (at least 6), as a reference prints
// them and as its check letter weighs them. Negative numbers, which no reference has, are
// printed by fmt ("-001").
class RefDigits {
 public:
  RefDigits(int year, int64_t sequence) {
    if (year < 0 || sequence < 0) {
      fallback_ = fmt::format("{:04d}", year);
      year_len_ = fallback_.size();
      fallback_ += fmt::format("{:06d}", sequence);
      all_ = fallback_;
      return;
    }
    char* end = buf_ + sizeof buf_;
    char* seq = PutDigitsBefore(end, static_cast<uint64_t>(sequence), 6);
    char* yr = PutDigitsBefore(seq, static_cast<uint64_t>(year), 4);
    all_ = std::string_view(yr, static_cast<size_t>(end - yr));
    year_len_ = static_cast<size_t>(seq - yr);
  }
  RefDigits(const RefDigits&) = delete;
  RefDigits& operator=(const RefDigits&) = delete;

  std::string_view Year() const { return all_.substr(0, year_len_); }
  std::string_view Sequence() const { return all_.substr(year_len_); }
  char Check() const { return CheckLetterOfDigits(all_); }

 private:
  char buf_[40];  // 20 digits at most for each
  std::string fallback_;
  std::string_view all_;
  size_t year_len_ = 0;
};

}  // namespace

char CheckLetter(int year, int64_t sequence) { return RefDigits(year, sequence).Check(); }

std::string Reference::ToString() const {
  // By hand rather than by fmt: a reference is written several times for every record stored,
  // and formatting its digits twice (once for the check letter) cost about 2,000 instructions.
  const RefDigits d(year, sequence);
  std::string out;
  out.reserve(prefix.size() + d.Year().size() + d.Sequence().size() + 4);
  out += prefix;
  out += '-';
  out += d.Year();
  out += '-';
  out += d.Sequence();
  out += '-';
  out += d.Check();
  return out;
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
