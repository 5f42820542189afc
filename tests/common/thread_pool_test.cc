// Scenarios for ThreadPool: work runs on the pool's threads, in parallel,
// and shutting down loses nothing that was posted before it.

#include "server/common/thread_pool.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace seedance {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(30);

TEST(ThreadPoolTest, RunsEveryClosureOffTheCallersThread) {
  ThreadPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> on_caller{0};
  absl::BlockingCounter done(100);
  for (int i = 0; i < 100; ++i) {
    pool.Run([&] {
      if (std::this_thread::get_id() == caller) ++on_caller;
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(on_caller.load(), 0);
}

TEST(ThreadPoolTest, TwoThreadsRunTwoClosuresAtOnce) {
  ThreadPool pool(2);
  absl::Notification first_running, second_ran;
  std::atomic<bool> saw_second{false};
  pool.Run([&] {
    first_running.Notify();
    // Only a second thread can run the other closure while this one waits.
    saw_second = second_ran.WaitForNotificationWithTimeout(kDeadline);
  });
  ASSERT_TRUE(first_running.WaitForNotificationWithTimeout(kDeadline));
  pool.Run([&] { second_ran.Notify(); });
  pool.Shutdown();
  EXPECT_TRUE(saw_second.load());
}

TEST(ThreadPoolTest, ShutdownRunsEverythingQueuedBeforeIt) {
  ThreadPool pool(1);
  absl::Notification go;
  std::atomic<int> ran{0};
  pool.Run([&] { go.WaitForNotificationWithTimeout(kDeadline); });
  for (int i = 0; i < 100; ++i) pool.Run([&] { ++ran; });
  std::thread stopper([&] { pool.Shutdown(); });
  go.Notify();
  stopper.join();
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPoolTest, ClosurePostedAfterShutdownIsDestroyedNotRun) {
  ThreadPool pool(1);
  pool.Shutdown();
  auto token = std::make_shared<int>(0);
  bool ran = false;
  pool.Run([&ran, token] { ran = true; });
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1) << "the dropped closure's captures are freed";
  pool.Shutdown();  // idempotent
}

}  // namespace
}  // namespace seedance
