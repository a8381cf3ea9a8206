#include "http/view_cache.hpp"

#include <iterator>
#include <utility>

namespace redress::http {

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
  const core::Complaint& c = *view->record;
  // The texts, and about what the record's kept members, the entry and its keys take.
  const size_t bytes = view->head.capacity() + view->tail.capacity() + 1024;
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
  by_id_.erase(it->view->record->id);
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
