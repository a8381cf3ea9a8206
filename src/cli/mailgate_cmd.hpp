// `redress mailgate`: reads one RFC 5322 message on standard input, as an MTA's pipe delivers
// it (Postfix pipe(8), Exim's pipe transport, procmail, fetchmail --mda), and hands it to the
// running server (POST /api/v1/mail/inbound). Exit codes follow sysexits(3), so the MTA
// bounces what can never be taken and retries what failed for now (docs/mail.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace redress::cli {

class MailgateCommand {
 public:
  explicit MailgateCommand(CLI::App& app);
  MailgateCommand(const MailgateCommand&) = delete;
  MailgateCommand& operator=(const MailgateCommand&) = delete;

  bool Parsed() const;
  int Run();  // a sysexits code

 private:
  CLI::App* cmd_ = nullptr;
  std::string url_ = "http://127.0.0.1:8080";
  std::string token_file_;
  std::size_t max_bytes_ = 10u << 20;
  long timeout_seconds_ = 60;
};

}  // namespace redress::cli
