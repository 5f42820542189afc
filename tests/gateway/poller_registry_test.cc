// Scenarios for the shared poller and its registry, on a fake clock and a
// fake upstream: every upstream request is counted and answered by the test.

#include "server/gateway/poller_registry.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/upstream/error_mapping.h"
#include "tests/gateway/fake_tokenhub_client.h"
#include "tests/gateway/recording_sink.h"
#include "tests/testing/fake_executors.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::FakeScheduler;
using ::seedance::testing::FakeTokenHubClient;
using ::seedance::testing::InlineExecutor;
using ::seedance::testing::ManualExecutor;
using ::seedance::testing::RecordingSink;
using ::seedance::testing::StatusCodeIs;
using ::seedance::testing::TaskIn;
using ::testing::ElementsAre;

// Fixed cadences make every poll's time exact.
class FixedPolling final : public upstream::PollingPolicy {
 public:
  std::unique_ptr<upstream::PollingPolicy> clone() const override {
    return std::make_unique<FixedPolling>();
  }
  absl::Duration WaitPeriod() override { return absl::Seconds(1); }
};

class FixedBackoff final : public upstream::BackoffPolicy {
 public:
  std::unique_ptr<upstream::BackoffPolicy> clone() const override {
    return std::make_unique<FixedBackoff>();
  }
  absl::Duration OnCompletion() override { return absl::Seconds(2); }
};

class PollerRegistryTest : public ::testing::Test {
 protected:
  PollerRegistryTest() {
    env_.client = &client_;
    env_.scheduler = &scheduler_;
    env_.polling = &polling_;
    env_.backoff = &backoff_;
    env_.fanout = &inline_fanout_;
    registry_ = std::make_unique<PollerRegistry>(env_, RegistryOptions{});
  }

  // Announcements wait in `deferred_fanout_` until the test runs them, as
  // they wait for a fan-out thread in the gateway.
  void UseDeferredFanout() {
    env_.fanout = &deferred_fanout_;
    registry_ = std::make_unique<PollerRegistry>(env_, RegistryOptions{});
  }

  std::shared_ptr<RecordingSink> Watch(const TaskKey& key) {
    auto sink = std::make_shared<RecordingSink>();
    auto poller = registry_->Watch(key, sink);
    EXPECT_TRUE(poller.ok()) << poller.status();
    return sink;
  }

  // Runs the poll that is due now and answers it.
  void PollReplies(absl::StatusOr<v1::Video> reply) {
    scheduler_.RunDue();
    ASSERT_EQ(client_.waiting(), 1);
    client_.Reply(std::move(reply));
  }

  static absl::Status Http(int code, absl::string_view retry_after = "") {
    upstream::HttpResponse response;
    response.status_code = code;
    if (!retry_after.empty()) {
      response.headers.emplace_back("retry-after", std::string(retry_after));
    }
    return upstream::MapHttpError(code, R"({"error":{"message":"boom"}})",
                                  &response, absl::Now());
  }

  const TaskKey key_{"th-key-a", "cgt-1"};
  FakeScheduler scheduler_;
  FakeTokenHubClient client_;
  FixedPolling polling_;
  FixedBackoff backoff_;
  InlineExecutor inline_fanout_;
  ManualExecutor deferred_fanout_;
  PollerEnvironment env_;
  std::unique_ptr<PollerRegistry> registry_;
};

TEST_F(PollerRegistryTest, PollThenEveryTransitionInOrderThenOk) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_QUEUED));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_QUEUED));  // no change: nothing sent
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));

  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20, 30));
  EXPECT_THAT(sink->statuses(),
              ElementsAre(v1::VIDEO_STATUS_QUEUED, v1::VIDEO_STATUS_RUNNING,
                          v1::VIDEO_STATUS_SUCCEEDED));
  ASSERT_TRUE(sink->end().has_value());
  EXPECT_OK(*sink->end());
  EXPECT_EQ(client_.gets(), 4);
  EXPECT_EQ(registry_->active_pollers(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u) << "a finished task is not polled again";
}

TEST_F(PollerRegistryTest, TwoHundredWatchersShareOneUpstreamPoll) {
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  sinks.reserve(200);
  for (int i = 0; i < 200; ++i) sinks.push_back(Watch(key_));
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));

  EXPECT_EQ(client_.gets(), 2);
  for (const auto& sink : sinks) {
    EXPECT_THAT(sink->sequences(), ElementsAre(20, 30));
    EXPECT_EQ(sink->ends(), 1);
  }
}

TEST_F(PollerRegistryTest, LateWatcherGetsCurrentStateAtOnce) {
  auto first = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  auto late = Watch(key_);
  EXPECT_THAT(late->sequences(), ElementsAre(20));
  EXPECT_EQ(client_.gets(), 1) << "joining a poller costs no upstream call";
}

TEST_F(PollerRegistryTest, TransientFailuresKeepTheWatchAndBackOff) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(Http(503));
  EXPECT_FALSE(sink->end().has_value());
  PollerSnapshot snapshot =
      registry_->Watch(key_, std::make_shared<RecordingSink>())
          .value()
          ->Snapshot();
  EXPECT_FALSE(snapshot.upstream_reachable);
  EXPECT_THAT(snapshot.upstream_error, ::testing::HasSubstr("boom"));

  // The backoff (2 s), not the cadence (1 s), decides the next poll.
  scheduler_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(client_.waiting(), 0);
  scheduler_.AdvanceTime(absl::Seconds(1));
  ASSERT_EQ(client_.waiting(), 1);
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  EXPECT_THAT(sink->sequences(), ElementsAre(20, 30));
  EXPECT_OK(*sink->end());
}

TEST_F(PollerRegistryTest, RetryAfterLongerThanBackoffIsHonoured) {
  auto sink = Watch(key_);
  PollReplies(Http(429, "10"));
  scheduler_.AdvanceTime(absl::Seconds(9));
  EXPECT_EQ(client_.waiting(), 0) << "polled before Retry-After";
  scheduler_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(client_.waiting(), 1);
}

TEST_F(PollerRegistryTest, GarbledOrOversizedRepliesAreRetriedNotFatal) {
  auto sink = Watch(key_);
  PollReplies(upstream::UpstreamError(absl::StatusCode::kInternal,
                                      upstream::kReasonBadReply,
                                      "upstream reply is not JSON"));
  EXPECT_FALSE(sink->end().has_value());
  scheduler_.AdvanceTime(absl::Seconds(2));
  ASSERT_EQ(client_.waiting(), 1);
  client_.Reply(upstream::UpstreamError(absl::StatusCode::kInternal,
                                        upstream::kReasonResponseTooLarge,
                                        "upstream reply over 4 MiB"));
  EXPECT_FALSE(sink->end().has_value());
  scheduler_.AdvanceTime(absl::Seconds(2));
  EXPECT_EQ(client_.waiting(), 1);
}

TEST_F(PollerRegistryTest, PermanentFailureEndsEveryWatcherWithIt) {
  auto a = Watch(key_);
  auto b = Watch(key_);
  PollReplies(Http(404));
  EXPECT_THAT(*a->end(), StatusCodeIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(*b->end(), StatusCodeIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(registry_->active_pollers(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(PollerRegistryTest, LastWatcherLeavingStopsThePoller) {
  auto a = Watch(key_);
  auto b = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  registry_->Unwatch(key_, a.get());
  EXPECT_EQ(registry_->active_pollers(), 1u);
  registry_->Unwatch(key_, b.get());
  EXPECT_EQ(registry_->active_pollers(), 0u);
  scheduler_.AdvanceTime(absl::Minutes(5));
  EXPECT_EQ(client_.gets(), 1) << "nobody watches: no more upstream calls";
}

TEST_F(PollerRegistryTest, ReplyArrivingAfterStopIsDropped) {
  auto a = Watch(key_);
  scheduler_.RunDue();
  registry_->Unwatch(key_, a.get());
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));  // poll was in flight
  EXPECT_TRUE(a->sequences().empty());
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(PollerRegistryTest, FinalStateIsServedFromCacheWithoutUpstreamCalls) {
  auto first = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  auto late = Watch(key_);
  EXPECT_THAT(late->sequences(), ElementsAre(30));
  EXPECT_OK(*late->end());
  EXPECT_EQ(client_.gets(), 1);
  EXPECT_TRUE(registry_->FreshState(key_, absl::ZeroDuration()).has_value());

  scheduler_.AdvanceTime(absl::Minutes(11));  // past the final-state TTL
  EXPECT_FALSE(registry_->FreshState(key_, absl::Hours(1)).has_value());
}

TEST_F(PollerRegistryTest, OtherKeysNeverShareAPollerOrState) {
  auto mine = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  TaskKey theirs{"th-key-b", key_.task_id};
  EXPECT_FALSE(registry_->FreshState(theirs, absl::Hours(1)).has_value());
  auto other = Watch(theirs);
  EXPECT_TRUE(other->sequences().empty()) << "not answered from my cache";
  scheduler_.RunDue();
  ASSERT_EQ(client_.waiting(), 1);
  EXPECT_EQ(client_.front().options.api_key, "th-key-b");
  client_.Reply(Http(404));
  EXPECT_THAT(*other->end(), StatusCodeIs(absl::StatusCode::kNotFound));
}

TEST_F(PollerRegistryTest, UnknownStatusGetsAnIntermediateSequence) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_QUEUED));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_UNKNOWN, "cgt-1", "preprocessing"));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 11, 20));
  EXPECT_EQ(sink->last().upstream_status(), "running");
}

TEST_F(PollerRegistryTest, FreshStateOnlyWhilePollerHeardRecently) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  EXPECT_TRUE(registry_->FreshState(key_, absl::Seconds(1)).has_value());
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(Http(503));
  scheduler_.AdvanceTime(absl::Milliseconds(500));
  EXPECT_FALSE(registry_->FreshState(key_, absl::Seconds(1)).has_value());
}

TEST_F(PollerRegistryTest,
       PriceOfCreatedTaskRidesOnEveryStateWithActualAtTheEnd) {
  v1::Price price;
  price.set_currency_code("USD");
  price.set_rate_micros_per_second(200000);
  price.set_estimated_micros(1000000);
  registry_->RememberPrice(key_, price);
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  EXPECT_EQ(sink->last().price().estimated_micros(), 1000000);
  EXPECT_FALSE(sink->last().price().has_actual_micros());
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));  // usage: 5 s
  EXPECT_EQ(sink->last().price().actual_micros(), 1000000);
}

TEST_F(PollerRegistryTest, DrainEndsWatchersWithUnavailableAndRefusesNewOnes) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  registry_->Drain(absl::UnavailableError("draining"));
  EXPECT_THAT(*sink->end(), StatusCodeIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(registry_->Watch(key_, std::make_shared<RecordingSink>()),
              StatusCodeIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(PollerRegistryTest, ReplyIsRecordedAtOnceAndWrittenLaterByTheFanout) {
  UseDeferredFanout();
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  EXPECT_TRUE(sink->sequences().empty())
      << "the reply's thread does not write to watchers";
  EXPECT_TRUE(registry_->FreshState(key_, absl::Seconds(1)).has_value())
      << "but the state is known at once";
  EXPECT_EQ(scheduler_.pending(), 1u) << "and the next poll is scheduled";
  deferred_fanout_.RunAll();
  EXPECT_THAT(sink->sequences(), ElementsAre(20));
}

TEST_F(PollerRegistryTest, FanoutKeepsEveryTransitionAndTheEndInOrder) {
  UseDeferredFanout();
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_QUEUED));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  EXPECT_FALSE(sink->end().has_value());
  EXPECT_EQ(deferred_fanout_.pending(), 1u)
      << "one task's announcements queue on its strand, not the pool";
  deferred_fanout_.RunAll();
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20, 30));
  ASSERT_TRUE(sink->end().has_value());
  EXPECT_OK(*sink->end());
  EXPECT_EQ(sink->ends(), 1);
}

TEST_F(PollerRegistryTest,
       WatcherJoiningWhileFanoutIsPendingSeesEachStateOnce) {
  UseDeferredFanout();
  auto early = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));  // pending for `early` only
  auto late = Watch(key_);
  EXPECT_THAT(late->sequences(), ElementsAre(20)) << "current state, at once";
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  deferred_fanout_.RunAll();
  EXPECT_THAT(early->sequences(), ElementsAre(20, 30));
  EXPECT_THAT(late->sequences(), ElementsAre(20, 30));
  EXPECT_EQ(early->ends(), 1);
  EXPECT_EQ(late->ends(), 1);
}

TEST_F(PollerRegistryTest, EveryWatcherGetsTheSameMessageForATransition) {
  auto a = Watch(key_);
  auto b = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  auto c = Watch(key_);  // joins later: current state
  ASSERT_EQ(a->events().size(), 1u);
  ASSERT_EQ(b->events().size(), 1u);
  ASSERT_EQ(c->events().size(), 1u);
  EXPECT_EQ(a->events()[0].get(), b->events()[0].get())
      << "built once per transition, not per watcher";
  EXPECT_EQ(a->events()[0].get(), c->events()[0].get());
  EXPECT_EQ(a->events()[0]->sequence(), 20);
  EXPECT_EQ(a->events()[0]->video().status(), v1::VIDEO_STATUS_RUNNING);
}

TEST_F(PollerRegistryTest, DrainWhileFanoutIsPendingEndsAfterTheLastState) {
  UseDeferredFanout();
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  registry_->Drain(absl::UnavailableError("draining"));
  EXPECT_FALSE(sink->end().has_value());
  deferred_fanout_.RunAll();
  EXPECT_THAT(sink->sequences(), ElementsAre(20));
  EXPECT_THAT(*sink->end(), StatusCodeIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace seedance::gateway
