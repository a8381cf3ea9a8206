#include "cli/mailgate_cmd.hpp"

#include <curl/curl.h>
#include <sysexits.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

namespace redress::cli {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One line on stderr: MTAs put it in the bounce or the log. Never the message's content.
int Exit(int code, const std::string& line) {
  std::cerr << "redress mailgate: " << line << "\n";
  return code;
}

}  // namespace

MailgateCommand::MailgateCommand(CLI::App& app) {
  cmd_ = app.add_subcommand(
      "mailgate", "Deliver one RFC 5322 message from standard input to the running server");
  cmd_->add_option("--url", url_, "The server's base URL")->capture_default_str();
  cmd_->add_option("--token-file", token_file_,
                   "File holding the mailgate token (default: $REDRESS_MAILGATE_TOKEN_FILE)");
  cmd_->add_option("--max-bytes", max_bytes_, "Largest message taken; larger ones are refused")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{50} << 20));
  cmd_->add_option("--timeout", timeout_seconds_, "Seconds to wait for the server")
      ->capture_default_str()
      ->check(CLI::Range(1L, 600L));
}

bool MailgateCommand::Parsed() const { return cmd_->parsed(); }

int MailgateCommand::Run() {
  std::string token_file = token_file_;
  if (token_file.empty()) {
    if (const char* env = std::getenv("REDRESS_MAILGATE_TOKEN_FILE"); env && *env) {
      token_file = env;
    }
  }
  if (token_file.empty()) return Exit(EX_USAGE, "--token-file is required");
  std::string token;
  {
    std::ifstream in(token_file, std::ios::binary);
    // Unreadable token: the installation is being set up or repaired; let the MTA retry.
    if (!in) return Exit(EX_TEMPFAIL, "cannot read the token file " + token_file);
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  }

  // Read the message, refusing it as soon as it passes the limit.
  std::string message;
  {
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      message.append(buf, n);
      if (message.size() > max_bytes_) {
        return Exit(EX_DATAERR,
                    "message refused: larger than " + std::to_string(max_bytes_) + " bytes");
      }
    }
    if (std::ferror(stdin)) return Exit(EX_IOERR, "cannot read standard input");
  }
  if (message.empty()) return Exit(EX_NOINPUT, "no message on standard input");

  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Exit(EX_OSERR, "cannot start an HTTP client");
  CURL* c = curl.get();
  std::string url = url_;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/mail/inbound";
  std::string response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: message/rfc822");
  headers = curl_slist_append(headers, ("X-Mailgate-Token: " + token).c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, message.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_seconds_);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::min(timeout_seconds_, 30L));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    // Not reached, or no answer: nothing was taken for certain; the MTA keeps the message.
    return Exit(EX_TEMPFAIL, std::string("server not reached: ") +
                                 (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  const auto body = nlohmann::json::parse(response, nullptr, false);
  const std::string detail = body.is_object() ? body.value("detail", "") : "";
  if (status == 200 || status == 201 || status == 202) {
    const std::string outcome = body.is_object() ? body.value("outcome", "") : "";
    std::string line = outcome;
    if (outcome == "ignored") line += std::string(" (") + body.value("reason", "") + ")";
    if (body.is_object() && !body.value("reference", "").empty()) {
      line += " " + body.value("reference", "");
    }
    if (body.is_object() && body.value("reopened", false)) line += " (reopened)";
    std::cout << line << "\n";
    return EX_OK;
  }
  // Refused for good: bounce with the reason.
  if (status == 413 || status == 415 || status == 422 || status == 400) {
    return Exit(EX_DATAERR, "message refused: " + detail);
  }
  // A wrong token or intake switched off: a configuration to fix; keep the message meanwhile.
  if (status == 401 || status == 403 || status == 404) {
    return Exit(EX_TEMPFAIL,
                "the server refused the mailgate (" + std::to_string(status) + "): " + detail);
  }
  if (status == 429 || status >= 500) {
    return Exit(EX_TEMPFAIL,
                "the server could not take it now (" + std::to_string(status) + "): " + detail);
  }
  return Exit(EX_PROTOCOL, "unexpected answer " + std::to_string(status));
}

}  // namespace redress::cli
