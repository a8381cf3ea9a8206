// Mail templates per message kind and language (docs/mail-templates.md): files an
// organisation edits, mail-templates/<lang>/<kind>.txt ("Subject: ..." line, a blank line,
// the plain-text body) and <kind>.html (the HTML body), both mustache (kainjow). Loading
// checks every tag against the variables documented for its kind, so a typo is refused at
// start-up rather than sent as a blank to a complainant. A loaded TemplateSet is immutable:
// Render may be called from any thread.
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
// The variables a kind's templates may use, sections included (docs/mail-templates.md).
const std::vector<std::string>& TemplateVariables(MailKind k);

struct RenderedMail {
  std::string subject;  // one line
  std::string text;
  std::string html;
};

class TemplateSet {
 public:
  // Loads every <lang>/<kind>.{txt,html} under `dir`. A language is a folder holding any
  // .txt or .html file; other folders (empty, hidden) are ignored. kInvalid, the detail
  // naming the file (and line) and the problem, when:
  //  - a tag names a variable not documented for its kind, is a dotted name, a partial
  //    ({{>x}}) or a delimiter change ({{=..=}}), or a section is not closed or mismatched;
  //  - an .html template inserts a value unescaped ({{{x}}} or {{&x}});
  //  - a .txt does not start with "Subject: ..." and a blank line, or a body is empty;
  //  - a file is not UTF-8 (a leading BOM and CRLF line ends are accepted), or over 1 MiB;
  //  - a language folder lacks a kind, has a .txt/.html that is not a kind, or its name is
  //    not a language tag (letters, digits and hyphens: "en", "fr-CA", "es-419");
  //  - `default_language` has no folder.
  static core::Result<TemplateSet> Load(const std::string& dir,
                                        const std::string& default_language = "en");

  // Renders in `language` (case-insensitive, "_" read as "-"), else in the tag cut at its
  // last hyphen, repeatedly ("fr-CA" -> "fr"), else in the default language. `vars` is a flat
  // JSON object: string values (an empty one is absent, so a section on it is false), true
  // for a present section; false and null are absent. Values are HTML-escaped in the .html
  // and not escaped in the .txt and subject; newlines in the subject's values become spaces.
  // kInvalid if `vars` is not an object or holds a number, array or object.
  core::Result<RenderedMail> Render(MailKind kind, std::string_view language,
                                    const nlohmann::json& vars) const;
  // The language folders' names, sorted.
  std::vector<std::string> Languages() const;

 private:
  struct Files {
    std::string subject;
    std::string text;
    std::string html;
  };
  struct Language {
    std::string name;  // as the folder is spelt
    std::map<MailKind, Files> files;
  };
  std::map<std::string, Language> by_language_;  // key: the tag in lower case
  std::string default_language_;                 // lower case
};

// The variable names (the name of each tag but comments) in a mustache template, or kInvalid
// for a tag that is not a plain name (partials, delimiter changes, dotted names) or an
// unbalanced section; the detail gives the line.
core::Result<std::vector<std::string>> TemplateTags(std::string_view text);

}  // namespace redress::mail
