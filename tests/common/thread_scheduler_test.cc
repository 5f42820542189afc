#include "server/common/thread_scheduler.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace seedance {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kPatience = absl::Seconds(10);

TEST(ThreadSchedulerTest, RunsCallbacksInDueOrder) {
  ThreadScheduler scheduler;
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification done;
  absl::Time now = scheduler.Now();
  scheduler.RunAt(now + absl::Milliseconds(30), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(3);
    done.Notify();
  });
  scheduler.RunAt(now + absl::Milliseconds(10), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(1);
  });
  scheduler.RunAt(now + absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kPatience));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
}

TEST(ThreadSchedulerTest, EarlierTimerAddedWhileSleepingRunsFirst) {
  ThreadScheduler scheduler;
  absl::Notification late_ran, early_ran;
  bool early_before_late = false;
  scheduler.RunAfter(absl::Hours(1), [&] { late_ran.Notify(); });
  scheduler.RunAfter(absl::Milliseconds(1), [&] {
    early_before_late = !late_ran.HasBeenNotified();
    early_ran.Notify();
  });
  ASSERT_TRUE(early_ran.WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(early_before_late);
}

TEST(ThreadSchedulerTest, CancelledCallbackNeverRunsAndIsDestroyed) {
  ThreadScheduler scheduler;
  auto token = std::make_shared<int>(0);
  bool ran = false;
  auto id = scheduler.RunAfter(absl::Hours(1), [&ran, token] { ran = true; });
  EXPECT_EQ(token.use_count(), 2);
  EXPECT_TRUE(scheduler.Cancel(id));
  EXPECT_EQ(token.use_count(), 1);  // captures released by Cancel
  EXPECT_FALSE(scheduler.Cancel(id));
  EXPECT_FALSE(ran);
}

TEST(ThreadSchedulerTest, CancelAfterRunReturnsFalse) {
  ThreadScheduler scheduler;
  absl::Notification ran;
  auto id = scheduler.RunAfter(absl::ZeroDuration(), [&] { ran.Notify(); });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(kPatience));
  EXPECT_FALSE(scheduler.Cancel(id));
}

TEST(ThreadSchedulerTest, CallbackMayScheduleMore) {
  ThreadScheduler scheduler;
  absl::Notification second;
  scheduler.RunAfter(absl::ZeroDuration(), [&] {
    scheduler.RunAfter(absl::Milliseconds(1), [&] { second.Notify(); });
  });
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(kPatience));
}

TEST(ThreadSchedulerTest, DestructionDropsPendingCallbacksWithoutRunning) {
  auto token = std::make_shared<int>(0);
  bool ran = false;
  {
    ThreadScheduler scheduler;
    scheduler.RunAfter(absl::Hours(1), [&ran, token] { ran = true; });
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1);
}

TEST(ThreadSchedulerTest, AfterShutdownNewCallbacksAreDroppedNotRun) {
  ThreadScheduler scheduler;
  scheduler.Shutdown();
  auto token = std::make_shared<int>(0);
  bool ran = false;
  EXPECT_EQ(
      scheduler.RunAfter(absl::ZeroDuration(), [&ran, token] { ran = true; }),
      0u);
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_FALSE(ran);
  scheduler.Shutdown();  // idempotent
}

}  // namespace
}  // namespace seedance
