// Strict reading of request JSON: every field is checked for type and size, unknown fields are
// refused, and every problem is collected with its JSON pointer so one response names them all.
// Never throws.
//
// The reader is a template over a read-only JSON view (core/json_view.hpp): JsonInput reads an
// nlohmann document (the web form's fields, tests), BasicJsonInput<core::SimdView> a simdjson
// element (request bodies on the hot paths, parsed several times faster). Both read the same way: a
// member that is null counts as missing, and of two members with one key the last counts (as
// nlohmann keeps it).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/json_view.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace redress::app {

template <class View>
class BasicJsonInput {
 public:
  // The viewed document must outlive this reader. `pointer` is the JSON pointer of `object`
  // ("" at root).
  BasicJsonInput(View object, std::string pointer, std::vector<core::FieldError>* errors)
      : is_object_(object.IsObject()), pointer_(std::move(pointer)), errors_(errors) {
    // The members listed once: each field's look-up then compares keys, not the parser's
    // tape or map.
    object.ForEachMember([this](std::string_view k, View v) { members_.emplace_back(k, v); });
  }
  BasicJsonInput(
      const nlohmann::json& object, std::string pointer,
      std::vector<core::FieldError>* errors) requires std::is_same_v<View, core::NlohmannView>
      : BasicJsonInput(View(object), std::move(pointer), errors) {}

  // True for an absent object too (read as an empty one).
  bool is_object() const { return is_object_; }

  // Refuses any member not in `allowed`.
  void AllowOnly(std::initializer_list<std::string_view> allowed);

  // Strings are trimmed of surrounding white space; empty counts as missing.
  std::string String(std::string_view key, bool required, size_t max_len = 2000);
  std::optional<int64_t> Integer(std::string_view key, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view key);
  std::optional<core::Instant> Instant(std::string_view key, bool required);
  std::optional<core::LocalDate> Date(std::string_view key, bool required);
  std::vector<std::string> StringArray(std::string_view key, size_t max_items, size_t max_len);
  // A nested object reader; absent → a reader over an empty object. Wrong type → error.
  BasicJsonInput Object(std::string_view key, bool required);
  // An enum through its parser; unknown values are listed in the error.
  // `parse` takes the text and returns a std::optional of the enum.
  template <typename Parse>
  auto Enum(std::string_view key, bool required, Parse parse, std::string_view allowed_list)
      -> decltype(parse(std::string_view())) {
    std::string s = String(key, required, 64);
    if (s.empty()) return std::nullopt;
    if (auto v = parse(s)) return v;
    Fail(key, "must be one of: " + std::string(allowed_list));
    return std::nullopt;
  }

  void Fail(std::string_view key, std::string message);
  std::string PointerOf(std::string_view key) const;

 private:
  // No object: an absent one, read as empty.
  BasicJsonInput(std::string pointer, std::vector<core::FieldError>* errors)
      : pointer_(std::move(pointer)), errors_(errors) {}
  // The member `key` unless it is missing or null.
  std::optional<View> Find(std::string_view key) const;

  bool is_object_ = true;  // an absent object reads as an empty one
  std::vector<std::pair<std::string_view, View>> members_;  // in the text's order
  std::string pointer_;
  std::vector<core::FieldError>* errors_;
};

using JsonInput = BasicJsonInput<core::NlohmannView>;

// Parses a request body; kMalformed with a location when it is not JSON or not an object.
core::Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The kMalformed errors of a request body that is not JSON, or not a JSON object.
core::Error NotJsonError();
core::Error NotAnObjectError();

// Parses a request body with simdjson on the calling thread's parser and, when it is a JSON
// object, hands it to `read` at once: the view is valid only during that call (the thread's
// next parse reuses the parser's buffers). kMalformed as ParseJsonObject when it is not.
// A UTF-8 byte order mark before the text is skipped, as nlohmann does (RFC 8259 lets a parser
// ignore one).
template <class F>
auto ReadJsonObject(std::string_view body, F&& read)
    -> decltype(read(core::SimdView(std::declval<simdjson::dom::element>()))) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  if (body.empty()) return read(core::SimdView(*core::ParseJson("{}")));
  auto root = core::ParseJson(body);
  if (!root) return NotJsonError();
  if (!root->is_object()) return NotAnObjectError();
  return read(core::SimdView(*root));
}

}  // namespace redress::app
