// Outgoing messages as MIME, composed by vmime (no hand-written encoding): multipart/
// alternative with a UTF-8 text/plain part then a text/html part, each quoted-printable or
// base64 as vmime decides (never 7bit/8bit), encoded words for non-ASCII subject and display
// names, CRLF line endings. The output is 7-bit ASCII with lines of at most 998 bytes.
// Thread-safe: no shared state beyond vmime's platform handler, set once.
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
  std::vector<std::string> references;  // without brackets, oldest first
  std::int64_t date_unix_seconds = 0;
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// The message's bytes, ready for SMTP DATA (not dot-stuffed: the SMTP client does that).
// The bodies are sent in canonical form, every line break CRLF, so a decoded part equals the
// input with "\n" turned into "\r\n". Newlines in the subject and display names become
// spaces. An In-Reply-To or References id that cannot be written between brackets (empty,
// a space, a bracket, non-ASCII) is left out rather than failing the message. Never throws.
// kInvalid (detail free of the addresses) when an address is not a plain ASCII local@domain,
// `message_id` is not left@right without brackets, or an extra header has a bad name,
// repeats a header composed here, or a value that is not one line of printable ASCII;
// kInvalid/kInternal if vmime throws.
core::Result<std::string> ComposeMessage(const OutgoingMail& m);

// vmime needs its platform handler set once before any use; ComposeMessage and ParseMessage
// (parse.cpp) both call this one (std::call_once).
void InitVmime();

}  // namespace redress::mail
