#include "mail/outbox_sender.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace redress::mail {

std::string NotificationMessageId(int64_t id, const std::string& reference,
                                  const std::string& domain) {
  return fmt::format("n{}.{}@{}", id, reference, domain);
}

core::Result<std::string> BuildMessage(const core::Notification& n, const TemplateSet& templates,
                                       const SenderSettings& settings, core::Instant now) {
  auto kind = ParseMailKind(n.kind);
  if (!kind) return core::MakeError(core::Errc::kInvalid, "unknown message kind " + n.kind);
  const auto vars = nlohmann::json::parse(n.vars.value, nullptr, false);
  if (!vars.is_object()) return core::MakeError(core::Errc::kInvalid, "unreadable variables");
  auto rendered = templates.Render(*kind, n.language, vars);
  if (!rendered) return rendered.error();
  OutgoingMail m;
  m.from_address = settings.from_address;
  m.from_name = settings.from_name;
  m.to_address = n.recipient.value;
  m.to_name = vars.value("name", "");
  m.subject = std::move(rendered->subject);
  m.text = std::move(rendered->text);
  m.html = std::move(rendered->html);
  m.message_id = NotificationMessageId(n.id, n.reference, settings.domain);
  if (!n.in_reply_to.empty()) {
    m.in_reply_to = n.in_reply_to;
    m.references.push_back(n.in_reply_to);
  }
  // Every message about a complaint names the same thread root, so they thread together
  // and a reply names the complaint even when its subject was changed.
  m.references.push_back(fmt::format("{}@{}", n.reference, settings.domain));
  m.date_unix_seconds = core::ToMillis(now) / 1000;
  m.extra_headers = {{"Auto-Submitted", "auto-generated"},
                     {"X-Auto-Response-Suppress", "All"},
                     {"X-Redress-Reference", n.reference}};
  return ComposeMessage(m);
}

OutboxSender::OutboxSender(app::ComplaintService& service, core::Store& store,
                           const TemplateSet& templates, core::Mailer& mailer,
                           SenderSettings settings)
    : service_(service),
      store_(store),
      templates_(templates),
      mailer_(mailer),
      settings_(std::move(settings)) {}

OutboxSender::~OutboxSender() { Stop(); }

void OutboxSender::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "redress-mail");
    Run();
  });
}

void OutboxSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int OutboxSender::RunOnce() {
  const core::Instant now = service_.clock().Now();
  auto due = store_.ClaimNotifications(now, settings_.batch,
                                       {service_.config().node, app::kMessageClaimLease});
  if (!due) {
    spdlog::warn("outbox: cannot read due messages: {}", due.error().detail);
    return 0;
  }
  // A message read from a commit still being flushed (core::Store::WhenDurable) waits for
  // that flush: no complainant hears of a complaint a crash could still undo.
  if (!due->empty()) store_.WaitUntilDurable();
  int attempted = 0;
  for (auto& n : *due) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    if (auto moot = service_.CancelIfMoot(n); !moot) {
      spdlog::error("outbox: cannot check message {}: {}", n.id, moot.error().detail);
      break;
    } else if (*moot) {
      spdlog::info("outbox: message {} ({}) cancelled: no longer wanted", n.id, n.kind);
      continue;
    }
    core::SendResult result;
    auto message = BuildMessage(n, templates_, settings_, now);
    if (!message) {
      result = {core::SendOutcome::kPermanent, 0,
                "cannot build the message: " + message.error().detail};
    } else {
      result = mailer_.Send(settings_.from_address, n.recipient.value, *message);
    }
    ++attempted;
    const int64_t id = n.id;
    const std::string kind = n.kind;
    const int attempt = n.attempts + 1;
    if (auto s = service_.RecordDelivery(std::move(n), result, settings_.retry); !s) {
      // The store refuses writes (poisoned): stop; the row is still pending and is retried
      // after a restart.
      spdlog::error("outbox: cannot record delivery of message {}: {}", id, s.error().detail);
      break;
    }
    // No addresses in the log: the message id, kind and outcome are enough to follow it.
    switch (result.outcome) {
      case core::SendOutcome::kSent:
        spdlog::info("outbox: message {} ({}) sent", id, kind);
        break;
      case core::SendOutcome::kPermanent:
        spdlog::warn("outbox: message {} ({}) refused for good (code {})", id, kind, result.code);
        break;
      case core::SendOutcome::kTemporary:
        spdlog::info("outbox: message {} ({}) attempt {} failed for now (code {})", id, kind,
                     attempt, result.code);
        break;
    }
    // No connection to the server at all: the rest of the batch would fail the same way.
    if (result.outcome == core::SendOutcome::kTemporary && result.code == 0) break;
  }
  return attempted;
}

void OutboxSender::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    int attempted = 0;
    try {
      attempted = RunOnce();
    } catch (const std::exception& e) {
      spdlog::error("outbox: unexpected error: {}", e.what());
    }
    lock.lock();
    if (attempted >= settings_.batch) continue;  // more may be due
    cv_.wait_for(lock, settings_.poll, [this] { return stop_; });
  }
}

}  // namespace redress::mail
