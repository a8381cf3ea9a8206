// Which messages the complainant gets, and with what in them (ISO 10002 clause 7.3: the
// complainant is acknowledged at once and kept informed). Pure: the service calls this inside
// the transaction that records the events, and writes what it returns to the outbox
// (core/notification.hpp), so a message exists exactly when its event does.
//
//   event                                        message (template kind)
//   acknowledge (at receipt)                     acknowledgement: reference, access code, dates
//   request_information                          information_request: the question
//   clock_warning of the final_response clock    holding_response: still working, the due date
//   communicate_decision                         final_response: outcome, reasons, remedy, and the
//                                                right to refer to the ombudsman in time
//   into closed (not withdrawn or duplicate)     survey_invitation: the satisfaction survey,
//                                                due policy.survey_delay_days after closure;
//                                                none if the complainant opted out
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/complaint.hpp"
#include "core/event.hpp"
#include "core/notification.hpp"
#include "core/policy.hpp"
#include "core/ports/mailer.hpp"

namespace redress::app {

struct NotifyConfig {
  bool enabled = false;  // on when an outgoing mail server is configured
  std::string organisation = "Redress";
  std::string public_url;  // base of the links in messages, e.g. "https://complaints.example.org"
  std::string default_language = "en";
};

// The kinds, as template file names (mail-templates/<lang>/<kind>.txt).
inline constexpr std::string_view kAcknowledgement = "acknowledgement";
inline constexpr std::string_view kInformationRequest = "information_request";
inline constexpr std::string_view kHoldingResponse = "holding_response";
inline constexpr std::string_view kFinalResponse = "final_response";
inline constexpr std::string_view kSurveyInvitation = "survey_invitation";

// The messages `events` (just applied, giving `after`) cause. None when notifications are off
// or the complainant gave no email address. `access_code` is the secret, known only at
// receipt; `in_reply_to` the Message-ID of the complainant's mail the complaint came from.
std::vector<core::Notification> NotificationsFor(const core::Complaint& after,
                                                 const std::vector<core::Event>& events,
                                                 const core::Policy& policy,
                                                 const NotifyConfig& config, core::Instant now,
                                                 std::string_view access_code = {},
                                                 std::string_view in_reply_to = {});

// How long delivery keeps trying after temporary failures: base * 2^(attempts-1), at most
// `max` apart, and no longer than `give_up_after` from the message's creation.
struct RetryPolicy {
  std::chrono::seconds base{60};
  std::chrono::seconds max{3600};
  std::chrono::seconds give_up_after{72 * 3600};
};

// Applies the outcome of one delivery attempt to `n` (state, attempts, next attempt, error;
// the access code leaves `vars` once sent) and returns the event for the complaint's history:
// "notification_sent" or "notification_failed", or none while it will be retried.
// Marks `n` cancelled (no longer wanted) for `reason` and returns its notification_cancelled
// event.
core::Event CancelNotification(core::Notification& n, std::string reason, core::Instant now);

std::optional<core::Event> RecordAttempt(core::Notification& n, const core::SendResult& result,
                                         core::Instant now, const RetryPolicy& retry);

}  // namespace redress::app
