// HTML form bodies (http/form.hpp): what browsers send from the portal's plain form POSTs.
#include "http/form.hpp"

#include <gtest/gtest.h>

namespace redress::http {
namespace {

TEST(FormTest, UrlEncodedDecodesPlusAndPercentAndKeepsRepeats) {
  auto f = ParseForm("application/x-www-form-urlencoded; charset=UTF-8",
                     "name=Ada+Lovelace&note=50%25+%26+more&tag=a&tag=b&empty=&flag");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->Get("name"), "Ada Lovelace");
  EXPECT_EQ(f->Get("note"), "50% & more");
  EXPECT_EQ(f->fields.count("tag"), 2u);
  EXPECT_EQ(f->Get("empty"), "");
  EXPECT_EQ(f->fields.count("flag"), 1u);
  EXPECT_EQ(f->Get("missing"), "");
  EXPECT_FALSE(ParseForm("application/x-www-form-urlencoded", "a=%zz"));
}

TEST(FormTest, MultipartFieldsAndFiles) {
  const std::string body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"description\"\r\n\r\n"
      "line one\r\nline two\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"attachments\"; filename=\"C:\\\\docs\\\\a "
      "\\\"b\\\".pdf\"\r\n"
      "Content-Type: Application/PDF\r\n\r\n"
      "%PDF-1.4\r\n--not the boundary\r\n"
      "--XyZ--\r\n";
  auto f = ParseForm("multipart/form-data; boundary=\"XyZ\"", body);
  ASSERT_TRUE(f) << f.error().detail;
  EXPECT_EQ(f->Get("description"), "line one\r\nline two");
  ASSERT_EQ(f->files.size(), 1u);
  EXPECT_EQ(f->files[0].field, "attachments");
  EXPECT_EQ(f->files[0].filename, "a \"b\".pdf");
  EXPECT_EQ(f->files[0].content_type, "application/pdf");
  EXPECT_EQ(f->files[0].data, "%PDF-1.4\r\n--not the boundary");
}

TEST(FormTest, MalformedMultipartIsRefusedWhole) {
  const char* type = "multipart/form-data; boundary=B";
  EXPECT_FALSE(ParseForm("multipart/form-data", "--B--"));  // no boundary
  EXPECT_FALSE(ParseForm(type, "no parts here"));
  EXPECT_FALSE(ParseForm(type, "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"));
  EXPECT_FALSE(
      ParseForm(type, "--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--B--"));
  EXPECT_FALSE(ParseForm(type, "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"));
  EXPECT_FALSE(ParseForm(type, "--B\r\nno header end"));
  std::string many;
  for (int i = 0; i < 65; ++i)
    many += "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  EXPECT_FALSE(ParseForm(type, many + "--B--"));
  auto other = ParseForm("text/plain", "a=b");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, core::Errc::kUnsupportedMedia);
}

}  // namespace
}  // namespace redress::http
