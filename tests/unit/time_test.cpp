// Instant and date text: the fixed-width writer against fmt and the parser.
#include "core/time.hpp"

#include <date/date.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

namespace redress::core {
namespace {

std::string Reference(Instant t) {
  const auto day = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::milliseconds> hms{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

TEST(TimeTest, FormatInstantMatchesFmtAndParsesBack) {
  std::mt19937_64 rng(11);
  // 1970 .. 2200, millisecond resolution, plus the edges.
  std::uniform_int_distribution<int64_t> ms(0, 7'258'118'400'000);
  std::vector<int64_t> samples = {0, 1, 999, 86'399'999, 951'782'400'000 /* 2000-02-29 */};
  for (int i = 0; i < 20000; ++i) samples.push_back(ms(rng));
  for (int64_t m : samples) {
    const Instant t = FromMillis(m);
    const std::string text = FormatInstant(t);
    ASSERT_EQ(text, Reference(t)) << m;
    auto back = ParseInstant(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, t) << text;
  }
}

// The writer keeps the dates of the last days it wrote (eight, by day number): instants that
// come back to a day, days that share a slot (eight days apart), days before 1970, and years
// out of four digits between them must each be written as the reference writes them.
TEST(TimeTest, FormatInstantOfDaysWrittenBeforeAndDaysSharingTheirPlace) {
  constexpr int64_t kDay = 86'400'000;
  std::vector<int64_t> days = {20'000, 20'008, 20'000, 20'016, 20'001, 20'009, -1, 7, -9};
  days.push_back(-719'528);                 // 0000-01-01
  days.push_back(-719'528 - 8);             // year -1: the general path
  days.push_back(-719'528);                 // the same slot, a year of four digits again
  days.push_back(2'932'896);                // 9999-12-31
  days.push_back(2'932'897);                // 10000-01-01
  days.push_back(2'932'897 - 8 * 366'000);  // the same slot far back
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int64_t> in_day(0, kDay - 1);
  std::uniform_int_distribution<size_t> pick(0, days.size() - 1);
  for (int i = 0; i < 5000; ++i) {
    const int64_t m = days[i < static_cast<int>(days.size()) ? i : pick(rng)] * kDay + in_day(rng);
    const Instant t = FromMillis(m);
    ASSERT_EQ(FormatInstant(t), Reference(t)) << m;
  }
}

TEST(TimeTest, FormatInstantOutsideFourDigitYearsStillFormats) {
  const Instant far = FromMillis(253'402'300'800'000);  // 10000-01-01
  EXPECT_EQ(FormatInstant(far), Reference(far));
}

TEST(TimeTest, FormatDateMatchesFmtAndParsesBack) {
  // Every day from 0001-01-01 to 9999-12-31 in steps, then the edges and an unset date.
  const date::sys_days first = date::year{1} / 1 / 1;
  const date::sys_days last = date::year{9999} / 12 / 31;
  for (date::sys_days d = first; d <= last; d += date::days(97)) {
    const date::year_month_day ymd{d};
    const std::string text = FormatDate(ymd);
    ASSERT_EQ(text,
              fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())));
    auto back = ParseDate(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, ymd) << text;
  }
  EXPECT_EQ(FormatDate(date::year{2024} / 2 / 29), "2024-02-29");
  EXPECT_EQ(FormatDate(date::year{9999} / 12 / 31), "9999-12-31");
  EXPECT_EQ(FormatDate(date::year{10000} / 1 / 1), "10000-01-01");
  EXPECT_EQ(FormatDate(LocalDate{}), "");
}

}  // namespace
}  // namespace redress::core
