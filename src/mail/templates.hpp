// Mail templates per message kind and language (docs/mail-templates.md): files an
// organisation edits, mail-templates/<lang>/<kind>.txt ("Subject: ..." line, a blank line,
// the plain-text body) and <kind>.html (the HTML body), both mustache. Loading checks every
// tag against the variables documented for its kind, so a typo is refused at start-up rather
// than sent as a blank to a complainant.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::mail {

enum class MailKind {
  kAcknowledgement,
  kInformationRequest,
  kHoldingResponse,
  kFinalResponse,
  kSurveyInvitation,
};

const char* ToString(MailKind k);  // "acknowledgement", ... (the file names)
std::optional<MailKind> ParseMailKind(std::string_view s);
const std::vector<MailKind>& AllMailKinds();
// The variables a kind's templates may use (sections included).
const std::vector<std::string>& TemplateVariables(MailKind k);

struct RenderedMail {
  std::string subject;  // one line
  std::string text;
  std::string html;
};

class TemplateSet {
 public:
  // Loads every <lang>/<kind>.{txt,html} under `dir`. kInvalid naming the file when a tag
  // names an unknown variable (or is a partial, a dotted name or a delimiter change), a
  // section is unbalanced, the .txt lacks its Subject line, or a language lacks a kind.
  static core::Result<TemplateSet> Load(const std::string& dir,
                                        const std::string& default_language = "en");

  // Renders in `language`, else its base ("fr" for "fr-CA"), else the default language.
  // Values are HTML-escaped in the HTML part only; newlines in the subject become spaces.
  core::Result<RenderedMail> Render(MailKind kind, std::string_view language,
                                    const nlohmann::json& vars) const;
  std::vector<std::string> Languages() const;

 private:
  struct Files {
    std::string subject;
    std::string text;
    std::string html;
  };
  std::map<std::string, std::map<MailKind, Files>> by_language_;
  std::string default_language_;
};

// The variable names (first word of each tag) in a mustache template, or kInvalid for a tag
// that is not a plain name (partials, delimiter changes, dotted names) or unbalanced sections.
core::Result<std::vector<std::string>> TemplateTags(std::string_view text);

}  // namespace redress::mail
