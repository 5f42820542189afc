#include "tests/testing/fake_scheduler.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace seedance::testing {
namespace {

using ::testing::ElementsAre;

TEST(FakeSchedulerTest, AdvanceRunsDueCallbacksAtTheirTimes) {
  FakeScheduler scheduler;
  absl::Time start = scheduler.Now();
  std::vector<absl::Duration> seen;
  scheduler.RunAfter(absl::Seconds(2),
                     [&] { seen.push_back(scheduler.Now() - start); });
  scheduler.RunAfter(absl::Seconds(1),
                     [&] { seen.push_back(scheduler.Now() - start); });
  scheduler.RunAfter(absl::Seconds(5),
                     [&] { seen.push_back(scheduler.Now() - start); });
  EXPECT_EQ(scheduler.AdvanceTime(absl::Seconds(3)), 2u);
  EXPECT_THAT(seen, ElementsAre(absl::Seconds(1), absl::Seconds(2)));
  EXPECT_EQ(scheduler.Now() - start, absl::Seconds(3));
  EXPECT_EQ(scheduler.pending(), 1u);
  EXPECT_EQ(scheduler.next_due(), start + absl::Seconds(5));
}

TEST(FakeSchedulerTest, CallbacksScheduledInsideTheWindowRunInTheSameAdvance) {
  FakeScheduler scheduler;
  int runs = 0;
  scheduler.RunAfter(absl::Seconds(1), [&] {
    ++runs;
    scheduler.RunAfter(absl::Seconds(1), [&] { ++runs; });
  });
  scheduler.AdvanceTime(absl::Seconds(2));
  EXPECT_EQ(runs, 2);
}

TEST(FakeSchedulerTest, CancelledCallbackNeverRuns) {
  FakeScheduler scheduler;
  bool ran = false;
  auto id = scheduler.RunAfter(absl::Seconds(1), [&] { ran = true; });
  EXPECT_TRUE(scheduler.Cancel(id));
  scheduler.AdvanceTime(absl::Seconds(2));
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace seedance::testing
