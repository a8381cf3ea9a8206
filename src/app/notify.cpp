#include "app/notify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/lifecycle.hpp"

namespace redress::app {
namespace {

using json = nlohmann::json;

std::string Amount(const core::Remedy& r) {
  if (r.amount_minor == 0) return "";
  const int64_t units = r.amount_minor / 100;
  const int64_t cents = r.amount_minor % 100;
  return fmt::format("{}.{:02} {}", units, cents < 0 ? -cents : cents, r.currency);
}

// The fields every message has.
json CommonVars(const core::Complaint& c, const core::Policy& policy, const NotifyConfig& config) {
  const std::string ref = c.reference.ToString();
  json v = {
      {"reference", ref},
      {"name", c.complainant.name.value},
      {"organisation", config.organisation},
      {"status_url", config.public_url + "/status?reference=" + ref},
      {"received_date", core::FormatDate(policy.calendar.LocalDateOf(c.received_at))},
      {"respond_by", ""},
  };
  for (const auto& t : c.clocks) {
    if (t.name == "final_response") v["respond_by"] = core::FormatDate(t.local_due);
  }
  return v;
}

// The state an event's after-diff moves to, or "".
std::string StateAfter(const json& after) {
  auto it = after.find("state");
  return it != after.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool WarnsFinalResponse(const json& after) {
  auto clocks = after.find("clocks");
  if (clocks == after.end() || !clocks->is_object()) return false;
  auto fr = clocks->find("final_response");
  return fr != clocks->end() && fr->is_object() && fr->value("warned", false);
}

// An event on the complaint's history about its message `n`, by the system.
core::Event DeliveryEvent(const core::Notification& n, std::string action, const json& after,
                          core::Instant now) {
  core::Event e;
  e.complaint_id = n.complaint_id;
  e.reference = n.reference;
  e.at = now;
  e.actor = "system";
  e.action = std::move(action);
  e.before = "{}";
  e.after = after.dump();
  return e;
}

}  // namespace

std::vector<core::Notification> NotificationsFor(const core::Complaint& after,
                                                 const std::vector<core::Event>& events,
                                                 const core::Policy& policy,
                                                 const NotifyConfig& config, core::Instant now,
                                                 std::string_view access_code,
                                                 std::string_view in_reply_to) {
  std::vector<core::Notification> out;
  if (!config.enabled || after.complainant.email.value.empty()) return out;
  auto add = [&](std::string_view kind, json vars) {
    core::Notification n;
    n.complaint_id = after.id;
    n.reference = after.reference.ToString();
    n.kind = std::string(kind);
    n.language = after.contact.language.empty() ? config.default_language : after.contact.language;
    n.recipient = after.complainant.email.value;
    n.vars = vars.dump();
    n.in_reply_to = std::string(in_reply_to);
    n.created_at = now;
    n.next_attempt_at = now;
    out.push_back(std::move(n));
  };
  for (const auto& e : events) {
    if (e.action == "acknowledge") {
      json v = CommonVars(after, policy, config);
      v["access_code"] = std::string(access_code);
      add(kAcknowledgement, std::move(v));
      continue;
    }
    if (e.action == "request_information") {
      json v = CommonVars(after, policy, config);
      v["question"] = after.pending_question.value;
      add(kInformationRequest, std::move(v));
      continue;
    }
    if (e.action == "communicate_decision") {
      const core::Decision& d = after.decision;
      json v = CommonVars(after, policy, config);
      if (d.outcome == core::Outcome::kUpheld) v["outcome_upheld"] = "true";
      if (d.outcome == core::Outcome::kPartlyUpheld) v["outcome_partly_upheld"] = "true";
      if (d.outcome == core::Outcome::kNotUpheld) v["outcome_not_upheld"] = "true";
      v["reasons"] = d.reasons.value;
      const bool remedy = !d.remedy.type.empty() || d.remedy.amount_minor != 0;
      if (remedy) v["remedy"] = "true";
      v["remedy_type"] = d.remedy.type;
      v["remedy_amount"] = Amount(d.remedy);
      if (!policy.ombudsman.name.empty()) v["referral"] = "true";
      v["ombudsman_name"] = policy.ombudsman.name;
      v["ombudsman_url"] = policy.ombudsman.url;
      v["ombudsman_time_limit"] = policy.ombudsman.time_limit;
      add(kFinalResponse, std::move(v));
      continue;
    }
    // What is left reads the event's after-diff: a clock's warning on an open complaint, or a
    // move to closed. Any other event's (a receipt's is the whole record) is not parsed.
    const bool warning = e.action == "clock_warning" && core::IsOpen(after.state);
    if (!warning && after.state != core::State::kClosed) continue;
    const json diff = json::parse(e.after, nullptr, false);
    if (!diff.is_object()) continue;
    if (warning) {
      if (WarnsFinalResponse(diff)) add(kHoldingResponse, CommonVars(after, policy, config));
      continue;
    }
    if (StateAfter(diff) == "closed" && core::SurveyOpen(after) &&
        after.closure.reason != core::ClosureReason::kDuplicate &&
        after.closure.reason != core::ClosureReason::kWithdrawn) {
      json v = CommonVars(after, policy, config);
      v["survey_url"] = config.public_url + "/status?reference=" + after.reference.ToString();
      add(kSurveyInvitation, std::move(v));
      // Sent a few days after closure, when the outcome has settled; the sender cancels it if
      // the survey has closed by then (answered, opted out, reopened).
      out.back().next_attempt_at = now + std::chrono::days(policy.survey_delay_days);
    }
  }
  return out;
}

std::optional<core::Event> RecordAttempt(core::Notification& n, const core::SendResult& result,
                                         core::Instant now, const RetryPolicy& retry) {
  ++n.attempts;
  n.last_error = result.outcome == core::SendOutcome::kSent ? "" : result.detail;
  std::string action;
  if (result.outcome == core::SendOutcome::kSent) {
    n.state = core::DeliveryState::kSent;
    n.sent_at = now;
    json vars = json::parse(n.vars.value, nullptr, false);
    if (vars.is_object() && vars.erase("access_code") > 0) n.vars = vars.dump();
    action = "notification_sent";
  } else if (result.outcome == core::SendOutcome::kPermanent ||
             now - n.created_at >= retry.give_up_after) {
    n.state = core::DeliveryState::kFailed;
    if (result.outcome != core::SendOutcome::kPermanent) {
      n.last_error = fmt::format("gave up after {} attempts; last: {}", n.attempts, result.detail);
    }
    action = "notification_failed";
  } else {
    auto delay = retry.base;
    for (int i = 1; i < n.attempts && delay < retry.max; ++i) delay *= 2;
    n.next_attempt_at = now + std::min(delay, retry.max);
    return std::nullopt;
  }
  json after = {
      {"notification", n.id}, {"kind", n.kind}, {"channel", "email"}, {"attempts", n.attempts}};
  if (n.state == core::DeliveryState::kFailed) {
    after["error"] = n.last_error;
    if (result.code != 0) after["code"] = result.code;
  }
  return DeliveryEvent(n, std::move(action), after, now);
}

core::Event CancelNotification(core::Notification& n, std::string reason, core::Instant now) {
  n.state = core::DeliveryState::kCancelled;
  n.last_error = std::move(reason);
  return DeliveryEvent(n, "notification_cancelled",
                       {{"notification", n.id}, {"kind", n.kind}, {"reason", n.last_error}}, now);
}

}  // namespace redress::app
