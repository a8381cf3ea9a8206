// `redress report review` and `redress report return` (docs/cli.md, docs/analytics.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace redress::cli {

// Registers the two commands on `app`; Run() runs whichever was parsed.
class ReportCommands {
 public:
  explicit ReportCommands(CLI::App& app);
  ReportCommands(const ReportCommands&) = delete;
  ReportCommands& operator=(const ReportCommands&) = delete;

  bool Parsed() const;
  int Run();  // exit code

 private:
  int Review();
  int Return();

  CLI::App* review_ = nullptr;
  CLI::App* return_ = nullptr;
  std::string data_ = "var";
  std::string store_;  // --store: "" or sqlite, or a PostgreSQL URL
  std::string policies_;
  std::string from_;
  std::string to_;
  std::string format_ = "html";
  std::string table_ = "product";
  std::string out_;
  std::string organisation_;
};

}  // namespace redress::cli
