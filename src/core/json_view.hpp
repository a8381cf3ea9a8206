#pragma once
// Read-only views of a parsed JSON value: one over an nlohmann document, one over simdjson's
// DOM. The stored record's mapping (codec.cpp) is written once, as templates over a view, and
// reads either: nlohmann where a document is already at hand, simdjson where the text comes
// straight from the store (a get that misses the record cache parses it several times faster).
//
// A view answers what the mapping asks: its type, a member by key (none when the value is not
// an object), its text, integer or boolean, and its elements or members. Int() and Bool() on a
// value of another type throw WrongJsonType, as nlohmann's value() throws type_error.

#include <simdjson.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace redress::core {

struct WrongJsonType {};

class NlohmannView {
 public:
  explicit NlohmannView(const nlohmann::json& j) : j_(&j) {}

  bool IsObject() const { return j_->is_object(); }
  bool IsArray() const { return j_->is_array(); }
  bool IsString() const { return j_->is_string(); }
  bool IsBool() const { return j_->is_boolean(); }
  bool IsInt() const { return j_->is_number_integer(); }
  bool IsNull() const { return j_->is_null(); }
  // An integer above INT64_MAX (which Int() cannot give).
  bool IsBigUnsigned() const {
    return j_->is_number_unsigned() && j_->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  }

  std::optional<NlohmannView> Find(const char* key) const {
    if (!j_->is_object()) return std::nullopt;
    auto it = j_->find(key);
    if (it == j_->end()) return std::nullopt;
    return NlohmannView(*it);
  }
  // Only when IsString().
  std::string_view Text() const { return j_->get_ref<const std::string&>(); }
  int64_t Int() const {
    if (!j_->is_number()) throw WrongJsonType{};
    return j_->get<int64_t>();
  }
  bool Bool() const {
    if (!j_->is_boolean()) throw WrongJsonType{};
    return j_->get<bool>();
  }
  template <class F>
  void ForEachElement(F&& f) const {
    if (!j_->is_array()) return;
    for (const auto& e : *j_) f(NlohmannView(e));
  }
  template <class F>
  void ForEachMember(F&& f) const {
    if (!j_->is_object()) return;
    for (auto it = j_->begin(); it != j_->end(); ++it)
      f(std::string_view(it.key()), NlohmannView(*it));
  }

 private:
  const nlohmann::json* j_;
};

class SimdView {
 public:
  explicit SimdView(simdjson::dom::element e) : e_(e) {}

  bool IsObject() const { return e_.is_object(); }
  bool IsArray() const { return e_.is_array(); }
  bool IsString() const { return e_.is_string(); }
  bool IsBool() const { return e_.is_bool(); }
  bool IsInt() const { return e_.is_int64() || e_.is_uint64(); }
  bool IsNull() const { return e_.is_null(); }
  // simdjson types an integer UINT64 only above INT64_MAX.
  bool IsBigUnsigned() const { return e_.type() == simdjson::dom::element_type::UINT64; }

  std::optional<SimdView> Find(const char* key) const {
    simdjson::dom::object o;
    if (e_.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
    simdjson::dom::element v;
    if (o.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
    return SimdView(v);
  }
  std::string_view Text() const {
    std::string_view s;
    if (e_.get_string().get(s) != simdjson::SUCCESS) return {};
    return s;
  }
  int64_t Int() const {
    switch (e_.type()) {
      case simdjson::dom::element_type::INT64:
        return e_.get_int64().value_unsafe();
      case simdjson::dom::element_type::UINT64:
        return static_cast<int64_t>(e_.get_uint64().value_unsafe());
      case simdjson::dom::element_type::DOUBLE:
        return static_cast<int64_t>(e_.get_double().value_unsafe());
      default:
        throw WrongJsonType{};
    }
  }
  bool Bool() const {
    bool b = false;
    if (e_.get_bool().get(b) != simdjson::SUCCESS) throw WrongJsonType{};
    return b;
  }
  template <class F>
  void ForEachElement(F&& f) const {
    simdjson::dom::array a;
    if (e_.get_array().get(a) != simdjson::SUCCESS) return;
    for (simdjson::dom::element x : a) f(SimdView(x));
  }
  template <class F>
  void ForEachMember(F&& f) const {
    simdjson::dom::object o;
    if (e_.get_object().get(o) != simdjson::SUCCESS) return;
    for (const auto& field : o) f(field.key, SimdView(field.value));
  }

 private:
  simdjson::dom::element e_;
};

// `text` parsed by simdjson (RFC 8259, UTF-8 checked) on the calling thread's parser, or none
// when it is not one JSON value. The element is valid until the thread's next parse.
std::optional<simdjson::dom::element> ParseJson(std::string_view text);
// Whether `text` is one JSON value.
bool IsJson(std::string_view text);

}  // namespace redress::core
