// Template loading checks the files an organisation edits with two scanners: our own tag scan
// (names against the kind's documented variables, no partials, delimiter changes or dotted
// names, balanced sections, with line numbers for the message) and kainjow's parser (whatever
// it would refuse at render time). Rendering reparses: messages are few and templates small.
#include "mail/templates.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

#include "core/enum_names.hpp"
#include "util/utf8.hpp"

namespace redress::mail {
namespace {

namespace fs = std::filesystem;
namespace mu = kainjow::mustache;
using core::Errc;
using core::MakeError;

constexpr core::EnumNames<MailKind, 5> kKinds{{
    {MailKind::kAcknowledgement, "acknowledgement"},
    {MailKind::kInformationRequest, "information_request"},
    {MailKind::kHoldingResponse, "holding_response"},
    {MailKind::kFinalResponse, "final_response"},
    {MailKind::kSurveyInvitation, "survey_invitation"},
}};

constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c == '_') c = '-';
  }
  return out;
}

// BCP 47-ish: a primary subtag of 2-8 letters, then subtags of 1-8 letters or digits, joined
// by single hyphens ("en", "fr-CA", "zh-Hant-TW", "es-419").
bool ValidLanguage(std::string_view s) {
  if (s.size() < 2 || s.size() > 35) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    const size_t end = std::min(s.find('-', start), s.size());
    const std::string_view sub = s.substr(start, end - start);
    if (sub.empty() || sub.size() > 8) return false;
    if (first && (sub.size() < 2 || !std::all_of(sub.begin(), sub.end(), IsAlpha))) return false;
    if (!std::all_of(sub.begin(), sub.end(), [](char c) { return IsAlpha(c) || IsDigit(c); })) {
      return false;
    }
    if (end == s.size()) return true;
    start = end + 1;
    first = false;
  }
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Reads a template file as UTF-8 with "\n" line ends (a BOM and CRLF from Windows editors are
// accepted and removed).
core::Result<std::string> ReadTemplate(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec)
    return MakeError(Errc::kInvalid, p.string() + ": missing (every language has every kind)");
  if (size > kMaxFileBytes) return MakeError(Errc::kInvalid, p.string() + ": larger than 1 MiB");
  std::ifstream in(p, std::ios::binary);
  if (!in) return MakeError(Errc::kInvalid, p.string() + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string raw = ss.str();
  if (raw.rfind("\xEF\xBB\xBF", 0) == 0) raw.erase(0, 3);
  if (!util::IsUtf8Text(raw)) {
    return MakeError(Errc::kInvalid, p.string() + ": not UTF-8 text (save it as UTF-8)");
  }
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      out += raw[i];
    }
  }
  return out;
}

struct Tag {
  char sigil;  // 0 for a plain {{x}}, '{' for {{{x}}}, else # ^ / &
  std::string name;
  size_t line;
};

std::string OnLine(size_t line) { return " on line " + std::to_string(line); }

// Every tag of a template, checked for form; `first_line` numbers its first line.
core::Result<std::vector<Tag>> ScanTags(std::string_view text, size_t first_line) {
  std::vector<Tag> tags;
  std::vector<Tag> open;
  size_t pos = 0;
  size_t line = first_line;
  size_t counted = 0;  // `line` is the line of text[counted]
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    line += std::count(text.begin() + counted, text.begin() + pos, '\n');
    counted = pos;
    const bool triple = text.substr(pos, 3) == "{{{";
    const std::string_view close = triple ? "}}}" : "}}";
    const size_t start = pos + (triple ? 3 : 2);
    const size_t end = text.find(close, start);
    if (end == std::string_view::npos) {
      return MakeError(Errc::kInvalid, "a tag is not closed" + OnLine(line));
    }
    const std::string whole(text.substr(pos, end + close.size() - pos));
    std::string name = Trim(text.substr(start, end - start));
    pos = end + close.size();
    if (name.empty()) return MakeError(Errc::kInvalid, "an empty tag " + whole + OnLine(line));
    char sigil = triple ? '{' : 0;
    if (!triple) {
      const char c = name[0];
      if (c == '!') continue;  // a comment
      if (c == '>' || c == '<' || c == '=') {
        return MakeError(Errc::kInvalid,
                         "partials and delimiter changes are not allowed: " + whole + OnLine(line));
      }
      if (c == '#' || c == '^' || c == '/' || c == '&') {
        sigil = c;
        name = Trim(name.substr(1));
      }
    }
    if (name.find('.') != std::string::npos) {
      return MakeError(Errc::kInvalid, whole + " is not a variable name" + OnLine(line) +
                                           " (dotted names are not allowed)");
    }
    const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
    });
    if (!plain) return MakeError(Errc::kInvalid, whole + " is not a variable name" + OnLine(line));
    Tag tag{sigil, name, line};
    if (sigil == '#' || sigil == '^') open.push_back(tag);
    if (sigil == '/') {
      if (open.empty()) {
        return MakeError(Errc::kInvalid, whole + " closes no open section" + OnLine(line));
      }
      if (open.back().name != name) {
        return MakeError(Errc::kInvalid, whole + " closes section {{" + open.back().sigil +
                                             open.back().name + "}} opened on line " +
                                             std::to_string(open.back().line));
      }
      open.pop_back();
    }
    tags.push_back(std::move(tag));
  }
  if (!open.empty()) {
    return MakeError(Errc::kInvalid, "section {{" + std::string(1, open.back().sigil) +
                                         open.back().name + "}} is not closed (opened" +
                                         OnLine(open.back().line) + ")");
  }
  return tags;
}

core::Status CheckTemplate(const std::string& file, const std::string& text, MailKind kind,
                           bool html, size_t first_line) {
  auto tags = ScanTags(text, first_line);
  if (!tags) return MakeError(Errc::kInvalid, file + ": " + tags.error().detail);
  const auto& allowed = TemplateVariables(kind);
  for (const auto& t : *tags) {
    if (std::find(allowed.begin(), allowed.end(), t.name) == allowed.end()) {
      return MakeError(Errc::kInvalid, file + ": unknown variable {{" + t.name + "}} for " +
                                           ToString(kind) + OnLine(t.line) +
                                           " (see docs/mail-templates.md)");
    }
    if (html && (t.sigil == '{' || t.sigil == '&')) {
      return MakeError(Errc::kInvalid, file + ": " + (t.sigil == '{' ? "{{{" : "{{&") + t.name +
                                           (t.sigil == '{' ? "}}}" : "}}") + OnLine(t.line) +
                                           " would insert the value without HTML escaping; "
                                           "use {{" +
                                           t.name + "}}");
    }
  }
  mu::mustache m{text};
  if (!m.is_valid()) return MakeError(Errc::kInvalid, file + ": " + m.error_message());
  return {};
}

// The mustache data for `vars`; `one_line` turns line breaks in values into spaces.
core::Result<mu::data> DataOf(const nlohmann::json& vars, bool one_line) {
  mu::data d;
  for (const auto& [k, v] : vars.items()) {
    std::string s;
    if (v.is_string()) {
      s = v.get<std::string>();
    } else if (v.is_boolean()) {
      if (v.get<bool>()) s = "true";
    } else if (!v.is_null()) {
      return MakeError(Errc::kInvalid, "mail variable " + k + " must be a string");
    }
    if (s.empty()) continue;  // absent: a section on it is false
    if (one_line) {
      std::replace_if(
          s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    }
    d.set(k, s);
  }
  return d;
}

// Plain text as rendered, tidied: sections that are not shown leave their lines empty
// (kainjow keeps the line break of a standalone tag), so trailing blanks are cut, runs of
// blank lines become one, and the text ends with one line break. Line breaks in values
// become "\n" like the template's own.
std::string TidyText(std::string_view rendered) {
  std::string s;
  s.reserve(rendered.size());
  for (size_t i = 0; i < rendered.size(); ++i) {
    if (rendered[i] != '\r') {
      s += rendered[i];
    } else if (i + 1 >= rendered.size() || rendered[i + 1] != '\n') {
      s += '\n';
    }
  }
  std::string out;
  out.reserve(s.size());
  int newlines = 2;  // no blank line at the start
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t eol = std::min(s.find('\n', pos), s.size());
    std::string_view line = std::string_view(s).substr(pos, eol - pos);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) {
      if (newlines == 1) out += '\n';
      ++newlines;
    } else {
      out += line;
      out += '\n';
      newlines = 1;
    }
    pos = eol + 1;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

// Loads one language folder's files.
core::Status LoadLanguage(const fs::path& folder, std::map<MailKind, std::string>& subjects,
                          std::map<MailKind, std::string>& texts,
                          std::map<MailKind, std::string>& htmls) {
  for (MailKind kind : AllMailKinds()) {
    const fs::path txt = folder / (std::string(ToString(kind)) + ".txt");
    const fs::path html = folder / (std::string(ToString(kind)) + ".html");
    auto t = ReadTemplate(txt);
    if (!t) return t.error();
    auto h = ReadTemplate(html);
    if (!h) return h.error();
    // "Subject: ..." then a blank line, then the body.
    const size_t eol = std::min(t->find('\n'), t->size());
    const std::string first = t->substr(0, eol);
    if (first.size() < 8 || Lower(first.substr(0, 8)) != "subject:" ||
        Trim(first.substr(8)).empty()) {
      return MakeError(Errc::kInvalid,
                       txt.string() + ": the first line must be \"Subject: ...\" (the subject)");
    }
    const size_t eol2 = std::min(t->find('\n', std::min(eol + 1, t->size())), t->size());
    if (eol < t->size() && !Trim(t->substr(eol + 1, eol2 - eol - 1)).empty()) {
      return MakeError(Errc::kInvalid, txt.string() +
                                           ": line 2 must be blank (the subject is one line, "
                                           "the body starts on line 3)");
    }
    const std::string body = eol2 < t->size() ? t->substr(eol2 + 1) : std::string();
    if (Trim(body).empty()) return MakeError(Errc::kInvalid, txt.string() + ": the body is empty");
    if (Trim(*h).empty()) return MakeError(Errc::kInvalid, html.string() + ": empty");
    const std::string subject = Trim(first.substr(8));
    if (auto s = CheckTemplate(txt.string() + " (subject)", subject, kind, false, 1); !s) {
      return s.error();
    }
    if (auto s = CheckTemplate(txt.string(), body, kind, false, 3); !s) return s.error();
    if (auto s = CheckTemplate(html.string(), *h, kind, true, 1); !s) return s.error();
    subjects[kind] = subject;
    texts[kind] = body;
    htmls[kind] = std::move(*h);
  }
  return {};
}

}  // namespace

const char* ToString(MailKind k) { return core::NameOf(kKinds, k); }
std::optional<MailKind> ParseMailKind(std::string_view s) { return core::ValueOf(kKinds, s); }

const std::vector<MailKind>& AllMailKinds() {
  static const std::vector<MailKind> all = {
      MailKind::kAcknowledgement, MailKind::kInformationRequest, MailKind::kHoldingResponse,
      MailKind::kFinalResponse, MailKind::kSurveyInvitation};
  return all;
}

const std::vector<std::string>& TemplateVariables(MailKind k) {
  static const std::vector<std::string> common = {"reference",  "name",          "organisation",
                                                  "status_url", "received_date", "respond_by"};
  auto with = [](std::vector<std::string> more) {
    std::vector<std::string> v = common;
    v.insert(v.end(), more.begin(), more.end());
    return v;
  };
  static const std::map<MailKind, std::vector<std::string>> vars = {
      {MailKind::kAcknowledgement, with({"access_code"})},
      {MailKind::kInformationRequest, with({"question"})},
      {MailKind::kHoldingResponse, with({})},
      {MailKind::kFinalResponse,
       with({"outcome_upheld", "outcome_partly_upheld", "outcome_not_upheld", "reasons", "remedy",
             "remedy_type", "remedy_amount", "referral", "ombudsman_name", "ombudsman_url",
             "ombudsman_time_limit"})},
      {MailKind::kSurveyInvitation, with({"survey_url"})},
  };
  return vars.at(k);
}

core::Result<std::vector<std::string>> TemplateTags(std::string_view text) {
  auto tags = ScanTags(text, 1);
  if (!tags) return tags.error();
  std::vector<std::string> names;
  names.reserve(tags->size());
  for (auto& t : *tags) names.push_back(std::move(t.name));
  return names;
}

core::Result<TemplateSet> TemplateSet::Load(const std::string& dir,
                                            const std::string& default_language) {
  TemplateSet set;
  set.default_language_ = Lower(default_language);
  if (!ValidLanguage(default_language)) {
    return MakeError(Errc::kInvalid,
                     "The default mail language '" + default_language + "' is not a language tag.");
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(Errc::kInvalid, "The mail templates folder " + dir + " does not exist.");
  }
  // Sorted, so that the same folder always reports the same first problem.
  std::vector<fs::path> folders;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec) && it->path().filename().string().rfind('.', 0) != 0) {
      folders.push_back(it->path());
    }
  }
  if (ec) return MakeError(Errc::kInvalid, dir + ": cannot be read (" + ec.message() + ")");
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    // A folder is a language when it holds templates; each must be named after a kind.
    bool any = false;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      files.push_back(it->path());
    }
    if (ec) {
      return MakeError(Errc::kInvalid, folder.string() + ": cannot be read (" + ec.message() + ")");
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string ext = f.extension().string();
      if (ext != ".txt" && ext != ".html") continue;
      any = true;
      if (!ParseMailKind(f.stem().string())) {
        return MakeError(Errc::kInvalid,
                         f.string() +
                             ": not a kind of message (acknowledgement, information_request, "
                             "holding_response, final_response, survey_invitation)");
      }
    }
    if (!any) continue;
    const std::string name = folder.filename().string();
    if (!ValidLanguage(name)) {
      return MakeError(Errc::kInvalid, folder.string() +
                                           ": the folder name is not a language tag "
                                           "(such as en, fr or fr-CA)");
    }
    Language& lang = set.by_language_[Lower(name)];
    if (!lang.name.empty()) {
      return MakeError(Errc::kInvalid,
                       folder.string() + ": the language " + lang.name + " has a second folder");
    }
    lang.name = name;
    std::map<MailKind, std::string> subjects, texts, htmls;
    if (auto s = LoadLanguage(folder, subjects, texts, htmls); !s) return s.error();
    for (MailKind kind : AllMailKinds()) {
      lang.files[kind] = Files{subjects[kind], texts[kind], htmls[kind]};
    }
  }
  if (!set.by_language_.contains(set.default_language_)) {
    return MakeError(Errc::kInvalid, "The mail templates folder " + dir + " has no " +
                                         default_language +
                                         "/ folder of templates (the default language).");
  }
  return set;
}

core::Result<RenderedMail> TemplateSet::Render(MailKind kind, std::string_view language,
                                               const nlohmann::json& vars) const {
  if (!vars.is_object()) return MakeError(Errc::kInvalid, "mail variables must be an object");
  auto it = by_language_.end();
  for (std::string tag = Lower(language); !tag.empty() && it == by_language_.end();) {
    it = by_language_.find(tag);
    const size_t hyphen = tag.rfind('-');
    tag.resize(hyphen == std::string::npos ? 0 : hyphen);
  }
  if (it == by_language_.end()) it = by_language_.find(default_language_);
  if (it == by_language_.end()) return MakeError(Errc::kInternal, "no mail templates loaded");
  const Files& f = it->second.files.at(kind);
  auto one_line = DataOf(vars, true);
  if (!one_line) return one_line.error();
  auto data = DataOf(vars, false);
  if (!data) return data.error();
  const auto plain = [](const std::string& s) { return s; };
  RenderedMail out;
  mu::mustache subject{f.subject};
  subject.set_custom_escape(plain);
  out.subject = Trim(subject.render(*one_line));
  mu::mustache text{f.text};
  text.set_custom_escape(plain);
  out.text = TidyText(text.render(*data));
  mu::mustache html{f.html};
  out.html = html.render(*data);
  return out;
}

std::vector<std::string> TemplateSet::Languages() const {
  std::vector<std::string> out;
  for (const auto& [key, lang] : by_language_) out.push_back(lang.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace redress::mail
