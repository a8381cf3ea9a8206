// Values derived from a complaint, kept by complaint id and valid for one version of it: every
// change raises the version, so an entry for another version is never returned. Bounded; when
// full, a new id replaces any one entry (cheaper than keeping an order). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace redress::util {

template <class T>  // T has `int64_t version`
class VersionedCache {
 public:
  explicit VersionedCache(size_t capacity) : capacity_(capacity) {}

  // The value kept for `id` if it is of `version`, else null.
  std::shared_ptr<const T> Find(int64_t id, int64_t version) {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end() || it->second->version != version) return nullptr;
    return it->second;
  }

  void Put(int64_t id, std::shared_ptr<const T> value) {
    std::lock_guard lock(mu_);
    if (map_.size() >= capacity_ && map_.find(id) == map_.end()) map_.erase(map_.begin());
    map_[id] = std::move(value);
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<int64_t, std::shared_ptr<const T>> map_;  // GUARDED_BY(mu_)
};

}  // namespace redress::util
