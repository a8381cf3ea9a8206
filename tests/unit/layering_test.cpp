// The core stays free of I/O (conventions §2): no socket, file, database, thread or system
// clock under src/core. This test reads every file there and fails on a forbidden include or
// a mention of system_clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace redress {
namespace {

struct Violation {
  std::string file;
  int line;
  std::string text;
  std::string rule;
};

// Header fragments that mark I/O: matched inside #include lines.
const std::vector<std::string> kForbiddenIncludes = {
    "boost/asio", "asio.hpp",    "boost/beast", "beast.hpp", "sqlite3.h",
    "libpq-fe.h", "curl/curl.h", "<thread>",    "<fstream>", "<filesystem>",
};

std::vector<Violation> Scan(const std::string& file, const std::string& content) {
  std::vector<Violation> out;
  std::istringstream in(content);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto first = line.find_first_not_of(" \t");
    const bool is_include = first != std::string::npos && line.compare(first, 1, "#") == 0 &&
                            line.find("include", first) != std::string::npos;
    if (is_include) {
      for (const auto& bad : kForbiddenIncludes) {
        if (line.find(bad) != std::string::npos) {
          out.push_back({file, n, line, bad});
          break;  // one report per line
        }
      }
    }
    if (line.find("system_clock") != std::string::npos)
      out.push_back({file, n, line, "system_clock"});
  }
  return out;
}

TEST(LayeringTest, ScannerCatchesWhatItShould) {
  // The scanner itself must be able to fail.
  EXPECT_EQ(Scan("x", "#include <boost/asio.hpp>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <boost/beast/http.hpp>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#  include <sqlite3.h>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include \"libpq-fe.h\"\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <curl/curl.h>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <thread>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <fstream>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <filesystem>\n").size(), 1u);
  EXPECT_EQ(Scan("x", "auto t = std::chrono::system_clock::now();\n").size(), 1u);
  EXPECT_EQ(Scan("x", "#include <chrono>\n#include <mutex>\n#include <string>\n").size(), 0u);
  EXPECT_EQ(Scan("x", "// reads the system clock in production\n").size(), 0u);
}

TEST(LayeringTest, CoreHasNoIoIncludesAndNoSystemClock) {
  namespace fs = std::filesystem;
  const fs::path core = fs::path(REDRESS_SOURCE_DIR) / "src" / "core";
  ASSERT_TRUE(fs::is_directory(core)) << core;
  int files = 0;
  std::vector<Violation> all;
  for (const auto& entry : fs::recursive_directory_iterator(core)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension().string();
    if (ext != ".hpp" && ext != ".cpp" && ext != ".h" && ext != ".cc" && ext != ".ipp") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    ASSERT_TRUE(in) << entry.path();
    std::ostringstream content;
    content << in.rdbuf();
    ++files;
    for (auto& v : Scan(fs::relative(entry.path(), REDRESS_SOURCE_DIR).string(), content.str())) {
      all.push_back(std::move(v));
    }
  }
  EXPECT_GE(files, 20) << "src/core looks empty: wrong REDRESS_SOURCE_DIR?";
  EXPECT_TRUE(fs::exists(core / "ports" / "clock.hpp"));  // the ports are scanned too
  for (const auto& v : all) {
    ADD_FAILURE() << v.file << ":" << v.line << ": forbidden in src/core (" << v.rule
                  << "): " << v.text;
  }
}

}  // namespace
}  // namespace redress
