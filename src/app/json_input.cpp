#include "app/json_input.hpp"

#include <algorithm>

namespace redress::app {
namespace {

// Appends `key` as a JSON pointer's token (RFC 6901: '~' as ~0, '/' as ~1).
void AppendPointerToken(std::string& out, std::string_view key) {
  if (key.find_first_of("~/") == std::string_view::npos) {
    out += key;
    return;
  }
  for (char ch : key) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out.push_back(ch);
    }
  }
}

std::string_view Trim(std::string_view s) {
  const auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  auto first = std::find_if(s.begin(), s.end(), not_space);
  auto last = std::find_if(s.rbegin(), s.rend(), not_space).base();
  return first < last ? std::string_view(&*first, static_cast<size_t>(last - first))
                      : std::string_view();
}

bool ValidUtf8(std::string_view s) {
  // Both parsers validate UTF-8; strings here come from them, so this is a cheap guard
  // against control characters other than tab, newline and carriage return.
  for (unsigned char ch : s) {
    if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') return false;
  }
  return true;
}

}  // namespace

template <class View>
std::string BasicJsonInput<View>::PointerOf(std::string_view key) const {
  std::string out;
  out.reserve(pointer_.size() + 1 + key.size());
  out += pointer_;
  out += '/';
  AppendPointerToken(out, key);
  return out;
}

template <class View>
void BasicJsonInput<View>::Fail(std::string_view key, std::string message) {
  errors_->push_back({PointerOf(key), std::move(message)});
}

template <class View>
std::optional<View> BasicJsonInput<View>::Find(std::string_view key) const {
  // The last of duplicates, as nlohmann keeps it.
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->first == key) {
      if (it->second.IsNull()) return std::nullopt;
      return it->second;
    }
  }
  return std::nullopt;
}

template <class View>
void BasicJsonInput<View>::AllowOnly(std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : members_) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) Fail(k, "unknown field");
  }
}

template <class View>
std::string BasicJsonInput<View>::String(std::string_view key, bool required, size_t max_len) {
  const std::optional<View> v = Find(key);
  if (!v) {
    if (required) Fail(key, "is required");
    return {};
  }
  if (!v->IsString()) {
    Fail(key, "must be a string");
    return {};
  }
  const std::string_view s = Trim(v->Text());
  if (s.size() > max_len) {
    Fail(key, "is longer than " + std::to_string(max_len) + " bytes");
    return {};
  }
  if (!ValidUtf8(s)) {
    Fail(key, "contains control characters");
    return {};
  }
  if (s.empty() && required) Fail(key, "is required");
  return std::string(s);
}

template <class View>
std::optional<int64_t> BasicJsonInput<View>::Integer(std::string_view key, bool required,
                                                     int64_t min, int64_t max) {
  const std::optional<View> v = Find(key);
  if (!v) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!v->IsInt()) {
    Fail(key, "must be an integer");
    return std::nullopt;
  }
  if (v->IsBigUnsigned()) {  // above INT64_MAX, so above any `max`
    Fail(key, "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  const int64_t n = v->Int();
  if (n < min || n > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

template <class View>
std::optional<bool> BasicJsonInput<View>::Bool(std::string_view key) {
  const std::optional<View> v = Find(key);
  if (!v) return std::nullopt;
  if (!v->IsBool()) {
    Fail(key, "must be true or false");
    return std::nullopt;
  }
  return v->Bool();
}

template <class View>
std::optional<core::Instant> BasicJsonInput<View>::Instant(std::string_view key, bool required) {
  std::string s = String(key, required, 40);
  if (s.empty()) return std::nullopt;
  auto t = core::ParseInstant(s);
  if (!t) Fail(key, "must be an RFC 3339 date-time");
  return t;
}

template <class View>
std::optional<core::LocalDate> BasicJsonInput<View>::Date(std::string_view key, bool required) {
  std::string s = String(key, required, 10);
  if (s.empty()) return std::nullopt;
  auto d = core::ParseDate(s);
  if (!d) Fail(key, "must be a date YYYY-MM-DD");
  return d;
}

template <class View>
std::vector<std::string> BasicJsonInput<View>::StringArray(std::string_view key, size_t max_items,
                                                           size_t max_len) {
  std::vector<std::string> out;
  const std::optional<View> v = Find(key);
  if (!v) return out;
  size_t items = 0;
  bool strings = true;
  if (v->IsArray()) {
    v->ForEachElement([&](View item) {
      ++items;
      if (!item.IsString() || item.Text().size() > max_len) strings = false;
    });
  }
  if (!v->IsArray() || items > max_items) {
    Fail(key, "must be an array of at most " + std::to_string(max_items) + " strings");
    return out;
  }
  if (!strings) {
    Fail(key, "must contain only strings of at most " + std::to_string(max_len) + " bytes");
    return out;
  }
  out.reserve(items);
  v->ForEachElement([&](View item) { out.emplace_back(item.Text()); });
  return out;
}

template <class View>
BasicJsonInput<View> BasicJsonInput<View>::Object(std::string_view key, bool required) {
  const std::optional<View> v = Find(key);
  if (!v) {
    if (required) Fail(key, "is required");
    return BasicJsonInput(PointerOf(key), errors_);
  }
  if (!v->IsObject()) {
    Fail(key, "must be an object");
    return BasicJsonInput(PointerOf(key), errors_);
  }
  return BasicJsonInput(*v, PointerOf(key), errors_);
}

template class BasicJsonInput<core::NlohmannView>;
template class BasicJsonInput<core::SimdView>;

core::Error NotJsonError() {
  return core::MakeError(core::Errc::kMalformed, "The request body is not valid JSON.");
}

core::Error NotAnObjectError() {
  return core::MakeError(core::Errc::kMalformed, "The request body must be a JSON object.");
}

core::Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return NotJsonError();
  if (!j.is_object()) return NotAnObjectError();
  return j;
}

}  // namespace redress::app
