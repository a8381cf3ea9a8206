#include "core/json_writer.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace redress::core {
namespace {

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  if (!IsUtf8(s)) {
    out += nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
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

void JsonWriter::Key(std::string_view key) {
  Comma();
  AppendJsonString(out_, key);
  out_ += ':';
  need_comma_ = false;
}

void JsonWriter::String(std::string_view s) {
  Comma();
  AppendJsonString(out_, s);
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
