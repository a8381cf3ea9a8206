// From the raw message `redress mailgate` delivers to what the service takes: parsed with
// vmime (mail/parse.hpp), automatic messages (auto-replies, bounces) set aside, attachments
// put through the upload checks (type by content) and stored content-addressed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "app/service.hpp"
#include "core/result.hpp"

namespace redress::http {

struct PreparedMail {
  std::string ignored;  // non-empty: an automatic message (why), to be dropped without reply
  app::InboundMail mail;
};

// kPayloadTooLarge over `max_bytes`; kInvalid for a message that cannot be taken (no sender,
// nothing in it, unparseable), with a detail free of personal data.
core::Result<PreparedMail> PrepareInboundMail(std::string_view raw, const std::string& data_dir,
                                              std::size_t max_bytes);

// The accepted type of an attachment: the declared type, else the one its file name's
// extension names, if the content matches it (ContentMatches); "" when refused.
std::string AcceptedAttachmentType(const std::string& declared, const std::string& filename,
                                   std::string_view data);

}  // namespace redress::http
