#include "http/form.hpp"

#include <algorithm>
#include <cctype>

#include "http/message.hpp"

namespace redress::http {
namespace {

using core::Errc;
using core::MakeError;

constexpr size_t kMaxParts = 64;
constexpr size_t kMaxPartHeader = 2048;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a header value like `form-data; name="x"; filename="y"`.
// Quoted values may escape '"' and '\' with a backslash.
bool HeaderParam(std::string_view value, std::string_view name, std::string& out) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return false;
    const std::string key = Lower(Trim(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v.push_back(value[j++]);
      }
      if (j >= value.size()) return false;  // unterminated quote
      ++j;
    } else {
      size_t end = value.find(';', j);
      v = std::string(Trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      j = end == std::string_view::npos ? value.size() : end;
    }
    if (key == name) {
      out = std::move(v);
      return true;
    }
    i = value.find(';', j);
  }
  return false;
}

core::Result<Form> ParseUrlEncoded(std::string_view body) {
  Form form;
  size_t count = 0;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > 1000) return MakeError(Errc::kMalformed, "The form has too many fields.");
    size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!PercentDecode(pair.substr(0, eq), key, true) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value, true))) {
      return MakeError(Errc::kMalformed, "The form body has a bad percent escape.");
    }
    form.fields.emplace(std::move(key), std::move(value));
  }
  return form;
}

core::Result<Form> ParseMultipart(std::string_view content_type, std::string_view body) {
  std::string boundary;
  if (!HeaderParam(content_type, "boundary", boundary) || boundary.empty() ||
      boundary.size() > 70) {
    return MakeError(Errc::kMalformed, "The multipart body has no usable boundary.");
  }
  const std::string delimiter = "--" + boundary;
  const std::string next_delimiter = "\r\n--" + boundary;
  if (body.substr(0, delimiter.size()) != delimiter) {
    // A preamble is allowed: the first delimiter then follows a CRLF.
    size_t at = body.find(next_delimiter);
    if (at == std::string_view::npos) {
      return MakeError(Errc::kMalformed, "The multipart body has no parts.");
    }
    body.remove_prefix(at + 2);
  }
  body.remove_prefix(delimiter.size());
  Form form;
  for (size_t parts = 0;; ++parts) {
    if (body.substr(0, 2) == "--") return form;  // the closing delimiter
    if (body.substr(0, 2) != "\r\n" || parts >= kMaxParts) {
      return MakeError(Errc::kMalformed, "The multipart body is malformed.");
    }
    body.remove_prefix(2);
    const size_t header_end = body.find("\r\n\r\n");
    if (header_end == std::string_view::npos || header_end > kMaxPartHeader) {
      return MakeError(Errc::kMalformed, "A multipart part has no header end.");
    }
    std::string_view headers = body.substr(0, header_end);
    body.remove_prefix(header_end + 4);
    const size_t end = body.find(next_delimiter);
    if (end == std::string_view::npos) {
      return MakeError(Errc::kMalformed, "A multipart part is not terminated.");
    }
    std::string_view data = body.substr(0, end);
    body.remove_prefix(end + next_delimiter.size());

    std::string disposition;
    std::string type;
    while (!headers.empty()) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        return MakeError(Errc::kMalformed, "A multipart part has a bad header.");
      }
      const std::string name = Lower(Trim(line.substr(0, colon)));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (name == "content-disposition") disposition = std::string(value);
      if (name == "content-type") type = Lower(Trim(value.substr(0, value.find(';'))));
    }
    if (Lower(disposition.substr(0, 9)) != "form-data") {
      return MakeError(Errc::kMalformed, "A multipart part is not form-data.");
    }
    std::string field;
    if (!HeaderParam(disposition, "name", field)) {
      return MakeError(Errc::kMalformed, "A multipart part has no name.");
    }
    std::string filename;
    if (HeaderParam(disposition, "filename", filename)) {
      // Browsers send the base name; older ones a whole path: keep what follows the last
      // separator.
      size_t slash = filename.find_last_of("/\\");
      if (slash != std::string::npos) filename = filename.substr(slash + 1);
      form.files.push_back({std::move(field), std::move(filename),
                            type.empty() ? "application/octet-stream" : type, std::string(data)});
    } else {
      form.fields.emplace(std::move(field), std::string(data));
    }
  }
}

}  // namespace

std::string Form::Get(std::string_view name) const {
  auto it = fields.find(std::string(name));
  return it == fields.end() ? std::string() : it->second;
}

core::Result<Form> ParseForm(std::string_view content_type, std::string_view body) {
  const std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/x-www-form-urlencoded") return ParseUrlEncoded(body);
  if (type == "multipart/form-data") return ParseMultipart(content_type, body);
  return MakeError(Errc::kUnsupportedMedia,
                   "A form must be application/x-www-form-urlencoded or multipart/form-data.");
}

}  // namespace redress::http
