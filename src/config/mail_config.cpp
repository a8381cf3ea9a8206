#include "config/mail_config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "util/crypto.hpp"

namespace redress::config {
namespace {

using core::Errc;
using core::MakeError;

core::Error Bad(std::string_view source, const std::string& key, const std::string& message) {
  return MakeError(Errc::kInvalid, std::string(source) + ": " + key + ": " + message);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

core::Result<std::string> ReadSecretFile(const std::string& path, std::string_view source,
                                         const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(source, key, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return Bad(source, key, path + " is empty");
  return s;
}

// Reads the keys of one section, refusing any key not in `allowed`.
class Section {
 public:
  Section(const toml::table* t, std::string name, std::string_view source)
      : t_(t), name_(std::move(name)), source_(source) {}

  core::Status Check(const std::set<std::string>& allowed) const {
    if (t_ == nullptr) return {};
    for (auto&& [k, v] : *t_) {
      if (!allowed.contains(std::string(k.str()))) {
        return Bad(source_, name_ + "." + std::string(k.str()), "unknown setting");
      }
    }
    return {};
  }

  core::Result<std::string> Str(const std::string& key, std::string fallback = {}) const {
    if (t_ == nullptr || !t_->contains(key)) return fallback;
    auto v = (*t_)[key].value<std::string>();
    if (!v) return Bad(source_, name_ + "." + key, "must be a string");
    return *v;
  }

  core::Result<int64_t> Int(const std::string& key, int64_t fallback, int64_t min,
                            int64_t max) const {
    if (t_ == nullptr || !t_->contains(key)) return fallback;
    auto v = (*t_)[key].value<int64_t>();
    if (!v || *v < min || *v > max) {
      return Bad(source_, name_ + "." + key,
                 "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return *v;
  }

 private:
  const toml::table* t_;
  std::string name_;
  std::string_view source_;
};

bool PlausibleAddress(const std::string& a) {
  const auto at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" <>\r\n\",;") == std::string::npos &&
         a.find('@', at + 1) == std::string::npos;
}

}  // namespace

core::Result<MailConfig> ParseMailConfig(std::string_view toml_text, std::string_view source_name,
                                         const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return MakeError(Errc::kMalformed, std::string(source_name) + ":" +
                                           std::to_string(e.source().begin.line) + ": " +
                                           std::string(e.description()));
  }
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key != "smtp" && key != "message" && key != "delivery" && key != "inbound") {
      return Bad(source_name, key, "unknown section");
    }
    if (!v.is_table()) return Bad(source_name, key, "must be a section");
  }
  MailConfig c;
  const Section smtp(root["smtp"].as_table(), "smtp", source_name);
  const Section message(root["message"].as_table(), "message", source_name);
  const Section delivery(root["delivery"].as_table(), "delivery", source_name);
  const Section inbound(root["inbound"].as_table(), "inbound", source_name);
  for (auto s :
       {smtp.Check({"url", "starttls", "username", "password_file", "ca_file", "timeout_seconds"}),
        message.Check({"from", "from_name", "organisation", "public_url", "message_id_domain",
                       "default_language", "templates"}),
        delivery.Check(
            {"poll_interval_ms", "retry_base_seconds", "retry_max_seconds", "give_up_hours"}),
        inbound.Check({"token_file", "max_bytes"})}) {
    if (!s) return std::move(s).error();
  }

  // [smtp]
  c.outgoing = root["smtp"].is_table();
  if (c.outgoing) {
    auto url = smtp.Str("url");
    if (!url) return url.error();
    if (url->rfind("smtp://", 0) != 0 && url->rfind("smtps://", 0) != 0) {
      return Bad(source_name, "smtp.url", "must start with smtp:// or smtps://");
    }
    c.smtp.url = *url;
    auto tls = smtp.Str("starttls", "try");
    if (!tls) return tls.error();
    static const std::map<std::string, mail::StartTls> kTls = {
        {"no", mail::StartTls::kNo},
        {"try", mail::StartTls::kTry},
        {"required", mail::StartTls::kRequired}};
    auto it = kTls.find(*tls);
    if (it == kTls.end()) return Bad(source_name, "smtp.starttls", "must be no, try or required");
    c.smtp.starttls = it->second;
    auto user = smtp.Str("username");
    if (!user) return user.error();
    c.smtp.username = *user;
    auto pw_file = smtp.Str("password_file");
    if (!pw_file) return pw_file.error();
    if (!pw_file->empty()) {
      auto pw = ReadSecretFile(Resolve(base_dir, *pw_file), source_name, "smtp.password_file");
      if (!pw) return pw.error();
      c.smtp.password = *pw;
    } else if (const char* env = std::getenv("REDRESS_SMTP_PASSWORD"); env && *env) {
      c.smtp.password = env;
    }
    if (!c.smtp.username.empty() && c.smtp.password.empty()) {
      return Bad(source_name, "smtp.username",
                 "needs a password (password_file or $REDRESS_SMTP_PASSWORD)");
    }
    auto ca = smtp.Str("ca_file");
    if (!ca) return ca.error();
    c.smtp.ca_file = Resolve(base_dir, *ca);
    auto timeout = smtp.Int("timeout_seconds", 60, 1, 600);
    if (!timeout) return timeout.error();
    c.smtp.timeout_seconds = static_cast<long>(*timeout);
  }

  // [message]
  auto from = message.Str("from");
  if (!from) return from.error();
  c.from_address = *from;
  if (c.outgoing && !PlausibleAddress(c.from_address)) {
    return Bad(source_name, "message.from", "must be a mail address (name@domain)");
  }
  auto from_name = message.Str("from_name");
  if (!from_name) return from_name.error();
  c.from_name = *from_name;
  auto org = message.Str("organisation", "Redress");
  if (!org) return org.error();
  c.notify.organisation = *org;
  auto url = message.Str("public_url");
  if (!url) return url.error();
  c.notify.public_url = *url;
  while (!c.notify.public_url.empty() && c.notify.public_url.back() == '/') {
    c.notify.public_url.pop_back();
  }
  if (c.outgoing && c.notify.public_url.rfind("http://", 0) != 0 &&
      c.notify.public_url.rfind("https://", 0) != 0) {
    return Bad(source_name, "message.public_url",
               "must be the portal's address, starting with https:// (or http://)");
  }
  auto domain = message.Str("message_id_domain");
  if (!domain) return domain.error();
  c.message_id_domain = domain->empty() && c.from_address.find('@') != std::string::npos
                            ? c.from_address.substr(c.from_address.find('@') + 1)
                            : *domain;
  auto lang = message.Str("default_language", "en");
  if (!lang) return lang.error();
  c.notify.default_language = *lang;
  auto templates = message.Str("templates");
  if (!templates) return templates.error();
  c.templates_dir = Resolve(base_dir, *templates);
  c.notify.enabled = c.outgoing;

  // [delivery]
  auto poll = delivery.Int("poll_interval_ms", 1000, 10, 3'600'000);
  auto base = delivery.Int("retry_base_seconds", 60, 1, 86'400);
  auto max = delivery.Int("retry_max_seconds", 3600, 1, 7 * 86'400);
  auto give_up = delivery.Int("give_up_hours", 72, 1, 30 * 24);
  for (const auto* r : {&poll, &base, &max, &give_up}) {
    if (!*r) return r->error();
  }
  if (*max < *base)
    return Bad(source_name, "delivery.retry_max_seconds", "is below retry_base_seconds");
  c.poll = std::chrono::milliseconds(*poll);
  c.retry.base = std::chrono::seconds(*base);
  c.retry.max = std::chrono::seconds(*max);
  c.retry.give_up_after = std::chrono::hours(*give_up);

  // [inbound]
  auto token_file = inbound.Str("token_file");
  if (!token_file) return token_file.error();
  if (!token_file->empty()) {
    auto token = ReadSecretFile(Resolve(base_dir, *token_file), source_name, "inbound.token_file");
    if (!token) return token.error();
    if (token->size() < 16) {
      return Bad(source_name, "inbound.token_file", "the token must be at least 16 characters");
    }
    c.inbound_token_hash = util::Sha256Hex(*token);
  }
  auto max_bytes = inbound.Int("max_bytes", 10 << 20, 1024, 50 << 20);
  if (!max_bytes) return max_bytes.error();
  c.inbound_max_bytes = static_cast<std::size_t>(*max_bytes);
  return c;
}

core::Result<MailConfig> LoadMailConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Errc::kInvalid, "Cannot read the mail settings " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseMailConfig(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace redress::config
