// Scenarios for SerialExecutor: one strand runs its closures in order and
// one at a time however many threads the pool has; different strands run
// side by side.

#include "server/common/serial_executor.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/thread_pool.h"
#include "tests/testing/fake_executors.h"

namespace seedance {
namespace {

using ::seedance::testing::InlineExecutor;
using ::seedance::testing::ManualExecutor;
using ::testing::ElementsAre;

constexpr absl::Duration kDeadline = absl::Seconds(30);

TEST(SerialExecutorTest, RunsInPostOrderOneAtATimeOnAWidePool) {
  ThreadPool pool(4);
  SerialExecutor strand(pool);
  std::vector<int> order;  // unguarded on purpose: the strand serialises
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  absl::Notification last_ran;
  constexpr int kClosures = 2000;
  for (int i = 0; i < kClosures; ++i) {
    strand.Run([&, i] {
      if (inside.fetch_add(1) != 0) ++overlaps;
      order.push_back(i);
      inside.fetch_sub(1);
      if (i == kClosures - 1) last_ran.Notify();
    });
  }
  ASSERT_TRUE(last_ran.WaitForNotificationWithTimeout(kDeadline));
  pool.Shutdown();
  EXPECT_EQ(overlaps.load(), 0);
  ASSERT_EQ(order.size(), static_cast<size_t>(kClosures));
  for (int i = 0; i < kClosures; ++i) ASSERT_EQ(order[i], i);
}

TEST(SerialExecutorTest, TwoStrandsRunSideBySide) {
  ThreadPool pool(2);
  SerialExecutor a(pool), b(pool);
  absl::Notification a_running, b_ran;
  std::atomic<bool> a_saw_b{false};
  a.Run([&] {
    a_running.Notify();
    a_saw_b = b_ran.WaitForNotificationWithTimeout(kDeadline);
  });
  ASSERT_TRUE(a_running.WaitForNotificationWithTimeout(kDeadline));
  b.Run([&] { b_ran.Notify(); });
  pool.Shutdown();
  EXPECT_TRUE(a_saw_b.load()) << "a busy strand does not hold up another";
}

TEST(SerialExecutorTest, ClosurePostedFromInsideRunsAfterTheCurrentOne) {
  InlineExecutor pool;
  SerialExecutor strand(pool);
  std::vector<std::string> trace;
  strand.Run([&] {
    trace.push_back("a begins");
    strand.Run([&] { trace.push_back("b"); });
    trace.push_back("a ends");
  });
  EXPECT_THAT(trace, ElementsAre("a begins", "a ends", "b"));
}

TEST(SerialExecutorTest, PendingClosuresOutliveTheStrand) {
  ManualExecutor pool;
  std::vector<int> order;
  {
    SerialExecutor strand(pool);
    strand.Run([&] { order.push_back(1); });
    strand.Run([&] { order.push_back(2); });
  }
  EXPECT_EQ(pool.pending(), 1u) << "one drain for both closures";
  pool.RunAll();
  EXPECT_THAT(order, ElementsAre(1, 2));
}

TEST(SerialExecutorTest, StrandIdleAgainPostsANewDrain) {
  ManualExecutor pool;
  SerialExecutor strand(pool);
  int ran = 0;
  strand.Run([&] { ++ran; });
  pool.RunAll();
  strand.Run([&] { ++ran; });
  EXPECT_EQ(pool.pending(), 1u);
  pool.RunAll();
  EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace seedance
