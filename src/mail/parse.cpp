#include "mail/parse.hpp"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <vmime/vmime.hpp>

#include "mail/compose.hpp"

namespace redress::mail {
namespace {

using core::Errc;
using core::MakeError;

struct LimitExceeded {
  const char* what;
};

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Line endings to "\n", trailing blank space off.
std::string Normalise(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

// Cuts at most `max` bytes, at a UTF-8 character boundary.
void CutUtf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

bool IsUtf8(std::string_view s) { return ValidUtf8(s).size() == s.size() && ValidUtf8(s) == s; }

const vmime::charset& Utf8() {
  static const vmime::charset cs(vmime::charsets::UTF_8);
  return cs;
}

// Bytes in `cs` to UTF-8; a charset iconv does not know, or a lie, falls back to
// Windows-1252 (which maps every byte) unless the bytes are UTF-8 already.
std::string ToUtf8(const std::string& bytes, const vmime::charset& cs) {
  std::string out;
  try {
    vmime::charset::convert(bytes, out, cs, Utf8());
    return ValidUtf8(out);
  } catch (...) {
  }
  if (IsUtf8(bytes)) return ValidUtf8(bytes);
  out.clear();
  try {
    vmime::charset::convert(bytes, out, vmime::charset("windows-1252"), Utf8());
    return ValidUtf8(out);
  } catch (...) {
    return ValidUtf8(bytes);
  }
}

// One word to UTF-8. Raw 8-bit bytes in a header (RFC 6532 allows UTF-8 there; older
// software wrote Latin-1) come as an "us-ascii" word: UTF-8 if they are, else Windows-1252.
std::string WordText(const vmime::word& w) {
  const std::string& bytes = w.getBuffer();
  const bool eight_bit = std::any_of(bytes.begin(), bytes.end(),
                                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (eight_bit && Lower(w.getCharset().getName()) == "us-ascii") {
    return ToUtf8(bytes, IsUtf8(bytes) ? Utf8() : vmime::charset("windows-1252"));
  }
  return ToUtf8(bytes, w.getCharset());
}

std::string TextOf(const vmime::text& t) {
  std::string out;
  for (size_t i = 0; i < t.getWordCount(); ++i) out += WordText(*t.getWordAt(i));
  return ValidUtf8(out);
}

std::string AddressOf(const vmime::emailAddress& a) {
  const std::string local = WordText(a.getLocalName());
  const std::string domain = WordText(a.getDomainName());
  if (local.empty() || domain.empty()) return "";
  return local + "@" + domain;
}

std::string OneLine(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\t'; }, ' ');
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return Trim(out);
}

std::shared_ptr<const vmime::headerField> Field(const vmime::header& h, const std::string& name) {
  return h.findField(name);
}

// A header field's value as text (encoded words decoded), or "".
std::string FieldText(const vmime::header& h, const std::string& name) {
  auto f = Field(h, name);
  if (!f) return "";
  auto v = f->getValue();
  if (!v) return "";
  if (auto t = vmime::dynamicCast<const vmime::text>(v)) return OneLine(TextOf(*t));
  return OneLine(ValidUtf8(v->generate()));
}

std::string IdOf(const vmime::messageId& id) {
  return ValidUtf8(id.getRight().empty() ? id.getLeft() : id.getLeft() + "@" + id.getRight());
}

std::vector<std::string> IdsOf(const vmime::header& h, const std::string& name) {
  std::vector<std::string> out;
  auto f = Field(h, name);
  if (!f) return out;
  if (auto seq = vmime::dynamicCast<const vmime::messageIdSequence>(f->getValue())) {
    for (size_t i = 0; i < seq->getMessageIdCount() && out.size() < 100; ++i) {
      std::string id = IdOf(*seq->getMessageIdAt(i));
      if (!id.empty()) out.push_back(std::move(id));
    }
  }
  return out;
}

// The decoded contents; an encoding vmime does not know leaves them as they came.
std::string Extract(const vmime::body& body) {
  std::string out;
  try {
    vmime::utility::outputStreamStringAdapter os(out);
    body.getContents()->extract(os);
    return out;
  } catch (...) {
  }
  out.clear();
  try {
    vmime::utility::outputStreamStringAdapter os(out);
    body.getContents()->extractRaw(os);
  } catch (...) {
    out.clear();
  }
  return out;
}

std::string FileNameOf(const vmime::header& h) {
  std::string name;
  if (auto cd = vmime::dynamicCast<const vmime::parameterizedHeaderField>(
          Field(h, vmime::fields::CONTENT_DISPOSITION))) {
    if (auto p = cd->findParameter("filename")) name = TextOf(vmime::text(p->getValue()));
  }
  if (name.empty()) {
    if (auto ct = vmime::dynamicCast<const vmime::parameterizedHeaderField>(
            Field(h, vmime::fields::CONTENT_TYPE))) {
      if (auto p = ct->findParameter("name")) name = TextOf(vmime::text(p->getValue()));
    }
  }
  name = OneLine(name);
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  CutUtf8(name, 255);  // never inside a character
  return name;
}

class Walker {
 public:
  Walker(const ParseLimits& limits, ParsedMail& out) : limits_(limits), out_(out) {}

  void Message(const vmime::message& msg, size_t depth) { Part(msg, depth); }

  // The text collected, in order; plain parts win over HTML ones within an alternative.
  std::string text;
  bool from_html = false;

 private:
  void Count(size_t depth) {
    if (++parts_ > limits_.max_parts) throw LimitExceeded{"The message has too many parts."};
    if (depth > limits_.max_depth) throw LimitExceeded{"The message is nested too deeply."};
  }

  void AddText(std::string t) {
    t = Normalise(t);
    if (t.empty()) return;
    if (!text.empty()) text += "\n\n";
    text += t;
    if (text.size() > limits_.max_text_bytes * 2) CutUtf8(text, limits_.max_text_bytes * 2);
  }

  void Part(const vmime::bodyPart& part, size_t depth) {
    Count(depth);
    const vmime::header& h = *part.getHeader();
    const vmime::body& body = *part.getBody();
    vmime::mediaType mt(vmime::mediaTypes::TEXT, vmime::mediaTypes::TEXT_PLAIN);
    if (auto ct = Field(h, vmime::fields::CONTENT_TYPE)) {
      if (auto v = vmime::dynamicCast<const vmime::mediaType>(ct->getValue())) mt = *v;
    }
    const std::string type = Lower(mt.getType());
    const std::string sub = Lower(mt.getSubType());
    std::string disposition;
    if (auto cd = Field(h, vmime::fields::CONTENT_DISPOSITION)) {
      if (auto v = vmime::dynamicCast<const vmime::contentDisposition>(cd->getValue())) {
        disposition = Lower(v->getName());
      }
    }
    const std::string filename = FileNameOf(h);

    if (type == "multipart") {
      if (sub == "report") SetAutomatic("delivery-status");
      const size_t n = body.getPartCount();
      if (sub == "alternative" && n > 0) {
        // The plain part if there is one, else the richest other (usually HTML).
        size_t chosen = n - 1;
        for (size_t i = 0; i < n; ++i) {
          auto ph = body.getPartAt(i)->getBody()->getContentType();
          if (Lower(ph.getType()) == "text" && Lower(ph.getSubType()) == "plain") {
            chosen = i;
            break;
          }
        }
        Part(*body.getPartAt(chosen), depth + 1);
        return;
      }
      for (size_t i = 0; i < n; ++i) Part(*body.getPartAt(i), depth + 1);
      return;
    }
    if (type == "message" && (sub == "delivery-status" || sub == "disposition-notification")) {
      SetAutomatic("delivery-status");
      return;
    }
    if (type == "message" && (sub == "rfc822" || sub == "global")) {
      Forwarded(Extract(body), depth + 1);
      return;
    }
    const bool is_text = type == "text" && (sub == "plain" || sub == "html" || sub.empty());
    if (is_text && disposition != "attachment" && filename.empty()) {
      std::string t = ToUtf8(Extract(body), body.getCharset());
      if (sub == "html") {
        t = HtmlToText(t);
        if (text.empty()) from_html = true;
      }
      AddText(std::move(t));
      return;
    }
    MailAttachment a;
    a.filename = filename;
    a.content_type = type + "/" + sub;
    a.data = Extract(body);
    out_.attachments.push_back(std::move(a));
  }

  void Forwarded(const std::string& raw, size_t depth) {
    if (depth > limits_.max_depth) throw LimitExceeded{"The message is nested too deeply."};
    vmime::message inner;
    inner.parse(raw);
    const vmime::header& h = *inner.getHeader();
    std::string intro = "---------- Forwarded message ----------";
    for (const char* name : {"From", "Date", "Subject"}) {
      const std::string v = FieldText(h, name);
      if (!v.empty()) intro += std::string("\n") + name + ": " + v;
    }
    Walker w(limits_, out_);
    w.parts_ = parts_;
    w.Part(inner, depth);
    parts_ = w.parts_;
    if (!w.automatic_.empty()) SetAutomatic(w.automatic_);
    AddText(intro + "\n\n" + w.text);
  }

  void SetAutomatic(const std::string& why) {
    if (automatic_.empty()) automatic_ = why;
  }

 public:
  std::string automatic_;

 private:
  const ParseLimits& limits_;
  ParsedMail& out_;
  size_t parts_ = 0;
};

// Why a message is automatic, from its top-level header, or "".
std::string AutomaticFromHeader(const vmime::header& h, const std::string& from_address) {
  const std::string auto_submitted = Lower(FieldText(h, "Auto-Submitted"));
  if (!auto_submitted.empty() && auto_submitted.rfind("no", 0) != 0) return "auto-submitted";
  const std::string precedence = Lower(FieldText(h, "Precedence"));
  for (const char* p : {"bulk", "junk", "list", "auto_reply"}) {
    if (precedence == p) return "precedence";
  }
  if (auto rp = Field(h, "Return-Path")) {
    std::string v = rp->getValue() ? rp->getValue()->generate() : "";
    v.erase(std::remove_if(v.begin(), v.end(),
                           [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
            v.end());
    if (v == "<>" || v.empty()) return "null-return-path";
  }
  const auto ct = Field(h, vmime::fields::CONTENT_TYPE);
  if (ct) {
    if (auto v = vmime::dynamicCast<const vmime::mediaType>(ct->getValue())) {
      if (Lower(v->getType()) == "multipart" && Lower(v->getSubType()) == "report") {
        return "delivery-status";
      }
    }
  }
  const std::string local = Lower(from_address.substr(0, from_address.find('@')));
  if (local == "mailer-daemon" || local == "postmaster") return "mailer-daemon";
  for (const char* name :
       {"X-Autoreply", "X-Autorespond", "X-Auto-Reply-From", "X-Failed-Recipients"}) {
    if (Field(h, name)) return "autoreply-header";
  }
  return "";
}

bool HasHeaderSection(std::string_view raw) {
  // An mbox "From " line may come first (some MTAs pipe it); then a field name and a colon.
  if (raw.rfind("From ", 0) == 0) {
    const auto eol = raw.find('\n');
    if (eol == std::string_view::npos) return false;
    raw.remove_prefix(eol + 1);
  }
  size_t i = 0;
  while (i < raw.size() && i < 200 && raw[i] > 32 && raw[i] < 127 && raw[i] != ':') ++i;
  const size_t name = i;
  while (i < raw.size() && i < 240 && (raw[i] == ' ' || raw[i] == '\t')) ++i;  // obsolete syntax
  return name > 0 && i < raw.size() && raw[i] == ':';
}

size_t CountCaseless(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  auto it = hay.begin();
  while (true) {
    it = std::search(it, hay.end(), needle.begin(), needle.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
    if (it == hay.end()) return n;
    ++n;
    ++it;
  }
}

// --- HTML to text -------------------------------------------------------------------------

bool IsBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ADDRESS:
      return true;
    default:
      return false;
  }
}

struct HtmlText {
  std::string out;
  void Newline() {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
  }
  void Text(std::string_view s) {
    for (char c : s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!out.empty() && out.back() != ' ' && out.back() != '\n') out.push_back(' ');
      } else {
        out.push_back(c);
      }
    }
  }
  void Walk(const GumboNode* node, int depth) {
    if (depth > 200) return;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
        node->type == GUMBO_NODE_WHITESPACE) {
      Text(node->v.text.text);
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT &&
        node->type != GUMBO_NODE_TEMPLATE) {
      return;
    }
    const GumboVector* children =
        node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children : &node->v.element.children;
    GumboTag tag = node->type == GUMBO_NODE_DOCUMENT ? GUMBO_TAG_UNKNOWN : node->v.element.tag;
    if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_HEAD ||
        tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_NOSCRIPT) {
      return;
    }
    const bool block = IsBlock(tag);
    if (block) Newline();
    if (tag == GUMBO_TAG_LI) out += "- ";
    const size_t start = out.size();
    for (unsigned i = 0; i < children->length; ++i) {
      Walk(static_cast<const GumboNode*>(children->data[i]), depth + 1);
    }
    if (tag == GUMBO_TAG_A) {
      const GumboAttribute* href = gumbo_get_attribute(&node->v.element.attributes, "href");
      if (href != nullptr) {
        const std::string url = Trim(href->value);
        const std::string label = Trim(out.substr(start));
        if (!url.empty() && url != label && url.rfind("mailto:" + label, 0) != 0 &&
            url.rfind("#", 0) != 0) {
          out += " (" + url + ")";
        }
      }
    }
    if (block) Newline();
    if (tag == GUMBO_TAG_P || tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_BLOCKQUOTE ||
        (tag >= GUMBO_TAG_H1 && tag <= GUMBO_TAG_H6)) {
      if (!out.empty()) out.push_back('\n');
    }
  }
};

}  // namespace

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) {
      ++i;
      continue;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // No overlong forms, surrogates, or code points past U+10FFFF.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))) {
      ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string HtmlToText(std::string_view html) {
  GumboOutput* doc = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  HtmlText t;
  t.Walk(doc->document, 0);
  gumbo_destroy_output(&kGumboDefaultOptions, doc);
  // At most one blank line in a row.
  std::string out;
  int newlines = 0;
  for (char c : t.out) {
    if (c == '\n') {
      if (++newlines > 2) continue;
    } else {
      newlines = 0;
    }
    out.push_back(c);
  }
  return ValidUtf8(Trim(out));
}

core::Result<ParsedMail> ParseMessage(std::string_view raw, const ParseLimits& limits) {
  if (raw.empty()) return MakeError(Errc::kInvalid, "The message is empty.");
  if (raw.size() > limits.max_bytes) {
    return MakeError(Errc::kPayloadTooLarge, "The message is larger than the limit.");
  }
  if (!HasHeaderSection(raw)) {
    return MakeError(Errc::kInvalid, "The input is not a mail message (no header fields).");
  }
  // vmime parses multiparts recursively, all at once: bound the nesting before it starts.
  if (CountCaseless(raw, "boundary") > limits.max_parts) {
    return MakeError(Errc::kInvalid, "The message has too many parts.");
  }
  InitVmime();
  ParsedMail out;
  try {
    vmime::message msg;
    msg.parse(std::string(raw));
    const vmime::header& h = *msg.getHeader();
    for (const char* name : {"From", "Sender", "Reply-To"}) {
      auto f = Field(h, name);
      if (!f) continue;
      if (auto mb = vmime::dynamicCast<const vmime::mailbox>(f->getValue())) {
        out.from_address = OneLine(AddressOf(mb->getEmail()));
        out.from_name = OneLine(TextOf(mb->getName()));
      } else if (auto list = vmime::dynamicCast<const vmime::mailboxList>(f->getValue())) {
        if (list->getMailboxCount() > 0) {
          auto first = list->getMailboxAt(0);
          out.from_address = OneLine(AddressOf(first->getEmail()));
          out.from_name = OneLine(TextOf(first->getName()));
        }
      } else if (auto addrs = vmime::dynamicCast<const vmime::addressList>(f->getValue())) {
        auto mbs = addrs->toMailboxList();
        if (mbs && mbs->getMailboxCount() > 0) {
          out.from_address = OneLine(AddressOf(mbs->getMailboxAt(0)->getEmail()));
          out.from_name = OneLine(TextOf(mbs->getMailboxAt(0)->getName()));
        }
      }
      if (out.from_address.find('@') == std::string::npos) out.from_address.clear();
      if (!out.from_address.empty()) break;
    }
    out.subject = FieldText(h, "Subject");
    CutUtf8(out.subject, 1000);
    if (auto f = Field(h, "Message-ID")) {
      if (auto id = vmime::dynamicCast<const vmime::messageId>(f->getValue())) {
        out.message_id = OneLine(IdOf(*id));
      }
    }
    auto irt = IdsOf(h, "In-Reply-To");
    if (!irt.empty()) out.in_reply_to = irt.front();
    out.references = IdsOf(h, "References");
    out.automatic = AutomaticFromHeader(h, out.from_address);

    Walker w(limits, out);
    w.Message(msg, 0);
    out.text = std::move(w.text);
    CutUtf8(out.text, limits.max_text_bytes);
    out.text = ValidUtf8(out.text);
    out.text_from_html = w.from_html;
    if (out.automatic.empty()) out.automatic = w.automatic_;
  } catch (const LimitExceeded& e) {
    return MakeError(Errc::kInvalid, e.what);
  } catch (...) {
    return MakeError(Errc::kInvalid, "The message could not be parsed.");
  }
  if (out.from_address.empty() && out.automatic.empty()) {
    return MakeError(Errc::kInvalid, "The message has no sender address.");
  }
  return out;
}

}  // namespace redress::mail
