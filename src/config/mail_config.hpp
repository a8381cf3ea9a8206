// The mail channel's settings (docs/mail.md): a TOML file given to `redress serve --mail`.
//   [smtp]      outgoing server: url, starttls, username, password_file, ca_file, timeout
//   [message]   sender, organisation, links, Message-ID domain, language, templates folder
//   [delivery]  poll interval and retry schedule of the outbox
//   [inbound]   the token `redress mailgate` presents, and the size limit of a message
// Unknown sections or keys are refused, so a typo never silently turns a setting off.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "app/notify.hpp"
#include "core/result.hpp"
#include "mail/smtp.hpp"

namespace redress::config {

struct MailConfig {
  bool outgoing = false;  // an [smtp] section: notifications are queued and sent
  mail::SmtpSettings smtp;
  std::string from_address;
  std::string from_name;
  std::string message_id_domain;  // default: the domain of from_address
  app::NotifyConfig notify;       // enabled = outgoing
  std::string templates_dir;      // empty: the default search (cli/runtime)
  app::RetryPolicy retry;
  std::chrono::milliseconds poll{1000};
  std::string inbound_token_hash;  // hex SHA-256 of the mailgate token; empty: intake off
  std::size_t inbound_max_bytes = 10u << 20;
};

// Parses the file's text; `base_dir` resolves relative file paths (token, password, templates).
// The SMTP password comes from password_file, else from $REDRESS_SMTP_PASSWORD.
core::Result<MailConfig> ParseMailConfig(std::string_view toml_text, std::string_view source_name,
                                         const std::string& base_dir);
core::Result<MailConfig> LoadMailConfig(const std::string& path);

}  // namespace redress::config
