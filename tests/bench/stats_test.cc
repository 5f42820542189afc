// Percentile and summary arithmetic of seedance-bench (bench/stats.h).
#include "bench/stats.h"

#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

TEST(PercentileTest, NearestRankOnHundredSamples) {
  std::vector<double> sorted;
  for (int i = 1; i <= 100; ++i) sorted.push_back(i);
  EXPECT_EQ(Percentile(sorted, 50), 50);
  EXPECT_EQ(Percentile(sorted, 99), 99);
  EXPECT_EQ(Percentile(sorted, 100), 100);
  EXPECT_EQ(Percentile(sorted, 0), 1);
}

TEST(PercentileTest, SmallSetsGiveARealSample) {
  EXPECT_EQ(Percentile({7}, 99), 7);
  EXPECT_EQ(Percentile({1, 2, 3}, 50), 2);
  EXPECT_EQ(Percentile({1, 2, 3}, 99), 3);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(SummarizeTest, SortsAndAverages) {
  Summary summary = Summarize({5, 1, 3});
  EXPECT_EQ(summary.count, 3);
  EXPECT_EQ(summary.p50, 3);
  EXPECT_EQ(summary.max, 5);
  EXPECT_DOUBLE_EQ(summary.mean, 3);
}

TEST(SummarizeTest, EmptyIsAllZero) {
  Summary summary = Summarize({});
  EXPECT_EQ(summary.count, 0);
  EXPECT_EQ(summary.p99, 0);
}

TEST(MedianTest, OneDisturbedRoundDoesNotMoveIt) {
  EXPECT_EQ(Median({10, 11, 900}), 11);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({7}), 7);
  EXPECT_EQ(Median({}), 0);
}

}  // namespace
}  // namespace seedance::bench
