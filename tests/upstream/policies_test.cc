#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/policy_seed.h"
#include "server/upstream/polling_policy.h"
#include "server/upstream/retry_policy.h"

namespace seedance::upstream {
namespace {

TEST(ExponentialBackoffPolicyTest, DelaysGrowWithinTheWindowUpToTheMaximum) {
  ExponentialBackoffPolicy policy(absl::Milliseconds(100), absl::Seconds(1),
                                  2.0, 7);
  absl::Duration window = absl::Milliseconds(100);
  for (int i = 0; i < 10; ++i) {
    absl::Duration d = policy.OnCompletion();
    EXPECT_GE(d, window / 2) << i;
    EXPECT_LE(d, window) << i;
    window = std::min(window * 2, absl::Seconds(1));
  }
}

TEST(ExponentialBackoffPolicyTest, CloneStartsOverWithItsOwnState) {
  ExponentialBackoffPolicy policy(absl::Milliseconds(100), absl::Seconds(10),
                                  2.0, 7);
  for (int i = 0; i < 5; ++i) policy.OnCompletion();
  std::unique_ptr<BackoffPolicy> fresh = policy.clone();
  EXPECT_LE(fresh->OnCompletion(), absl::Milliseconds(100));
}

TEST(ExponentialBackoffPolicyTest, UnseededClonesDoNotBackOffInLockstep) {
  ExponentialBackoffPolicy prototype(absl::Seconds(1), absl::Seconds(10), 2.0);
  auto a = prototype.clone();
  auto b = prototype.clone();
  int same = 0;
  for (int i = 0; i < 5; ++i) same += a->OnCompletion() == b->OnCompletion();
  EXPECT_LT(same, 5);
}

TEST(GrowingPollingPolicyTest, GrowsToTheMaximumWithJitterThatOnlyShortens) {
  GrowingPollingPolicy policy(absl::Seconds(1), absl::Seconds(5), 1.25, 0.1, 3);
  absl::Duration period = absl::Seconds(1);
  absl::Duration shortest_settled = absl::InfiniteDuration();
  for (int i = 0; i < 200; ++i) {
    absl::Duration d = policy.WaitPeriod();
    EXPECT_GE(d, period * 0.9) << i;
    EXPECT_LE(d, period) << i << ": a wait never exceeds its period";
    if (period == absl::Seconds(5)) {
      shortest_settled = std::min(shortest_settled, d);
    }
    period = std::min(period * 1.25, absl::Seconds(5));
  }
  EXPECT_LT(shortest_settled, absl::Milliseconds(4800))
      << "the waits do spread";
}

TEST(GrowingPollingPolicyTest, DefaultsMatchTheContractCadence) {
  GrowingPollingPolicy policy;
  for (int i = 0; i < 30; ++i) policy.WaitPeriod();
  absl::Duration settled = policy.WaitPeriod();
  EXPECT_GE(settled, absl::Milliseconds(4500));
  EXPECT_LE(settled, absl::Seconds(5));
  auto clone = policy.clone();
  EXPECT_LE(clone->WaitPeriod(), absl::Seconds(1));
}

TEST(GrowingPollingPolicyTest, ZeroJitterIsExact) {
  GrowingPollingPolicy policy(absl::Seconds(2), absl::Seconds(3), 2.0, 0.0);
  EXPECT_EQ(policy.WaitPeriod(), absl::Seconds(2));
  EXPECT_EQ(policy.WaitPeriod(), absl::Seconds(3));
  EXPECT_EQ(policy.WaitPeriod(), absl::Seconds(3));
}

}  // namespace
}  // namespace seedance::upstream

namespace seedance::upstream {
namespace {

TEST(PolicySeedTest, UnseededClonesDrawDistinctSeedsCheaply) {
  uint64_t a = SeedOrRandom(0), b = SeedOrRandom(0), c = SeedOrRandom(0);
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
  EXPECT_EQ(SeedOrRandom(42), 42u) << "a given seed is used as is";
}

TEST(RetryPolicyTest, ReadsRetryTransientAndGarbledRepliesCreatesOnlyUnsent) {
  const absl::Status timeout =
      UpstreamError(absl::StatusCode::kDeadlineExceeded, kReasonTimeout, "");
  const absl::Status garbled =
      UpstreamError(absl::StatusCode::kInternal, kReasonBadReply, "");
  const absl::Status refused =
      UpstreamError(absl::StatusCode::kUnavailable, kReasonConnectFailed, "");
  const absl::Status not_found = MapHttpError(404, "", nullptr, absl::Now());
  EXPECT_TRUE(RetryableRead(timeout));
  EXPECT_TRUE(RetryableRead(garbled));
  EXPECT_FALSE(RetryableRead(not_found));
  EXPECT_TRUE(RetryableCreate(refused));
  EXPECT_FALSE(RetryableCreate(timeout)) << "it may have created a task";
  EXPECT_FALSE(RetryableCreate(garbled));
}

TEST(RetryPolicyTest, LimitedErrorCountCountsRetriesAndClonesStartOver) {
  const absl::Status timeout =
      UpstreamError(absl::StatusCode::kDeadlineExceeded, kReasonTimeout, "");
  LimitedErrorCountRetryPolicy policy(&RetryableRead, 2);
  EXPECT_TRUE(policy.OnFailure(timeout));
  EXPECT_TRUE(policy.OnFailure(timeout));
  EXPECT_FALSE(policy.OnFailure(timeout)) << "two retries allowed";
  auto fresh = policy.clone();
  EXPECT_TRUE(fresh->OnFailure(timeout));
  EXPECT_FALSE(fresh->OnFailure(MapHttpError(401, "", nullptr, absl::Now())))
      << "never a failure the predicate refuses";

  LimitedErrorCountRetryPolicy never(&RetryableRead, 0);
  EXPECT_FALSE(never.OnFailure(timeout));
  LimitedErrorCountRetryPolicy always(&RetryableRead, -1);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(always.OnFailure(timeout));
}

}  // namespace
}  // namespace seedance::upstream
