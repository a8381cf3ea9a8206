// HTML form bodies: application/x-www-form-urlencoded and multipart/form-data (RFC 7578),
// as browsers send them from the portal's plain form POSTs.
//
// The multipart reader is deliberately small: form-data parts only (no nested multiparts,
// no transfer encodings, which RFC 7578 §4.7 deprecates), headers of at most 2 KiB per part,
// at most 64 parts. Anything else is kMalformed; nothing is partly returned.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::http {

struct FormFile {
  std::string field;         // the input's name
  std::string filename;      // as the browser sent it (no path)
  std::string content_type;  // as the browser declared it, lower-case, no parameters
  std::string data;
};

struct Form {
  std::multimap<std::string, std::string> fields;
  std::vector<FormFile> files;  // parts with a filename (an empty file input sends one too)

  // The first value of `name`, or "".
  std::string Get(std::string_view name) const;
};

// Decodes a body by its Content-Type header value.
core::Result<Form> ParseForm(std::string_view content_type, std::string_view body);

}  // namespace redress::http
