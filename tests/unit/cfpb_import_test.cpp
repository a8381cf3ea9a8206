// The CFPB importer: CSV reading (libcsv + zlib), the mapping of both layouts, bad rows with
// their line numbers, idempotent re-import, updates, and export → import round trips, over
// the memory store.
#include "importer/cfpb_import.hpp"

#include <date/date.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "app/audit.hpp"
#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "importer/cfpb.hpp"
#include "importer/cfpb_export.hpp"
#include "importer/csv_reader.hpp"
#include "store/memory/memory_store.hpp"
#include "util/crypto.hpp"

namespace redress {
namespace {

using importer::BadRow;
using importer::CsvRecord;
using importer::ImportSummary;
namespace cfpb = importer::cfpb;

const core::Instant kNow = core::Instant(date::sys_days(date::year(2026) / 6 / 15));

const core::Policy& CfpbPolicy() {
  static const core::Policy policy = [] {
    auto p = config::LoadPolicyFile(std::string(REDRESS_SOURCE_DIR) + "/policies/cfpb.toml");
    EXPECT_TRUE(p) << (p ? "" : p.error().detail);
    return p ? *p : core::Policy{};
  }();
  return policy;
}

std::vector<CsvRecord> Parse(std::string_view text) {
  std::vector<CsvRecord> out;
  auto s = importer::ParseCsv(text, [&](CsvRecord& r) {
    out.push_back(r);
    return true;
  });
  EXPECT_TRUE(s);
  return out;
}

// A temporary file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content, const char* suffix = ".csv") {
    char name[] = "/tmp/redress-cfpb-XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::remove(name);
    path_ = std::string(name) + suffix;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kHeader =
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company "
    "public response,Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date "
    "sent to company,Company response to consumer,Timely response?,Consumer disputed?,Complaint "
    "ID\n";
const char* kLegacyHeader =
    "Complaint ID,Product,Sub-product,Issue,Sub-issue,State,ZIP code,Submitted via,Date "
    "received,Date sent to company,Company,Company response,Timely response?,Consumer "
    "disputed?\n";

// A current-layout row with these values for the varying columns.
std::string Row(const std::string& id, const std::string& response = "Closed with explanation",
                const std::string& narrative = "", const std::string& via = "Web",
                const std::string& received = "2024-03-05") {
  std::vector<std::string> f = {received,
                                "Mortgage",
                                "Conventional home mortgage",
                                "Trouble during payment process",
                                "",
                                narrative,
                                "",
                                "BANK OF EXAMPLE",
                                "NY",
                                "100XX",
                                "Servicemember",
                                narrative.empty() ? "" : "Consent provided",
                                via,
                                "2024-03-06",
                                response,
                                "Yes",
                                "N/A",
                                id};
  std::string out;
  importer::AppendCsvRecord(out, f);
  return out;
}

struct ImportRun {
  core::Result<ImportSummary> summary = ImportSummary{};
  std::vector<BadRow> bad;
};

ImportRun Import(core::Store& store, const std::string& path, bool strict = false) {
  ImportRun run;
  importer::ImportOptions o;
  o.policy = &CfpbPolicy();
  o.now = kNow;
  o.strict = strict;
  o.batch_rows = 2;  // several batches even for small files
  o.on_bad = [&run](const BadRow& b) { run.bad.push_back(b); };
  run.summary = importer::ImportCfpb(store, path, o);
  return run;
}

std::string Export(core::Store& store) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  auto n = importer::ExportCfpbCsv(store, {CfpbPolicy()}, f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  EXPECT_TRUE(n) << (n ? "" : n.error().detail);
  return out;
}

std::vector<core::Complaint> All(core::Store& store) {
  std::vector<core::Complaint> out;
  EXPECT_TRUE(store.ScanComplaints(0, [&](const core::Complaint& c) {
    out.push_back(c);
    return true;
  }));
  return out;
}

// --- CSV ---------------------------------------------------------------------------------------

TEST(CsvReader, QuotedFieldsHoldNewlinesQuotesAndCommas) {
  auto rows = Parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\n\"\nplain, spaced ,\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", "line1\nline2\n"}));
  EXPECT_EQ(rows[1].line, 2);
  // The record after a field with two line breaks starts on line 5; spaces are kept.
  EXPECT_EQ(rows[2].line, 5);
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"plain", " spaced ", ""}));
}

TEST(CsvReader, BlankLinesAreSkippedButCountedAndLastLineNeedsNoNewline) {
  auto rows = Parse("a,b\n\n1,2\r\n\n3,\"4\"");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(rows[2].line, 5);
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"3", "4"}));
}

TEST(CsvReader, WriterQuotesOnlyWhereNeededAndReadsBack) {
  std::vector<std::string> fields = {"plain", "a,b", "say \"x\"", "two\nlines", "", " sp "};
  std::string out;
  importer::AppendCsvRecord(out, fields);
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",, sp \n");
  auto rows = Parse(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, fields);
}

TEST(CsvReader, ReadsGzipAndPlainFilesAlike) {
  const std::string text = std::string(kHeader) + Row("1") + Row("2");
  TempFile plain(text);
  const std::string gz = plain.path() + ".gz";
  ASSERT_EQ(std::system(("gzip -c " + plain.path() + " > " + gz).c_str()), 0);
  for (const std::string& path : {plain.path(), gz}) {
    int n = 0;
    auto s = importer::ReadCsvFile(path, [&](CsvRecord& r) {
      EXPECT_EQ(r.fields.size(), 18u);
      ++n;
      return true;
    });
    EXPECT_TRUE(s) << path;
    EXPECT_EQ(n, 3) << path;
  }
  // A truncated gzip stream is an error naming the line reached, not a short file.
  ASSERT_EQ(std::system(("head -c 60 " + gz + " > " + gz + ".cut").c_str()), 0);
  auto cut = importer::ReadCsvFile(gz + ".cut", [](CsvRecord&) { return true; });
  EXPECT_FALSE(cut);
  std::remove(gz.c_str());
  std::remove((gz + ".cut").c_str());
  auto missing = importer::ReadCsvFile("/nonexistent/x.csv", [](CsvRecord&) { return true; });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::Errc::kNotFound);
}

// Each record of a file carries the bytes read so far (the import's progress): growing chunk
// by chunk, never past the file, and the whole file at its last record, plain or gzip.
TEST(CsvReader, RecordsCarryTheShareOfTheFileRead) {
  std::string text = kHeader;
  for (int i = 1; i <= 12000; ++i) text += Row(std::to_string(i));  // a few MiB: several chunks
  TempFile plain(text);
  const std::string gz = plain.path() + ".gz";
  ASSERT_EQ(std::system(("gzip -c " + plain.path() + " > " + gz).c_str()), 0);
  for (const std::string& path : {plain.path(), gz}) {
    const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
    std::vector<int64_t> offsets;
    auto s = importer::ReadCsvFile(path, [&](CsvRecord& r) {
      offsets.push_back(r.file_offset);
      return true;
    });
    ASSERT_TRUE(s) << path;
    ASSERT_EQ(offsets.size(), 12001u) << path;
    EXPECT_GT(offsets.front(), 0) << path;
    EXPECT_TRUE(std::is_sorted(offsets.begin(), offsets.end())) << path;
    EXPECT_EQ(offsets.back(), size) << path;
    if (path == plain.path()) {
      EXPECT_LT(offsets.front(), size);  // the first chunk is not the whole file
      EXPECT_EQ(offsets.front(), 1 << 20);
    }
  }
  std::remove(gz.c_str());
  std::vector<CsvRecord> parsed = Parse("a,b\n1,2\n");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].file_offset, 0);  // text given whole: no file
}

// A ZIP archive of `members` (name, content), deflated, written by libzip at `path`.
void WriteZip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& members) {
  int code = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  ASSERT_NE(z, nullptr) << code;
  for (const auto& [name, content] : members) {
    zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
    ASSERT_NE(src, nullptr);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0) << zip_strerror(z);
  }
  ASSERT_EQ(zip_close(z), 0);  // writes the archive while the buffers still live
}

int64_t CountRecords(const std::string& path, core::Status* status = nullptr) {
  int64_t n = 0;
  auto s = importer::ReadCsvFile(path, [&](CsvRecord&) {
    ++n;
    return true;
  });
  if (status != nullptr) *status = s;
  return s ? n : -1;
}

// The CFPB publishes its database as complaints.csv.zip: the CSV member is read as it is, its
// progress given in bytes of the archive.
TEST(CsvReader, ReadsTheCsvFileOfAZipArchive) {
  std::string text = kHeader;
  for (int i = 1; i <= 12000; ++i) text += Row(std::to_string(i));  // several chunks
  TempFile dir_marker("");
  const std::string zip = dir_marker.path() + ".zip";
  WriteZip(zip, {{"complaints.csv", text}});
  const auto size = static_cast<int64_t>(std::filesystem::file_size(zip));
  std::vector<int64_t> offsets;
  auto s = importer::ReadCsvFile(zip, [&](CsvRecord& r) {
    EXPECT_EQ(r.fields.size(), 18u);
    offsets.push_back(r.file_offset);
    return true;
  });
  ASSERT_TRUE(s) << s.error().detail;
  ASSERT_EQ(offsets.size(), 12001u);
  EXPECT_GT(offsets.front(), 0);
  EXPECT_LT(offsets.front(), size);
  EXPECT_TRUE(std::is_sorted(offsets.begin(), offsets.end()));
  EXPECT_EQ(offsets.back(), size);
  auto in = importer::InspectCsvInput(zip);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, importer::CsvInput::Kind::kZip);
  EXPECT_EQ(in->member, "complaints.csv");
  EXPECT_EQ(in->text_bytes, static_cast<int64_t>(text.size()));
  EXPECT_EQ(in->file_bytes, size);

  // Beside other files, the one .csv member (in a folder, any case); else its only member.
  WriteZip(zip, {{"README.txt", "about"}, {"export/Complaints.CSV", text}});
  EXPECT_EQ(CountRecords(zip), 12001);
  WriteZip(zip, {{"complaints", std::string(kHeader) + Row("1")}});
  EXPECT_EQ(CountRecords(zip), 2);

  // Two CSV files, or none among several, or no archive at all: kInvalid, nothing read.
  for (const auto& members : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"a.csv", text}, {"b.csv", text}}, {{"a.txt", "x"}, {"b.txt", "y"}}}) {
    WriteZip(zip, members);
    core::Status st;
    EXPECT_EQ(CountRecords(zip, &st), -1);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, core::Errc::kInvalid);
    EXPECT_NE(st.error().detail.find("expected one CSV file"), std::string::npos);
    EXPECT_FALSE(importer::InspectCsvInput(zip));
  }
  WriteZip(zip, {{"complaints.csv", text}});
  ASSERT_EQ(std::system(("head -c 4000 " + zip + " > " + zip + ".cut").c_str()), 0);
  core::Status cut;
  EXPECT_EQ(CountRecords(zip + ".cut", &cut), -1);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, core::Errc::kInvalid);
  std::remove(zip.c_str());
  std::remove((zip + ".cut").c_str());
}

TEST(CsvReader, InspectsAnInputByItsContentNotItsName) {
  const std::string text = std::string(kHeader) + Row("1");
  TempFile plain(text, ".gz");  // a plain file, whatever its name says
  auto in = importer::InspectCsvInput(plain.path());
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, importer::CsvInput::Kind::kPlain);
  EXPECT_EQ(in->text_bytes, static_cast<int64_t>(text.size()));
  const std::string gz = plain.path() + ".csv";
  ASSERT_EQ(std::system(("gzip -c " + plain.path() + " > " + gz).c_str()), 0);
  in = importer::InspectCsvInput(gz);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, importer::CsvInput::Kind::kGzip);
  EXPECT_EQ(in->text_bytes, 5 * in->file_bytes);
  std::remove(gz.c_str());
  in = importer::InspectCsvInput("-");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->kind, importer::CsvInput::Kind::kStdin);
  EXPECT_EQ(in->file_bytes, 0);
  auto missing = importer::InspectCsvInput("/nonexistent/x.csv");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::Errc::kNotFound);
  EXPECT_EQ(importer::InputName("-"), "<stdin>");
}

// Standard input (here a gzip file put on descriptor 0) is read once: the header's peek is
// parsed again by the whole read, and a second whole read is refused.
TEST(CsvReader, StandardInputIsPeekedThenReadOnce) {
  std::string text = kHeader;
  for (int i = 1; i <= 12000; ++i) text += Row(std::to_string(i));  // several chunks
  TempFile plain(text);
  const std::string gz = plain.path() + ".gz";
  ASSERT_EQ(std::system(("gzip -c " + plain.path() + " > " + gz).c_str()), 0);
  const int saved = dup(STDIN_FILENO);
  FILE* f = std::fopen(gz.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(dup2(fileno(f), STDIN_FILENO), STDIN_FILENO);
  std::fclose(f);

  auto header = importer::ReadCfpbHeader("-");
  EXPECT_TRUE(header) << (header ? "" : header.error().detail);
  std::vector<std::string> ids;
  auto s = importer::ReadCsvFile("-", [&](CsvRecord& r) {
    ids.push_back(r.fields.back());
    return true;
  });
  EXPECT_TRUE(s) << (s ? "" : s.error().detail);
  ASSERT_EQ(ids.size(), 12001u);
  EXPECT_EQ(ids[0], "Complaint ID");  // the header again: the peek's bytes come first
  EXPECT_EQ(ids[1], "1");
  EXPECT_EQ(ids.back(), "12000");
  core::Status again;
  EXPECT_EQ(CountRecords("-", &again), -1);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::Errc::kUnavailable);

  ASSERT_EQ(dup2(saved, STDIN_FILENO), STDIN_FILENO);
  close(saved);
  std::remove(gz.c_str());
}

TEST(Utf8, ValidatesSequences) {
  EXPECT_TRUE(cfpb::IsValidUtf8("plain ascii text, longer than eight bytes"));
  EXPECT_TRUE(cfpb::IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(cfpb::IsValidUtf8("caf\xE9"));             // Latin-1
  EXPECT_FALSE(cfpb::IsValidUtf8("\xC0\xAF"));            // overlong
  EXPECT_FALSE(cfpb::IsValidUtf8("\xED\xA0\x80"));        // surrogate
  EXPECT_FALSE(cfpb::IsValidUtf8("\xF4\x90\x80\x80"));    // beyond U+10FFFF
  EXPECT_FALSE(cfpb::IsValidUtf8("truncated \xE2\x82"));  // cut sequence
}

// --- Mapping -----------------------------------------------------------------------------------

cfpb::Header HeaderOf(const char* text) {
  auto rows = Parse(text);
  auto h = cfpb::ParseHeader(rows.at(0).fields);
  EXPECT_TRUE(h) << (h ? "" : h.error().detail);
  return h ? *h : cfpb::Header{};
}

core::Result<cfpb::MappedRow> MapOne(const char* header, const std::string& row) {
  auto rows = Parse(row);
  EXPECT_EQ(rows.size(), 1u);
  return cfpb::MapRecord(HeaderOf(header), rows.at(0), {&CfpbPolicy(), kNow, "import"});
}

TEST(CfpbMapping, RecognisesBothLayoutsAndRefusesOthers) {
  EXPECT_EQ(HeaderOf(kHeader).layout, cfpb::Layout::kCurrent);
  EXPECT_EQ(HeaderOf(kLegacyHeader).layout, cfpb::Layout::kLegacy2014);
  auto bom = Parse(std::string("\xEF\xBB\xBF") + kHeader);
  EXPECT_TRUE(cfpb::ParseHeader(bom[0].fields));
  auto other = cfpb::ParseHeader({"Complaint number", "Received date"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, core::Errc::kInvalid);
  EXPECT_NE(other.error().detail.find("Date received"), std::string::npos);
}

TEST(CfpbMapping, CurrentLayoutRow) {
  auto m = MapOne(kHeader, Row("4242", "Closed with monetary relief", "They \"lost\" it,\nagain",
                               "Postal mail"));
  ASSERT_TRUE(m) << m.error().detail;
  const core::Complaint& c = m->complaint;
  EXPECT_EQ(c.source.system, "cfpb");
  EXPECT_EQ(c.source.id, "4242");
  EXPECT_EQ(c.subject.product, "Mortgage");
  EXPECT_EQ(c.assessment.category, "Trouble during payment process");
  EXPECT_EQ(c.description.value, "They \"lost\" it,\nagain");
  EXPECT_EQ(c.channel, core::Channel::kLetter);
  // Noon in New York on the day received (EST, UTC-5).
  EXPECT_EQ(core::FormatInstant(c.received_at), "2024-03-05T17:00:00.000Z");
  EXPECT_EQ(c.reference.year, 2024);
  EXPECT_EQ(c.policy_id, "cfpb");
  EXPECT_EQ(c.state, core::State::kClosed);
  EXPECT_EQ(c.decision.outcome, core::Outcome::kUpheld);
  EXPECT_EQ(c.decision.remedy.type, "monetary relief");
  EXPECT_EQ(c.source.fields.at("Company"), "BANK OF EXAMPLE");
  EXPECT_EQ(c.source.fields.at("ZIP code"), "100XX");
  EXPECT_EQ(c.source.fields.at("Submitted via"), "Postal mail");
  EXPECT_EQ(c.source.fields.count("Product"), 0u);    // has its own field
  EXPECT_EQ(c.source.fields.count("Sub-issue"), 0u);  // empty values are not kept
  ASSERT_EQ(c.clocks.size(), 2u);
  for (const auto& t : c.clocks) {
    EXPECT_EQ(t.state, core::ClockState::kMet) << t.name;
    EXPECT_EQ(core::FormatInstant(t.anchor), "2024-03-06T17:00:00.000Z") << t.name;
  }
  EXPECT_EQ(m->row_hash.size(), 32u);
}

TEST(CfpbMapping, InProgressStaysOpenAndUntimelyIsBreached) {
  auto open = MapOne(kHeader, Row("1", "In progress"));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->complaint.state, core::State::kAcknowledged);
  for (const auto& t : open->complaint.clocks) {
    EXPECT_EQ(t.state, t.name == "response" ? core::ClockState::kMet : core::ClockState::kRunning)
        << t.name;
  }
  std::string untimely = Row("2", "Untimely response");
  untimely.replace(untimely.find(",Yes,"), 5, ",No,");
  auto late = MapOne(kHeader, untimely);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->complaint.state, core::State::kAcknowledged);
  for (const auto& t : late->complaint.clocks) {
    EXPECT_EQ(t.breached, t.name == "response") << t.name;
  }
}

TEST(CfpbMapping, LegacyLayoutRowNormalisesDatesAndResponseColumn) {
  auto m = MapOne(kLegacyHeader,
                  "1080915,Bank account or service,Checking account,\"Deposits and "
                  "withdrawals\",,TX,77001,Fax,11/13/2014,11/14/2014,Big Bank,Closed with "
                  "non-monetary relief,Yes,Yes\n");
  ASSERT_TRUE(m) << m.error().detail;
  const core::Complaint& c = m->complaint;
  EXPECT_EQ(c.source.id, "1080915");
  EXPECT_EQ(c.channel, core::Channel::kLetter);
  EXPECT_EQ(core::FormatInstant(c.received_at), "2014-11-13T17:00:00.000Z");
  EXPECT_EQ(c.source.fields.at("Date sent to company"), "2014-11-14");
  EXPECT_EQ(c.source.fields.at("Company response to consumer"), "Closed with non-monetary relief");
  EXPECT_EQ(c.decision.outcome, core::Outcome::kPartlyUpheld);
  EXPECT_EQ(c.closure.reason, core::ClosureReason::kRejectedRecourseGiven);
  EXPECT_TRUE(c.description.value.empty());
}

TEST(CfpbMapping, BadRowsSayWhy) {
  auto bad_date = MapOne(kHeader, Row("1", "Closed", "", "Web", "2024-02-30"));
  ASSERT_FALSE(bad_date);
  EXPECT_EQ(bad_date.error().detail, "'Date received' is not a date ('2024-02-30')");
  std::string short_row = Row("2");
  short_row.erase(short_row.rfind(','));  // drop the last column
  auto short_result = MapOne(kHeader, short_row + "\n");
  ASSERT_FALSE(short_result);
  EXPECT_EQ(short_result.error().detail, "expected 18 fields, found 17");
  auto latin1 = MapOne(kHeader, Row("3", "Closed", "caf\xE9"));
  ASSERT_FALSE(latin1);
  EXPECT_EQ(latin1.error().detail, "'Consumer complaint narrative' is not valid UTF-8");
  auto no_id = MapOne(kHeader, Row(""));
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().detail, "the Complaint ID is empty");
}

TEST(CfpbMapping, RowHashIgnoresLayoutButNotValues) {
  auto legacy = MapOne(kLegacyHeader,
                       "7,Mortgage,,Other,,NY,10001,Web,03/05/2024,03/06/2024,B,Closed,Yes,\n");
  auto current =
      MapOne(kHeader, "2024-03-05,Mortgage,,Other,,,,B,NY,10001,,,Web,2024-03-06,Closed,Yes,,7\n");
  auto changed =
      MapOne(kHeader, "2024-03-05,Mortgage,,Other,,,,B,NY,10001,,,Web,2024-03-06,Closed,No,,7\n");
  ASSERT_TRUE(legacy && current && changed);
  EXPECT_EQ(legacy->row_hash, current->row_hash);
  EXPECT_NE(current->row_hash, changed->row_hash);
}

TEST(CfpbMapping, PlaceholderReferenceIsReplacedOrRemoved) {
  const std::string member = importer::PlaceholderMember(2024);
  std::string doc = "{\"a\":1," + member + ",\"z\":2}";
  std::string copy = doc;
  EXPECT_TRUE(importer::ReplaceMember(doc, member, "\"reference\":\"CMP-2024-000001-X\""));
  EXPECT_EQ(doc, "{\"a\":1,\"reference\":\"CMP-2024-000001-X\",\"z\":2}");
  EXPECT_TRUE(importer::ReplaceMember(copy, member, ""));
  EXPECT_EQ(copy, "{\"a\":1,\"z\":2}");
  std::string last = "{\"a\":1," + member + "}";
  EXPECT_TRUE(importer::ReplaceMember(last, member, ""));
  EXPECT_EQ(last, "{\"a\":1}");
  EXPECT_FALSE(importer::ReplaceMember(last, member, ""));
  // The real encoding carries the member where the importer looks for it.
  core::Complaint c;
  c.reference = core::Reference{"REDRESSIMPORT", 2024, 0};
  EXPECT_NE(core::EncodeStorage(c).find(member), std::string::npos);
}

// --- Import over a store -------------------------------------------------------------------

TEST(CfpbImport, ImportsReportsBadRowsByLineAndIsIdempotent) {
  TempFile file(std::string(kHeader) + Row("1", "Closed", "multi\nline \"quoted\"") +
                Row("2", "In progress") + Row("3", "Closed", "", "Web", "2024-13-01") +
                Row("4", "Closed", "bad \xFF byte") + "2024-01-01,too,few\n" +
                Row("5", "Closed", "", "Phone", "2023-12-31"));
  store::MemoryStore store;
  ImportRun first = Import(store, file.path());
  ASSERT_TRUE(first.summary) << first.summary.error().detail;
  EXPECT_EQ(first.summary->rows, 6);
  EXPECT_EQ(first.summary->imported, 3);
  EXPECT_EQ(first.summary->bad, 3);
  ASSERT_EQ(first.bad.size(), 3u);
  // Row 1 spans lines 2-3, so row 3 starts on line 5.
  EXPECT_EQ(first.bad[0].line, 5);
  EXPECT_NE(first.bad[0].reason.find("Date received"), std::string::npos);
  EXPECT_EQ(first.bad[1].line, 6);
  EXPECT_NE(first.bad[1].reason.find("UTF-8"), std::string::npos);
  EXPECT_EQ(first.bad[2].line, 7);
  EXPECT_NE(first.bad[2].reason.find("expected 18 fields"), std::string::npos);

  auto all = All(store);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].reference.ToString(), core::Reference({"CMP", 2024, 1}).ToString());
  EXPECT_EQ(all[1].reference.ToString(), core::Reference({"CMP", 2024, 2}).ToString());
  EXPECT_EQ(all[2].reference.ToString(), core::Reference({"CMP", 2023, 1}).ToString());
  EXPECT_EQ(all[0].description.value, "multi\nline \"quoted\"");
  auto events = store.EventsOf(all[0].id);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].action, "imported");
  // The event names the source row and holds the digest of the record as stored, without
  // its reference (the event's own); the record itself is the complaint row's.
  auto after = nlohmann::json::parse((*events)[0].after);
  EXPECT_EQ(after["source"]["system"], "cfpb");
  EXPECT_EQ(after["source"]["id"], "1");
  auto mapped = MapOne(kHeader, Row("1", "Closed", "multi\nline \"quoted\""));
  ASSERT_TRUE(mapped);
  EXPECT_EQ(after["source"]["row_digest"], mapped->row_hash);
  std::string record = core::EncodeStorage(all[0]);
  ASSERT_TRUE(
      importer::ReplaceMember(record, "\"reference\":\"" + all[0].reference.ToString() + "\"", ""));
  EXPECT_EQ(after["record_sha256"], util::Sha256Hex(record));
  EXPECT_NE(after["record_sha256"], util::Sha256Hex(core::EncodeStorage(all[1])));
  EXPECT_EQ(after.size(), 2u);

  // The events' digests and chain verify (the digest is computed off the writer).
  auto audit = app::VerifyAudit(store);
  ASSERT_TRUE(audit);
  EXPECT_TRUE(audit->ok) << audit->problem;
  EXPECT_EQ(audit->events, 3);

  ImportRun second = Import(store, file.path());
  ASSERT_TRUE(second.summary);
  EXPECT_EQ(second.summary->imported, 0);
  EXPECT_EQ(second.summary->unchanged, 3);
  EXPECT_EQ(second.summary->bad, 3);
  EXPECT_EQ(*store.CountComplaints(), 3);
}

TEST(CfpbImport, ChangedRowUpdatesTheRecordAndRecordsTheDifference) {
  store::MemoryStore store;
  TempFile before(std::string(kHeader) + Row("77", "In progress"));
  ASSERT_TRUE(Import(store, before.path()).summary);
  // Redress-side work survives the update.
  auto c0 = All(store).at(0);
  ASSERT_TRUE(store.WriteSync([&](core::StoreTx& tx) -> core::Status {
    core::Complaint c = c0;
    c.assignee = "alice";
    c.version += 1;
    return tx.UpdateComplaint(c);
  }));

  TempFile after(std::string(kHeader) + Row("77", "Closed with explanation"));
  ImportRun run = Import(store, after.path());
  ASSERT_TRUE(run.summary) << run.summary.error().detail;
  EXPECT_EQ(run.summary->updated, 1);
  EXPECT_EQ(run.summary->imported, 0);
  auto all = All(store);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].reference, c0.reference);
  EXPECT_EQ(all[0].state, core::State::kClosed);
  EXPECT_EQ(all[0].assignee, "alice");
  EXPECT_EQ(all[0].source.fields.at("Company response to consumer"), "Closed with explanation");
  auto events = store.EventsOf(all[0].id);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].action, "import_updated");
  auto diff = nlohmann::json::parse((*events)[1].after);
  EXPECT_EQ(diff["state"], "closed");
  EXPECT_FALSE(diff.contains("assignee"));
  EXPECT_EQ(Import(store, after.path()).summary->unchanged, 1);
}

// An ID repeated in one batch: the first row inserts, a later one looks the key up again and
// must find it (the batch's keys are recorded together, those pending before such a look-up).
TEST(CfpbImport, AnIdRepeatedInABatchIsInsertedOnceThenKeptOrUpdated) {
  // Batches of two: the second row looks again for the key the first just made, and updates.
  TempFile file(std::string(kHeader) + Row("9", "In progress") +
                Row("9", "Closed with explanation") + Row("9", "Closed with explanation") +
                Row("10", "Closed"));
  store::MemoryStore store;
  ImportRun run = Import(store, file.path());
  ASSERT_TRUE(run.summary) << run.summary.error().detail;
  EXPECT_EQ(run.summary->imported, 2);
  EXPECT_EQ(run.summary->unchanged, 1);
  EXPECT_EQ(run.summary->updated, 1);
  auto all = All(store);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].source.id, "9");
  EXPECT_EQ(all[0].state, core::State::kClosed);
  ASSERT_TRUE(store.WriteSync([&](core::StoreTx& tx) -> core::Status {
    auto key = tx.FindSource("cfpb", "9");
    if (!key) return key.error();
    EXPECT_TRUE(key->has_value() && (*key)->complaint_id == all[0].id);
    auto last = MapOne(kHeader, Row("9", "Closed with explanation"));
    EXPECT_TRUE(last && key->has_value() && (*key)->row_hash == last->row_hash);
    return {};
  }));
}

TEST(CfpbImport, StrictStopsAtTheFirstBadRow) {
  TempFile file(std::string(kHeader) + Row("1") + "x,y\n" + Row("2"));
  store::MemoryStore store;
  importer::ImportOptions o;
  o.policy = &CfpbPolicy();
  o.now = kNow;
  auto check = importer::CheckCfpbFile(file.path(), o);
  ASSERT_TRUE(check);
  ASSERT_TRUE(check->has_value());
  EXPECT_EQ((*check)->line, 3);
  ImportRun run = Import(store, file.path(), /*strict=*/true);
  ASSERT_FALSE(run.summary);
  EXPECT_EQ(run.summary.error().code, core::Errc::kInvalid);
  EXPECT_NE(run.summary.error().detail.find("line 3"), std::string::npos);

  TempFile other(std::string("Complaint number,Received date\n1,2\n"));
  auto header = importer::ReadCfpbHeader(other.path());
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().code, core::Errc::kInvalid);
}

TEST(CfpbImport, ExportThenImportReproducesTheRecords) {
  TempFile file(std::string(kHeader) + Row("1", "Closed", "a, \"b\"\nc") +
                Row("2", "In progress", "", "Web Referral") +
                Row("3", "Closed with non-monetary relief", "", "Fax") + kLegacyHeader);
  store::MemoryStore first;
  ImportRun run = Import(first, file.path());
  ASSERT_TRUE(run.summary);
  EXPECT_EQ(run.summary->bad, 1);  // the stray header line
  // A complaint received by Redress itself is exported with its reference as the ID.
  ASSERT_TRUE(first.WriteSync([](core::StoreTx& tx) -> core::Status {
    core::Complaint c;
    auto seq = tx.NextSequence(2026);
    if (!seq) return seq.error();
    c.reference = core::Reference{"CMP", 2026, *seq};
    c.received_at = kNow;
    c.channel = core::Channel::kInPerson;
    c.subject.product = "Current account";
    c.assessment.category = "banking/current-account/fees";
    c.policy_id = "cfpb";
    c.version = 1;
    return tx.InsertComplaint(c);
  }));
  const std::string exported = Export(first);
  EXPECT_NE(exported.find(",Web Referral,"), std::string::npos);
  EXPECT_NE(exported.find(",Fax,"), std::string::npos);
  EXPECT_NE(exported.find(",In person,"), std::string::npos);
  EXPECT_NE(exported.find(",In progress,"), std::string::npos);

  TempFile again(exported);
  store::MemoryStore second;
  ImportRun rerun = Import(second, again.path());
  ASSERT_TRUE(rerun.summary) << rerun.summary.error().detail;
  EXPECT_EQ(rerun.summary->imported, 4);
  EXPECT_EQ(rerun.summary->bad, 0);
  EXPECT_EQ(Export(second), exported);

  // The imported records are equal, bar the bookkeeping of when they were written.
  auto a = All(first);
  auto b = All(second);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < 3; ++i) {
    auto ja = core::ToStorageJson(a[i]);
    auto jb = core::ToStorageJson(b[i]);
    EXPECT_EQ(ja, jb) << i;
  }
  // Re-importing the export into the first store changes nothing, the complaint received by
  // Redress included.
  ImportRun back = Import(first, again.path());
  ASSERT_TRUE(back.summary) << back.summary.error().detail;
  EXPECT_EQ(back.summary->unchanged, 4);
  EXPECT_EQ(*first.CountComplaints(), 4);
}

}  // namespace
}  // namespace redress
