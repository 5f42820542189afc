// Scenarios for the shared poller and its registry, on a fake clock and a
// fake upstream: every upstream request is counted and answered by the test.
// The ledger scenarios add a real SQLite task store in a scratch folder,
// its calls run inline so that each step is exact.

#include "server/gateway/poller_registry.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/gateway/task_reader.h"
#include "server/gateway/task_recorder.h"
#include "server/gateway/task_records.h"
#include "server/store/task_store.h"
#include "server/upstream/error_mapping.h"
#include "tests/gateway/fake_tokenhub_client.h"
#include "tests/gateway/recording_sink.h"
#include "tests/testing/fake_executors.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/testing/scratch_dir.h"
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

class TenSecondPolling final : public upstream::PollingPolicy {
 public:
  std::unique_ptr<upstream::PollingPolicy> clone() const override {
    return std::make_unique<TenSecondPolling>();
  }
  absl::Duration WaitPeriod() override { return absl::Seconds(10); }
};

class PollerRegistryTest : public ::testing::Test {
 protected:
  PollerRegistryTest() {
    env_.client = &client_;
    env_.scheduler = &scheduler_;
    env_.polling = &polling_;
    env_.backoff = &backoff_;
    env_.fanout = &inline_fanout_;
    registry_ = std::make_unique<PollerRegistry>(env_, nullptr, nullptr);
  }

  // Announcements wait in `deferred_fanout_` until the test runs them, as
  // they wait for a fan-out thread in the gateway.
  void UseDeferredFanout() {
    env_.fanout = &deferred_fanout_;
    registry_ = std::make_unique<PollerRegistry>(env_, nullptr, nullptr);
  }

  // A registry on a real SQLite store (a fresh one, or the same file again
  // after a "restart": UseStore twice).
  void UseStore() {
    registry_.reset();
    recorder_.reset();
    async_store_.reset();
    store_.reset();
    ASSERT_FALSE(dir_.path().empty());
    auto opened = store::OpenTaskStore("sqlite:" + dir_.path() + "/tasks.db");
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    auto secret = store_->OwnerKey();
    ASSERT_TRUE(secret.ok()) << secret.status();
    owners_ = std::make_unique<store::OwnerHasher>(*secret);
    async_store_ = std::make_unique<store::AsyncTaskStore>(
        *store_, inline_store_threads_, 100);
    recorder_ =
        std::make_unique<StoreRecorder>(*async_store_, scheduler_, backoff_);
    env_.recorder = recorder_.get();
    registry_ = std::make_unique<PollerRegistry>(env_, async_store_.get(),
                                                 owners_.get());
  }

  // UseStore, as replica `replica_id` of a fleet on that store: tasks of
  // key_'s key whose lease another replica holds are read, not polled.
  void UseFleetStore(const std::string& replica_id) {
    UseStore();
    reader_ = std::make_unique<StoreReader>(*async_store_);
    env_.reader = reader_.get();
    env_.remote_refresh = absl::Seconds(5);
    registry_ = std::make_unique<PollerRegistry>(
        env_, async_store_.get(), owners_.get(),
        FleetIdentity{replica_id, key_.api_key});
  }

  // Another replica, `holder`, created key_'s task and holds its lease
  // (epoch 1); returns that lease.
  store::Lease CreatedElsewhere(const std::string& holder) {
    store::NewCreate create;
    create.owner = Owner(key_);
    create.request_hash = "h";
    create.price = Price();
    create.model = "doubao-seedance-2.0";
    create.lease_holder = holder;
    create.lease_ttl = absl::Seconds(10);
    auto begun = store_->BeginCreate(create, scheduler_.Now());
    EXPECT_TRUE(begun.ok()) << begun.status();
    EXPECT_OK(
        store_->FinishCreate(begun->record.row_id, store::CreateState::kCreated,
                             TaskIn(v1::VIDEO_STATUS_QUEUED, key_.task_id),
                             absl::OkStatus(), scheduler_.Now()));
    return begun->record.lease;
  }

  // What the holder records when its poll sees `status`.
  void HolderRecords(const store::Lease& lease, v1::VideoStatus status,
                     int64_t sequence) {
    store::Observation seen;
    seen.video = TaskIn(status, key_.task_id);
    seen.sequence = sequence;
    seen.observed = store::StoredTime(scheduler_.Now());
    seen.fence = lease;
    EXPECT_OK(
        store_->RecordObservation(Owner(key_), key_.task_id, seen).status());
  }

  std::string Owner(const TaskKey& key) {
    return owners_->Owner(OwnerIdentity(key)).value();
  }

  std::shared_ptr<RecordingSink> Watch(const TaskKey& key) {
    auto sink = std::make_shared<RecordingSink>();
    EXPECT_OK(registry_->Watch(key, sink));
    return sink;
  }

  // A GetVideo; its answer lands in the returned slot (empty while it
  // waits for a poll).
  std::shared_ptr<absl::optional<absl::StatusOr<v1::Video>>> Get(
      const TaskKey& key, absl::Duration max_age = absl::Seconds(1),
      absl::Duration timeout = absl::Seconds(30)) {
    auto slot = std::make_shared<absl::optional<absl::StatusOr<v1::Video>>>();
    registry_->Get(key, max_age, scheduler_.Now() + timeout,
                   [slot](const absl::StatusOr<v1::Video>& v) { *slot = v; });
    return slot;
  }

  // The seed of a task created here, at the fake clock's now (recorded as
  // CreateFlow records it, when there is a store).
  TaskSeed CreatedSeed(const TaskKey& key) {
    if (store_) {
      store::NewCreate create;
      create.owner = Owner(key);
      create.request_hash = "h";
      create.price = Price();
      create.model = "doubao-seedance-2.0";
      auto begun = store_->BeginCreate(create, scheduler_.Now());
      EXPECT_TRUE(begun.ok()) << begun.status();
      EXPECT_OK(store_->FinishCreate(
          begun->record.row_id, store::CreateState::kCreated,
          TaskIn(v1::VIDEO_STATUS_QUEUED, key.task_id), absl::OkStatus(),
          scheduler_.Now()));
    }
    TaskSeed seed;
    v1::Video video = TaskIn(v1::VIDEO_STATUS_QUEUED, key.task_id);
    *video.mutable_price() = Price();
    *video.mutable_update_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
            absl::ToUnixNanos(store::StoredTime(scheduler_.Now())));
    seed.video = video;
    seed.sequence = 10;
    seed.price = Price();
    seed.follow = true;
    seed.created = scheduler_.Now();
    if (owners_) seed.owner = Owner(key);
    return seed;
  }

  static v1::Price Price() {
    v1::Price price;
    price.set_currency_code("USD");
    price.set_rate_micros_per_second(200000);
    price.set_estimated_micros(1000000);
    return price;
  }

  // Runs the poll that is due now and answers it.
  void PollReplies(absl::StatusOr<v1::Video> reply) {
    scheduler_.RunDue();
    ASSERT_EQ(client_.waiting(), 1);
    client_.Reply(std::move(reply));
  }

  // Unwatched followed tasks poll every 10 s here (watched: every 1 s).
  void UnwatchedEvery10s() {
    env_.unwatched = &unwatched_;
    registry_ = std::make_unique<PollerRegistry>(env_, nullptr, nullptr);
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

  TaskKey key_ = KeyTask("th-key-a", "cgt-1");
  FakeScheduler scheduler_;
  FakeTokenHubClient client_;
  FixedPolling polling_;
  TenSecondPolling unwatched_;
  FixedBackoff backoff_;
  InlineExecutor inline_fanout_;
  ManualExecutor deferred_fanout_;
  InlineExecutor inline_store_threads_;
  ::seedance::testing::ScratchDir dir_;
  std::unique_ptr<store::TaskStore> store_;
  std::unique_ptr<store::OwnerHasher> owners_;
  std::unique_ptr<store::AsyncTaskStore> async_store_;
  std::unique_ptr<StoreRecorder> recorder_;
  std::unique_ptr<StoreReader> reader_;
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
  PollerSnapshot snapshot = registry_->Snapshot(key_);
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

TEST_F(PollerRegistryTest, WithoutAStoreALateWatcherOfAFinishedTaskPolls) {
  auto first = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  auto late = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  EXPECT_THAT(late->sequences(), ElementsAre(30));
  EXPECT_OK(*late->end());
  EXPECT_EQ(client_.gets(), 2);
}

TEST_F(PollerRegistryTest, OtherKeysNeverShareAPollerOrState) {
  auto mine = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  TaskKey theirs = KeyTask("th-key-b", key_.task_id);
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

TEST_F(PollerRegistryTest, GetAnswersFromAFreshStateWithoutAnUpstreamCall) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  auto got = Get(key_, absl::Seconds(1));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)->status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_TRUE((**got)->has_update_time()) << "the same state a watch carries";
  EXPECT_EQ(client_.gets(), 1);
}

TEST_F(PollerRegistryTest, GetOfAStaleStatePollsOnceAtOnce) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Milliseconds(500));
  auto got = Get(key_, absl::Milliseconds(100));
  EXPECT_FALSE(got->has_value()) << "waits for the poll it started";
  scheduler_.RunDue();
  ASSERT_EQ(client_.waiting(), 1) << "polled now, not at the cadence";
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)->status(), v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_THAT(sink->sequences(), ElementsAre(20, 30))
      << "the watcher saw the state the GetVideo's poll found";
}

TEST_F(PollerRegistryTest, GetOfAnUnwatchedTaskPollsOnceThenNothingRemains) {
  auto got = Get(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)->status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(registry_->active_pollers(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(PollerRegistryTest,
       GetWhileTheUpstreamFailsGetsTheFailureByItsDeadline) {
  auto sink = Watch(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(Http(503));  // next try in 2 s
  auto patient = Get(key_, absl::ZeroDuration(), absl::Seconds(30));
  auto hurried = Get(key_, absl::ZeroDuration(), absl::Seconds(1));
  ASSERT_TRUE(hurried->has_value()) << "the next try comes after its deadline";
  EXPECT_THAT(**hurried, StatusCodeIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(patient->has_value());
  scheduler_.AdvanceTime(absl::Seconds(2));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  ASSERT_TRUE(patient->has_value());
  EXPECT_OK(patient->value().status());
}

TEST_F(PollerRegistryTest,
       PriceOfCreatedTaskRidesOnEveryStateWithActualAtTheEnd) {
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  auto sink = Watch(key_);
  EXPECT_EQ(sink->last().price().estimated_micros(), 1000000);
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  EXPECT_EQ(sink->last().price().estimated_micros(), 1000000);
  EXPECT_FALSE(sink->last().price().has_actual_micros());
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));  // usage: 5 s
  EXPECT_EQ(sink->last().price().actual_micros(), 1000000);
}

TEST_F(PollerRegistryTest, FollowedTaskIsPolledToItsEndWithNobodyWatching) {
  UnwatchedEvery10s();
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  scheduler_.AdvanceTime(absl::Seconds(1));
  ASSERT_EQ(client_.waiting(), 1);
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(9));
  EXPECT_EQ(client_.waiting(), 0) << "unwatched: the slower cadence";
  scheduler_.AdvanceTime(absl::Seconds(1));
  ASSERT_EQ(client_.waiting(), 1);
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  EXPECT_EQ(registry_->active_pollers(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(PollerRegistryTest, AWatcherBringsAnUnwatchedTaskBackToTheFastCadence) {
  UnwatchedEvery10s();
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));  // next in 10 s
  auto sink = Watch(key_);
  scheduler_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(client_.waiting(), 1) << "watched: polled within the 1 s cadence";
  registry_->Unwatch(key_, sink.get());
  EXPECT_EQ(registry_->active_pollers(), 1u) << "still followed";
}

TEST_F(PollerRegistryTest, FollowedTaskPastTheTrackingWindowIsNoLongerPolled) {
  env_.track_for = absl::Seconds(30);
  registry_ = std::make_unique<PollerRegistry>(env_, nullptr, nullptr);
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  for (int i = 0; i < 40 && client_.gets() < 100; ++i) {
    scheduler_.AdvanceTime(absl::Seconds(1));
    if (client_.waiting() > 0) client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  }
  EXPECT_EQ(registry_->active_pollers(), 0u);
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_LE(client_.gets(), 30);
}

TEST_F(PollerRegistryTest, ARestartedGatewayAnswersTheSamePriceAndUpdateTime) {
  UseStore();
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  auto before = Get(key_);
  ASSERT_TRUE(before->has_value());
  ASSERT_OK((*before)->status());

  UseStore();  // restart: a new registry on the same database
  auto after = Get(key_);
  EXPECT_FALSE(after->has_value()) << "stale after a restart: one poll";
  scheduler_.RunDue();
  client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING));
  ASSERT_TRUE(after->has_value());
  ASSERT_OK((*after)->status());
  EXPECT_EQ((*after)->value().update_time(), (*before)->value().update_time());
  EXPECT_EQ((*after)->value().price().SerializeAsString(),
            (*before)->value().price().SerializeAsString());
}

TEST_F(PollerRegistryTest, AFinishedTaskIsAnsweredFromTheStoreWithoutPolling) {
  UseStore();
  registry_->Follow(key_, CreatedSeed(key_), absl::Seconds(1));
  scheduler_.AdvanceTime(absl::Seconds(1));
  client_.Reply(TaskIn(v1::VIDEO_STATUS_SUCCEEDED));
  ASSERT_EQ(registry_->active_pollers(), 0u);

  UseStore();  // even after a restart
  auto late = Watch(key_);
  auto got = Get(key_, absl::ZeroDuration());
  EXPECT_THAT(late->sequences(), ElementsAre(30));
  ASSERT_TRUE(late->end().has_value());
  EXPECT_OK(*late->end());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)->price().actual_micros(), 1000000);
  EXPECT_EQ(client_.gets(), 1) << "answered from the store";
  auto transitions = store_->Transitions(Owner(key_), key_.task_id);
  ASSERT_TRUE(transitions.ok()) << transitions.status();
  ASSERT_EQ(transitions->size(), 2u);
  EXPECT_EQ((*transitions)[0].sequence, 10);
  EXPECT_EQ((*transitions)[1].sequence, 30);
}

TEST_F(PollerRegistryTest, ATaskSeenOnlyThroughGetVideoIsRecordedWithoutPrice) {
  UseStore();
  auto got = Get(key_);
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));
  ASSERT_TRUE(got->has_value());
  auto record = store_->GetTask(Owner(key_), key_.task_id);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->create_state, store::CreateState::kSeen);
  EXPECT_FALSE(record->video.has_price());
  EXPECT_EQ(record->video.status(), v1::VIDEO_STATUS_RUNNING);
}

// Fleet mode, as replica "r-b" while "r-a" holds the task's lease.
TEST_F(PollerRegistryTest, AWatcherOfAnotherReplicasTaskReadsWhatItRecords) {
  UseFleetStore("r-b");
  const store::Lease lease = CreatedElsewhere("r-a");
  auto sink = Watch(key_);
  scheduler_.RunDue();
  EXPECT_THAT(sink->sequences(), ElementsAre(10));

  scheduler_.AdvanceTime(absl::Milliseconds(300));
  HolderRecords(lease, v1::VIDEO_STATUS_RUNNING, 20);
  registry_->TaskChanged(key_.task_id);  // the change feed's notification
  scheduler_.RunDue();
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20));
  auto record = store_->GetTask(Owner(key_), key_.task_id);
  ASSERT_OK(record.status());
  // The holder's update_time and price, not this replica's own.
  EXPECT_EQ(sink->last().update_time().ShortDebugString(),
            RecordVideo(*record).update_time().ShortDebugString());
  EXPECT_EQ(sink->last().price().ShortDebugString(),
            Price().ShortDebugString());

  HolderRecords(lease, v1::VIDEO_STATUS_SUCCEEDED, 30);
  registry_->TaskChanged(key_.task_id);
  scheduler_.RunDue();
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20, 30));
  ASSERT_TRUE(sink->end().has_value());
  EXPECT_OK(*sink->end());
  EXPECT_EQ(sink->last().price().actual_micros(), 1000000);
  EXPECT_EQ(client_.gets(), 0) << "only the lease holder asks the upstream";
  EXPECT_EQ(registry_->active_pollers(), 0u);
}

// A tenant's task holds a lease too (any replica has the tenant's key):
// a watcher on another replica reads it, and the change feed, which names
// the task by id alone, reaches that reader.
TEST_F(PollerRegistryTest, AWatcherOfAnotherReplicasTenantTaskReadsItToo) {
  key_.principal = "tenant:team-a";
  UseFleetStore("r-b");
  const store::Lease lease = CreatedElsewhere("r-a");
  auto sink = Watch(key_);
  scheduler_.RunDue();
  EXPECT_THAT(sink->sequences(), ElementsAre(10));
  HolderRecords(lease, v1::VIDEO_STATUS_SUCCEEDED, 30);
  registry_->TaskChanged(key_.task_id);
  scheduler_.RunDue();
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 30));
  ASSERT_TRUE(sink->end().has_value());
  EXPECT_OK(*sink->end());
  EXPECT_EQ(client_.gets(), 0) << "only the lease holder asks the upstream";
  EXPECT_EQ(registry_->active_pollers(), 0u);
}

TEST_F(PollerRegistryTest, ALostNotificationIsMadeUpByThePeriodicRead) {
  UseFleetStore("r-b");
  const store::Lease lease = CreatedElsewhere("r-a");
  auto sink = Watch(key_);
  scheduler_.RunDue();
  HolderRecords(lease, v1::VIDEO_STATUS_RUNNING, 20);  // nobody tells r-b
  scheduler_.AdvanceTime(absl::Seconds(4));
  EXPECT_THAT(sink->sequences(), ElementsAre(10));
  scheduler_.AdvanceTime(absl::Seconds(1));  // remote_refresh
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20));
  EXPECT_EQ(client_.gets(), 0);
}

TEST_F(PollerRegistryTest, TakingTheLeaseTurnsTheReaderIntoThePoller) {
  UseFleetStore("r-b");
  CreatedElsewhere("r-a");
  auto sink = Watch(key_);
  scheduler_.RunDue();
  ASSERT_EQ(client_.gets(), 0);
  // r-a died; r-b's lease round claimed the task.
  auto claimed = store_->ClaimLeases("r-b", {Owner(key_)},
                                     scheduler_.Now() + absl::Seconds(11),
                                     absl::Seconds(10), 10);
  ASSERT_OK(claimed.status());
  ASSERT_EQ(claimed->size(), 1u);
  TaskSeed seed = SeedFromRecord(claimed->front());
  seed.lease = claimed->front().lease;
  registry_->Follow(key_, seed, absl::Seconds(3));
  PollReplies(TaskIn(v1::VIDEO_STATUS_RUNNING));  // at once: it is watched
  EXPECT_THAT(sink->sequences(), ElementsAre(10, 20));
  // Recorded under r-b's lease.
  auto record = store_->GetTask(Owner(key_), key_.task_id);
  ASSERT_OK(record.status());
  EXPECT_EQ(record->sequence, 20);
}

TEST_F(PollerRegistryTest, LosingTheLeaseTurnsThePollerIntoAReader) {
  UseFleetStore("r-b");
  CreatedElsewhere("r-b");
  auto claimed = store_->GetTask(Owner(key_), key_.task_id);
  ASSERT_OK(claimed.status());
  TaskSeed seed = SeedFromRecord(*claimed);
  seed.lease = claimed->lease;
  registry_->Follow(key_, seed, absl::Seconds(1));
  auto sink = Watch(key_);
  scheduler_.AdvanceTime(absl::Seconds(1));
  ASSERT_EQ(client_.waiting(), 1);  // a poll in flight...
  // ...when r-b's lease expires and r-a claims the task and records.
  auto taken = store_->ClaimLeases("r-a", {Owner(key_)},
                                   scheduler_.Now() + absl::Seconds(11),
                                   absl::Seconds(10), 10);
  ASSERT_OK(taken.status());
  ASSERT_EQ(taken->size(), 1u);
  HolderRecords(taken->front().lease, v1::VIDEO_STATUS_RUNNING, 20);
  registry_->Unfollow(key_);
  // The late answer is not r-b's to announce or record any more.
  client_.Reply(TaskIn(v1::VIDEO_STATUS_FAILED));
  scheduler_.RunDue();
  EXPECT_THAT(sink->statuses(),
              ElementsAre(v1::VIDEO_STATUS_QUEUED, v1::VIDEO_STATUS_RUNNING));
  scheduler_.AdvanceTime(absl::Seconds(30));
  EXPECT_EQ(client_.gets(), 1) << "a reader never polls";
  auto record = store_->GetTask(Owner(key_), key_.task_id);
  ASSERT_OK(record.status());
  EXPECT_EQ(record->video.status(), v1::VIDEO_STATUS_RUNNING);
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
  EXPECT_EQ(registry_->Snapshot(key_).sequence, 20)
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
  EXPECT_TRUE(late->sequences().empty())
      << "the current state goes through the strand too, never under a lock";
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
