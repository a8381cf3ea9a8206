#include "http/view_cache.hpp"

#include <iterator>
#include <utility>

namespace redress::http {

CachedView::Record CachedView::Keep(const core::Complaint& c) {
  Record r;
  r.id = c.id;
  r.reference = c.reference;
  r.state = c.state;
  r.due = core::EarliestDue(c.clocks);
  r.assignee = c.assignee;
  r.investigator = c.investigator;
  r.persons_named = c.subject.persons_named;
  r.follow_up_due = c.closure.follow_up_due;
  r.followed_up_at = c.closure.followed_up_at;
  return r;
}

core::Complaint CachedView::Complaint() const {
  core::Complaint c;
  c.id = record.id;
  c.reference = record.reference;
  c.state = record.state;
  if (record.due) {
    c.clocks.resize(1);
    c.clocks[0].due = *record.due;  // running, the default
  }
  c.assignee = record.assignee;
  c.investigator = record.investigator;
  c.subject.persons_named = record.persons_named;
  c.closure.follow_up_due = record.follow_up_due;
  c.closure.followed_up_at = record.followed_up_at;
  return c;
}

namespace {

// A string's heap block, if it has one (a short string lives inside the object).
size_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

}  // namespace

size_t CachedView::Bytes() const {
  size_t n = sizeof(CachedView) + HeapBytes(head) + HeapBytes(tail) +
             HeapBytes(record.reference.prefix) + HeapBytes(record.assignee) +
             HeapBytes(record.investigator) + HeapBytes(record.persons_named.value);
  // The shared_ptr's block, the cache's list node, its two index entries, and the allocator's
  // rounding of each block up to its size class (about an eighth).
  return n + 256 + n / 8;
}

uint64_t ViewCache::Generation() {
  std::lock_guard lock(mu_);
  return generation_;
}

std::shared_ptr<const CachedView> ViewCache::Find(std::string_view reference) {
  std::lock_guard lock(mu_);
  auto it = by_reference_.find(reference);
  if (it == by_reference_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->view;
}

void ViewCache::Put(uint64_t generation, std::shared_ptr<const CachedView> view) {
  const CachedView::Record& c = view->record;
  const size_t bytes = view->Bytes();
  std::string reference = c.reference.ToString();
  std::vector<std::shared_ptr<const CachedView>> dropped;  // released after the lock
  std::lock_guard lock(mu_);
  if (all_changed_at_ > generation || changed_at_[Slot(c.id)] > generation) {
    ++stats_.refused;
    return;
  }
  if (bytes > max_bytes_) return;
  if (auto old = by_id_.find(c.id); old != by_id_.end()) {
    dropped.push_back(old->second->view);
    DropLocked(old->second);
  }
  lru_.push_front(Entry{std::move(reference), std::move(view), bytes});
  by_reference_.emplace(lru_.front().reference, lru_.begin());
  by_id_.emplace(c.id, lru_.begin());
  bytes_ += bytes;
  while (bytes_ > max_bytes_) {
    auto last = std::prev(lru_.end());
    dropped.push_back(last->view);
    DropLocked(last);
  }
}

void ViewCache::Changed(const std::vector<int64_t>& complaint_ids, bool all) {
  std::vector<std::shared_ptr<const CachedView>> dropped;  // released after the lock
  std::lock_guard lock(mu_);
  ++generation_;
  if (all) {
    all_changed_at_ = generation_;
    ++stats_.all_changed;
    for (auto& e : lru_) dropped.push_back(std::move(e.view));
    by_reference_.clear();
    by_id_.clear();
    lru_.clear();
    bytes_ = 0;
    return;
  }
  for (int64_t id : complaint_ids) {
    changed_at_[Slot(id)] = generation_;
    if (auto it = by_id_.find(id); it != by_id_.end()) {
      dropped.push_back(it->second->view);
      DropLocked(it->second);
    }
  }
}

void ViewCache::DropLocked(Lru::iterator it) {
  by_reference_.erase(it->reference);
  by_id_.erase(it->view->record.id);
  bytes_ -= it->bytes;
  lru_.erase(it);
}

ViewCache::Stats ViewCache::stats() {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.views = lru_.size();
  s.bytes = bytes_;
  return s;
}

}  // namespace redress::http
