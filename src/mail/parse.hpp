// Incoming messages, parsed by vmime (MIME structure, RFC 2047/2231 headers, transfer
// encodings, charsets) with gumbo for HTML-only mail: what mail intake needs, as UTF-8.
// Never throws: anything vmime cannot take becomes kInvalid with a detail free of personal
// data. Limits bound the work on hostile input (tests/fuzz/mail_parse_fuzz.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::mail {

struct MailAttachment {
  std::string filename;      // decoded, path parts stripped; "" when none was given
  std::string content_type;  // lower-case type/subtype as declared
  std::string data;          // decoded bytes
};

struct ParseLimits {
  std::size_t max_bytes = 10u << 20;      // the whole message
  std::size_t max_parts = 200;            // body parts in all, nested ones included
  std::size_t max_depth = 16;             // nesting of multiparts and message/rfc822
  std::size_t max_text_bytes = 1u << 20;  // text kept (cut at a UTF-8 boundary)
};

struct ParsedMail {
  std::string from_address;  // addr-spec of the From mailbox
  std::string from_name;     // decoded display name
  std::string subject;       // decoded, on one line
  std::string message_id;    // without angle brackets; "" when absent
  std::string in_reply_to;   // first id of In-Reply-To, without brackets
  std::vector<std::string> references;
  std::string text;  // plain text preferred; HTML turned into text; forwarded mail appended
  bool text_from_html = false;
  std::vector<MailAttachment> attachments;
  // "" for mail a person wrote; else why it is automatic: auto-submitted, precedence,
  // null-return-path, delivery-status, mailer-daemon, autoreply-header.
  std::string automatic;
};

core::Result<ParsedMail> ParseMessage(std::string_view raw, const ParseLimits& limits = {});

// Readable text of an HTML document (block elements on their own lines, links as
// "text (url)", scripts and styles dropped).
std::string HtmlToText(std::string_view html);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD and NUL bytes dropped.
std::string ValidUtf8(std::string_view s);

}  // namespace redress::mail
