// Outgoing MIME by vmime. The message is assembled part by part rather than with
// vmime::messageBuilder because the builder lets vmime pick "7bit" for an ASCII body, which
// keeps bare LFs and any long line as they are: here a part is base64 or quoted-printable
// (both 7-bit, wrapped at 76 columns), and the bodies are put in canonical form (CRLF line
// breaks) first. Two vmime 0.9.2 defects are worked around below (see Phrase and
// QuotedPrintable). vmime throws; nothing leaves this file.
#include "mail/compose.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <string_view>
#include <vmime/platforms/posix/posixHandler.hpp>
#include <vmime/utility/inputStreamStringAdapter.hpp>
#include <vmime/utility/outputStreamStringAdapter.hpp>
#include <vmime/vmime.hpp>

namespace redress::mail {
namespace {

using core::Errc;
using core::MakeError;

// The header fields ComposeMessage writes itself; an extra header may not repeat them.
constexpr std::array<std::string_view, 12> kOwnHeaders = {
    "from",        "to",         "subject",      "date",         "message-id",
    "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
    "cc",          "bcc"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

// Printable ASCII without space: addresses and message ids (RFC 5322 atext, dots, '@' and
// the rest), checked before vmime so that a bad value is refused rather than mangled.
bool PrintableToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 32 && c < 127; });
}

// local@domain, one '@', no brackets, quotes, commas or other specials that would change the
// meaning of the header it goes in; at most 254 bytes (RFC 5321).
bool PlainAddress(std::string_view s) {
  if (!PrintableToken(s) || s.size() > 254) return false;
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  return s.find_first_of("<>()[]\\,;:\"") == std::string_view::npos;
}

// RFC 5322 field name: printable ASCII except ':'.
bool FieldName(std::string_view s) {
  return !s.empty() && s.size() <= 76 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 32 && c < 127 && c != ':'; });
}

// A message id of someone else's (In-Reply-To, References) that can be written back between
// brackets: ids come from the wild, so anything printable is taken, '@' or not.
bool UsableId(std::string_view s) {
  return PrintableToken(s) && s.size() <= 250 && s.find_first_of("<>") == std::string_view::npos;
}

// Unstructured ASCII field body on one line, short enough never to need folding inside a word.
bool AsciiLine(std::string_view s) {
  return s.size() <= 900 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 32 && c < 127) || c == '\t'; });
}

// A header phrase (subject, display name) as one vmime word on one line. vmime::text's own
// constructor splits the phrase into words and loses or doubles the spaces between an encoded
// word and the next (vmime 0.9.2: "Bank — Complaints" came back as "Bank —Complaints"); one
// word is encoded whole, in as many encoded words as the line length needs, and decodes back
// exactly. ASCII stays readable: vmime leaves a us-ascii word unencoded when it can.
vmime::text Phrase(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return c > 0 && c < 127; });
  vmime::text t;
  t.appendWord(vmime::make_shared<vmime::word>(
      s, vmime::charset(ascii ? vmime::charsets::US_ASCII : vmime::charsets::UTF_8)));
  return t;
}

vmime::mailbox Mailbox(const std::string& name, const std::string& address) {
  if (name.empty()) return vmime::mailbox(vmime::emailAddress(address));
  return vmime::mailbox(Phrase(name), vmime::emailAddress(address));
}

// Canonical text form: every line break CRLF (RFC 2046 §4.1.1), whatever the template used.
std::string Canonical(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (s[i] == '\n') {
      out += "\r\n";
    } else {
      out += s[i];
    }
  }
  return out;
}

// The usable ids of `ids`: a reply to a message whose id cannot be written back still goes
// out, only less well threaded.
vmime::messageIdSequence Ids(const std::vector<std::string>& ids) {
  vmime::messageIdSequence seq;
  for (const auto& id : ids) {
    if (UsableId(id)) seq.appendMessageId(vmime::make_shared<vmime::messageId>(id));
  }
  return seq;
}

// Quoted-printable by vmime's encoder, one line at a time. vmime 0.9.2's encoder in text mode
// (what body generation uses for text/*) does not restart its column count at a line break,
// so it can put a soft break between the CR and the LF of a hard one ("\r=\r\n\n": a bare
// CR and a bare LF on the wire, which MTAs refuse as SMTP smuggling). Fed one line at a time
// in binary mode, with the CRLF written between lines, it only soft-wraps within a line.
std::string QuotedPrintable(const std::string& canonical) {
  auto encoder = vmime::encoding(vmime::encodingTypes::QUOTED_PRINTABLE).getEncoder();
  encoder->getProperties()["maxlinelength"] = vmime::lineLengthLimits::convenient;
  encoder->getProperties()["text"] = false;
  std::string out;
  out.reserve(canonical.size() + canonical.size() / 8);
  vmime::utility::outputStreamStringAdapter os(out);
  size_t pos = 0;
  while (pos < canonical.size()) {
    size_t end = canonical.find("\r\n", pos);
    const bool last = end == std::string::npos;
    if (last) end = canonical.size();
    vmime::utility::inputStreamStringAdapter in(canonical, pos, end);
    encoder->encode(in, os);
    if (!last) os.write("\r\n", 2);
    pos = last ? end : end + 2;
  }
  os.flush();
  return out;
}

// A UTF-8 text part in canonical form, base64 when vmime judges the text mostly non-ASCII,
// quoted-printable otherwise.
vmime::shared_ptr<vmime::bodyPart> TextPart(const std::string& content, const char* subtype) {
  const vmime::charset utf8(vmime::charsets::UTF_8);
  const vmime::mediaType type(vmime::mediaTypes::TEXT, subtype);
  const std::string canonical = Canonical(content);
  auto data = vmime::make_shared<vmime::stringContentHandler>(canonical);
  auto part = vmime::make_shared<vmime::bodyPart>();
  const vmime::encoding base64(vmime::encodingTypes::BASE64);
  if (vmime::encoding::decide(data, utf8, vmime::encoding::USAGE_TEXT) == base64) {
    part->getBody()->setContents(data, type, utf8, base64);
  } else {
    const vmime::encoding qp(vmime::encodingTypes::QUOTED_PRINTABLE);
    // Already encoded in the part's own encoding: vmime copies it as it is.
    part->getBody()->setContents(
        vmime::make_shared<vmime::stringContentHandler>(QuotedPrintable(canonical), qp), type, utf8,
        qp);
  }
  return part;
}

core::Status Check(const OutgoingMail& m) {
  if (!PlainAddress(m.from_address)) {
    return MakeError(Errc::kInvalid, "The sender address is not a plain ASCII local@domain.");
  }
  if (!PlainAddress(m.to_address)) {
    return MakeError(Errc::kInvalid, "The recipient address is not a plain ASCII local@domain.");
  }
  if (!PlainAddress(m.message_id)) {
    return MakeError(Errc::kInvalid, "The Message-ID must be left@right, without brackets.");
  }
  for (const auto& [name, value] : m.extra_headers) {
    if (!FieldName(name)) return MakeError(Errc::kInvalid, "An extra header has a bad name.");
    for (auto own : kOwnHeaders) {
      if (EqualsIgnoreCase(name, own)) {
        return MakeError(Errc::kInvalid, "The extra header " + name + " is set by the composer.");
      }
    }
    if (!AsciiLine(value)) {
      return MakeError(Errc::kInvalid,
                       "The extra header " + name + " must be one line of printable ASCII.");
    }
  }
  return {};
}

}  // namespace

void InitVmime() {
  static std::once_flag once;
  std::call_once(once,
                 [] { vmime::platform::setHandler<vmime::platforms::posix::posixHandler>(); });
}

core::Result<std::string> ComposeMessage(const OutgoingMail& m) {
  if (auto ok = Check(m); !ok) return ok.error();
  InitVmime();
  try {
    auto msg = vmime::make_shared<vmime::message>();
    auto header = msg->getHeader();
    header->From()->setValue(Mailbox(m.from_name, m.from_address));
    vmime::addressList to;
    to.appendAddress(vmime::make_shared<vmime::mailbox>(Mailbox(m.to_name, m.to_address)));
    header->To()->setValue(to);
    header->Subject()->setValue(Phrase(m.subject));
    header->Date()->setValue(vmime::datetime(static_cast<time_t>(m.date_unix_seconds)));
    header->MimeVersion()->setValue(vmime::SUPPORTED_MIME_VERSION);
    header->MessageId()->setValue(vmime::messageId(m.message_id));
    if (auto irt = Ids({m.in_reply_to}); irt.getMessageIdCount() > 0) {
      header->InReplyTo()->setValue(irt);
    }
    if (auto refs = Ids(m.references); refs.getMessageIdCount() > 0) {
      header->References()->setValue(refs);
    }
    auto factory = vmime::headerFieldFactory::getInstance();
    for (const auto& [name, value] : m.extra_headers) {
      header->appendField(factory->create(name, value));
    }
    // multipart/alternative: the plain text first, the preferred (HTML) last (RFC 2046 §5.1.4).
    auto body = msg->getBody();
    body->setContentType(
        vmime::mediaType(vmime::mediaTypes::MULTIPART, vmime::mediaTypes::MULTIPART_ALTERNATIVE));
    body->appendPart(TextPart(m.text, vmime::mediaTypes::TEXT_PLAIN));
    body->appendPart(TextPart(m.html, vmime::mediaTypes::TEXT_HTML));
    return msg->generate();
  } catch (const std::exception& e) {
    return MakeError(Errc::kInvalid, std::string("vmime cannot compose the message: ") + e.what());
  } catch (...) {
    return MakeError(Errc::kInternal, "vmime cannot compose the message.");
  }
}

}  // namespace redress::mail
