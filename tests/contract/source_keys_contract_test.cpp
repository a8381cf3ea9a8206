// The Store operations of imports (core/ports/store.hpp): source keys and the complaint scan,
// run against every adapter in Adapters().
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "store_harness.hpp"
#include "util/crypto.hpp"

namespace redress::testing {
namespace {

using core::Complaint;
using core::Errc;
using core::Status;
using core::StoreTx;

const core::Instant kT0 = core::FromMillis(1'780'000'000'000);

class SourceKeyContract : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override {
    util::InitCrypto();
    harness_ = GetParam().make();
  }
  core::Store& store() { return harness_->store(); }

  // Inserts a complaint with this sequence and returns its id.
  int64_t Insert(int64_t seq, const std::string& product) {
    Complaint c;
    c.reference = core::Reference{"CMP", 2024, seq};
    c.version = 1;
    c.received_at = kT0;
    c.logged_at = kT0;
    c.updated_at = kT0;
    c.subject.product = product;
    Status s = store().WriteSync([&c](StoreTx& tx) { return tx.InsertComplaint(c); });
    EXPECT_TRUE(s) << s.error().detail;
    return c.id;
  }

  std::unique_ptr<StoreHarness> harness_;
};

core::SourceKey Key(const std::string& id, int64_t complaint_id, const std::string& hash) {
  core::SourceKey k;
  k.system = "cfpb";
  k.external_id = id;
  k.complaint_id = complaint_id;
  k.row_hash = hash;
  return k;
}

TEST_P(SourceKeyContract, PutFindAndReplace) {
  const int64_t a = Insert(1, "a");
  const int64_t b = Insert(2, "b");
  Status s = store().WriteSync([&](StoreTx& tx) -> Status {
    auto none = tx.FindSource("cfpb", "100");
    if (!none) return none.error();
    EXPECT_FALSE(none->has_value());
    if (auto st = tx.PutSource(Key("100", a, "h1")); !st) return st;
    auto found = tx.FindSource("cfpb", "100");  // visible inside the same transaction
    if (!found) return found.error();
    EXPECT_TRUE(found->has_value());
    return {};
  });
  ASSERT_TRUE(s) << s.error().detail;

  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    auto k = tx.FindSource("cfpb", "100");
    if (!k) return k.error();
    EXPECT_TRUE(k->has_value());
    if (k->has_value()) {
      EXPECT_EQ((*k)->complaint_id, a);
      EXPECT_EQ((*k)->row_hash, "h1");
      EXPECT_EQ((*k)->reference, (core::Reference{"CMP", 2024, 1}));
    }
    // The same id in another system is another key.
    auto other = tx.FindSource("tdi", "100");
    if (!other) return other.error();
    EXPECT_FALSE(other->has_value());
    // Replacing updates the hash and the complaint.
    return tx.PutSource(Key("100", b, "h2"));
  }));
  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    auto k = tx.FindSource("cfpb", "100");
    if (!k) return k.error();
    EXPECT_TRUE(k->has_value());
    if (k->has_value()) {
      EXPECT_EQ((*k)->complaint_id, b);
      EXPECT_EQ((*k)->row_hash, "h2");
      EXPECT_EQ((*k)->reference, (core::Reference{"CMP", 2024, 2}));
    }
    return {};
  }));
}

// FindSources answers as FindSource does for each id, in the list's order: repeated ids, ids of
// another system's keys, ids that JSON or SQL would have to escape, keys put earlier in the
// same transaction, and an empty list.
TEST_P(SourceKeyContract, FindSourcesAnswersEachIdInOrder) {
  const int64_t a = Insert(1, "a");
  const int64_t b = Insert(2, "b");
  const std::string odd = "x\"y\\z' \xc3\xa9\n\t}]";
  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.PutSource(Key("100", a, "h1")); !st) return st;
    if (auto st = tx.PutSource(Key(odd, b, "h2")); !st) return st;
    core::SourceKey other = Key("200", b, "h3");
    other.system = "tdi";
    return tx.PutSource(other);
  }));
  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.PutSource(Key("300", b, "h4")); !st) return st;  // this transaction's own
    const std::vector<std::string_view> ids = {"200", odd, "100", "missing", "100", "300", ""};
    auto found = tx.FindSources("cfpb", ids);
    if (!found) return found.error();
    EXPECT_EQ(found->size(), ids.size());
    if (found->size() != ids.size()) return {};
    for (size_t i = 0; i < ids.size(); ++i) {
      auto one = tx.FindSource("cfpb", std::string(ids[i]));
      if (!one) return one.error();
      EXPECT_EQ((*found)[i].has_value(), one->has_value()) << i;
      if (!(*found)[i] || !*one) continue;
      EXPECT_EQ((*found)[i]->external_id, ids[i]) << i;
      EXPECT_EQ((*found)[i]->complaint_id, (*one)->complaint_id) << i;
      EXPECT_EQ((*found)[i]->row_hash, (*one)->row_hash) << i;
      EXPECT_EQ((*found)[i]->reference, (*one)->reference) << i;
    }
    EXPECT_FALSE((*found)[0].has_value());  // "200" is a key of another system
    EXPECT_EQ((*found)[1]->complaint_id, b);
    EXPECT_EQ((*found)[2]->row_hash, "h1");
    EXPECT_FALSE((*found)[3].has_value());
    EXPECT_EQ((*found)[4]->reference, (core::Reference{"CMP", 2024, 1}));
    EXPECT_EQ((*found)[5]->row_hash, "h4");
    EXPECT_FALSE((*found)[6].has_value());
    auto none = tx.FindSources("cfpb", {});
    if (!none) return none.error();
    EXPECT_TRUE(none->empty());
    return {};
  }));
}

// PutSources records each key as PutSource does (of an id given twice, the last), and one
// naming no complaint fails the write, which then records none.
TEST_P(SourceKeyContract, PutSourcesRecordsEachKeyTheLastOfAnIdStanding) {
  const int64_t a = Insert(1, "a");
  const int64_t b = Insert(2, "b");
  const std::string odd = "x\"y\\z' \xc3\xa9\n}]";
  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.PutSource(Key("100", a, "old")); !st) return st;
    core::SourceKey other = Key("100", b, "tdi");
    other.system = "tdi";
    return tx.PutSources({Key("100", b, "h1"), Key(odd, a, "h2"), Key("300", a, "first"),
                          Key("300", b, "last"), other});
  }));
  ASSERT_TRUE(store().WriteSync([&](StoreTx& tx) -> Status {
    auto found = tx.FindSources("cfpb", {"100", odd, "300"});
    if (!found) return found.error();
    EXPECT_EQ(found->size(), 3u);
    if (found->size() != 3u || !(*found)[0] || !(*found)[1] || !(*found)[2]) {
      ADD_FAILURE() << "a key is missing";
      return {};
    }
    EXPECT_EQ((*found)[0]->complaint_id, b);  // replaced
    EXPECT_EQ((*found)[0]->row_hash, "h1");
    EXPECT_EQ((*found)[1]->complaint_id, a);
    EXPECT_EQ((*found)[2]->complaint_id, b);
    EXPECT_EQ((*found)[2]->row_hash, "last");
    auto tdi = tx.FindSource("tdi", "100");
    if (!tdi) return tdi.error();
    EXPECT_TRUE(tdi->has_value() && (*tdi)->row_hash == "tdi");
    auto none = tx.PutSources({});
    EXPECT_TRUE(none);
    return {};
  }));

  Status s = store().WriteSync([&](StoreTx& tx) {
    return tx.PutSources({Key("400", a, "h"), Key("500", 999, "h")});
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  ASSERT_TRUE(store().WriteSync([](StoreTx& tx) -> Status {
    auto k = tx.FindSources("cfpb", {"400", "500"});
    if (!k) return k.error();
    EXPECT_FALSE((*k)[0].has_value());
    EXPECT_FALSE((*k)[1].has_value());
    return {};
  }));
}

TEST_P(SourceKeyContract, UnknownComplaintIsNotFoundAndRollbackRemovesKeys) {
  Status s = store().WriteSync([](StoreTx& tx) { return tx.PutSource(Key("1", 999, "h")); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);

  const int64_t a = Insert(1, "a");
  Status failed = store().WriteSync([&](StoreTx& tx) -> Status {
    if (auto st = tx.PutSource(Key("7", a, "h")); !st) return st;
    return core::MakeError(Errc::kConflict, "abandon");
  });
  ASSERT_FALSE(failed);
  ASSERT_TRUE(store().WriteSync([](StoreTx& tx) -> Status {
    auto k = tx.FindSource("cfpb", "7");
    if (!k) return k.error();
    EXPECT_FALSE(k->has_value());
    return {};
  }));
}

TEST_P(SourceKeyContract, ScanComplaintsInIdOrderFromAnIdAndStops) {
  std::vector<int64_t> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(Insert(i, "p" + std::to_string(i)));
  std::vector<std::string> seen;
  ASSERT_TRUE(store().ScanComplaints(0, [&](const Complaint& c) {
    seen.push_back(c.subject.product);
    EXPECT_GT(c.id, 0);
    EXPECT_EQ(c.version, 1);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"p1", "p2", "p3", "p4", "p5"}));
  seen.clear();
  ASSERT_TRUE(store().ScanComplaints(ids[1], [&](const Complaint& c) {
    seen.push_back(c.subject.product);
    return seen.size() < 2;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"p3", "p4"}));
}

INSTANTIATE_TEST_SUITE_P(Adapters, SourceKeyContract, ::testing::ValuesIn(Adapters()), AdapterName);

}  // namespace
}  // namespace redress::testing
