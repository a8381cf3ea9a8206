// http/view_cache.hpp: a view is found under its reference until its complaint changes; a read
// that began before a change of its complaint (or of all) is not kept; the byte budget drops
// the least recently used view first.
#include "http/view_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace redress::http {
namespace {

std::shared_ptr<const CachedView> View(int64_t id, std::string text = "{\"x\":1",
                                       size_t tail_bytes = 10) {
  auto v = std::make_shared<CachedView>();
  v->record.id = id;
  v->record.reference.year = 2026;
  v->record.reference.sequence = id;
  v->head = std::move(text);
  v->tail = std::string(tail_bytes, ' ') + "}";
  v->tail.shrink_to_fit();  // counted by capacity
  return v;
}

std::string Ref(int64_t id) {
  core::Reference r;
  r.year = 2026;
  r.sequence = id;
  return r.ToString();
}

TEST(ViewCache, KeepsAViewUntilItsComplaintChanges) {
  ViewCache cache(1 << 20);
  EXPECT_EQ(cache.Find(Ref(1)), nullptr);
  cache.Put(cache.Generation(), View(1, "{\"a\":1"));
  cache.Put(cache.Generation(), View(2, "{\"b\":2"));
  auto one = cache.Find(Ref(1));
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->head, "{\"a\":1");
  EXPECT_EQ(cache.Find("cmp-2026-000001"), nullptr)
      << "keys are references as the record spells them";

  cache.Changed({1}, false);
  EXPECT_EQ(cache.Find(Ref(1)), nullptr);
  EXPECT_NE(cache.Find(Ref(2)), nullptr) << "another complaint's view stays";
  ASSERT_NE(one, nullptr) << "a view handed out stays valid for its holder";

  const auto st = cache.stats();
  EXPECT_EQ(st.hits, 2u);
  EXPECT_EQ(st.misses, 3u);
  EXPECT_EQ(st.views, 1u);
}

TEST(ViewCache, AReadThatBeganBeforeAChangeIsNotKept) {
  ViewCache cache(1 << 20);
  const uint64_t before = cache.Generation();
  cache.Changed({7}, false);  // committed while the read of complaint 7 ran
  cache.Put(before, View(7));
  EXPECT_EQ(cache.Find(Ref(7)), nullptr);
  EXPECT_EQ(cache.stats().refused, 1u);

  // A read of a complaint in another slot is kept; one that began after the change is too.
  cache.Put(before, View(8));
  EXPECT_NE(cache.Find(Ref(8)), nullptr);
  cache.Put(cache.Generation(), View(7));
  EXPECT_NE(cache.Find(Ref(7)), nullptr);
}

TEST(ViewCache, AChangeOfEveryComplaintDropsAllAndRefusesOlderReads) {
  ViewCache cache(1 << 20);
  for (int id = 1; id <= 5; ++id) cache.Put(cache.Generation(), View(id));
  const uint64_t before = cache.Generation();
  cache.Changed({}, true);
  for (int id = 1; id <= 5; ++id) EXPECT_EQ(cache.Find(Ref(id)), nullptr) << id;
  cache.Put(before, View(9));
  EXPECT_EQ(cache.Find(Ref(9)), nullptr);
  const auto st = cache.stats();
  EXPECT_EQ(st.views, 0u);
  EXPECT_EQ(st.bytes, 0u);
  EXPECT_EQ(st.all_changed, 1u);
}

TEST(ViewCache, ANewerViewOfTheSameComplaintReplacesTheOlder) {
  ViewCache cache(1 << 20);
  cache.Put(cache.Generation(), View(3, "{\"v\":1"));
  cache.Put(cache.Generation(), View(3, "{\"v\":2"));
  auto v = cache.Find(Ref(3));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->head, "{\"v\":2");
  EXPECT_EQ(cache.stats().views, 1u);
  cache.Changed({3}, false);
  EXPECT_EQ(cache.Find(Ref(3)), nullptr);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(ViewCache, TheBudgetDropsTheLeastRecentlyUsedFirst) {
  const size_t tail = 1000;
  const size_t each = View(1, "{\"x\":1", tail)->Bytes();
  EXPECT_GT(each, tail + sizeof(CachedView));
  ViewCache cache(3 * each + each / 2);
  for (int id = 1; id <= 3; ++id) cache.Put(cache.Generation(), View(id, "{\"x\":1", tail));
  EXPECT_EQ(cache.stats().views, 3u);
  ASSERT_NE(cache.Find(Ref(1)), nullptr);  // 1 is now the most recently used
  cache.Put(cache.Generation(), View(4, "{\"x\":1", tail));
  EXPECT_EQ(cache.Find(Ref(2)), nullptr) << "the least recently used leaves";
  EXPECT_NE(cache.Find(Ref(1)), nullptr);
  EXPECT_NE(cache.Find(Ref(3)), nullptr);
  EXPECT_NE(cache.Find(Ref(4)), nullptr);
  EXPECT_LE(cache.stats().bytes, 3 * each + each / 2);

  ViewCache tiny(100);
  tiny.Put(tiny.Generation(), View(1));
  EXPECT_EQ(tiny.Find(Ref(1)), nullptr) << "a view over the whole budget is not kept";
}

// A view keeps what a get works out at each call (scope, state, the clocks' earliest due,
// follow-up) and gives it back as a complaint; nothing else of the record.
TEST(ViewCache, AViewKeepsWhatAGetWorksOutFromTheRecord) {
  core::Complaint c;
  c.id = 42;
  c.reference.year = 2026;
  c.reference.sequence = 42;
  c.state = core::State::kClosed;
  c.assignee = "handler";
  c.investigator = "investigator";
  c.subject.persons_named = "Handler Two";
  c.clocks.resize(2);
  c.clocks[0].name = "acknowledge";  // met first: its due no longer counts
  c.clocks[0].state = core::ClockState::kMet;
  c.clocks[0].due = core::Instant{} + std::chrono::hours(1);
  c.clocks[1].name = "final_response";
  c.clocks[1].state = core::ClockState::kPaused;
  c.clocks[1].due = core::Instant{} + std::chrono::hours(48);
  c.closure.follow_up_due = core::Instant{} + std::chrono::hours(24);
  c.description = "not kept";
  const core::Complaint back = CachedView{CachedView::Keep(c), "{", "}"}.Complaint();
  EXPECT_EQ(back.id, c.id);
  EXPECT_EQ(back.reference, c.reference);
  EXPECT_EQ(back.state, c.state);
  EXPECT_EQ(back.assignee, c.assignee);
  EXPECT_EQ(back.investigator, c.investigator);
  EXPECT_EQ(back.subject.persons_named.value, c.subject.persons_named.value);
  ASSERT_TRUE(core::EarliestDue(back.clocks).has_value());
  EXPECT_EQ(core::EarliestDue(back.clocks), c.clocks[1].due);
  // No clock running or paused: no due, as from the whole record.
  c.clocks[1].state = core::ClockState::kStopped;
  const CachedView none{CachedView::Keep(c), "{", "}"};
  EXPECT_TRUE(none.Complaint().clocks.empty());
  EXPECT_EQ(back.closure.follow_up_due, c.closure.follow_up_due);
  EXPECT_EQ(back.closure.followed_up_at, c.closure.followed_up_at);
  EXPECT_TRUE(back.description.value.empty());
}

}  // namespace
}  // namespace redress::http
