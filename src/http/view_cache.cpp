#include "http/view_cache.hpp"

#include <algorithm>
#include <functional>
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

ViewCache::ViewCache(size_t max_bytes, size_t shards)
    : shard_bytes_(max_bytes / std::max<size_t>(shards, 1)) {
  for (size_t i = 0; i < std::max<size_t>(shards, 1); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

ViewCache::Shard& ViewCache::ShardOf(std::string_view reference) {
  return *shards_[std::hash<std::string_view>{}(reference) % shards_.size()];
}

uint64_t ViewCache::Generation() {
  std::lock_guard lock(mu_);
  return generation_;
}

std::shared_ptr<const CachedView> ViewCache::Find(std::string_view reference) {
  Shard& shard = ShardOf(reference);
  std::lock_guard lock(shard.mu);
  auto it = shard.by_reference.find(reference);
  if (it == shard.by_reference.end()) {
    ++shard.misses;
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  ++shard.hits;
  return it->second->view;
}

void ViewCache::Put(uint64_t generation, std::shared_ptr<const CachedView> view) {
  const CachedView::Record& c = view->record;
  const int64_t id = c.id;
  const size_t bytes = view->Bytes();
  std::string reference = c.reference.ToString();
  Shard& shard = ShardOf(reference);
  std::vector<std::shared_ptr<const CachedView>> dropped;  // released after the locks
  std::lock_guard lock(mu_);
  if (all_changed_at_ > generation || changed_at_[Slot(id)] > generation) {
    ++refused_;
    return;
  }
  if (bytes > shard_bytes_) return;
  std::lock_guard shard_lock(shard.mu);
  if (auto old = shard.by_id.find(id); old != shard.by_id.end()) shard.Drop(old->second, dropped);
  shard.lru.push_front(Entry{std::move(reference), std::move(view), bytes});
  shard.by_reference.emplace(shard.lru.front().reference, shard.lru.begin());
  shard.by_id.emplace(id, shard.lru.begin());
  shard.bytes += bytes;
  while (shard.bytes > shard_bytes_) shard.Drop(std::prev(shard.lru.end()), dropped);
}

void ViewCache::Changed(const std::vector<int64_t>& complaint_ids, bool all) {
  std::vector<std::shared_ptr<const CachedView>> dropped;  // released after the locks
  std::lock_guard lock(mu_);
  ++generation_;
  if (all) {
    all_changed_at_ = generation_;
    ++all_changed_;
  } else {
    for (int64_t id : complaint_ids) changed_at_[Slot(id)] = generation_;
  }
  for (auto& shard : shards_) {
    std::lock_guard shard_lock(shard->mu);
    if (all) {
      for (auto& e : shard->lru) dropped.push_back(std::move(e.view));
      shard->by_reference.clear();
      shard->by_id.clear();
      shard->lru.clear();
      shard->bytes = 0;
      continue;
    }
    if (shard->by_id.empty()) continue;
    for (int64_t id : complaint_ids) {
      if (auto it = shard->by_id.find(id); it != shard->by_id.end()) {
        shard->Drop(it->second, dropped);
      }
    }
  }
}

void ViewCache::Shard::Drop(Lru::iterator it,
                            std::vector<std::shared_ptr<const CachedView>>& dropped) {
  dropped.push_back(std::move(it->view));
  by_reference.erase(it->reference);
  by_id.erase(dropped.back()->record.id);
  bytes -= it->bytes;
  lru.erase(it);
}

ViewCache::Stats ViewCache::stats() {
  Stats s;
  {
    std::lock_guard lock(mu_);
    s.refused = refused_;
    s.all_changed = all_changed_;
  }
  for (auto& shard : shards_) {
    std::lock_guard shard_lock(shard->mu);
    s.hits += shard->hits;
    s.misses += shard->misses;
    s.views += shard->lru.size();
    s.bytes += shard->bytes;
  }
  return s;
}

}  // namespace redress::http
