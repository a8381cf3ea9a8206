#include "mail/templates.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <set>
#include <sstream>

#include "core/enum_names.hpp"

namespace redress::mail {
namespace {

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

bool ValidLanguage(const std::string& s) {
  return s.size() >= 2 && s.size() <= 8 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
         });
}

std::optional<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

core::Status CheckTemplate(const std::string& file, const std::string& text, MailKind kind) {
  auto tags = TemplateTags(text);
  if (!tags) return MakeError(Errc::kInvalid, file + ": " + tags.error().detail);
  const auto& allowed = TemplateVariables(kind);
  for (const auto& t : *tags) {
    if (std::find(allowed.begin(), allowed.end(), t) == allowed.end()) {
      return MakeError(Errc::kInvalid, file + ": unknown variable {{" + t + "}} for " +
                                           ToString(kind) + " (see docs/mail-templates.md)");
    }
  }
  mu::mustache m{text};
  if (!m.is_valid()) return MakeError(Errc::kInvalid, file + ": " + m.error_message());
  return {};
}

mu::data DataOf(const nlohmann::json& vars, bool one_line) {
  mu::data d;
  for (const auto& [k, v] : vars.items()) {
    if (!v.is_string()) continue;
    std::string s = v.get<std::string>();
    if (s.empty()) continue;  // empty: a section on it is false
    if (one_line)
      std::replace_if(
          s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    d.set(k, s);
  }
  return d;
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
  std::vector<std::string> names;
  std::vector<std::string> open;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    const bool triple = text.substr(pos, 3) == "{{{";
    const std::string_view close = triple ? "}}}" : "}}";
    const size_t start = pos + (triple ? 3 : 2);
    const size_t end = text.find(close, start);
    if (end == std::string_view::npos) return MakeError(Errc::kInvalid, "an unclosed tag");
    std::string tag = Trim(text.substr(start, end - start));
    pos = end + close.size();
    if (tag.empty()) return MakeError(Errc::kInvalid, "an empty tag");
    const char sigil = tag[0];
    if (sigil == '!') continue;  // comment
    if (sigil == '>' || sigil == '<' || sigil == '=') {
      return MakeError(Errc::kInvalid,
                       "partials and delimiter changes are not allowed: {{" + tag + "}}");
    }
    if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '&') tag = Trim(tag.substr(1));
    const bool plain = !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!plain) return MakeError(Errc::kInvalid, "{{" + tag + "}} is not a variable name");
    if (sigil == '#' || sigil == '^') open.push_back(tag);
    if (sigil == '/') {
      if (open.empty() || open.back() != tag) {
        return MakeError(Errc::kInvalid, "{{/" + tag + "}} closes no open section");
      }
      open.pop_back();
    }
    names.push_back(tag);
  }
  if (!open.empty())
    return MakeError(Errc::kInvalid, "section {{#" + open.back() + "}} is not closed");
  return names;
}

core::Result<TemplateSet> TemplateSet::Load(const std::string& dir,
                                            const std::string& default_language) {
  namespace fs = std::filesystem;
  TemplateSet set;
  set.default_language_ = default_language;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(Errc::kInvalid, "The mail templates folder " + dir + " does not exist.");
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    const std::string lang = entry.path().filename().string();
    if (!ValidLanguage(lang)) continue;
    auto& files = set.by_language_[lang];
    for (MailKind kind : AllMailKinds()) {
      const fs::path txt = entry.path() / (std::string(ToString(kind)) + ".txt");
      const fs::path html = entry.path() / (std::string(ToString(kind)) + ".html");
      auto t = ReadFile(txt);
      auto h = ReadFile(html);
      if (!t || !h) {
        return MakeError(Errc::kInvalid,
                         (!t ? txt : html).string() + ": missing (every language has every kind)");
      }
      // "Subject: ..." then a blank line, then the body.
      const auto eol = t->find('\n');
      const std::string first = Trim(t->substr(0, eol));
      if (first.rfind("Subject:", 0) != 0 || Trim(first.substr(8)).empty()) {
        return MakeError(Errc::kInvalid,
                         txt.string() + ": the first line must be \"Subject: ...\"");
      }
      Files f;
      f.subject = Trim(first.substr(8));
      std::string body = eol == std::string::npos ? "" : t->substr(eol + 1);
      if (!body.empty() && body[0] == '\r') body.erase(0, 1);
      if (!body.empty() && body[0] == '\n') body.erase(0, 1);
      f.text = std::move(body);
      f.html = std::move(*h);
      if (auto s = CheckTemplate(txt.string() + " (subject)", f.subject, kind); !s)
        return s.error();
      if (auto s = CheckTemplate(txt.string(), f.text, kind); !s) return s.error();
      if (auto s = CheckTemplate(html.string(), f.html, kind); !s) return s.error();
      files[kind] = std::move(f);
    }
  }
  if (!set.by_language_.contains(default_language)) {
    return MakeError(Errc::kInvalid, "The mail templates folder " + dir + " has no " +
                                         default_language + "/ (the default language).");
  }
  return set;
}

core::Result<RenderedMail> TemplateSet::Render(MailKind kind, std::string_view language,
                                               const nlohmann::json& vars) const {
  std::string lang(language);
  auto it = by_language_.find(lang);
  if (it == by_language_.end()) it = by_language_.find(lang.substr(0, lang.find('-')));
  if (it == by_language_.end()) it = by_language_.find(default_language_);
  if (it == by_language_.end()) return MakeError(Errc::kInvalid, "no templates");
  const Files& f = it->second.at(kind);
  const auto plain = [](const std::string& s) { return s; };
  RenderedMail out;
  mu::mustache subject{f.subject};
  subject.set_custom_escape(plain);
  out.subject = Trim(subject.render(DataOf(vars, true)));
  mu::mustache text{f.text};
  text.set_custom_escape(plain);
  out.text = text.render(DataOf(vars, false));
  mu::mustache html{f.html};
  out.html = html.render(DataOf(vars, false));
  return out;
}

std::vector<std::string> TemplateSet::Languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, files] : by_language_) out.push_back(lang);
  return out;
}

}  // namespace redress::mail
