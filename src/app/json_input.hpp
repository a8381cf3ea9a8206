// Strict reading of request JSON: every field is checked for type and size, unknown fields are
// refused, and every problem is collected with its JSON pointer so one response names them all.
// Never throws.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace redress::app {

class JsonInput {
 public:
  // `object` must outlive this reader. `pointer` is the JSON pointer of `object` ("" at root).
  JsonInput(const nlohmann::json& object, std::string pointer,
            std::vector<core::FieldError>* errors);

  bool is_object() const { return object_.is_object(); }

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
  JsonInput Object(std::string_view key, bool required);
  // An enum through its parser; unknown values are listed in the error.
  template <typename E, typename Parse>
  std::optional<E> Enum(std::string_view key, bool required, Parse parse,
                        std::string_view allowed_list) {
    std::string s = String(key, required, 64);
    if (s.empty()) return std::nullopt;
    if (auto v = parse(s)) return v;
    Fail(key, "must be one of: " + std::string(allowed_list));
    return std::nullopt;
  }

  void Fail(std::string_view key, std::string message);
  std::string PointerOf(std::string_view key) const;

 private:
  const nlohmann::json* Find(std::string_view key) const;

  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<core::FieldError>* errors_;
};

// Parses a request body; kMalformed with a location when it is not JSON or not an object.
core::Result<nlohmann::json> ParseJsonObject(std::string_view body);

}  // namespace redress::app
