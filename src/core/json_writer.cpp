#include "core/json_writer.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace redress::core {
namespace {

constexpr uint64_t kOnes = 0x0101'0101'0101'0101ULL;
constexpr uint64_t kHighs = 0x8080'8080'8080'8080ULL;

// The high bit of each of the eight bytes of `w` that must be escaped in a JSON string: below
// 0x20, '"' or '\\'. Exact when no byte of `w` is 0x80 or more (such a byte never needs an
// escape, and callers look at high bits apart).
uint64_t EscapeBits(uint64_t w) {
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t below_space = (w - kOnes * 0x20) & ~w;
  const uint64_t is_quote = (quote - kOnes) & ~quote;
  const uint64_t is_backslash = (backslash - kOnes) & ~backslash;
  return (below_space | is_quote | is_backslash) & kHighs;
}

bool NeedsEscape(uint64_t w) { return EscapeBits(w) != 0; }

// The high bit of each byte of `w` that keeps it out of AppendPlain: 0x80 or more, or one that
// needs an escape.
uint64_t NotPlainBits(uint64_t w) { return (w & kHighs) | EscapeBits(w); }

// The last (up to) eight bytes of `s` (not empty) as one word; when `s` is shorter than that,
// its bytes repeated, and spaces (which need no escape) in the rest.
uint64_t LastBytes(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p + n - 8, 8);
    return w;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (static_cast<uint64_t>(hi) << 32);
  }
  constexpr uint64_t kSpacesHigh = (kOnes * ' ') & 0xFFFF'FFFF'0000'0000ULL;
  if (n >= 2) {
    uint16_t lo, hi;
    std::memcpy(&lo, p, 2);
    std::memcpy(&hi, p + n - 2, 2);
    return lo | (static_cast<uint64_t>(hi) << 16) | kSpacesHigh;
  }
  return static_cast<unsigned char>(p[0]) | ((kOnes * ' ') & ~0xFFULL);
}

// Whether no byte of `s` keeps it out of AppendPlain, eight at a time.
inline bool Plain(std::string_view s) {
  const size_t n = s.size();
  uint64_t bad = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    bad |= NotPlainBits(w);
  }
  if (i < n) {
    // The last bytes, read with loads that overlap bytes already looked at (only whether any
    // byte is bad counts): copying them into a word on the stack first would make the load
    // wait for the copy's byte stores, which cost more than the rest of the call.
    bad |= NotPlainBits(LastBytes(s));
  }
  return bad == 0;
}

// AppendPlain for text longer than its constant of quotes: a list page's long category and
// product names (the CFPB's run to 80 bytes). Up to 1 KiB: beyond that the general path's
// SIMD check of the bytes is the faster one.
bool AppendLongPlain(std::string& out, char pre, std::string_view s, char post) {
  const size_t n = s.size();
  if (n > 1024 || !Plain(s)) return false;
  out.reserve(out.size() + n + 4);
  if (pre != 0) out += pre;
  out += '"';
  out.append(s);
  out += '"';
  if (post != 0) out += post;
  return true;
}

// Appends `pre` (unless 0), `s` in quotes, then `post` (unless 0), and returns
// true, when `s` is ASCII text that needs no escape, at most 1 KiB of it: the keys, codes,
// names and instants that make most of a record. Otherwise appends nothing and returns false.
bool AppendPlain(std::string& out, char pre, std::string_view s, char post) {
  constexpr size_t kMax = 64;
  const size_t n = s.size();
  if (n > kMax) return AppendLongPlain(out, pre, s, post);
  if (!Plain(s)) return false;
  // Quotes everywhere, then the rest written over them in place. The quotes are copied from a
  // constant by memcpy: knowing that `total` is at most 68, GCC would inline append(total,
  // '"') as `rep stos` (and a copy as `rep movs`), whose start-up costs several times what
  // the call does; the empty asm hides that bound (docs/performance.md).
  static constexpr char kQuotes[] =
      "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""
      "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"";
  static_assert(sizeof(kQuotes) - 1 >= kMax + 4);
  size_t total = n + 2 + (pre != 0 ? 1 : 0) + (post != 0 ? 1 : 0);
  asm("" : "+r"(total));
  out.append(kQuotes, total);
  char* d = out.data() + out.size() - total;
  if (pre != 0) *d++ = pre;
  std::memcpy(d + 1, s.data(), n);
  if (post != 0) d[n + 2] = post;
  return true;
}

// Whether the short text is all ASCII (so well-formed UTF-8), eight bytes at a time.
bool ShortAscii(std::string_view s) {
  if (s.size() > 64) return false;
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    any |= w;
  }
  for (; i < s.size(); ++i) any |= static_cast<unsigned char>(s[i]);
  return (any & 0x8080'8080'8080'8080ULL) == 0;
}

// `s` as a JSON string literal, by the general path: any length, escapes, UTF-8 checked.
void AppendEscaped(std::string& out, std::string_view s) {
  // Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), checked with
  // SIMD instructions; most strings of a record are short and ASCII, and simdjson's call
  // (through its chosen implementation) costs more than looking at their bytes.
  if (!ShortAscii(s) && !simdjson::validate_utf8(s.data(), s.size())) {
    out += nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs escaping (most text).
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsEscape(w)) break;
      i += 8;
    }
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  if (!AppendPlain(out, 0, s, 0)) AppendEscaped(out, s);
}

void JsonWriter::Key(std::string_view key) {
  if (!AppendPlain(out_, need_comma_ ? ',' : 0, key, ':')) {
    Comma();
    AppendEscaped(out_, key);
    out_ += ':';
  }
  need_comma_ = false;
}

void JsonWriter::String(std::string_view s) {
  if (!AppendPlain(out_, need_comma_ ? ',' : 0, s, 0)) {
    Comma();
    AppendEscaped(out_, s);
  }
  need_comma_ = true;
}

void JsonWriter::Timestamp(Instant t) {
  char buf[27];
  size_t k = 0;
  if (need_comma_) buf[k++] = ',';
  buf[k++] = '"';
  if (PutInstant(buf + k, t)) {
    k += 24;
    buf[k++] = '"';
    out_.append(buf, k);
  } else {
    Comma();
    AppendJsonString(out_, FormatInstant(t));
  }
  need_comma_ = true;
}

void JsonWriter::Int(int64_t v) {
  Comma();
  fmt::format_to(std::back_inserter(out_), "{}", v);
  need_comma_ = true;
}

void JsonWriter::Bool(bool b) {
  Comma();
  out_ += b ? "true" : "false";
  need_comma_ = true;
}

void JsonWriter::Raw(std::string_view json_text) {
  Comma();
  out_ += json_text;
  need_comma_ = true;
}

void JsonWriter::Null() {
  Comma();
  out_ += "null";
  need_comma_ = true;
}

void JsonWriter::EndObjectOrDrop(Mark m) {
  // Empty if nothing follows the '{' (written right after the key at the mark).
  if (!out_.empty() && out_.back() == '{') {
    out_.resize(m.size);
    need_comma_ = m.need_comma;
    return;
  }
  EndObject();
}

}  // namespace redress::core
