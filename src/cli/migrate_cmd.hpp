// `redress migrate-store --from sqlite:PATH --to postgresql://...` (docs/cli.md,
// docs/postgresql.md): copies a SQLite installation into an empty PostgreSQL database, its
// attachment files into the data directory, and verifies the copy.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace redress::cli {

// Registers the command on `app`; Run() runs it when it was parsed.
class MigrateCommand {
 public:
  explicit MigrateCommand(CLI::App& app);
  MigrateCommand(const MigrateCommand&) = delete;
  MigrateCommand& operator=(const MigrateCommand&) = delete;

  bool Parsed() const;
  int Run();  // exit code

 private:
  CLI::App* cmd_ = nullptr;
  std::string from_;
  std::string to_;
  std::string data_;  // empty: the source's directory
  bool json_ = false;
};

}  // namespace redress::cli
