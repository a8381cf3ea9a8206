// Mailer port: hands one finished RFC 5322 message to a mail server. The SMTP adapter
// (src/mail/smtp) speaks to a real server with libcurl; tests use fakes.
// Contract: Send() blocks until the server accepted or refused the message, or the attempt
// failed (connection, timeout); it never throws. Callers run it off the I/O threads.
#pragma once

#include <string>

namespace redress::core {

enum class SendOutcome {
  kSent,       // the server accepted the message (250 after DATA)
  kTemporary,  // try again later: 4xx, no connection, timeout, TLS or login trouble
  kPermanent,  // refused for good: 5xx to the sender, recipient or message
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kTemporary;
  int code = 0;        // the SMTP reply code when there was one
  std::string detail;  // the server's reply or the transport error (may name the address)
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual SendResult Send(const std::string& from, const std::string& to,
                          const std::string& message) = 0;
};

}  // namespace redress::core
