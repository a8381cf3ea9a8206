// The SMTP adapter of the Mailer port (core/ports/mailer.hpp), over libcurl: smtp:// with
// optional or required STARTTLS, or smtps://; AUTH when a username is set. Replies are
// classified for the outbox: 2xx sent, 4xx and transport trouble temporary, 5xx permanent
// (except a refused login, which is the server's configuration and so temporary).
#pragma once

#include <string>

#include "core/ports/mailer.hpp"

namespace redress::mail {

enum class StartTls { kNo, kTry, kRequired };

struct SmtpSettings {
  std::string url = "smtp://127.0.0.1:25";  // smtp://HOST:PORT or smtps://HOST:PORT
  StartTls starttls = StartTls::kTry;
  std::string username;  // empty: no AUTH
  std::string password;
  std::string ca_file;  // extra CA bundle for the server's certificate; empty: the system's
  long timeout_seconds = 60;
};

class SmtpMailer final : public core::Mailer {
 public:
  explicit SmtpMailer(SmtpSettings settings);
  core::SendResult Send(const std::string& from, const std::string& to,
                        const std::string& message) override;

 private:
  SmtpSettings settings_;
};

}  // namespace redress::mail
