// util/versioned_cache.hpp: an entry is found only for its version, and a working set smaller
// than the capacity stays in while new ids keep arriving (the oldest id leaves first).
#include "util/versioned_cache.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace redress::util {
namespace {

struct Item {
  int64_t version;
  int value;
};

std::shared_ptr<const Item> Make(int64_t version, int value) {
  return std::make_shared<const Item>(Item{version, value});
}

TEST(VersionedCache, FindsOnlyTheVersionItKept) {
  VersionedCache<Item> cache(4);
  cache.Put(7, Make(3, 70));
  ASSERT_NE(cache.Find(7, 3), nullptr);
  EXPECT_EQ(cache.Find(7, 3)->value, 70);
  EXPECT_EQ(cache.Find(7, 4), nullptr);
  EXPECT_EQ(cache.Find(8, 3), nullptr);
  cache.Put(7, Make(4, 71));  // a new version replaces the old one in place
  EXPECT_EQ(cache.Find(7, 3), nullptr);
  EXPECT_EQ(cache.Find(7, 4)->value, 71);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(VersionedCache, TheOldestIdLeavesFirstWhenFull) {
  VersionedCache<Item> cache(3);
  for (int id = 1; id <= 3; ++id) cache.Put(id, Make(1, id));
  cache.Put(4, Make(1, 4));
  EXPECT_EQ(cache.Find(1, 1), nullptr);
  for (int id = 2; id <= 4; ++id) EXPECT_NE(cache.Find(id, 1), nullptr) << id;
  cache.Put(5, Make(1, 5));
  EXPECT_EQ(cache.Find(2, 1), nullptr);
  EXPECT_NE(cache.Find(4, 1), nullptr);
  EXPECT_NE(cache.Find(5, 1), nullptr);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(VersionedCache, AWorkingSetUnderTheCapacityStaysInAfterTheCacheFilled) {
  // The cache fills with other ids first (as creates fill it), then a smaller set is read
  // over and over: after one pass every read of the set must hit.
  VersionedCache<Item> cache(100);
  for (int id = 1000; id < 1100; ++id) cache.Put(id, Make(1, id));
  int misses_second_pass = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (int id = 0; id < 60; ++id) {
      if (!cache.Find(id, 1)) {
        if (pass == 1) ++misses_second_pass;
        cache.Put(id, Make(1, id));
      }
    }
  }
  EXPECT_EQ(misses_second_pass, 0);
  EXPECT_EQ(cache.size(), 100u);
}

}  // namespace
}  // namespace redress::util
