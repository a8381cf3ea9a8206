// The mail adapters without a network: parsing incoming messages (vmime, gumbo), the
// templates' load-time check and rendering, and MIME composition read back by vmime.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vmime/vmime.hpp>

#include "mail/compose.hpp"
#include "mail/parse.hpp"
#include "mail/templates.hpp"

namespace redress::mail {
namespace {

std::string Crlf(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(MailParseTest, PlainMessageHeadersAndText) {
  auto m =
      ParseMessage(Crlf("From: =?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@mail.example>\n"
                        "Subject: =?ISO-8859-1?Q?Pr=E9l=E8vement?= refused\n"
                        "Message-ID: <abc@mail.example>\n"
                        "In-Reply-To: <n4.CMP-2026-000001-A@redress.test>\n"
                        "References: <x@y> <CMP-2026-000001-A@redress.test>\n"
                        "Content-Type: text/plain; charset=iso-8859-1\n"
                        "Content-Transfer-Encoding: quoted-printable\n\n"
                        "Caf=E9 line one\nline two  \n\n"));
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->from_address, "zoe@mail.example");
  EXPECT_EQ(m->from_name, "Zoë Ångström");
  EXPECT_EQ(m->subject, "Prélèvement refused");
  EXPECT_EQ(m->message_id, "abc@mail.example");
  EXPECT_EQ(m->in_reply_to, "n4.CMP-2026-000001-A@redress.test");
  EXPECT_EQ(m->references, (std::vector<std::string>{"x@y", "CMP-2026-000001-A@redress.test"}));
  EXPECT_EQ(m->text, "Café line one\nline two");
  EXPECT_TRUE(m->automatic.empty());
}

TEST(MailParseTest, AlternativePrefersPlainAndHtmlOnlyBecomesText) {
  auto alt = ParseMessage(
      "From: a@b.example\nContent-Type: multipart/alternative; boundary=q\n\n--q\n"
      "Content-Type: text/html\n\n<p>html</p>\n--q\nContent-Type: text/plain\n\nplain\n--q--\n");
  ASSERT_TRUE(alt);
  EXPECT_EQ(alt->text, "plain");
  EXPECT_FALSE(alt->text_from_html);
  auto html = ParseMessage(
      "From: a@b.example\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>x{}"
      "</style></head><body><p>One&nbsp;&amp; two</p><ul><li>a</li><li>b</li></ul>"
      "<a href=\"https://e.example/p\">link</a><script>bad()</script></body></html>");
  ASSERT_TRUE(html);
  EXPECT_TRUE(html->text_from_html);
  EXPECT_EQ(html->text, "One\xC2\xA0& two\n\n- a\n- b\nlink (https://e.example/p)");
}

TEST(MailParseTest, AttachmentsAndForwardedMessages) {
  auto m = ParseMessage(Crlf(
      "From: c@d.example\nContent-Type: multipart/mixed; boundary=o\n\n--o\n"
      "Content-Type: text/plain\n\nSee below.\n--o\nContent-Type: message/rfc822\n\n"
      "From: Bank <bank@e.example>\nSubject: Decision\n"
      "Content-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: text/plain\n\nNo loan.\n"
      "--i\nContent-Type: application/pdf\n"
      "Content-Disposition: attachment; filename*=UTF-8''d%C3%A9cision.pdf\n"
      "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--i--\n--o--\n"));
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->text,
            "See below.\n\n---------- Forwarded message ----------\nFrom: \"Bank\" "
            "<bank@e.example>\nSubject: Decision\n\nNo loan.");
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].filename, "décision.pdf");
  EXPECT_EQ(m->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m->attachments[0].data, "%PDF-1.4\n");
}

TEST(MailParseTest, AutomaticMailIsMarked) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Auto-Submitted: auto-replied\n", "auto-submitted"},
      {"Precedence: bulk\n", "precedence"},
      {"Return-Path: <>\n", "null-return-path"},
      {"X-Autoreply: yes\n", "autoreply-header"},
  };
  for (const auto& [header, why] : cases) {
    auto m = ParseMessage("From: p@q.example\n" + header + "\nbody\n");
    ASSERT_TRUE(m) << header;
    EXPECT_EQ(m->automatic, why) << header;
  }
  auto dsn = ParseMessage(
      "From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; boundary=r\n\n--r\n"
      "Content-Type: text/plain\n\nfailed\n--r--\n");
  ASSERT_TRUE(dsn);
  EXPECT_EQ(dsn->automatic, "delivery-status");
  auto daemon = ParseMessage("From: Postmaster <postmaster@mx.example>\n\nx\n");
  EXPECT_EQ(daemon->automatic, "mailer-daemon");
  EXPECT_TRUE(ParseMessage("Auto-Submitted: no\nFrom: a@b.example\n\nx")->automatic.empty());
}

TEST(MailParseTest, BadInputIsRefusedWithoutPersonalData) {
  EXPECT_EQ(ParseMessage("").error().code, core::Errc::kInvalid);
  EXPECT_EQ(ParseMessage(std::string(100, 'x')).error().detail,
            "The input is not a mail message (no header fields).");
  auto nofrom = ParseMessage("Subject: secret words\n\nhello secret");
  ASSERT_FALSE(nofrom);
  EXPECT_EQ(nofrom.error().detail.find("secret"), std::string::npos);
  ParseLimits small;
  small.max_bytes = 10;
  EXPECT_EQ(ParseMessage("From: a@b.example\n\nlong enough", small).error().code,
            core::Errc::kPayloadTooLarge);
  std::string nested = "From: a@b.example\n";
  for (int i = 0; i < 300; ++i)
    nested += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n";
  EXPECT_FALSE(ParseMessage(nested + "\nx"));
  // Invalid UTF-8 in a body labelled UTF-8 comes out valid.
  auto bad =
      ParseMessage("From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\nA\xFF\xC3");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->text, ValidUtf8(bad->text));
}

TEST(MailParseTest, ValidUtf8ReplacesBadSequences) {
  EXPECT_EQ(ValidUtf8("a\xC3\xA9"), "a\xC3\xA9");
  EXPECT_EQ(ValidUtf8("a\xFF"
                      "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8(std::string("a\0b", 3)), "ab");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

// --- Templates ---------------------------------------------------------------------------------

const std::string kShipped = std::string(REDRESS_SOURCE_DIR) + "/mail-templates";

nlohmann::json Vars() {
  return {{"reference", "CMP-2026-000001-A"},
          {"name", "Zoë <Z> & co"},
          {"organisation", "Example Bank"},
          {"status_url", "https://c.example/status"},
          {"received_date", "2026-11-16"},
          {"respond_by", "2027-01-11"},
          {"access_code", "ABCD1234"},
          {"question", "Which branch?"},
          {"outcome_partly_upheld", "true"},
          {"reasons", "The fee was wrong."},
          {"remedy", "true"},
          {"remedy_type", "refund"},
          {"remedy_amount", "25.00 GBP"},
          {"referral", "true"},
          {"ombudsman_name", "Financial Ombudsman Service"},
          {"ombudsman_url", "https://fos.example"},
          {"ombudsman_time_limit", "6 months from the date of the final response"},
          {"survey_url", "https://c.example/status"}};
}

TEST(MailTemplateTest, ShippedTemplatesRenderEveryKindInEveryLanguage) {
  auto set = TemplateSet::Load(kShipped);
  ASSERT_TRUE(set) << set.error().detail;
  EXPECT_EQ(set->Languages(), (std::vector<std::string>{"en", "fr"}));
  for (const std::string lang : {"en", "fr"}) {
    for (MailKind k : AllMailKinds()) {
      auto r = set->Render(k, lang, Vars());
      ASSERT_TRUE(r) << lang << " " << ToString(k);
      EXPECT_NE(r->subject.find("CMP-2026-000001-A"), std::string::npos) << ToString(k);
      EXPECT_NE(r->text.find("Zoë <Z> & co"), std::string::npos) << ToString(k);  // not escaped
      EXPECT_NE(r->html.find("Zoë &lt;Z&gt; &amp; co"), std::string::npos) << ToString(k);
      EXPECT_EQ(r->text.find("{{"), std::string::npos);
    }
  }
  auto fin = set->Render(MailKind::kFinalResponse, "en", Vars());
  EXPECT_NE(fin->text.find("uphold your complaint in part"), std::string::npos);
  EXPECT_NE(fin->text.find("refer your complaint to the Financial Ombudsman Service"),
            std::string::npos);
  EXPECT_NE(fin->text.find("within 6 months from the date of the final response"),
            std::string::npos);
  EXPECT_NE(fin->text.find("refund, 25.00 GBP"), std::string::npos);
  auto ack = set->Render(MailKind::kAcknowledgement, "fr-CA", Vars());
  EXPECT_NE(ack->subject.find("accusé de réception"), std::string::npos);
  auto de = set->Render(MailKind::kAcknowledgement, "de", Vars());
  EXPECT_NE(de->subject.find("we have received it"), std::string::npos);
}

class TemplateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("redress-tpl-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(kShipped, dir_, std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  std::string LoadError() {
    auto set = TemplateSet::Load(dir_.string());
    return set ? "" : set.error().detail;
  }
  std::filesystem::path dir_;
};

TEST_F(TemplateDirTest, RefusesWhatWouldSendABlank) {
  Write("en/holding_response.txt", "Subject: x {{reference}}\n\nDear {{nmae}}");
  EXPECT_NE(LoadError().find("holding_response.txt: unknown variable {{nmae}}"), std::string::npos)
      << LoadError();
  Write("en/holding_response.txt", "Subject: x\n\n{{complainant.name}}");
  EXPECT_NE(LoadError().find("is not a variable name"), std::string::npos);
  Write("en/holding_response.txt", "Subject: x\n\n{{> footer}}");
  EXPECT_NE(LoadError().find("partials"), std::string::npos);
  Write("en/holding_response.txt", "Subject: x\n\n{{#name}}open");
  EXPECT_NE(LoadError().find("is not closed"), std::string::npos);
  Write("en/holding_response.txt", "No subject line\n\nbody");
  EXPECT_NE(LoadError().find("Subject"), std::string::npos);
  // The access code belongs to the acknowledgement only.
  Write("en/holding_response.txt", "Subject: x\n\n{{access_code}}");
  EXPECT_NE(LoadError().find("unknown variable {{access_code}}"), std::string::npos);
  Write("en/holding_response.txt", "Subject: Still working on {{reference}}\n\nHello {{name}}");
  EXPECT_EQ(LoadError(), "");
  std::filesystem::remove(dir_ / "fr/survey_invitation.html");
  EXPECT_NE(LoadError().find("survey_invitation.html: missing"), std::string::npos);
}

// --- Composition -------------------------------------------------------------------------------

TEST(ComposeTest, MultipartAlternativeUtf8WithThreadingHeaders) {
  OutgoingMail m;
  m.from_address = "complaints@bank.example";
  m.from_name = "Example Bank";
  m.to_address = "zoe@mail.example";
  m.to_name = "Zoë";
  m.subject = "Votre réclamation — reçue";
  m.text = "Bonjour Zoë — £50 €\n" + std::string(2000, 'a');
  m.html = "<p>Bonjour Zoë — £50 €</p>";
  m.message_id = "n7.CMP-2026-000001-A@redress.test";
  m.in_reply_to = "orig@mail.example";
  m.references = {"orig@mail.example", "CMP-2026-000001-A@redress.test"};
  m.date_unix_seconds = 1'790'000'000;
  m.extra_headers = {{"Auto-Submitted", "auto-generated"}};
  auto bytes = ComposeMessage(m);
  ASSERT_TRUE(bytes) << bytes.error().detail;
  for (unsigned char c : *bytes) ASSERT_LT(c, 0x80);
  size_t start = 0;
  while (start < bytes->size()) {
    size_t end = bytes->find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
    if (start > 0) {
      EXPECT_EQ((*bytes)[start - 1], '\n');
    }
    start = end + 2;
  }
  // Read back: the same text and headers.
  auto back = ParseMessage(*bytes);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->subject, m.subject);
  EXPECT_EQ(back->from_address, m.from_address);
  EXPECT_EQ(back->message_id, m.message_id);
  EXPECT_EQ(back->in_reply_to, m.in_reply_to);
  EXPECT_EQ(back->references, m.references);
  EXPECT_EQ(back->text, m.text);  // the plain part is preferred
  EXPECT_EQ(back->automatic, "auto-submitted");
  vmime::message msg;
  msg.parse(*bytes);
  auto ct = msg.getBody()->getContentType();
  EXPECT_EQ(ct.getType() + "/" + ct.getSubType(), "multipart/alternative");
  ASSERT_EQ(msg.getBody()->getPartCount(), 2u);
  EXPECT_EQ(msg.getBody()->getPartAt(0)->getBody()->getContentType().getSubType(), "plain");
  EXPECT_EQ(msg.getBody()->getPartAt(1)->getBody()->getContentType().getSubType(), "html");
}

}  // namespace
}  // namespace redress::mail
