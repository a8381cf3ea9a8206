// Notifications to the complainant (ISO 10002 clause 7: acknowledged at once and kept informed)
// and the transactional outbox that delivers them. A notification is written in the same
// transaction as the event that causes it, so an event without its message, or a message
// without its event, never exists. A sender job (src/mail/outbox_sender) delivers pending rows
// and records the outcome; rows are never deleted, so nothing is lost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/personal.hpp"
#include "core/time.hpp"

namespace redress::core {

enum class DeliveryState {
  kPending,    // waiting for its first attempt, or for a retry after a temporary failure
  kSent,       // accepted by the mail server
  kFailed,     // refused for good (5xx), or given up after temporary failures for too long
  kCancelled,  // not sent: no longer wanted (a survey invitation after the survey closed)
};

struct Notification {
  int64_t id = 0;  // assigned by the store; also names the message (Message-ID)
  int64_t complaint_id = 0;
  std::string reference;
  std::string kind;                 // acknowledgement, information_request, holding_response, ...
  std::string language;             // BCP 47, the template language asked for
  Personal<std::string> recipient;  // email address
  // The template variables as a JSON object of strings. Holds personal data (names, reasons)
  // and, for an acknowledgement, the access code: the sender drops "access_code" once sent.
  Personal<std::string> vars;
  std::string in_reply_to;  // Message-ID (no brackets) of the complainant's mail, or ""
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  Instant created_at{};
  Instant next_attempt_at{};
  std::optional<Instant> sent_at;
  std::string last_error;  // the server's reply or the transport error of the last attempt
};

const char* ToString(DeliveryState s);
std::optional<DeliveryState> ParseDeliveryState(std::string_view s);

}  // namespace redress::core
