// JsonWriter: appends JSON text straight to a string. Used where building an nlohmann::json
// document first costs more than the rest of the work: the complaint's storage encoding and
// the intake events, written on every POST /api/v1/complaints (bench/intake_bench measured
// the document route at several times the cost of this one). Everything else uses nlohmann.
//
// Strings are escaped exactly as nlohmann::json::dump() does (tests compare the two); a string
// that is not valid UTF-8 is handed to nlohmann with invalid bytes replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace redress::core {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);
  void String(std::string_view s);
  // An instant as FormatInstant writes it, without building the string first.
  void Timestamp(Instant t);
  void Int(int64_t v);
  void Bool(bool b);
  void Null();
  // A value that is already JSON text (the caller vouches for it).
  void Raw(std::string_view json_text);
  // Continues text that ends inside an object or array after a member or element (text
  // another writer wrote, with its closing bracket cut off): the next value gets a comma.
  void ContinueAfterValue() { need_comma_ = true; }

  // Where the text stands, to drop an object that turned out empty (see EndObjectOrDrop).
  struct Mark {
    size_t size;
    bool need_comma;
  };
  Mark Here() const { return {out_.size(), need_comma_}; }
  // Closes the object opened after `m`, or removes it and its key if it has no member.
  void EndObjectOrDrop(Mark m);

 private:
  void Comma() {
    if (need_comma_) out_ += ',';
  }
  void Open(char c) {
    Comma();
    out_ += c;
    need_comma_ = false;
  }
  void Close(char c) {
    out_ += c;
    need_comma_ = true;
  }

  std::string& out_;
  bool need_comma_ = false;
};

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace redress::core
