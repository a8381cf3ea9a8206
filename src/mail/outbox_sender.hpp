// The outbox sender job: delivers pending notifications (core/notification.hpp) one at a time
// through the Mailer port, and records each attempt (ComplaintService::RecordDelivery) before
// the next. A message is marked sent only after the server accepted it, so a stop or a crash
// never loses one; the only window for a repeat is a crash between the server's acceptance
// and that record, and the repeat then carries the same Message-ID (n<id>.<reference>@domain),
// which mail software uses to drop duplicates.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "app/notify.hpp"
#include "app/service.hpp"
#include "core/ports/mailer.hpp"
#include "mail/compose.hpp"
#include "mail/templates.hpp"

namespace redress::mail {

struct SenderSettings {
  std::string from_address;  // envelope and header sender
  std::string from_name;
  std::string domain;  // right-hand side of Message-IDs
  app::RetryPolicy retry;
  std::chrono::milliseconds poll{1000};
  int batch = 50;
};

// The Message-ID (without brackets) of notification `id` of complaint `reference`.
std::string NotificationMessageId(int64_t id, const std::string& reference,
                                  const std::string& domain);

// Builds the message for `n`: renders its template, composes MIME. kInvalid if the template
// or the variables are unusable (a permanent failure of that message).
core::Result<std::string> BuildMessage(const core::Notification& n, const TemplateSet& templates,
                                       const SenderSettings& settings, core::Instant now);

class OutboxSender {
 public:
  OutboxSender(app::ComplaintService& service, core::Store& store, const TemplateSet& templates,
               core::Mailer& mailer, SenderSettings settings);
  ~OutboxSender();  // stops and joins

  void Start();
  void Stop();  // finishes the attempt under way, records it, then returns
  // One pass over the due messages; returns how many were attempted.
  int RunOnce();

 private:
  void Run();

  app::ComplaintService& service_;
  core::Store& store_;
  const TemplateSet& templates_;
  core::Mailer& mailer_;
  SenderSettings settings_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace redress::mail
