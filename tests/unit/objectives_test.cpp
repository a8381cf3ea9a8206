// The KPI objectives file (config/objectives.hpp) and how an objective becomes a review target.
#include "config/objectives.hpp"

#include <gtest/gtest.h>

#include "app/learning.hpp"

namespace redress {
namespace {

TEST(ObjectivesTest, ParsesSharesAndRatings) {
  auto o = config::ParseObjectives(
      "[objectives]\nfinal_on_time = 0.9\nreopen_rate = 0\nsatisfaction_handling = 4\n", "o.toml");
  ASSERT_TRUE(o.ok()) << o.error().detail;
  ASSERT_EQ(o->size(), 3u);
  EXPECT_EQ((*o)[0].kpi, "final_on_time");
  EXPECT_DOUBLE_EQ((*o)[0].value, 0.9);
  EXPECT_DOUBLE_EQ((*o)[1].value, 0.0);
  EXPECT_DOUBLE_EQ((*o)[2].value, 4.0);
  auto empty = config::ParseObjectives("", "o.toml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ObjectivesTest, RefusesUnknownIndicatorsAndValuesOutOfRange) {
  auto unknown = config::ParseObjectives("[objectives]\n\nfinal_ontime = 0.9\n", "o.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find("o.toml:3: final_ontime: unknown indicator"),
            std::string::npos)
      << unknown.error().detail;
  EXPECT_NE(unknown.error().detail.find("final_on_time"), std::string::npos);
  for (const char* bad :
       {"[objectives]\nfinal_on_time = 95\n", "[objectives]\nfinal_on_time = -0.1\n",
        "[objectives]\nsatisfaction_outcome = 0.8\n", "[objectives]\nack_on_time = \"high\"\n",
        "[targets]\nack_on_time = 0.9\n", "objectives = 3\n", "[objectives\n"}) {
    auto r = config::ParseObjectives(bad, "o.toml");
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ObjectivesTest, TheShippedFileLoads) {
  auto o =
      config::LoadObjectivesFile(std::string(REDRESS_SOURCE_DIR) + "/policies/objectives.toml");
  ASSERT_TRUE(o.ok()) << o.error().detail;
  EXPECT_FALSE(o->empty());
}

TEST(ObjectivesTest, TargetForTakesNameDirectionAndScaleFromTheCatalogue) {
  const report::Target upheld = app::TargetFor("upheld", 0.4);
  EXPECT_EQ(upheld.name, "Upheld (in full)");
  EXPECT_FALSE(upheld.higher_is_better);
  EXPECT_TRUE(upheld.share);
  const report::Target sat = app::TargetFor("satisfaction_outcome", 3.5);
  EXPECT_EQ(sat.name, "Satisfaction with the outcome");
  EXPECT_TRUE(sat.higher_is_better);
  EXPECT_FALSE(sat.share);
  EXPECT_DOUBLE_EQ(sat.objective, 3.5);
}

}  // namespace
}  // namespace redress
