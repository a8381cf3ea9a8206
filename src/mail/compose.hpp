// Outgoing messages as MIME, composed by vmime (no hand-written encoding): multipart/
// alternative with a UTF-8 text/plain part then a text/html part, each quoted-printable or
// base64 as vmime decides, encoded words for non-ASCII headers, CRLF line endings.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace redress::mail {

struct OutgoingMail {
  std::string from_address;
  std::string from_name;
  std::string to_address;
  std::string to_name;
  std::string subject;      // UTF-8
  std::string text;         // UTF-8
  std::string html;         // UTF-8
  std::string message_id;   // without angle brackets: "n12.CMP-2026-000001-A@example.org"
  std::string in_reply_to;  // optional, without brackets
  std::vector<std::string> references;  // without brackets
  std::int64_t date_unix_seconds = 0;
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// The message's bytes, ready for SMTP DATA. kInvalid if vmime refuses an address or id.
core::Result<std::string> ComposeMessage(const OutgoingMail& m);

// vmime needs its platform handler set once before any use.
void InitVmime();

}  // namespace redress::mail
