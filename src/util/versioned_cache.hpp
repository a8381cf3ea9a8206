// Values derived from a complaint, kept by complaint id and valid for one version of it: every
// change raises the version, so an entry for another version is never returned. Bounded; when
// full, a new id replaces the id that came in first (FIFO over a ring of ids), so a working
// set smaller than the capacity stays in. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace redress::util {

template <class T>  // T has `int64_t version`
class VersionedCache {
 public:
  explicit VersionedCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {
    map_.reserve(capacity_);
    order_.reserve(capacity_);
  }

  // The value kept for `id` if it is of `version`, else null.
  std::shared_ptr<const T> Find(int64_t id, int64_t version) {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end() || it->second->version != version) return nullptr;
    return it->second;
  }

  void Put(int64_t id, std::shared_ptr<const T> value) {
    std::shared_ptr<const T> evicted;  // released after the lock
    std::lock_guard lock(mu_);
    if (auto it = map_.find(id); it != map_.end()) {
      evicted = std::move(it->second);
      it->second = std::move(value);
      return;
    }
    if (order_.size() < capacity_) {
      order_.push_back(id);
    } else {
      auto old = map_.find(order_[next_]);
      if (old != map_.end()) {
        evicted = std::move(old->second);
        map_.erase(old);
      }
      order_[next_] = id;
      next_ = (next_ + 1) % capacity_;
    }
    map_.emplace(id, std::move(value));
  }

  size_t size() {
    std::lock_guard lock(mu_);
    return map_.size();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<int64_t, std::shared_ptr<const T>> map_;  // GUARDED_BY(mu_)
  std::vector<int64_t> order_;  // GUARDED_BY(mu_): ids in the order they came in, a ring
  size_t next_ = 0;             // GUARDED_BY(mu_): the oldest id's slot once the ring is full
};

}  // namespace redress::util
