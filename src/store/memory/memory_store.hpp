// The in-memory adapter of core::Store, for unit tests of use cases and as the reference the
// contract suite holds the real stores to (contract in core/ports/store.hpp).
//  * One mutex; Write() runs the function inline on the caller's thread and calls `done`
//    after releasing the lock. Nothing is durable, so "commit" is releasing the lock.
//  * Rollback by snapshot: the state is copied before the function runs (complaints are
//    shared immutable values, append-only tables are remembered by size) and restored if it
//    fails, so a failed Write() changes nothing, the event chain head included.
//  * Semantics match the SQLite store: the same cursor format, scope rules, persons_named
//    normalisation and search terms (store/list_support.hpp). Text search matches whole
//    terms ASCII case-insensitively (SQLite's FTS5 also folds non-ASCII case and accents).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/ports/store.hpp"

namespace redress::store {

class MemoryStore final : public core::Store {
 public:
  MemoryStore();
  ~MemoryStore() override;

  void Write(TxFn fn, Done done) override;
  bool Healthy() const override { return true; }

  core::Result<std::optional<core::Complaint>> GetComplaint(const core::Reference& ref) override;
  core::Result<core::ListPage> ListComplaints(const core::ListQuery& q) override;
  core::Result<std::vector<core::Event>> EventsOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Note>> NotesOf(int64_t complaint_id) override;
  core::Result<std::vector<core::Attachment>> AttachmentsOf(int64_t complaint_id) override;
  core::Result<std::optional<core::Attachment>> GetAttachment(int64_t complaint_id,
                                                              int64_t attachment_id) override;

  core::Result<std::optional<core::User>> FindUser(const std::string& username) override;
  core::Result<std::optional<core::User>> GetUser(int64_t id) override;
  core::Result<std::vector<core::User>> ListUsers() override;
  core::Result<std::optional<core::Session>> FindSession(const std::string& token_hash) override;

  core::Result<std::map<core::State, int64_t>> CountByState() override;
  core::Result<int64_t> CountOverdue(core::Instant now) override;
  core::Result<int64_t> CountComplaints() override;
  core::Result<std::vector<core::SavedView>> ViewsOf(int64_t user_id) override;
  core::Result<core::DashboardCounts> Dashboard(const core::DashboardQuery& q) override;
  using core::Store::Facts;
  core::Result<std::vector<std::pair<int64_t, std::string>>> ClosedIn(core::Instant from,
                                                                      core::Instant to) override;
  core::Result<std::optional<core::Record>> GetRecord(core::RecordKind kind, int64_t id) override;
  core::Result<std::vector<core::Record>> ListRecords(core::RecordKind kind) override;
  core::Result<std::vector<core::Record>> RecordsLinkedTo(core::RecordKind kind,
                                                          int64_t complaint_id) override;
  core::Result<std::vector<std::vector<core::FactRow>>> Facts(
      const std::vector<core::FactQuery>& qs) override;
  core::Result<std::vector<core::Reference>> DueForClockCheck(core::Instant now,
                                                              int limit) override;
  core::Result<std::vector<core::Notification>> DueNotifications(core::Instant now,
                                                                 int limit) override;
  core::Result<std::vector<core::Notification>> NotificationsOf(int64_t complaint_id) override;
  core::Result<std::optional<core::Notification>> GetNotification(int64_t id) override;
  core::Status ScanEvents(int64_t from_seq,
                          const std::function<bool(const core::Event&)>& fn) override;
  // Not supported: kUnavailable.
  core::Status Backup(const std::string& dest) override;
  core::Status ScanComplaints(int64_t after_id,
                              const std::function<bool(const core::Complaint&)>& fn) override;

  struct Data;  // memory_store.cpp
  class Tx;

 private:
  mutable std::mutex mu_;
  std::unique_ptr<Data> data_;  // GUARDED_BY(mu_)
};

}  // namespace redress::store
