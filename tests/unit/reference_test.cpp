// Tracking references (iso10002.md §3): CMP-2026-000123-N. The check letter weights the
// year+sequence digits 2, 3, 4 ... from the right, sums, takes mod 23 and indexes
// ABCDEFGHJKLMNPQRSTVWXYZ. It must catch every single-digit error and every swap of two digits,
// so a mistyped reference is refused by ParseReference rather than looked up.
#include "core/reference.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace redress {
namespace {

using core::CheckLetter;
using core::ParseReference;
using core::Reference;

constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTVWXYZ";

// The check letter computed independently of the code under test, from the spec's words.
char SpecCheckLetter(const std::string& digits) {
  int sum = 0;
  int weight = 2;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++weight) sum += (*it - '0') * weight;
  return kAlphabet[static_cast<size_t>(sum % 23)];
}

std::string Digits(int year, int64_t sequence) {
  return fmt::format("{:04d}{:06d}", year, sequence);
}

// The canonical text of a digit string (year = first 4 digits, sequence = the rest) with a
// given check letter.
std::string WithLetter(const std::string& digits, char letter) {
  return fmt::format("CMP-{}-{}-{}", digits.substr(0, 4), digits.substr(4), letter);
}

// A spread of sequences: every value up to 1200, then powers, repdigits and big values.
std::vector<int64_t> SampleSequences() {
  std::vector<int64_t> out;
  for (int64_t s = 1; s <= 1200; ++s) out.push_back(s);
  for (int64_t p = 1000; p <= 999999; p = p * 3 + 7) out.push_back(p);
  for (int d = 1; d <= 9; ++d) out.push_back(int64_t{111111} * d);
  for (int64_t s : {9999, 10000, 99999, 100000, 123456, 654321, 500000, 909090, 999998, 999999})
    out.push_back(s);
  return out;
}

std::vector<int> SampleYears() {
  std::vector<int> out;
  for (int y = 2020; y <= 2040; ++y) out.push_back(y);
  for (int y : {1999, 2000, 2099, 2100, 2999, 9999}) out.push_back(y);
  return out;
}

TEST(ReferenceTest, DocumentedExample) {
  // 2026000123: 3*2 + 2*3 + 1*4 + 0*5 ... + 6*8 + 2*9 + 0*10 + 2*11 = 104; 104 mod 23 = 12 → N.
  EXPECT_EQ(CheckLetter(2026, 123), 'N');
  Reference r{"CMP", 2026, 123};
  EXPECT_EQ(r.ToString(), "CMP-2026-000123-N");
  auto parsed = ParseReference("CMP-2026-000123-N");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, r);
}

TEST(ReferenceTest, FormattingWidths) {
  EXPECT_EQ((Reference{"CMP", 2026, 1}.ToString()),
            fmt::format("CMP-2026-000001-{}", CheckLetter(2026, 1)));
  EXPECT_EQ((Reference{"CMP", 2026, 999999}.ToString()),
            fmt::format("CMP-2026-999999-{}", CheckLetter(2026, 999999)));
  // The sequence widens as needed; it is never truncated.
  EXPECT_EQ((Reference{"CMP", 2026, 1234567}.ToString()),
            fmt::format("CMP-2026-1234567-{}", CheckLetter(2026, 1234567)));
  // A configured prefix is used as given.
  EXPECT_EQ((Reference{"ACME", 2027, 42}.ToString()),
            fmt::format("ACME-2027-000042-{}", CheckLetter(2027, 42)));
  // Total length of a 6-digit reference: 3 + 1 + 4 + 1 + 6 + 1 + 1.
  EXPECT_EQ((Reference{"CMP", 2026, 7}.ToString()).size(), 17u);
}

// ToString writes the digits by hand: the same text as fmt's widths and the spec's check letter,
// for years of one to five digits and sequences up to the largest, and for the negative
// numbers no reference has (printed as fmt prints them).
TEST(ReferenceTest, TextMatchesFmtAcrossWidths) {
  std::vector<int> years = SampleYears();
  for (int y : {0, 7, 10, 99, 100, 999, 1000, 10000, 99999, 123456}) years.push_back(y);
  std::vector<int64_t> sequences = SampleSequences();
  for (int64_t s : {int64_t{0}, int64_t{1000000}, int64_t{9999999}, int64_t{10000000},
                    int64_t{123456789012}, std::numeric_limits<int64_t>::max()})
    sequences.push_back(s);
  for (int year : years) {
    for (int64_t seq : sequences) {
      const std::string digits = Digits(year, seq);
      const std::string want =
          fmt::format("PFX-{:04d}-{:06d}-{}", year, seq, SpecCheckLetter(digits));
      ASSERT_EQ((Reference{"PFX", year, seq}.ToString()), want) << year << "/" << seq;
      ASSERT_EQ(CheckLetter(year, seq), SpecCheckLetter(digits)) << year << "/" << seq;
    }
  }
  for (auto [year, seq] : {std::pair<int, int64_t>{-1, 5}, {2026, -3}, {-2026, -123456}}) {
    const std::string digits = Digits(year, seq);
    std::string want = fmt::format("CMP-{:04d}-{:06d}-", year, seq);
    // The spec's letter of such digits: the sign weighs as its character's distance from '0'.
    int64_t sum = 0;
    int weight = 2;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++weight)
      sum += (*it - '0') * weight;
    want += kAlphabet[static_cast<size_t>(((sum % 23) + 23) % 23)];
    EXPECT_EQ((Reference{"CMP", year, seq}.ToString()), want) << year << "/" << seq;
  }
}

TEST(ReferenceTest, CheckLetterMatchesSpecAndNeverUsesIOU) {
  for (int year : SampleYears()) {
    for (int64_t seq : SampleSequences()) {
      const char letter = CheckLetter(year, seq);
      ASSERT_EQ(letter, SpecCheckLetter(Digits(year, seq))) << year << "/" << seq;
      ASSERT_NE(kAlphabet.find(letter), std::string_view::npos);
      ASSERT_NE(letter, 'I');
      ASSERT_NE(letter, 'O');
      ASSERT_NE(letter, 'U');
    }
  }
}

TEST(ReferenceTest, EveryLetterOfTheAlphabetIsReachable) {
  std::string seen;
  for (int64_t seq = 1; seq <= 200; ++seq) {
    const char l = CheckLetter(2026, seq);
    if (seen.find(l) == std::string::npos) seen.push_back(l);
  }
  EXPECT_EQ(seen.size(), kAlphabet.size()) << seen;
}

TEST(ReferenceTest, RoundTripCaseInsensitiveHyphensOptional) {
  for (int year : SampleYears()) {
    for (int64_t seq : SampleSequences()) {
      const Reference r{"CMP", year, seq};
      const std::string text = r.ToString();
      std::string lower = text;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string compact;
      for (char ch : text) {
        if (ch != '-') compact.push_back(ch);
      }
      for (const std::string& form : {text, lower, compact}) {
        auto parsed = ParseReference(form);
        ASSERT_TRUE(parsed.has_value()) << form;
        ASSERT_EQ(*parsed, r) << form;
      }
    }
  }
}

TEST(ReferenceTest, AcceptsMixedCaseAndPartialHyphens) {
  const Reference want{"CMP", 2026, 123};
  for (const char* form : {"cmp2026000123n", "Cmp-2026000123-n", "CMP2026-000123N",
                           "cMp-2026-000123-N", "CMP 2026 000123 N"}) {
    auto parsed = ParseReference(form);
    ASSERT_TRUE(parsed.has_value()) << form;
    EXPECT_EQ(*parsed, want) << form;
  }
}

TEST(ReferenceTest, ConfiguredPrefix) {
  const Reference r{"ACME", 2026, 5};
  auto parsed = ParseReference(r.ToString(), "ACME");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, r);
  EXPECT_TRUE(ParseReference("acme-2026-000005-" + std::string(1, CheckLetter(2026, 5)), "ACME"));
  // The default prefix does not accept another organisation's references, and vice versa.
  EXPECT_FALSE(ParseReference(r.ToString()).has_value());
  EXPECT_FALSE(ParseReference("CMP-2026-000123-N", "ACME").has_value());
}

// Every single-digit substitution of the 10 digits changes the check letter, so the mistyped
// reference (carrying the original letter) is refused.
TEST(ReferenceTest, ExhaustiveSingleDigitSubstitutionsAreCaught) {
  int64_t checked = 0;
  for (int year : SampleYears()) {
    for (int64_t seq : SampleSequences()) {
      const std::string digits = Digits(year, seq);
      const char letter = CheckLetter(year, seq);
      for (size_t pos = 0; pos < digits.size(); ++pos) {
        for (char d = '0'; d <= '9'; ++d) {
          if (d == digits[pos]) continue;
          std::string typo = digits;
          typo[pos] = d;
          ASSERT_NE(SpecCheckLetter(typo), letter) << digits << " -> " << typo;
          const std::string text = WithLetter(typo, letter);
          ASSERT_FALSE(ParseReference(text).has_value()) << text << " (from " << digits << ")";
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1'000'000);
}

// Every swap of two different digits (adjacent or not) changes the check letter.
TEST(ReferenceTest, ExhaustiveDigitSwapsAreCaught) {
  int64_t adjacent = 0;
  int64_t any = 0;
  for (int year : SampleYears()) {
    for (int64_t seq : SampleSequences()) {
      const std::string digits = Digits(year, seq);
      const char letter = CheckLetter(year, seq);
      for (size_t i = 0; i < digits.size(); ++i) {
        for (size_t j = i + 1; j < digits.size(); ++j) {
          if (digits[i] == digits[j]) continue;
          std::string typo = digits;
          std::swap(typo[i], typo[j]);
          const std::string text = WithLetter(typo, letter);
          ASSERT_FALSE(ParseReference(text).has_value()) << text << " (from " << digits << ")";
          ++any;
          if (j == i + 1) ++adjacent;
        }
      }
    }
  }
  EXPECT_GT(adjacent, 100'000);
  EXPECT_GT(any, adjacent);
}

// A widened (7-digit) sequence keeps the guarantee: 11 digits, weights 2..12.
TEST(ReferenceTest, WidenedSequenceErrorsAreCaught) {
  for (int64_t seq : {1000000LL, 1234567LL, 9876543LL, 9999999LL, 5000001LL}) {
    const std::string digits = fmt::format("2026{}", seq);
    const char letter = CheckLetter(2026, seq);
    ASSERT_TRUE(ParseReference(WithLetter(digits, letter)).has_value());
    for (size_t pos = 0; pos < digits.size(); ++pos) {
      for (char d = '0'; d <= '9'; ++d) {
        if (d == digits[pos]) continue;
        std::string typo = digits;
        typo[pos] = d;
        EXPECT_FALSE(ParseReference(WithLetter(typo, letter)).has_value()) << typo;
      }
      if (pos + 1 < digits.size() && digits[pos] != digits[pos + 1]) {
        std::string typo = digits;
        std::swap(typo[pos], typo[pos + 1]);
        EXPECT_FALSE(ParseReference(WithLetter(typo, letter)).has_value()) << typo;
      }
    }
  }
}

TEST(ReferenceTest, EveryWrongCheckLetterIsRefused) {
  for (int64_t seq : {1, 123, 4567, 999999}) {
    const char right = CheckLetter(2026, seq);
    for (char l = 'A'; l <= 'Z'; ++l) {
      const std::string text = WithLetter(Digits(2026, seq), l);
      EXPECT_EQ(ParseReference(text).has_value(), l == right) << text;
    }
    // A digit where the letter belongs is refused too.
    EXPECT_FALSE(ParseReference(WithLetter(Digits(2026, seq), '7')).has_value());
  }
}

TEST(ReferenceTest, MalformedInputIsRefused) {
  const std::vector<std::string> bad = {
      "",
      "-",
      "N",
      "CMP",
      "CMP-",
      "CMP-2026",
      "CMP-2026-000123",     // no check letter
      "CMP-2026-00123-N",    // sequence under 6 digits
      "CMP-202-000123-N",    // short year (too few digits overall)
      "XYZ-2026-000123-N",   // wrong prefix
      "CM-2026-000123-N",    // truncated prefix
      "CMPX-2026-000123-N",  // extra letter after the prefix
      "2026-000123-N",       // no prefix
      "CMP-2026-000123-",    // letter missing, trailing hyphen
      "CMP-2026-00012A-N",   // letter among the digits
      "CMP-2O26-000123-N",   // letter O for zero
      "CMP-2026-000123-NN",  // two letters
      "CMP_2026_000123_N",   // underscores are not separators
      "CMP-2026-000123.N",   // dot
      "CMP-2026-+00123-N",   // sign
      "CMP-2026-000000-" + std::string(1, CheckLetter(2026, 0)),  // sequence 0 never issued
      "CMP-2026-1234567890123456-A",                              // overlong sequence (16 digits)
      "CMP-2026-" + std::string(200, '1') + "-A",                 // absurdly long
  };
  for (const auto& text : bad) {
    EXPECT_FALSE(ParseReference(text).has_value()) << "accepted: '" << text << "'";
  }
  // Hyphens are optional anywhere, so a stray trailing one is harmless.
  EXPECT_TRUE(ParseReference("CMP-2026-000123-N-").has_value());
}

TEST(ReferenceTest, OverlongButValidChecksumIsRefused) {
  // 4 + 16 digits: beyond what the parser promises to fit in an int64 comfortably.
  const std::string digits = "2026" + std::string(16, '9');
  const std::string text = WithLetter(digits, SpecCheckLetter(digits));
  EXPECT_FALSE(ParseReference(text).has_value()) << text;
  // The longest accepted: a 15-digit sequence.
  const std::string longest = "2026" + std::string(15, '9');
  auto parsed = ParseReference(WithLetter(longest, SpecCheckLetter(longest)));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->sequence, 999'999'999'999'999LL);
}

}  // namespace
}  // namespace redress
