#include "app/json_input.hpp"

#include <algorithm>

namespace redress::app {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

std::string EscapePointerToken(std::string_view key) {
  std::string out;
  for (char ch : key) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string Trim(std::string s) {
  const auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

bool ValidUtf8(std::string_view s) {
  // nlohmann validates UTF-8 on parse; strings here come from it, so this is a cheap guard
  // against control characters other than tab, newline and carriage return.
  for (unsigned char ch : s) {
    if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') return false;
  }
  return true;
}

}  // namespace

JsonInput::JsonInput(const nlohmann::json& object, std::string pointer,
                     std::vector<core::FieldError>* errors)
    : object_(object), pointer_(std::move(pointer)), errors_(errors) {}

std::string JsonInput::PointerOf(std::string_view key) const {
  return pointer_ + "/" + EscapePointerToken(key);
}

void JsonInput::Fail(std::string_view key, std::string message) {
  errors_->push_back({PointerOf(key), std::move(message)});
}

const nlohmann::json* JsonInput::Find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonInput::AllowOnly(std::initializer_list<std::string_view> allowed) {
  if (!object_.is_object()) return;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      Fail(it.key(), "unknown field");
    }
  }
}

std::string JsonInput::String(std::string_view key, bool required, size_t max_len) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    if (required) Fail(key, "is required");
    return {};
  }
  if (!v->is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  std::string s = Trim(v->get<std::string>());
  if (s.size() > max_len) {
    Fail(key, "is longer than " + std::to_string(max_len) + " bytes");
    return {};
  }
  if (!ValidUtf8(s)) {
    Fail(key, "contains control characters");
    return {};
  }
  if (s.empty() && required) Fail(key, "is required");
  return s;
}

std::optional<int64_t> JsonInput::Integer(std::string_view key, bool required, int64_t min,
                                          int64_t max) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    Fail(key, "must be an integer");
    return std::nullopt;
  }
  int64_t n = 0;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) {
      Fail(key, "must be at most " + std::to_string(max));
      return std::nullopt;
    }
    n = static_cast<int64_t>(u);
  } else {
    n = v->get<int64_t>();
  }
  if (n < min || n > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonInput::Bool(std::string_view key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(key, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<core::Instant> JsonInput::Instant(std::string_view key, bool required) {
  std::string s = String(key, required, 40);
  if (s.empty()) return std::nullopt;
  auto t = core::ParseInstant(s);
  if (!t) Fail(key, "must be an RFC 3339 date-time");
  return t;
}

std::optional<core::LocalDate> JsonInput::Date(std::string_view key, bool required) {
  std::string s = String(key, required, 10);
  if (s.empty()) return std::nullopt;
  auto d = core::ParseDate(s);
  if (!d) Fail(key, "must be a date YYYY-MM-DD");
  return d;
}

std::vector<std::string> JsonInput::StringArray(std::string_view key, size_t max_items,
                                                size_t max_len) {
  std::vector<std::string> out;
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return out;
  if (!v->is_array() || v->size() > max_items) {
    Fail(key, "must be an array of at most " + std::to_string(max_items) + " strings");
    return out;
  }
  for (const auto& item : *v) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > max_len) {
      Fail(key, "must contain only strings of at most " + std::to_string(max_len) + " bytes");
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

JsonInput JsonInput::Object(std::string_view key, bool required) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) {
    if (required) Fail(key, "is required");
    return JsonInput(EmptyObject(), PointerOf(key), errors_);
  }
  if (!v->is_object()) {
    Fail(key, "must be an object");
    return JsonInput(EmptyObject(), PointerOf(key), errors_);
  }
  return JsonInput(*v, PointerOf(key), errors_);
}

core::Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return core::MakeError(core::Errc::kMalformed, "The request body is not valid JSON.");
  }
  if (!j.is_object()) {
    return core::MakeError(core::Errc::kMalformed, "The request body must be a JSON object.");
  }
  return j;
}

}  // namespace redress::app
