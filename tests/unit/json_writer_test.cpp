// JsonWriter must write what nlohmann::json::dump() writes, since both kinds of text are
// stored and read back by nlohmann.
#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "core/codec.hpp"

namespace redress::core {
namespace {

using nlohmann::json;

std::string Written(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonWriterTest, EscapesEveryAsciiByteAsNlohmannDoes) {
  for (int c = 0; c < 128; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "b";
    EXPECT_EQ(Written(s), json(s).dump()) << "byte " << c;
  }
}

TEST(JsonWriterTest, EscapesAtEveryPlaceOfALongString) {
  // Long text is scanned eight bytes at a time: put each byte that needs escaping (and a
  // multi-byte character) at every offset of strings longer than a few blocks.
  const std::vector<std::string> specials = {
      "\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\x7f", " "};
  for (const std::string& special : specials) {
    for (size_t len = 0; len < 40; ++len) {
      for (size_t at = 0; at <= len; ++at) {
        std::string s(len, 'x');
        s.insert(at, special);
        ASSERT_EQ(Written(s), json(s).dump()) << "len " << len << " at " << at;
      }
    }
  }
}

TEST(JsonWriterTest, RandomTextMatchesNlohmann) {
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {"a",         "Z",  " ",        "\"",
                                           "\\",        "\n", "\t",       "\x01",
                                           "~",         "/",  "\xc3\xa9", "\xf0\x9f\x98\x80",
                                           "0123456789"};
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    const int n = i % 90;
    for (int k = 0; k < n; ++k) s += pieces[pick(rng)];
    ASSERT_EQ(Written(s), json(s).dump()) << i;
  }
}

TEST(JsonWriterTest, KeepsUtf8AndReplacesInvalidBytes) {
  for (std::string s : {"Caf\xc3\xa9", "\xe2\x82\xac 10", "\xf0\x9f\x98\x80", "\xed\x9f\xbf"}) {
    EXPECT_EQ(Written(s), json(s).dump()) << s;
  }
  // Invalid: a lone continuation byte, an overlong '/', a surrogate, a cut sequence.
  for (std::string s : {"a\x80z", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82"}) {
    const std::string w = Written(s);
    EXPECT_EQ(w, json(s).dump(-1, ' ', false, json::error_handler_t::replace));
    EXPECT_FALSE(json::parse(w, nullptr, false).is_discarded());
  }
}

// The lengths around where the writer's shortcuts for plain text end (64 bytes, then 1 KiB).
std::vector<size_t> LengthsAroundShortcuts() {
  std::vector<size_t> lengths;
  for (size_t n = 1; n <= 80; ++n) lengths.push_back(n);
  for (size_t n = 1012; n <= 1036; ++n) lengths.push_back(n);
  return lengths;
}

// Plain ASCII text skips the UTF-8 check: one byte of 0x80 or more anywhere in otherwise ASCII
// text, of every length around where those shortcuts end, still takes the check.
TEST(JsonWriterTest, OneHighByteAnywhereIsChecked) {
  for (size_t n : LengthsAroundShortcuts()) {
    for (size_t at = 0; at < n; ++at) {
      std::string s(n, 'a');
      s[at] = '\x80';  // a lone continuation byte
      const std::string w = Written(s);
      ASSERT_EQ(w, json(s).dump(-1, ' ', false, json::error_handler_t::replace)) << n << " " << at;
      s[at] = '\xff';
      ASSERT_EQ(Written(s), json(s).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    const std::string ascii(n, 'b');
    EXPECT_EQ(Written(ascii), json(ascii).dump());
  }
}

// Keys and values after a first member take the writer's one-append paths for plain text:
// each needs its comma and quotes, and any byte that needs escaping, at every place of every
// length around where those paths end, must give nlohmann's text.
TEST(JsonWriterTest, MembersOfEveryLengthMatchNlohmann) {
  for (const std::string special : {"\"", "\\", "\n", "\x7f", "\xc3\xa9", "\x80"}) {
    std::vector<size_t> lengths = LengthsAroundShortcuts();
    lengths.insert(lengths.begin(), 0);
    for (size_t n : lengths) {
      for (size_t at = 0; at <= n; at += (n > 20 ? 7 : 1)) {
        std::string s(n, 'k');
        if (at < n) s.replace(at, 1, special);
        std::string out;
        JsonWriter w(out);
        w.BeginObject();
        w.Key("first");
        w.String(s);
        w.Key(s + "2");
        w.BeginArray();
        w.String(s);
        w.String(s);
        w.EndArray();
        w.EndObject();
        nlohmann::ordered_json expected;  // members in the order written
        expected["first"] = s;
        expected[s + "2"] = {s, s};
        ASSERT_EQ(out,
                  expected.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
            << n << " " << at;
      }
    }
  }
}

TEST(JsonWriterTest, TimestampsAreFormatInstantsText) {
  const std::vector<Instant> instants = {
      FromMillis(0),
      FromMillis(1795460914417),
      FromMillis(-1),                           // 1969
      FromMillis(253402300799999),              // 9999-12-31T23:59:59.999Z, the last 4-digit year
      FromMillis(253402300800000),              // year 10000: written by the general path
      FromMillis(-62167219200000 - 86400000)};  // the day before year 0
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  json expected = json::array();
  for (const Instant t : instants) {
    w.Timestamp(t);
    expected.push_back(FormatInstant(t));
  }
  w.EndArray();
  EXPECT_EQ(out, expected.dump());
  EXPECT_EQ(FormatInstant(FromMillis(1795460914417)), "2026-11-23T19:08:34.417Z");
}

TEST(JsonWriterTest, RandomStringsRoundTrip) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<size_t>(i % 40), '\0');
    for (auto& ch : s) ch = static_cast<char>(byte(rng));
    const json parsed = json::parse(Written(s), nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << i;
    EXPECT_EQ(Written(s), json(s).dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

TEST(JsonWriterTest, WritesNestedValuesAndDropsEmptyObjects) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.Int(-12);
  auto m = w.Here();
  w.Key("empty");
  w.BeginObject();
  w.EndObjectOrDrop(m);
  w.Key("list");
  w.BeginArray();
  w.Bool(true);
  w.Null();
  w.String("x\"y");
  w.EndArray();
  m = w.Here();
  w.Key("full");
  w.BeginObject();
  w.Key("k");
  w.Bool(false);
  w.EndObjectOrDrop(m);
  w.EndObject();
  EXPECT_EQ(json::parse(out),
            json({{"a", -12}, {"list", {true, nullptr, "x\"y"}}, {"full", {{"k", false}}}}));
}

}  // namespace
}  // namespace redress::core
