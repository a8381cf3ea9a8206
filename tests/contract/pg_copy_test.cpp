// COPY in text format (store/postgres/pg_copy.hpp): rows CopyRows encodes are stored as they
// were, and PostgreSQL's COPY TO writes them back byte for byte as CopyRows wrote them, the
// premise of migrate-store's read-back check.
#include "store/postgres/pg_copy.hpp"

#include <gtest/gtest.h>

#include <string>

#include "store_harness.hpp"

namespace redress::testing {
namespace {

class PostgresCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = NewPostgresDatabase();
    auto c = store::pg::ConnectPlain(url_, "SET client_encoding = 'UTF8'");
    ASSERT_TRUE(c) << c.error().detail;
    conn_ = std::move(*c);
  }
  void TearDown() override {
    conn_.reset();
    DropPostgresDatabase(url_);
  }

  std::string url_;
  store::pg::PlainConn conn_{nullptr, &PQfinish};
};

TEST_F(PostgresCopyTest, RowsComeBackByteForByte) {
  PGconn* c = conn_.get();
  ASSERT_TRUE(
      store::pg::Exec(c, "CREATE TABLE t (id bigint PRIMARY KEY, a text, n bigint)", "create"));
  store::pg::CopyRows rows;
  int64_t id = 0;
  // Every ASCII character but NUL on its own, then in company.
  for (int ch = 1; ch < 128; ++ch) {
    rows.Int(++id).Text(std::string(1, static_cast<char>(ch))).Int(ch).EndRow();
  }
  std::string all;
  for (int ch = 1; ch < 128; ++ch) all += static_cast<char>(ch);
  rows.Int(++id).Text("x" + all + "\\.\\N\\\\").Int(-9223372036854775807 - 1).EndRow();
  rows.Int(++id).Text("\\.").Null().EndRow();  // not the end-of-data marker
  rows.Int(++id).Text("").OptInt(std::nullopt).EndRow();
  rows.Int(++id).Null().OptInt(9223372036854775807).EndRow();
  rows.Int(++id).Text("Café, Ünïcödé ✓ 日本語 \xF0\x9F\x98\x80").Int(0).EndRow();
  auto sent = store::pg::CopyIn(c, "COPY t (id, a, n) FROM STDIN", rows);
  ASSERT_TRUE(sent) << sent.error().detail;
  EXPECT_EQ(*sent, id);

  auto count = store::pg::Exec(c, "SELECT count(*) FROM t WHERE a IS NULL", "count");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->Int(0, 0), 1);
  auto tab = store::pg::Exec(c, "SELECT a FROM t WHERE id = 9", "read");  // chr(9)
  ASSERT_TRUE(tab);
  EXPECT_EQ(tab->Text(0, 0), "\t");

  std::string back;
  auto s = store::pg::CopyOut(c, "COPY (SELECT id, a, n FROM t ORDER BY id) TO STDOUT",
                              [&](std::string_view piece) { back += piece; });
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(back, rows.data());
}

TEST_F(PostgresCopyTest, AFailedCopyNamesTheTableAndStoresNothing) {
  PGconn* c = conn_.get();
  ASSERT_TRUE(store::pg::Exec(c, "CREATE TABLE t (id bigint PRIMARY KEY, a text)", "create"));
  store::pg::CopyRows rows;
  rows.Int(1).Text("one").EndRow();
  rows.Int(1).Text("private value").EndRow();  // a duplicate key
  auto sent = store::pg::CopyIn(c, "COPY t (id, a) FROM STDIN", rows);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().detail.find("COPY t"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(sent.error().detail.find("private value"), std::string::npos);
  rows.Clear();
  rows.Int(2).Text("not UTF-8: \xE9").EndRow();
  EXPECT_FALSE(store::pg::CopyIn(c, "COPY t (id, a) FROM STDIN", rows));
  auto count = store::pg::Exec(c, "SELECT count(*) FROM t", "count");
  ASSERT_TRUE(count) << count.error().detail;  // the connection is still usable
  EXPECT_EQ(count->Int(0, 0), 0);
}

}  // namespace
}  // namespace redress::testing
