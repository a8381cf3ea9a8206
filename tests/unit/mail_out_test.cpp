// Outgoing mail without a network: the shipped templates (every kind in every language), the
// load-time refusals each naming its file, the rendering rules (escaping, fallback, one-line
// subject), and MIME composition read back with vmime (parts, charsets, decoded text, encoded
// words, threading headers, 7-bit CRLF lines of at most 998 bytes).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <vmime/utility/outputStreamStringAdapter.hpp>
#include <vmime/vmime.hpp>

#include "mail/compose.hpp"
#include "mail/templates.hpp"

namespace redress::mail {
namespace {

namespace fs = std::filesystem;
using core::Errc;

const std::string kTemplates = std::string(REDRESS_SOURCE_DIR) + "/mail-templates";

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every variable of every kind, with values that show escaping.
nlohmann::json FullVars() {
  return {{"reference", "CMP-2026-000042-K"},
          {"name", "Zoë O'Brien <zoe> & \"co\""},
          {"organisation", "Example Bank"},
          {"status_url", "https://complaints.bank.example/status?reference=CMP-2026-000042-K&x=1"},
          {"received_date", "2026-11-16"},
          {"respond_by", "2027-01-11"},
          {"access_code", "K7PX-92QD"},
          {"question", "Which branch did you visit?"},
          {"outcome_not_upheld", "true"},
          {"reasons", "The fee was disclosed in the tariff <section 4>."},
          {"remedy", "true"},
          {"remedy_type", "goodwill payment"},
          {"remedy_amount", "50.00 GBP"},
          {"referral", "true"},
          {"ombudsman_name", "Financial Ombudsman Service"},
          {"ombudsman_url", "https://www.financial-ombudsman.org.uk"},
          {"ombudsman_time_limit", "6 months from the date of this final response"},
          {"survey_url", "https://complaints.bank.example/survey?reference=CMP-2026-000042-K"}};
}

// The value each kind must show in both parts.
std::string KindValue(MailKind k) {
  switch (k) {
    case MailKind::kAcknowledgement:
      return "K7PX-92QD";
    case MailKind::kInformationRequest:
      return "Which branch did you visit?";
    case MailKind::kHoldingResponse:
      return "2027-01-11";
    case MailKind::kFinalResponse:
      return "Financial Ombudsman Service";
    case MailKind::kSurveyInvitation:
      return "https://complaints.bank.example/survey?reference=CMP-2026-000042-K";
  }
  return "";
}

TEST(MailTemplateKinds, NamesRoundTripAndVariablesAreDocumented) {
  ASSERT_EQ(AllMailKinds().size(), 5u);
  for (MailKind k : AllMailKinds()) {
    EXPECT_EQ(ParseMailKind(ToString(k)), k);
    const auto& vars = TemplateVariables(k);
    for (const char* common :
         {"reference", "name", "organisation", "status_url", "received_date", "respond_by"}) {
      EXPECT_NE(std::find(vars.begin(), vars.end(), common), vars.end()) << ToString(k);
    }
  }
  EXPECT_EQ(std::string(ToString(MailKind::kInformationRequest)), "information_request");
  EXPECT_FALSE(ParseMailKind("acknowledgment"));
  const auto& fin = TemplateVariables(MailKind::kFinalResponse);
  EXPECT_EQ(fin.size(), 17u);
  EXPECT_NE(std::find(fin.begin(), fin.end(), "ombudsman_time_limit"), fin.end());
  const auto& ack = TemplateVariables(MailKind::kAcknowledgement);
  EXPECT_NE(std::find(ack.begin(), ack.end(), "access_code"), ack.end());
  const auto& hold = TemplateVariables(MailKind::kHoldingResponse);
  EXPECT_EQ(std::find(hold.begin(), hold.end(), "access_code"), hold.end());
}

class MailTemplateShipped : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = TemplateSet::Load(kTemplates);
    ASSERT_TRUE(loaded) << loaded.error().detail;
    set_ = new TemplateSet(std::move(loaded).value());
  }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
  }
  static RenderedMail Render(MailKind k, std::string_view lang,
                             const nlohmann::json& vars = FullVars()) {
    auto r = set_->Render(k, lang, vars);
    EXPECT_TRUE(r) << r.error().detail;
    return r ? *r : RenderedMail{};
  }
  static TemplateSet* set_;
};
TemplateSet* MailTemplateShipped::set_ = nullptr;

TEST_F(MailTemplateShipped, EveryKindInEveryLanguageRendersItsVariables) {
  EXPECT_EQ(set_->Languages(), (std::vector<std::string>{"en", "fr"}));
  for (const std::string lang : {"en", "fr"}) {
    for (MailKind k : AllMailKinds()) {
      SCOPED_TRACE(lang + "/" + ToString(k));
      const RenderedMail r = Render(k, lang);
      EXPECT_TRUE(Has(r.subject, "CMP-2026-000042-K")) << r.subject;
      EXPECT_FALSE(Has(r.subject, "\n"));
      EXPECT_FALSE(Has(r.subject, "{{"));
      for (const std::string* body : {&r.text, &r.html}) {
        EXPECT_TRUE(Has(*body, "CMP-2026-000042-K"));
        EXPECT_TRUE(Has(*body, "Example Bank"));
        EXPECT_TRUE(Has(*body, KindValue(k))) << *body;
        EXPECT_FALSE(Has(*body, "{{"));
      }
      // The plain text is not escaped; the HTML is, and is a small accessible document.
      EXPECT_TRUE(Has(r.text, "Zoë O'Brien <zoe> & \"co\""));
      EXPECT_TRUE(Has(r.html, "Zoë O&apos;Brien &lt;zoe&gt; &amp; &quot;co&quot;"));
      EXPECT_FALSE(Has(r.html, "<zoe>"));
      // The link to follow: the survey, else the complaint's status page.
      if (k == MailKind::kSurveyInvitation) {
        EXPECT_TRUE(Has(r.html, "href=\"" + KindValue(k) + "\""));
      } else {
        EXPECT_TRUE(Has(r.text,
                        "https://complaints.bank.example/status?reference="
                        "CMP-2026-000042-K&x=1"));
        EXPECT_TRUE(Has(r.html,
                        "href=\"https://complaints.bank.example/status?reference="
                        "CMP-2026-000042-K&amp;x=1\""));
      }
      EXPECT_TRUE(r.html.rfind("<!DOCTYPE html>", 0) == 0);
      EXPECT_TRUE(Has(r.html, "<html lang=\"" + lang + "\">"));
      EXPECT_TRUE(Has(r.html, "<meta charset=\"utf-8\">"));
      EXPECT_TRUE(Has(r.html, "<title>"));
      EXPECT_FALSE(Has(r.html, "<img"));
      EXPECT_FALSE(Has(r.html, "<style"));
      EXPECT_FALSE(Has(r.html, "<link"));
      // Tidy plain text: no run of blank lines, no trailing blanks, one final line break.
      EXPECT_FALSE(Has(r.text, "\n\n\n"));
      EXPECT_FALSE(Has(r.text, " \n"));
      EXPECT_FALSE(Has(r.text, "\r"));
      ASSERT_GE(r.text.size(), 2u);
      EXPECT_EQ(r.text.back(), '\n');
      EXPECT_NE(r.text[r.text.size() - 2], '\n');
    }
  }
}

TEST_F(MailTemplateShipped, FinalResponseStatesTheRightToReferWithinTheTimeLimit) {
  const RenderedMail en = Render(MailKind::kFinalResponse, "en");
  for (const std::string* body : {&en.text, &en.html}) {
    EXPECT_TRUE(Has(*body, "final response"));
    EXPECT_TRUE(Has(*body, "We do not uphold your complaint."));
    EXPECT_TRUE(Has(*body, "right to refer your complaint to the Financial Ombudsman Service"));
    EXPECT_TRUE(Has(*body, "within 6 months from the date of this final response"));
    EXPECT_TRUE(Has(*body, "goodwill payment, 50.00 GBP"));
    EXPECT_TRUE(Has(*body, "https://www.financial-ombudsman.org.uk"));
    EXPECT_FALSE(Has(*body, "uphold your complaint in part"));
  }
  EXPECT_TRUE(Has(en.text, "The fee was disclosed in the tariff <section 4>."));
  EXPECT_TRUE(Has(en.html, "The fee was disclosed in the tariff &lt;section 4&gt;."));
  const RenderedMail fr = Render(MailKind::kFinalResponse, "fr");
  for (const std::string* body : {&fr.text, &fr.html}) {
    EXPECT_TRUE(Has(*body, "réponse définitive"));
    EXPECT_TRUE(Has(*body, "Nous ne faisons pas droit à votre réclamation."));
    EXPECT_TRUE(Has(*body, "Financial Ombudsman Service"));
    EXPECT_TRUE(Has(*body, "6 months from the date of this final response"));
    EXPECT_TRUE(Has(*body, "goodwill payment, 50.00 GBP"));
  }

  // Without a remedy or an ombudsman, those paragraphs are absent; an amount alone is shown.
  auto vars = FullVars();
  vars.erase("referral");
  vars["remedy_type"] = "";
  vars.erase("outcome_not_upheld");
  vars["outcome_upheld"] = "true";
  const RenderedMail bare = Render(MailKind::kFinalResponse, "en", vars);
  EXPECT_TRUE(Has(bare.text, "We uphold your complaint."));
  EXPECT_FALSE(Has(bare.text, "Ombudsman"));
  EXPECT_FALSE(Has(bare.html, "Ombudsman"));
  EXPECT_TRUE(Has(bare.text, "put things right: 50.00 GBP."));
  vars.erase("remedy");
  EXPECT_FALSE(Has(Render(MailKind::kFinalResponse, "en", vars).text, "50.00 GBP"));
}

TEST_F(MailTemplateShipped, OptionalValuesMayBeMissing) {
  auto vars = FullVars();
  vars["name"] = "";
  vars.erase("respond_by");
  for (MailKind k : AllMailKinds()) {
    const RenderedMail en = Render(k, "en", vars);
    EXPECT_TRUE(Has(en.text, "Dear customer,")) << ToString(k);
    EXPECT_FALSE(Has(en.text, "Dear ,"));
    EXPECT_FALSE(Has(en.text, " by .")) << en.text;
    const RenderedMail fr = Render(k, "fr", vars);
    EXPECT_TRUE(Has(fr.text, "Madame, Monsieur,")) << ToString(k);
    EXPECT_FALSE(Has(fr.text, "le .")) << fr.text;
  }
}

TEST_F(MailTemplateShipped, LanguageFallsBackToTheBaseThenTheDefault) {
  const auto fr = Render(MailKind::kAcknowledgement, "fr").subject;
  const auto en = Render(MailKind::kAcknowledgement, "en").subject;
  EXPECT_TRUE(Has(fr, "accusé de réception"));
  EXPECT_TRUE(Has(en, "we have received it"));
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "fr-CA").subject, fr);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "FR-ca").subject, fr);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "fr_CA").subject, fr);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "fr-Latn-CA").subject, fr);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "de").subject, en);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "de-CH").subject, en);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "").subject, en);
  EXPECT_EQ(Render(MailKind::kAcknowledgement, "f").subject, en);
}

TEST_F(MailTemplateShipped, ValuesAreNotTemplatesAndVariablesMustBeStrings) {
  auto vars = FullVars();
  vars["name"] = "{{access_code}} {{#reference}}x{{/reference}}";
  const RenderedMail r = Render(MailKind::kHoldingResponse, "en", vars);
  EXPECT_TRUE(Has(r.text, "{{access_code}} {{#reference}}x{{/reference}}"));
  EXPECT_FALSE(Has(r.text, "K7PX-92QD"));
  // true is a present section, false and null are absent; other types are refused.
  vars = FullVars();
  vars["referral"] = true;
  vars["remedy"] = false;
  vars["respond_by"] = nullptr;
  const RenderedMail fin = Render(MailKind::kFinalResponse, "en", vars);
  EXPECT_TRUE(Has(fin.text, "Financial Ombudsman Service"));
  EXPECT_FALSE(Has(fin.text, "50.00 GBP"));
  vars["respond_by"] = 20270111;
  auto bad = set_->Render(MailKind::kFinalResponse, "en", vars);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalid);
  EXPECT_TRUE(Has(bad.error().detail, "respond_by"));
  EXPECT_EQ(set_->Render(MailKind::kFinalResponse, "en", nlohmann::json::array()).error().code,
            Errc::kInvalid);
}

// A copy of the shipped folder in a fresh temporary directory, to break one file at a time.
class MailTemplateRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("redress-mailout-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::copy(kTemplates, dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  // The refusal's detail ("" when the folder loads).
  std::string Refusal(const std::string& default_language = "en") {
    auto set = TemplateSet::Load(dir_.string(), default_language);
    if (set) return "";
    EXPECT_EQ(set.error().code, Errc::kInvalid);
    return set.error().detail;
  }
  std::string Path(const std::string& rel) { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST_F(MailTemplateRefusal, TheCopyLoads) { EXPECT_EQ(Refusal(), ""); }

TEST_F(MailTemplateRefusal, UnknownVariable) {
  Write("en/holding_response.txt", "Subject: Update on {{reference}}\n\nDear {{nmae}},\n");
  const std::string why = Refusal();
  EXPECT_TRUE(Has(why, Path("en/holding_response.txt") + ": unknown variable {{nmae}}")) << why;
  EXPECT_TRUE(Has(why, "line 3")) << why;
  // Another kind's variable is unknown too: the access code belongs to the acknowledgement.
  Write("en/holding_response.txt", "Subject: x\n\n{{reference}}\n");
  Write("fr/holding_response.html", "<p>{{#access_code}}{{access_code}}{{/access_code}}</p>");
  EXPECT_TRUE(
      Has(Refusal(), Path("fr/holding_response.html") + ": unknown variable {{access_code}}"))
      << Refusal();
  // In the subject too.
  Write("fr/holding_response.html", "<p>x</p>");
  Write("fr/survey_invitation.txt", "Subject: {{survey}}\n\nx\n");
  EXPECT_TRUE(Has(Refusal(), Path("fr/survey_invitation.txt") + " (subject): unknown variable"))
      << Refusal();
}

TEST_F(MailTemplateRefusal, EveryTagFormIsChecked) {
  for (const std::string tag :
       {"{{{nmae}}}", "{{&nmae}}", "{{#nmae}}x{{/nmae}}", "{{^nmae}}x{{/nmae}}", "{{ nmae }}"}) {
    Write("en/acknowledgement.txt", "Subject: x\n\n" + tag + "\n");
    EXPECT_TRUE(Has(Refusal(), Path("en/acknowledgement.txt") + ": unknown variable {{nmae}}"))
        << tag << ": " << Refusal();
  }
  Write("en/acknowledgement.txt", "Subject: x\n\n{{! a comment names {{nothing}} }}{{name}}\n");
  EXPECT_EQ(Refusal(), "");
}

TEST_F(MailTemplateRefusal, DottedName) {
  Write("en/acknowledgement.html", "<p>{{complainant.name}}</p>");
  const std::string why = Refusal();
  EXPECT_TRUE(Has(why, Path("en/acknowledgement.html") + ": {{complainant.name}}")) << why;
  EXPECT_TRUE(Has(why, "dotted")) << why;
  Write("en/acknowledgement.html", "<p>{{#name}}{{.}}{{/name}}</p>");
  EXPECT_TRUE(Has(Refusal(), Path("en/acknowledgement.html"))) << Refusal();
}

TEST_F(MailTemplateRefusal, PartialAndDelimiterChange) {
  Write("fr/final_response.html", "<p>{{> footer}}</p>");
  EXPECT_TRUE(Has(Refusal(), Path("fr/final_response.html") + ": partials")) << Refusal();
  Write("fr/final_response.html", "{{=<% %>=}}<p><% name %></p>");
  EXPECT_TRUE(Has(Refusal(), Path("fr/final_response.html") + ": partials and delimiter"))
      << Refusal();
}

TEST_F(MailTemplateRefusal, UnclosedOrMismatchedSection) {
  Write("en/final_response.txt", "Subject: x\n\n{{#referral}}\nRefer to {{ombudsman_name}}.\n");
  std::string why = Refusal();
  EXPECT_TRUE(Has(why, Path("en/final_response.txt") + ": section {{#referral}} is not closed"))
      << why;
  EXPECT_TRUE(Has(why, "line 3")) << why;
  Write("en/final_response.txt", "Subject: x\n\n{{#remedy}}x{{/referral}}\n");
  why = Refusal();
  EXPECT_TRUE(
      Has(why, Path("en/final_response.txt") + ": {{/referral}} closes section {{#remedy}}"))
      << why;
  Write("en/final_response.txt", "Subject: x\n\nx{{/remedy}}\n");
  EXPECT_TRUE(Has(Refusal(), "closes no open section")) << Refusal();
  Write("en/final_response.txt", "Subject: x\n\nDear {{name\n");
  EXPECT_TRUE(Has(Refusal(), Path("en/final_response.txt") + ": a tag is not closed on line 3"))
      << Refusal();
}

TEST_F(MailTemplateRefusal, SubjectLine) {
  Write("fr/information_request.txt", "Votre réclamation {{reference}}\n\n{{question}}\n");
  EXPECT_TRUE(Has(Refusal(), Path("fr/information_request.txt") + ": the first line must be"))
      << Refusal();
  Write("fr/information_request.txt", "Subject:   \n\n{{question}}\n");
  EXPECT_TRUE(Has(Refusal(), Path("fr/information_request.txt"))) << Refusal();
  Write("fr/information_request.txt", "Subject: a\nsecond subject line\n\n{{question}}\n");
  EXPECT_TRUE(Has(Refusal(), Path("fr/information_request.txt") + ": line 2 must be blank"))
      << Refusal();
  Write("fr/information_request.txt", "Subject: nothing else\n\n  \n");
  EXPECT_TRUE(Has(Refusal(), Path("fr/information_request.txt") + ": the body is empty"))
      << Refusal();
}

TEST_F(MailTemplateRefusal, MissingKind) {
  fs::remove(dir_ / "fr/survey_invitation.html");
  EXPECT_TRUE(Has(Refusal(), Path("fr/survey_invitation.html") + ": missing")) << Refusal();
  // A new language must have every kind as soon as it has one file.
  fs::copy(dir_ / "en/survey_invitation.html", dir_ / "fr/survey_invitation.html");
  Write("de/acknowledgement.txt", "Subject: Ihre Beschwerde {{reference}}\n\nHallo\n");
  EXPECT_TRUE(Has(Refusal(), Path("de/acknowledgement.html") + ": missing")) << Refusal();
}

TEST_F(MailTemplateRefusal, DefaultLanguageMustBeComplete) {
  EXPECT_EQ(Refusal("fr"), "");
  EXPECT_TRUE(Has(Refusal("de"), "no de/ folder")) << Refusal("de");
  fs::remove_all(dir_ / "en");
  fs::create_directory(dir_ / "en");  // empty: not a language
  EXPECT_TRUE(Has(Refusal("en"), "no en/ folder")) << Refusal("en");
  EXPECT_EQ(Refusal("fr"), "");
  EXPECT_TRUE(Has(Refusal("e n"), "not a language tag")) << Refusal("e n");
}

TEST_F(MailTemplateRefusal, FolderAndFileNames) {
  // Folders without templates (backups, notes, hidden) are not languages.
  Write(".git/config", "x");
  Write("notes/README.md", "Our wording guide");
  EXPECT_EQ(Refusal(), "");
  // A misspelt kind is refused rather than ignored.
  Write("en/acknowledgment.txt", "Subject: x\n\nx\n");
  EXPECT_TRUE(Has(Refusal(), Path("en/acknowledgment.txt") + ": not a kind of message"))
      << Refusal();
  fs::remove(dir_ / "en/acknowledgment.txt");
  // A folder of templates must be named as a language.
  fs::copy(dir_ / "fr", dir_ / "fr_CA", fs::copy_options::recursive);
  EXPECT_TRUE(Has(Refusal(), Path("fr_CA") + ": the folder name is not a language tag"))
      << Refusal();
  fs::rename(dir_ / "fr_CA", dir_ / "fr-CA");
  EXPECT_EQ(Refusal(), "");
  auto set = TemplateSet::Load(dir_.string());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->Languages(), (std::vector<std::string>{"en", "fr", "fr-CA"}));
}

TEST_F(MailTemplateRefusal, HtmlValuesMustBeEscaped) {
  Write("en/final_response.html", "<p>{{{reasons}}}</p>");
  EXPECT_TRUE(Has(Refusal(), Path("en/final_response.html") + ": {{{reasons}}} on line 1 would "
                                                              "insert the value without HTML"))
      << Refusal();
  Write("en/final_response.html", "<p>\n{{&reasons}}</p>");
  EXPECT_TRUE(Has(Refusal(), "{{&reasons}} on line 2")) << Refusal();
  // In the plain text nothing is escaped anyway.
  Write("en/final_response.html", "<p>{{reasons}}</p>");
  Write("en/final_response.txt", "Subject: x\n\n{{{reasons}}} {{&reasons}}\n");
  EXPECT_EQ(Refusal(), "");
}

TEST_F(MailTemplateRefusal, EncodingAndLineEnds) {
  Write("fr/holding_response.txt", "Subject: R\xE9\x63lamation\n\nx\n");  // Latin-1
  EXPECT_TRUE(Has(Refusal(), Path("fr/holding_response.txt") + ": not UTF-8")) << Refusal();
  // A BOM and CRLF line ends, as Windows editors save, are fine.
  Write("fr/holding_response.txt",
        "\xEF\xBB\xBFSubject: R\xC3\xA9\x63lamation {{reference}}\r\n\r\nBonjour\r\n{{#name}}"
        "{{name}}\r\n{{/name}}Fin\r\n");
  ASSERT_EQ(Refusal(), "");
  auto set = TemplateSet::Load(dir_.string());
  auto r = set->Render(MailKind::kHoldingResponse, "fr", FullVars());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "Réclamation CMP-2026-000042-K");
  EXPECT_EQ(r->text, "Bonjour\nZoë O'Brien <zoe> & \"co\"\nFin\n");
}

TEST_F(MailTemplateRefusal, SubjectIsOneLine) {
  Write("en/information_request.txt",
        "Subject: {{reference}} asks: {{question}}\n\n{{question}}\n");
  auto set = TemplateSet::Load(dir_.string());
  ASSERT_TRUE(set) << set.error().detail;
  auto vars = FullVars();
  vars["question"] = "Which branch?\r\nAnd which day?\n";
  auto r = set->Render(MailKind::kInformationRequest, "en", vars);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "CMP-2026-000042-K asks: Which branch?  And which day?");
  EXPECT_EQ(r->text, "Which branch?\nAnd which day?\n");
}

// --- Composition -------------------------------------------------------------------------------

OutgoingMail Sample() {
  OutgoingMail m;
  m.from_address = "complaints@bank.example";
  m.from_name = "Example Bank — Complaints";
  m.to_address = "zoe@customer.example";
  m.to_name = "Zoë Ångström";
  m.subject = "Your complaint CMP-2026-000001-A: Zoë — £50 €";
  m.text = "Dear Zoë,\n\nWe will pay you £50 (about 57 €) — today.\nLine with trailing space \n" +
           std::string(1200, 'x') + "\n";
  m.html = "<!DOCTYPE html>\n<html lang=\"en\"><body><p>Dear Zoë — £50 €</p>\n<p>" +
           std::string(1500, 'y') + "</p></body></html>\n";
  m.message_id = "n12.CMP-2026-000001-A@redress.example";
  m.in_reply_to = "CAF=abc.123@mail.customer.example";
  m.references = {"CAF=abc.123@mail.customer.example", "CMP-2026-000001-A@redress.example"};
  m.date_unix_seconds = 1'790'000'000;  // 2026-09-21 14:13:20 UTC
  m.extra_headers = {{"Auto-Submitted", "auto-generated"}, {"X-Auto-Response-Suppress", "All"}};
  return m;
}

std::string Crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// The wire-form rules: 7-bit bytes, CRLF only, lines of at most 998 bytes.
void ExpectWireForm(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    ASSERT_LT(c, 0x80) << "at " << i;
    ASSERT_NE(c, 0) << "at " << i;
    if (c == '\n') {
      ASSERT_TRUE(i > 0 && bytes[i - 1] == '\r') << "bare LF at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < bytes.size() && bytes[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find("\r\n", start);
    if (end == std::string::npos) end = bytes.size();
    EXPECT_LE(end - start, 998u) << bytes.substr(start, 80);
    start = end + 2;
  }
}

std::string Decoded(const vmime::shared_ptr<const vmime::body>& body) {
  std::string out;
  vmime::utility::outputStreamStringAdapter os(out);
  body->getContents()->extract(os);
  return out;
}

std::string Utf8(const vmime::text& t) {
  return t.getConvertedText(vmime::charset(vmime::charsets::UTF_8));
}

// The header lines of a message (unfolded), to check what is there and what is not.
std::vector<std::string> HeaderLines(const std::string& bytes) {
  std::vector<std::string> lines;
  const std::string head = bytes.substr(0, bytes.find("\r\n\r\n"));
  size_t start = 0;
  while (start <= head.size()) {
    size_t end = std::min(head.find("\r\n", start), head.size());
    std::string line = head.substr(start, end - start);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
      lines.back() += line;
    } else {
      lines.push_back(line);
    }
    start = end + 2;
  }
  for (auto& l : lines) {  // folding whitespace counts as one space
    std::string one;
    for (char c : l) {
      if ((c == ' ' || c == '\t') && !one.empty() && one.back() == ' ') continue;
      one += c == '\t' ? ' ' : c;
    }
    while (!one.empty() && one.back() == ' ') one.pop_back();
    l = one;
  }
  return lines;
}

TEST(ComposeMime, MultipartAlternativeReadsBackExactly) {
  const OutgoingMail m = Sample();
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  ExpectWireForm(*bytes);
  InitVmime();
  vmime::message msg;
  msg.parse(*bytes);
  auto header = msg.getHeader();

  // Headers.
  EXPECT_EQ(Utf8(*header->Subject()->getValue<vmime::text>()), m.subject);
  auto from = header->From()->getValue<vmime::mailbox>();
  EXPECT_EQ(Utf8(from->getName()), m.from_name);
  EXPECT_EQ(from->getEmail().toString(), m.from_address);
  auto to = vmime::dynamicCast<vmime::mailbox>(
      header->To()->getValue<vmime::addressList>()->getAddressAt(0));
  ASSERT_TRUE(to);
  EXPECT_EQ(Utf8(to->getName()), m.to_name);
  EXPECT_EQ(to->getEmail().toString(), m.to_address);
  EXPECT_EQ(header->MessageId()->getValue<vmime::messageId>()->getId(), m.message_id);
  auto irt = header->InReplyTo()->getValue<vmime::messageIdSequence>();
  ASSERT_EQ(irt->getMessageIdCount(), 1u);
  EXPECT_EQ(irt->getMessageIdAt(0)->getId(), m.in_reply_to);
  auto refs = header->References()->getValue<vmime::messageIdSequence>();
  ASSERT_EQ(refs->getMessageIdCount(), 2u);
  EXPECT_EQ(refs->getMessageIdAt(0)->getId(), m.references[0]);
  EXPECT_EQ(refs->getMessageIdAt(1)->getId(), m.references[1]);
  const auto lines = HeaderLines(*bytes);
  auto line = [&](const std::string& prefix) {
    std::string found;
    for (const auto& l : lines) {
      if (l.size() >= prefix.size() &&
          std::equal(prefix.begin(), prefix.end(), l.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        EXPECT_EQ(found, "") << "twice: " << prefix;
        found = l;
      }
    }
    return found;
  };
  EXPECT_EQ(line("Message-ID:"), "Message-Id: <n12.CMP-2026-000001-A@redress.example>");
  EXPECT_EQ(line("In-Reply-To:"), "In-Reply-To: <CAF=abc.123@mail.customer.example>");
  EXPECT_EQ(line("References:"),
            "References: <CAF=abc.123@mail.customer.example> <CMP-2026-000001-A@redress.example>");
  EXPECT_EQ(line("Date:"), "Date: Mon, 21 Sep 2026 14:13:20 +0000");
  EXPECT_EQ(line("MIME-Version:"), "Mime-Version: 1.0");
  EXPECT_EQ(line("Auto-Submitted:"), "Auto-Submitted: auto-generated");
  EXPECT_EQ(line("X-Auto-Response-Suppress:"), "X-Auto-Response-Suppress: All");
  // Non-ASCII subject and names travel as RFC 2047 encoded words.
  EXPECT_TRUE(Has(line("Subject:"), "=?utf-8?")) << line("Subject:");
  EXPECT_TRUE(Has(line("To:"), "=?utf-8?")) << line("To:");
  EXPECT_TRUE(Has(line("To:"), "<zoe@customer.example>")) << line("To:");

  // Body: multipart/alternative, plain text then HTML, both UTF-8, both 7-bit-safe encodings.
  const auto ct = msg.getBody()->getContentType();
  EXPECT_EQ(ct.getType() + "/" + ct.getSubType(), "multipart/alternative");
  ASSERT_EQ(msg.getBody()->getPartCount(), 2u);
  const std::vector<std::pair<std::string, std::string>> expected = {{"plain", m.text},
                                                                     {"html", m.html}};
  for (size_t i = 0; i < 2; ++i) {
    auto body = msg.getBody()->getPartAt(i)->getBody();
    EXPECT_EQ(body->getContentType().getType(), "text");
    EXPECT_EQ(body->getContentType().getSubType(), expected[i].first);
    EXPECT_EQ(body->getCharset().getName(), "utf-8");
    const std::string enc = body->getEncoding().getName();
    EXPECT_TRUE(enc == "quoted-printable" || enc == "base64") << enc;
    // Sent in canonical form: the exact text, with CRLF line breaks.
    EXPECT_EQ(Decoded(body), Crlf(expected[i].second)) << expected[i].first;
  }
}

TEST(ComposeMime, AsciiBodiesWithLongLinesAreStillEncoded) {
  // Left to itself vmime picks 7bit for ASCII, which would keep bare LFs and long lines.
  OutgoingMail m = Sample();
  m.subject = "Plain subject";
  m.from_name = "Example Bank";
  m.to_name = "";
  m.text = "Hello\n" + std::string(3000, 'a') + "\nbye";
  m.html = "<p>" + std::string(3000, 'b') + "</p>\n<p>x</p>";
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  ExpectWireForm(*bytes);
  EXPECT_TRUE(Has(*bytes, "\r\nSubject: Plain subject\r\n") ||
              bytes->rfind("Subject: Plain subject\r\n", 0) == 0);
  vmime::message msg;
  msg.parse(*bytes);
  ASSERT_EQ(msg.getBody()->getPartCount(), 2u);
  EXPECT_EQ(Decoded(msg.getBody()->getPartAt(0)->getBody()), Crlf(m.text));
  EXPECT_EQ(Decoded(msg.getBody()->getPartAt(1)->getBody()), Crlf(m.html));
  auto to = vmime::dynamicCast<vmime::mailbox>(
      msg.getHeader()->To()->getValue<vmime::addressList>()->getAddressAt(0));
  EXPECT_EQ(to->getEmail().toString(), "zoe@customer.example");
}

TEST(ComposeMime, LongAndAwkwardHeadersAreFoldedAndDecodeBack) {
  OutgoingMail m = Sample();
  m.subject.clear();
  for (int i = 0; i < 40; ++i) m.subject += "Réclamation n°" + std::to_string(i) + " — ";
  m.subject += std::string(1200, 's');
  m.from_name = "Bank, \"Complaints\" (UK)";
  m.references.clear();
  for (int i = 0; i < 60; ++i) m.references.push_back("id" + std::to_string(i) + "@x.example");
  m.in_reply_to.clear();
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  ExpectWireForm(*bytes);
  vmime::message msg;
  msg.parse(*bytes);
  EXPECT_EQ(Utf8(*msg.getHeader()->Subject()->getValue<vmime::text>()), m.subject);
  EXPECT_EQ(Utf8(msg.getHeader()->From()->getValue<vmime::mailbox>()->getName()), m.from_name);
  EXPECT_EQ(
      msg.getHeader()->References()->getValue<vmime::messageIdSequence>()->getMessageIdCount(),
      60u);
  EXPECT_FALSE(msg.getHeader()->hasField("In-Reply-To"));
}

TEST(ComposeMime, NewlinesCannotAddHeaders) {
  OutgoingMail m = Sample();
  m.subject = "Hello\r\nBcc: victim@evil.example";
  m.to_name = "Zoë\nX-Injected: yes";
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  ExpectWireForm(*bytes);
  for (const auto& l : HeaderLines(*bytes)) {
    EXPECT_NE(l.rfind("Bcc:", 0), 0u) << l;
    EXPECT_NE(l.rfind("X-Injected:", 0), 0u) << l;
  }
  vmime::message msg;
  msg.parse(*bytes);
  EXPECT_EQ(Utf8(*msg.getHeader()->Subject()->getValue<vmime::text>()),
            "Hello  Bcc: victim@evil.example");
  EXPECT_FALSE(msg.getHeader()->hasField("Bcc"));
}

TEST(ComposeMime, BadAddressesIdsAndHeadersAreRefusedWithoutPersonalData) {
  const std::vector<std::pair<std::string, std::function<void(OutgoingMail&)>>> cases = {
      {"to without @", [](OutgoingMail& m) { m.to_address = "zoe.customer.example"; }},
      {"to with space", [](OutgoingMail& m) { m.to_address = "zoe x@customer.example"; }},
      {"to with bracket", [](OutgoingMail& m) { m.to_address = "<zoe@customer.example>"; }},
      {"to with two", [](OutgoingMail& m) { m.to_address = "zoe@a.example,eve@b.example"; }},
      {"to with newline", [](OutgoingMail& m) { m.to_address = "zoe@a.example\r\nBcc: e@b"; }},
      {"to non-ASCII", [](OutgoingMail& m) { m.to_address = "zoë@customer.example"; }},
      {"empty to", [](OutgoingMail& m) { m.to_address.clear(); }},
      {"empty from", [](OutgoingMail& m) { m.from_address.clear(); }},
      {"bracketed id", [](OutgoingMail& m) { m.message_id = "<n1.x@redress.example>"; }},
      {"id without @", [](OutgoingMail& m) { m.message_id = "n1.x"; }},
      {"empty id", [](OutgoingMail& m) { m.message_id.clear(); }},
      {"id with space", [](OutgoingMail& m) { m.message_id = "n1 x@redress.example"; }},
      {"long address",
       [](OutgoingMail& m) { m.to_address = std::string(250, 'z') + "@c.example"; }},
      {"header name colon",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"X-A:", "b"});
       }},
      {"header name space",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"X A", "b"});
       }},
      {"own header",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"subject", "b"});
       }},
      {"own header bcc",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"Bcc", "e@b"});
       }},
      {"header value CRLF",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"X-A", "b\r\nBcc: e@b"});
       }},
      {"header value 8-bit",
       [](OutgoingMail& m) {
         m.extra_headers.push_back({"X-A", "é"});
       }},
  };
  for (const auto& [what, change] : cases) {
    OutgoingMail m = Sample();
    change(m);
    auto bytes = ComposeMessage(m);
    ASSERT_FALSE(bytes) << what;
    EXPECT_EQ(bytes.error().code, Errc::kInvalid) << what;
    EXPECT_FALSE(Has(bytes.error().detail, "zoe")) << what << ": " << bytes.error().detail;
  }
}

TEST(ComposeMime, ForeignIdsAreKeptWhenUsableAndLeftOutOtherwise) {
  // Ids come from other people's mail: odd but printable ones thread; the rest are dropped
  // and the message still goes out.
  OutgoingMail m = Sample();
  m.in_reply_to = "odd$id%x=y/z@mail.example";
  m.references = {"no-at-sign-123", "has space@x", "<bracketed@x>", "", "caf\xC3\xA9@x", "ok@x"};
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  ExpectWireForm(*bytes);
  vmime::message msg;
  msg.parse(*bytes);
  EXPECT_EQ(msg.getHeader()
                ->InReplyTo()
                ->getValue<vmime::messageIdSequence>()
                ->getMessageIdAt(0)
                ->getId(),
            m.in_reply_to);
  auto refs = msg.getHeader()->References()->getValue<vmime::messageIdSequence>();
  ASSERT_EQ(refs->getMessageIdCount(), 2u);
  EXPECT_EQ(refs->getMessageIdAt(0)->getId(), "no-at-sign-123");
  EXPECT_EQ(refs->getMessageIdAt(1)->getId(), "ok@x");
  m.in_reply_to = "has space@x";
  m.references = {"<x@y>"};
  bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  for (const auto& l : HeaderLines(*bytes)) {
    EXPECT_NE(l.rfind("In-Reply-To:", 0), 0u) << l;
    EXPECT_NE(l.rfind("References:", 0), 0u) << l;
  }
}

TEST(ComposeMime, RenderedTemplatesComposeInBothLanguages) {
  auto set = TemplateSet::Load(kTemplates);
  ASSERT_TRUE(set) << set.error().detail;
  for (const std::string lang : {"en", "fr"}) {
    for (MailKind k : AllMailKinds()) {
      auto r = set->Render(k, lang, FullVars());
      ASSERT_TRUE(r);
      OutgoingMail m = Sample();
      m.subject = r->subject;
      m.text = r->text;
      m.html = r->html;
      auto bytes = ComposeMessage(m);
      ASSERT_TRUE(bytes) << bytes.error().detail;
      ExpectWireForm(*bytes);
      vmime::message msg;
      msg.parse(*bytes);
      EXPECT_EQ(Utf8(*msg.getHeader()->Subject()->getValue<vmime::text>()), r->subject);
      EXPECT_EQ(Decoded(msg.getBody()->getPartAt(0)->getBody()), Crlf(r->text));
      EXPECT_EQ(Decoded(msg.getBody()->getPartAt(1)->getBody()), Crlf(r->html));
    }
  }
}

}  // namespace
}  // namespace redress::mail
