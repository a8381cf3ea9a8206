#include "http/mail_intake.hpp"

#include <algorithm>
#include <cctype>

#include "http/attachment_files.hpp"
#include "mail/parse.hpp"
#include "util/crypto.hpp"

namespace redress::http {
namespace {

constexpr std::size_t kMaxAttachments = 10;

std::string Lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string TypeOfExtension(const std::string& filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string ext = Lower(filename.substr(dot + 1));
  if (ext == "pdf") return "application/pdf";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "txt") return "text/plain";
  if (ext == "docx") {
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  }
  return "";
}

}  // namespace

std::string AcceptedAttachmentType(const std::string& declared, const std::string& filename,
                                   std::string_view data) {
  if (data.empty()) return "";
  for (const std::string& type : {Lower(declared), TypeOfExtension(filename)}) {
    if (!type.empty() && ContentMatches(type, data)) return type;
  }
  return "";
}

core::Result<PreparedMail> PrepareInboundMail(std::string_view raw, const std::string& data_dir,
                                              std::size_t max_bytes) {
  if (raw.size() > max_bytes) {
    return core::MakeError(core::Errc::kPayloadTooLarge,
                           "The message is larger than the limit for mail intake.");
  }
  mail::ParseLimits limits;
  limits.max_bytes = max_bytes;
  auto parsed = mail::ParseMessage(raw, limits);
  if (!parsed) return parsed.error();
  PreparedMail out;
  if (!parsed->automatic.empty()) {
    out.ignored = parsed->automatic;
    return out;
  }
  if (parsed->from_address.empty()) {
    return core::MakeError(core::Errc::kInvalid, "The message has no sender address.");
  }
  app::InboundMail& m = out.mail;
  m.message_id = parsed->message_id.empty() ? "sha256:" + util::Sha256Hex(raw) : parsed->message_id;
  m.from_address = parsed->from_address;
  m.from_name = parsed->from_name;
  m.subject = parsed->subject;
  m.text = parsed->text;
  if (!parsed->in_reply_to.empty()) m.thread_ids.push_back(parsed->in_reply_to);
  for (const auto& id : parsed->references) m.thread_ids.push_back(id);
  for (const auto& a : parsed->attachments) {
    const std::string type = AcceptedAttachmentType(a.content_type, a.filename, a.data);
    if (type.empty() || m.attachments.size() >= kMaxAttachments) {
      ++m.refused_attachments;
      continue;
    }
    core::Attachment meta;
    meta.content_type = type;
    meta.size = static_cast<int64_t>(a.data.size());
    meta.filename = a.filename;  // at most 255 bytes, cut on a character (mail/parse)
    if (auto s = StoreAttachmentFile(data_dir, a.data, meta); !s) return std::move(s).error();
    m.attachments.push_back(std::move(meta));
  }
  if (m.subject.empty() && m.text.empty() && m.attachments.empty()) {
    return core::MakeError(core::Errc::kInvalid, "The message has no subject, text or attachment.");
  }
  return out;
}

}  // namespace redress::http
