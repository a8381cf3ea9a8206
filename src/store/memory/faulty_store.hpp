// FaultyStore: a decorator that makes the Nth Write() fail as a failed commit would, for
// tests of "error => nothing changed" and "poisoned after a failed commit" (conventions §5).
//
// The failing write runs its function on the inner store and then returns an error from it,
// so the inner store rolls it back: nothing it did is visible. With `poison` set (the
// default), the decorator then behaves like a store whose commit failed: Healthy() is false
// and every later Write() fails with kUnavailable without reaching the inner store. Reads pass
// through. Thread-safe as the inner store is.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/ports/store.hpp"

namespace redress::store {

class FaultyStore final : public core::Store {
 public:
  struct Options {
    int64_t fail_nth_write = 1;  // 1-based count of Write() calls; 0 never fails
    core::Errc code = core::Errc::kUnavailable;
    bool poison = true;
  };

  FaultyStore(core::Store& inner, Options options);

  void Write(TxFn fn, Done done) override;
  bool Healthy() const override;

  int64_t writes() const { return writes_.load(); }

  core::Result<std::optional<core::Complaint>> GetComplaint(const core::Reference& ref) override {
    return inner_.GetComplaint(ref);
  }
  core::Result<core::ListPage> ListComplaints(const core::ListQuery& q) override {
    return inner_.ListComplaints(q);
  }
  core::Status WriteComplaintsPage(const core::ListQuery& q, std::string& out) override {
    return inner_.WriteComplaintsPage(q, out);
  }
  core::Result<std::vector<core::Event>> EventsOf(int64_t complaint_id) override {
    return inner_.EventsOf(complaint_id);
  }
  core::Result<std::vector<core::Note>> NotesOf(int64_t complaint_id) override {
    return inner_.NotesOf(complaint_id);
  }
  core::Result<std::vector<core::Attachment>> AttachmentsOf(int64_t complaint_id) override {
    return inner_.AttachmentsOf(complaint_id);
  }
  core::Result<std::optional<core::Attachment>> GetAttachment(int64_t complaint_id,
                                                              int64_t attachment_id) override {
    return inner_.GetAttachment(complaint_id, attachment_id);
  }
  core::Result<std::optional<core::User>> FindUser(const std::string& username) override {
    return inner_.FindUser(username);
  }
  core::Result<std::optional<core::User>> GetUser(int64_t id) override {
    return inner_.GetUser(id);
  }
  core::Result<std::vector<core::User>> ListUsers() override { return inner_.ListUsers(); }
  core::Result<std::optional<core::Session>> FindSession(const std::string& token_hash) override {
    return inner_.FindSession(token_hash);
  }
  core::Result<std::map<core::State, int64_t>> CountByState() override {
    return inner_.CountByState();
  }
  core::Result<int64_t> CountOverdue(core::Instant now) override {
    return inner_.CountOverdue(now);
  }
  core::Result<int64_t> CountComplaints() override { return inner_.CountComplaints(); }
  core::Result<std::vector<core::SavedView>> ViewsOf(int64_t user_id) override {
    return inner_.ViewsOf(user_id);
  }
  core::Result<core::DashboardCounts> Dashboard(const core::DashboardQuery& q) override {
    return inner_.Dashboard(q);
  }
  using core::Store::Facts;
  core::Result<std::vector<std::pair<int64_t, std::string>>> ClosedIn(core::Instant from,
                                                                      core::Instant to) override {
    return inner_.ClosedIn(from, to);
  }
  core::Result<std::optional<core::Record>> GetRecord(core::RecordKind kind, int64_t id) override {
    return inner_.GetRecord(kind, id);
  }
  core::Result<std::vector<core::Record>> ListRecords(core::RecordKind kind) override {
    return inner_.ListRecords(kind);
  }
  core::Result<std::vector<core::Record>> RecordsLinkedTo(core::RecordKind kind,
                                                          int64_t complaint_id) override {
    return inner_.RecordsLinkedTo(kind, complaint_id);
  }
  core::Result<std::vector<std::vector<core::FactRow>>> Facts(
      const std::vector<core::FactQuery>& qs) override {
    return inner_.Facts(qs);
  }
  core::Result<std::vector<core::Reference>> DueForClockCheck(core::Instant now,
                                                              int limit) override {
    return inner_.DueForClockCheck(now, limit);
  }
  core::Result<std::vector<core::Notification>> DueNotifications(core::Instant now,
                                                                 int limit) override {
    return inner_.DueNotifications(now, limit);
  }
  core::Result<std::vector<core::Notification>> NotificationsOf(int64_t complaint_id) override {
    return inner_.NotificationsOf(complaint_id);
  }
  core::Result<std::optional<core::Notification>> GetNotification(int64_t id) override {
    return inner_.GetNotification(id);
  }
  core::Status ScanEvents(int64_t from_seq,
                          const std::function<bool(const core::Event&)>& fn) override {
    return inner_.ScanEvents(from_seq, fn);
  }
  core::Status Backup(const std::string& dest) override { return inner_.Backup(dest); }
  core::Status ScanComplaints(int64_t after_id,
                              const std::function<bool(const core::Complaint&)>& fn) override {
    return inner_.ScanComplaints(after_id, fn);
  }

 private:
  core::Store& inner_;
  Options options_;
  std::atomic<int64_t> writes_{0};
  std::atomic<bool> poisoned_{false};
};

}  // namespace redress::store
