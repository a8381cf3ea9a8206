// Duration histograms (core/duration_histogram.hpp) and their Prometheus text (http/metrics).
#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/duration_histogram.hpp"

namespace redress {
namespace {

using core::DurationHistogram;

TEST(DurationHistogram, EachBucketCountsEveryDurationUpToItsBound) {
  DurationHistogram h;
  h.Observe(0.0005);            // on the first bound: in every bucket
  h.Observe(0.003);             // above 2.5 ms: from the 5 ms bucket on
  h.Observe(9.0);               // above the last bound: in the count only
  EXPECT_EQ(h.buckets[0], 1u);  // 0.5 ms
  EXPECT_EQ(h.buckets[2], 1u);  // 2.5 ms
  EXPECT_EQ(h.buckets[3], 2u);  // 5 ms
  EXPECT_EQ(h.buckets.back(), 2u);
  EXPECT_EQ(h.count, 3u);
  EXPECT_DOUBLE_EQ(h.sum, 9.0035);
}

TEST(DurationHistogram, ASharedOneHandsOutCopies) {
  core::SharedDurationHistogram shared;
  shared.Observe(0.02);
  const DurationHistogram first = shared.Snapshot();
  shared.Observe(0.02);
  EXPECT_EQ(first.count, 1u);
  EXPECT_EQ(shared.Snapshot().count, 2u);
  EXPECT_EQ(shared.Snapshot().buckets[5], 2u);  // 25 ms
}

TEST(RenderHistogram, WritesBucketsSumAndCountWithOrWithoutLabels) {
  DurationHistogram h;
  h.Observe(0.002);
  std::string plain;
  http::RenderHistogram(plain, "x_seconds", "", h);
  EXPECT_NE(plain.find("x_seconds_bucket{le=\"0.001\"} 0\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("x_seconds_bucket{le=\"0.0025\"} 1\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("x_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("x_seconds_sum 0.002\nx_seconds_count 1\n"), std::string::npos) << plain;

  std::string labelled;
  http::RenderHistogram(labelled, "x_seconds", "route=\"/a\"", h);
  EXPECT_NE(labelled.find("x_seconds_bucket{route=\"/a\",le=\"2.5\"} 1\n"), std::string::npos)
      << labelled;
  EXPECT_NE(labelled.find("x_seconds_count{route=\"/a\"} 1\n"), std::string::npos) << labelled;
}

TEST(RenderValue, WritesHelpTypeAndTheSample) {
  std::string out;
  http::RenderValue(out, "x_total", "counter", "Things done.", 7);
  EXPECT_EQ(out, "# HELP x_total Things done.\n# TYPE x_total counter\nx_total 7\n");
}

}  // namespace
}  // namespace redress
