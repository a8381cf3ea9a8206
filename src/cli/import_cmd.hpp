// `redress import cfpb FILE` and `redress export csv` (docs/cli.md, docs/import.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace redress::cli {

// Registers the two commands on `app`; Run() runs whichever was parsed.
class DataCommands {
 public:
  explicit DataCommands(CLI::App& app);
  DataCommands(const DataCommands&) = delete;
  DataCommands& operator=(const DataCommands&) = delete;

  bool Parsed() const;
  int Run();  // exit code

 private:
  int Import();
  int Export();

  CLI::App* import_cfpb_ = nullptr;
  CLI::App* export_csv_ = nullptr;
  std::string data_ = "var";
  std::string policies_;
  std::string store_;  // --store: "" or sqlite (the data directory's), or a PostgreSQL URL
  std::string file_;
  std::string out_;
  std::string rejects_;  // import: the bad rows written out as CSV
  std::string from_;     // export: first and last day received, YYYY-MM-DD
  std::string to_;
  std::string reference_prefix_ = "CMP";
  int batch_rows_ = 0;  // 0: the importer's default
  bool strict_ = false;
  bool json_ = false;
};

}  // namespace redress::cli
