// Scenarios of the TaskStore contract; see task_store_contract.h.
#include "tests/store/task_store_contract.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "server/store/task_rows.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store::testing {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1764547200);  // 2025-12-01

NewCreate Create(std::string owner = "owner-a", std::string request_id = "",
                 std::string hash = "hash-1") {
  NewCreate c;
  c.owner = std::move(owner);
  c.request_id = std::move(request_id);
  c.request_hash = std::move(hash);
  c.model = "doubao-seedance-2.0";
  c.price.set_currency_code("USD");
  c.price.set_rate_micros_per_second(200000);
  c.price.set_estimated_micros(1000000);
  return c;
}

v1::Video Upstream(const std::string& id, v1::VideoStatus status,
                   const std::string& raw) {
  v1::Video v;
  v.set_id(id);
  v.set_model("doubao-seedance-2.0");
  v.set_status(status);
  v.set_upstream_status(raw);
  *v.mutable_create_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(kT0));
  return v;
}

Observation Seen(const std::string& id, v1::VideoStatus status,
                 const std::string& raw, int64_t sequence, absl::Time at) {
  Observation o;
  o.video = Upstream(id, status, raw);
  o.sequence = sequence;
  o.observed = at;
  return o;
}

}  // namespace

void TaskStoreContract::SetUp() {
  location_ = GetParam()();
  if (location_ == nullptr) GTEST_SKIP() << "this engine is not available here";
  ASSERT_OK_AND_ASSIGN(store_, location_->Open());
}

namespace {

// Creates a task "cgt-<n>" for owner-a at kT0 + n seconds.
void CreateTask(TaskStore& store, int n, const std::string& owner = "owner-a") {
  ASSERT_OK_AND_ASSIGN(
      BeginResult begun,
      store.BeginCreate(Create(owner), kT0 + absl::Seconds(n)));
  ASSERT_TRUE(begun.send);
  ASSERT_OK(store.FinishCreate(
      begun.record.row_id, CreateState::kCreated,
      Upstream(absl::StrCat("cgt-", n), v1::VIDEO_STATUS_QUEUED, "queued"),
      absl::OkStatus(), kT0 + absl::Seconds(n)));
}

}  // namespace

TEST_P(TaskStoreContract, CreateIsRecordedBeforeItIsSentThenCreated) {
  ASSERT_OK_AND_ASSIGN(BeginResult begun, store_->BeginCreate(Create(), kT0));
  EXPECT_TRUE(begun.send);
  EXPECT_EQ(begun.record.create_state, CreateState::kPending);
  EXPECT_GT(begun.record.row_id, 0);

  v1::Video answer = Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued");
  ASSERT_OK(store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                 answer, absl::OkStatus(),
                                 kT0 + absl::Milliseconds(300)));

  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.row_id, begun.record.row_id);
  EXPECT_EQ(task.create_state, CreateState::kCreated);
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_QUEUED);
  EXPECT_EQ(task.video.id(), "cgt-1");
  EXPECT_EQ(task.video.price().estimated_micros(), 1000000);
  EXPECT_FALSE(task.video.price().has_actual_micros());
  EXPECT_EQ(task.create_time, kT0);
  EXPECT_FALSE(task.final);
  EXPECT_EQ(task.sequence, 10) << "the answer is the first transition";
  ASSERT_OK_AND_ASSIGN(std::vector<TransitionRecord> transitions,
                       store_->Transitions("owner-a", "cgt-1"));
  ASSERT_THAT(transitions, SizeIs(1));
  EXPECT_EQ(transitions[0].observed, kT0 + absl::Milliseconds(300));
}

TEST_P(TaskStoreContract, SameRequestIdReturnsTheFirstCreateAndSendsNothing) {
  ASSERT_OK_AND_ASSIGN(BeginResult first,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  ASSERT_TRUE(first.send);
  ASSERT_OK_AND_ASSIGN(BeginResult in_flight,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  EXPECT_FALSE(in_flight.send);
  EXPECT_EQ(in_flight.record.row_id, first.record.row_id);
  EXPECT_EQ(in_flight.record.create_state, CreateState::kPending);

  ASSERT_OK(
      store_->FinishCreate(first.record.row_id, CreateState::kCreated,
                           Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued"),
                           absl::OkStatus(), kT0));
  ASSERT_OK_AND_ASSIGN(BeginResult retry,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  EXPECT_FALSE(retry.send);
  EXPECT_EQ(retry.record.task_id, "cgt-1");
  EXPECT_EQ(retry.record.create_state, CreateState::kCreated);
}

TEST_P(TaskStoreContract, RequestIdsAreScopedToTheirOwner) {
  ASSERT_OK_AND_ASSIGN(BeginResult a,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  ASSERT_OK_AND_ASSIGN(BeginResult b,
                       store_->BeginCreate(Create("owner-b", "req-1"), kT0));
  EXPECT_TRUE(a.send);
  EXPECT_TRUE(b.send);
  EXPECT_NE(a.record.row_id, b.record.row_id);
}

TEST_P(TaskStoreContract, SameRequestIdWithAnotherRequestShowsTheFirstHash) {
  ASSERT_OK_AND_ASSIGN(
      BeginResult first,
      store_->BeginCreate(Create("owner-a", "req-1", "hash-1"), kT0));
  ASSERT_OK_AND_ASSIGN(
      BeginResult other,
      store_->BeginCreate(Create("owner-a", "req-1", "hash-2"), kT0));
  EXPECT_FALSE(other.send);
  EXPECT_EQ(other.record.request_hash, "hash-1");
}

TEST_P(TaskStoreContract, ConcurrentCreatesWithOneRequestIdSendOnce) {
  constexpr int kCallers = 20;
  std::atomic<int> sends{0};
  std::atomic<int> failures{0};
  absl::Barrier start(kCallers);
  std::vector<std::thread> callers;
  // Each caller has its own connection, as replicas (or store threads) do.
  std::vector<std::unique_ptr<TaskStore>> stores;
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, location_->Open());
    stores.push_back(std::move(store));
  }
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      start.Block();
      auto begun = stores[i]->BeginCreate(Create("owner-a", "req-race"), kT0);
      if (!begun.ok()) {
        ADD_FAILURE() << begun.status();
        failures.fetch_add(1);
      } else if (begun->send) {
        sends.fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sends.load(), 1);
}

TEST_P(TaskStoreContract, RejectedCreateMayBeSentAgainWithItsRequestId) {
  ASSERT_OK_AND_ASSIGN(BeginResult first,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  ASSERT_OK(store_->FinishCreate(
      first.record.row_id, CreateState::kRejected, v1::Video(),
      absl::ResourceExhaustedError("upstream rate limit"), kT0));
  ASSERT_OK_AND_ASSIGN(TaskRecord rejected,
                       store_->GetByRequestId("owner-a", "req-1"));
  EXPECT_EQ(rejected.create_state, CreateState::kRejected);
  EXPECT_THAT(
      rejected.create_error,
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("rate limit")));

  ASSERT_OK_AND_ASSIGN(
      BeginResult again,
      store_->BeginCreate(Create("owner-a", "req-1"), kT0 + absl::Seconds(5)));
  EXPECT_TRUE(again.send);
  EXPECT_EQ(again.record.row_id, first.record.row_id);
  EXPECT_EQ(again.record.create_state, CreateState::kPending);
}

TEST_P(TaskStoreContract, CreateWithUnknownOutcomeIsNeverSentAgain) {
  ASSERT_OK_AND_ASSIGN(BeginResult first,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  ASSERT_OK(store_->FinishCreate(
      first.record.row_id, CreateState::kUnknown, v1::Video(),
      absl::DeadlineExceededError("upstream timed out after the POST"), kT0));
  ASSERT_OK_AND_ASSIGN(BeginResult retry,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  EXPECT_FALSE(retry.send);
  EXPECT_EQ(retry.record.create_state, CreateState::kUnknown);
  EXPECT_THAT(
      retry.record.create_error,
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
}

TEST_P(TaskStoreContract, CreateFinishesOnlyOnce) {
  ASSERT_OK_AND_ASSIGN(BeginResult begun, store_->BeginCreate(Create(), kT0));
  v1::Video answer = Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued");
  ASSERT_OK(store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                 answer, absl::OkStatus(), kT0));
  EXPECT_THAT(store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                   answer, absl::OkStatus(), kT0),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a pending create")));
  EXPECT_THAT(
      store_->FinishCreate(begun.record.row_id + 1000, CreateState::kRejected,
                           v1::Video(), absl::InternalError("x"), kT0),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("not a pending create")));
}

TEST_P(TaskStoreContract, CreatedTaskNeedsAValidId) {
  ASSERT_OK_AND_ASSIGN(BeginResult begun, store_->BeginCreate(Create(), kT0));
  EXPECT_THAT(
      store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                           Upstream("", v1::VIDEO_STATUS_QUEUED, "queued"),
                           absl::OkStatus(), kT0),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id")));
}

TEST_P(TaskStoreContract, EachTransitionIsRecordedOnceWithWhenItWasFirstSeen) {
  CreateTask(*store_, 1);
  const absl::Time t = kT0 + absl::Seconds(10);
  auto observe = [&](v1::VideoStatus status, const char* raw, int64_t seq,
                     absl::Duration after) {
    return store_->RecordObservation(
        "owner-a", "cgt-1", Seen("cgt-1", status, raw, seq, t + after));
  };
  ASSERT_OK(observe(v1::VIDEO_STATUS_QUEUED, "queued", 10, absl::ZeroDuration())
                .status());
  ASSERT_OK(observe(v1::VIDEO_STATUS_QUEUED, "queued", 10, absl::Seconds(1))
                .status());  // same state again: no transition
  ASSERT_OK(observe(v1::VIDEO_STATUS_RUNNING, "running", 20, absl::Seconds(2))
                .status());
  ASSERT_OK_AND_ASSIGN(
      TaskRecord running,
      observe(v1::VIDEO_STATUS_RUNNING, "running", 20, absl::Seconds(3)));
  EXPECT_EQ(running.update_time, t + absl::Seconds(2));
  EXPECT_EQ(running.sequence, 20);
  // A reply that arrives late (an older state) changes nothing.
  ASSERT_OK_AND_ASSIGN(
      TaskRecord after_stale,
      observe(v1::VIDEO_STATUS_QUEUED, "queued", 10, absl::Seconds(4)));
  EXPECT_EQ(after_stale.video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(after_stale.sequence, 20);

  ASSERT_OK_AND_ASSIGN(std::vector<TransitionRecord> transitions,
                       store_->Transitions("owner-a", "cgt-1"));
  ASSERT_THAT(transitions, SizeIs(2));
  EXPECT_EQ(transitions[0].sequence, 10);
  EXPECT_EQ(transitions[0].status, v1::VIDEO_STATUS_QUEUED);
  EXPECT_EQ(transitions[0].observed, kT0 + absl::Seconds(1))
      << "first seen in the create's answer, not at the later poll";
  EXPECT_EQ(transitions[1].sequence, 20);
  EXPECT_EQ(transitions[1].upstream_status, "running");
  EXPECT_EQ(transitions[1].observed, t + absl::Seconds(2));
}

TEST_P(TaskStoreContract, FinalStateCarriesResultsAndTheActualCost) {
  CreateTask(*store_, 1);
  Observation done = Seen("cgt-1", v1::VIDEO_STATUS_SUCCEEDED, "succeeded", 30,
                          kT0 + absl::Seconds(60));
  done.video.set_video_url("https://cdn.example/v.mp4");
  *done.video.mutable_usage()->mutable_video_duration() =
      google::protobuf::util::TimeUtil::SecondsToDuration(4);
  ASSERT_OK(store_->RecordObservation("owner-a", "cgt-1", done).status());

  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_TRUE(task.final);
  EXPECT_EQ(task.video.video_url(), "https://cdn.example/v.mp4");
  EXPECT_EQ(task.video.price().estimated_micros(), 1000000);
  ASSERT_TRUE(task.video.price().has_actual_micros());
  EXPECT_EQ(task.video.price().actual_micros(), 800000);  // 4 s at 0.2 USD
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                task.video.update_time()),
            absl::ToUnixMicros(kT0 + absl::Seconds(60)));
}

TEST_P(TaskStoreContract, TaskSeenButNotCreatedHereIsRecordedWithoutPrice) {
  ASSERT_OK_AND_ASSIGN(
      TaskRecord seen,
      store_->RecordObservation(
          "owner-a", "cgt-elsewhere",
          Seen("cgt-elsewhere", v1::VIDEO_STATUS_RUNNING, "running", 20, kT0)));
  EXPECT_EQ(seen.create_state, CreateState::kSeen);
  EXPECT_FALSE(seen.video.has_price());
  EXPECT_EQ(seen.sequence, 20);
  ASSERT_OK_AND_ASSIGN(TaskRecord again,
                       store_->GetTask("owner-a", "cgt-elsewhere"));
  EXPECT_EQ(again.row_id, seen.row_id);
}

TEST_P(TaskStoreContract, ACreateRecordedLateTakesItsTasksSightingsOver) {
  // The store was down when the create's answer came: the task's poller
  // recorded it (as seen) before the create's outcome could be.
  ASSERT_OK_AND_ASSIGN(BeginResult begun,
                       store_->BeginCreate(Create("owner-a", "req-1"), kT0));
  ASSERT_OK(store_
                ->RecordObservation("owner-a", "cgt-late",
                                    Seen("cgt-late", v1::VIDEO_STATUS_RUNNING,
                                         "running", 20, kT0 + absl::Seconds(5)))
                .status());
  ASSERT_OK(store_->FinishCreate(
      begun.record.row_id, CreateState::kCreated,
      Upstream("cgt-late", v1::VIDEO_STATUS_QUEUED, "queued"), absl::OkStatus(),
      kT0 + absl::Seconds(9)));

  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-late"));
  EXPECT_EQ(task.row_id, begun.record.row_id) << "one task, the create's row";
  EXPECT_EQ(task.create_state, CreateState::kCreated);
  EXPECT_EQ(task.request_id, "req-1");
  EXPECT_EQ(task.video.price().estimated_micros(), 1000000);
  EXPECT_EQ(task.sequence, 20) << "the newer state seen meanwhile stays";
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(task.update_time, kT0 + absl::Seconds(5));
  ASSERT_OK_AND_ASSIGN(std::vector<TransitionRecord> transitions,
                       store_->Transitions("owner-a", "cgt-late"));
  ASSERT_THAT(transitions, SizeIs(1));
  EXPECT_EQ(transitions[0].sequence, 20);
  ListQuery all;
  all.owner = "owner-a";
  ASSERT_OK_AND_ASSIGN(ListPage page, store_->ListTasks(all));
  EXPECT_THAT(page.tasks, SizeIs(1));
}

TEST_P(TaskStoreContract, OwnersSeeOnlyTheirOwnTasks) {
  CreateTask(*store_, 1, "owner-a");
  EXPECT_THAT(store_->GetTask("owner-b", "cgt-1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("cgt-1")));
  ListQuery query;
  query.owner = "owner-b";
  ASSERT_OK_AND_ASSIGN(ListPage page, store_->ListTasks(query));
  EXPECT_THAT(page.tasks, SizeIs(0));
  EXPECT_EQ(page.next_page_token, "");
}

TEST_P(TaskStoreContract, ListIsNewestFirstAndPagesStayStableAsTasksArrive) {
  for (int n = 1; n <= 7; ++n) CreateTask(*store_, n);
  ListQuery query;
  query.owner = "owner-a";
  query.page_size = 3;
  auto ids = [](const ListPage& page) {
    std::vector<std::string> out;
    for (const auto& t : page.tasks) out.push_back(t.task_id);
    return out;
  };
  ASSERT_OK_AND_ASSIGN(ListPage first, store_->ListTasks(query));
  EXPECT_THAT(ids(first), ElementsAre("cgt-7", "cgt-6", "cgt-5"));
  ASSERT_NE(first.next_page_token, "");

  CreateTask(*store_, 8);  // arrives between two page reads
  query.page_token = first.next_page_token;
  ASSERT_OK_AND_ASSIGN(ListPage second, store_->ListTasks(query));
  EXPECT_THAT(ids(second), ElementsAre("cgt-4", "cgt-3", "cgt-2"));
  query.page_token = second.next_page_token;
  ASSERT_OK_AND_ASSIGN(ListPage last, store_->ListTasks(query));
  EXPECT_THAT(ids(last), ElementsAre("cgt-1"));
  EXPECT_EQ(last.next_page_token, "");
}

TEST_P(TaskStoreContract, ListFiltersByStatusAndCreateTime) {
  for (int n = 1; n <= 4; ++n) CreateTask(*store_, n);
  ASSERT_OK(store_
                ->RecordObservation("owner-a", "cgt-2",
                                    Seen("cgt-2", v1::VIDEO_STATUS_SUCCEEDED,
                                         "succeeded", 30, kT0))
                .status());
  ASSERT_OK(store_
                ->RecordObservation(
                    "owner-a", "cgt-4",
                    Seen("cgt-4", v1::VIDEO_STATUS_FAILED, "failed", 30, kT0))
                .status());
  ListQuery query;
  query.owner = "owner-a";
  query.status_in = std::vector<v1::VideoStatus>{v1::VIDEO_STATUS_SUCCEEDED,
                                                 v1::VIDEO_STATUS_FAILED};
  ASSERT_OK_AND_ASSIGN(ListPage finished, store_->ListTasks(query));
  ASSERT_THAT(finished.tasks, SizeIs(2));
  EXPECT_EQ(finished.tasks[0].task_id, "cgt-4");
  EXPECT_EQ(finished.tasks[1].task_id, "cgt-2");

  query.status_in.reset();
  query.create_time = {
      {TimeCondition::Op::kGreaterOrEqual, kT0 + absl::Seconds(2)},
      {TimeCondition::Op::kLess, kT0 + absl::Seconds(4)}};
  ASSERT_OK_AND_ASSIGN(ListPage window, store_->ListTasks(query));
  ASSERT_THAT(window.tasks, SizeIs(2));
  EXPECT_EQ(window.tasks[0].task_id, "cgt-3");
  EXPECT_EQ(window.tasks[1].task_id, "cgt-2");
}

TEST_P(TaskStoreContract, ListRefusesForeignPageTokensAndBadSizes) {
  ListQuery query;
  query.owner = "owner-a";
  query.page_token = "not-a-token";
  EXPECT_THAT(
      store_->ListTasks(query),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  query.page_token.clear();
  query.page_size = 501;
  EXPECT_THAT(
      store_->ListTasks(query),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

TEST_P(TaskStoreContract, UnfinishedCreatedTasksAreListedForFollowing) {
  for (int n = 1; n <= 3; ++n) CreateTask(*store_, n);
  ASSERT_OK(store_
                ->RecordObservation("owner-a", "cgt-2",
                                    Seen("cgt-2", v1::VIDEO_STATUS_SUCCEEDED,
                                         "succeeded", 30, kT0))
                .status());
  // Neither a pending create nor a task only seen here is followed.
  ASSERT_OK(store_->BeginCreate(Create(), kT0).status());
  ASSERT_OK(store_
                ->RecordObservation(
                    "owner-a", "cgt-x",
                    Seen("cgt-x", v1::VIDEO_STATUS_RUNNING, "running", 20, kT0))
                .status());

  ASSERT_OK_AND_ASSIGN(std::vector<TaskRecord> first,
                       store_->ListUnfinished(0, 1));
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].task_id, "cgt-1");
  ASSERT_OK_AND_ASSIGN(std::vector<TaskRecord> rest,
                       store_->ListUnfinished(first[0].row_id, 10));
  ASSERT_THAT(rest, SizeIs(1));
  EXPECT_EQ(rest[0].task_id, "cgt-3");
}

TEST_P(TaskStoreContract, TasksPastRetentionExpireAndAreNoLongerFollowed) {
  for (int n = 1; n <= 3; ++n) CreateTask(*store_, n);
  ASSERT_OK_AND_ASSIGN(int64_t expired,
                       store_->ExpireBefore(kT0 + absl::Seconds(3)));
  EXPECT_EQ(expired, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskRecord> left,
                       store_->ListUnfinished(0, 10));
  ASSERT_THAT(left, SizeIs(1));
  EXPECT_EQ(left[0].task_id, "cgt-3");
  ASSERT_OK_AND_ASSIGN(TaskRecord old, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_TRUE(old.expired);
}

TEST_P(TaskStoreContract, EverythingSurvivesReopening) {
  CreateTask(*store_, 1);
  ASSERT_OK(store_
                ->RecordObservation("owner-a", "cgt-1",
                                    Seen("cgt-1", v1::VIDEO_STATUS_RUNNING,
                                         "running", 20, kT0 + absl::Seconds(5)))
                .status());
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, location_->Open());
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(task.video.price().estimated_micros(), 1000000);
  EXPECT_EQ(task.update_time, kT0 + absl::Seconds(5));
}

TEST_P(TaskStoreContract, BatchOfWritesAnswersEachAsIfItRanAlone) {
  ASSERT_OK_AND_ASSIGN(BeginResult earlier, store_->BeginCreate(Create(), kT0));
  std::vector<WriteCall> batch;
  batch.push_back(BeginCreateCall{Create("owner-a", "req-1"), kT0});
  // The same request_id in the same batch: recorded once, sent once.
  batch.push_back(BeginCreateCall{Create("owner-a", "req-1"), kT0});
  batch.push_back(
      FinishCreateCall{earlier.record.row_id, CreateState::kCreated,
                       Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued"),
                       absl::OkStatus(), kT0 + absl::Seconds(1)});
  batch.push_back(
      RecordObservationCall{"owner-a", "cgt-1",
                            Seen("cgt-1", v1::VIDEO_STATUS_RUNNING, "running",
                                 20, kT0 + absl::Seconds(2))});
  std::vector<WriteResult> results = store_->WriteBatch(batch);
  ASSERT_THAT(results, SizeIs(4));
  const auto& first = absl::get<0>(results[0]);
  const auto& second = absl::get<0>(results[1]);
  ASSERT_OK(first.status());
  ASSERT_OK(second.status());
  EXPECT_TRUE(first->send);
  EXPECT_FALSE(second->send);
  EXPECT_EQ(second->record.row_id, first->record.row_id);
  EXPECT_OK(absl::get<1>(results[2]));
  const auto& seen = absl::get<2>(results[3]);
  ASSERT_OK(seen.status());
  EXPECT_EQ(seen->video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(seen->sequence, 20);
  // All of it is stored.
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_RUNNING);
  ASSERT_OK_AND_ASSIGN(auto transitions,
                       store_->Transitions("owner-a", "cgt-1"));
  EXPECT_THAT(transitions, SizeIs(2));
  ASSERT_OK(store_->GetByRequestId("owner-a", "req-1").status());
}

// The usual writes of a batch go together (one statement each, sent at
// once where the engine can): each is answered as if it ran alone, in
// turn, including a task's outcome followed by its first poll.
TEST_P(TaskStoreContract, BatchOfUsualWritesIsRecordedAsIfEachRanAlone) {
  ASSERT_OK_AND_ASSIGN(BeginResult pending, store_->BeginCreate(Create(), kT0));
  CreateTask(*store_, 2);
  std::vector<WriteCall> batch;
  batch.push_back(BeginCreateCall{Create("owner-a", "req-1"), kT0});
  batch.push_back(BeginCreateCall{Create("owner-b"), kT0});
  batch.push_back(
      FinishCreateCall{pending.record.row_id, CreateState::kCreated,
                       Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued"),
                       absl::OkStatus(), kT0 + absl::Seconds(1)});
  batch.push_back(
      RecordObservationCall{"owner-a", "cgt-1",
                            Seen("cgt-1", v1::VIDEO_STATUS_RUNNING, "running",
                                 20, kT0 + absl::Seconds(2))});
  batch.push_back(
      RecordObservationCall{"owner-a", "cgt-2",
                            Seen("cgt-2", v1::VIDEO_STATUS_SUCCEEDED,
                                 "succeeded", 90, kT0 + absl::Seconds(3))});
  // First sight of a task created elsewhere.
  batch.push_back(
      RecordObservationCall{"owner-a", "cgt-9",
                            Seen("cgt-9", v1::VIDEO_STATUS_QUEUED, "queued", 10,
                                 kT0 + absl::Seconds(4))});
  std::vector<WriteResult> results = store_->WriteBatch(batch);
  ASSERT_THAT(results, SizeIs(6));

  const auto& with_id = absl::get<0>(results[0]);
  const auto& other_owner = absl::get<0>(results[1]);
  ASSERT_OK(with_id.status());
  ASSERT_OK(other_owner.status());
  EXPECT_TRUE(with_id->send);
  EXPECT_TRUE(other_owner->send);
  EXPECT_NE(with_id->record.row_id, other_owner->record.row_id);
  EXPECT_EQ(with_id->record.create_state, CreateState::kPending);
  EXPECT_EQ(with_id->record.video.price().estimated_micros(), 1000000);
  ASSERT_OK_AND_ASSIGN(TaskRecord by_id,
                       store_->GetByRequestId("owner-a", "req-1"));
  EXPECT_EQ(by_id.row_id, with_id->record.row_id);
  EXPECT_OK(absl::get<1>(results[2]));

  const auto& running = absl::get<2>(results[3]);
  ASSERT_OK(running.status());
  EXPECT_EQ(running->row_id, pending.record.row_id);
  EXPECT_EQ(running->video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(running->update_time, kT0 + absl::Seconds(2));
  const auto& succeeded = absl::get<2>(results[4]);
  ASSERT_OK(succeeded.status());
  EXPECT_TRUE(succeeded->final);
  EXPECT_EQ(succeeded->video.price().estimated_micros(), 1000000);
  const auto& elsewhere = absl::get<2>(results[5]);
  ASSERT_OK(elsewhere.status());
  EXPECT_EQ(elsewhere->create_state, CreateState::kSeen);

  ASSERT_OK_AND_ASSIGN(auto first, store_->Transitions("owner-a", "cgt-1"));
  ASSERT_THAT(first, SizeIs(2));
  EXPECT_EQ(first[0].observed, kT0 + absl::Seconds(1));
  EXPECT_EQ(first[1].sequence, 20);
  ASSERT_OK_AND_ASSIGN(auto second, store_->Transitions("owner-a", "cgt-2"));
  EXPECT_THAT(second, SizeIs(2));
  ASSERT_OK_AND_ASSIGN(auto third, store_->Transitions("owner-a", "cgt-9"));
  EXPECT_THAT(third, SizeIs(1));
}

// A batch where one write needs more than its usual statement (here a
// stale poll reply) still answers every write as if it ran alone.
TEST_P(TaskStoreContract, BatchWithAStaleObservationAnswersEachWrite) {
  CreateTask(*store_, 1);
  ASSERT_OK(store_
                ->RecordObservation("owner-a", "cgt-1",
                                    Seen("cgt-1", v1::VIDEO_STATUS_RUNNING,
                                         "running", 20, kT0 + absl::Seconds(2)))
                .status());
  std::vector<WriteCall> batch;
  batch.push_back(BeginCreateCall{Create(), kT0});
  batch.push_back(
      RecordObservationCall{"owner-a", "cgt-1",
                            Seen("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued", 10,
                                 kT0 + absl::Seconds(3))});
  std::vector<WriteResult> results = store_->WriteBatch(batch);
  ASSERT_THAT(results, SizeIs(2));
  const auto& begun = absl::get<0>(results[0]);
  ASSERT_OK(begun.status());
  EXPECT_TRUE(begun->send);
  const auto& stale = absl::get<2>(results[1]);
  ASSERT_OK(stale.status());
  EXPECT_EQ(stale->video.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(stale->sequence, 20);
  // The poll's reply changed nothing.
  ASSERT_OK_AND_ASSIGN(auto transitions,
                       store_->Transitions("owner-a", "cgt-1"));
  EXPECT_THAT(transitions, SizeIs(2));
}

TEST_P(TaskStoreContract, BadWriteInABatchFailsOnlyItself) {
  ASSERT_OK_AND_ASSIGN(BeginResult pending, store_->BeginCreate(Create(), kT0));
  std::vector<WriteCall> batch;
  batch.push_back(BeginCreateCall{Create("owner-a", "req-1"), kT0});
  // Not a pending create: refused, as alone.
  batch.push_back(
      FinishCreateCall{pending.record.row_id + 1000, CreateState::kCreated,
                       Upstream("cgt-9", v1::VIDEO_STATUS_QUEUED, "queued"),
                       absl::OkStatus(), kT0});
  batch.push_back(
      FinishCreateCall{pending.record.row_id, CreateState::kCreated,
                       Upstream("cgt-1", v1::VIDEO_STATUS_QUEUED, "queued"),
                       absl::OkStatus(), kT0});
  // No owner: refused, as alone.
  batch.push_back(BeginCreateCall{Create(""), kT0});
  std::vector<WriteResult> results = store_->WriteBatch(batch);
  ASSERT_THAT(results, SizeIs(4));
  ASSERT_OK(absl::get<0>(results[0]).status());
  EXPECT_TRUE(absl::get<0>(results[0])->send);
  EXPECT_THAT(absl::get<1>(results[1]),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a pending create")));
  EXPECT_OK(absl::get<1>(results[2]));
  EXPECT_THAT(absl::get<0>(results[3]),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("owner")));
  // The good writes are stored, once each.
  ASSERT_OK_AND_ASSIGN(TaskRecord created, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(created.create_state, CreateState::kCreated);
  ASSERT_OK_AND_ASSIGN(TaskRecord retried,
                       store_->GetByRequestId("owner-a", "req-1"));
  EXPECT_EQ(retried.row_id, absl::get<0>(results[0])->record.row_id);
  EXPECT_THAT(store_->GetTask("owner-a", "cgt-9"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("cgt-9")));
}

// Fleet mode: a task created with a lease holder is that replica's to poll.
NewCreate LeasedCreate(const std::string& holder) {
  NewCreate c = Create();
  c.lease_holder = holder;
  c.lease_ttl = absl::Seconds(10);
  return c;
}

void CreateLeasedTask(TaskStore& store, int n, const std::string& holder) {
  ASSERT_OK_AND_ASSIGN(
      BeginResult begun,
      store.BeginCreate(LeasedCreate(holder), kT0 + absl::Seconds(n)));
  ASSERT_EQ(begun.record.lease.holder, holder);
  ASSERT_EQ(begun.record.lease.epoch, 1);
  ASSERT_OK(store.FinishCreate(
      begun.record.row_id, CreateState::kCreated,
      Upstream(absl::StrCat("cgt-", n), v1::VIDEO_STATUS_QUEUED, "queued"),
      absl::OkStatus(), kT0 + absl::Seconds(n)));
}

TEST_P(TaskStoreContract, LiveLeasesAreNotClaimedExpiredOnesAre) {
  CreateLeasedTask(*store_, 1, "replica-a");
  CreateLeasedTask(*store_, 2, "replica-a");
  CreateTask(*store_, 3);  // created without a lease: free to claim
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(5),
                          absl::Seconds(10), 100));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].task_id, "cgt-3");
  EXPECT_EQ(claimed[0].lease.holder, "replica-b");
  EXPECT_EQ(claimed[0].lease.epoch, 1);
  // replica-a stops renewing (it died): past the TTL its tasks are free
  // (and so is replica-b's own unrenewed one, under a new epoch).
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimLeases("replica-b", {"owner-a"},
                                                    kT0 + absl::Seconds(30),
                                                    absl::Seconds(10), 100));
  ASSERT_THAT(claimed, SizeIs(3));
  EXPECT_EQ(claimed[0].task_id, "cgt-1");
  EXPECT_EQ(claimed[0].lease.holder, "replica-b");
  EXPECT_EQ(claimed[0].lease.epoch, 2);  // a new epoch fences replica-a
  // Another owner's tasks are never claimed for this one.
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimLeases("replica-c", {"owner-b"},
                                                    kT0 + absl::Hours(1),
                                                    absl::Seconds(10), 100));
  EXPECT_THAT(claimed, SizeIs(0));
}

TEST_P(TaskStoreContract, RenewKeepsLeasesOnlyUntilTheyExpire) {
  CreateLeasedTask(*store_, 1, "replica-a");
  CreateLeasedTask(*store_, 2, "replica-a");
  ASSERT_OK_AND_ASSIGN(auto held,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(8),
                                           absl::Seconds(10)));
  EXPECT_THAT(held, SizeIs(2));
  // Renewed to 18 s: not claimable at 15 s.
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(15),
                          absl::Seconds(10), 1));
  EXPECT_THAT(claimed, SizeIs(0));
  // replica-a pauses past its TTL; replica-b claims one (limit 1).
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimLeases("replica-b", {"owner-a"},
                                                    kT0 + absl::Seconds(20),
                                                    absl::Seconds(10), 1));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].task_id, "cgt-1");  // oldest first
  // The other expired lease is lost too, though nobody took it: replica-a
  // may have stopped following its task meanwhile (cut off from the
  // store), so it must claim it again, under a new epoch.
  ASSERT_OK_AND_ASSIGN(held,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(21),
                                           absl::Seconds(10)));
  EXPECT_THAT(held, SizeIs(0));
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimLeases("replica-a", {"owner-a"},
                                                    kT0 + absl::Seconds(21),
                                                    absl::Seconds(10), 10));
  ASSERT_THAT(claimed, SizeIs(1));
  EXPECT_EQ(claimed[0].task_id, "cgt-2");
  EXPECT_EQ(claimed[0].lease.epoch, 2);
  ASSERT_OK_AND_ASSIGN(held,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(22),
                                           absl::Seconds(10)));
  ASSERT_THAT(held, SizeIs(1));
  EXPECT_EQ(held[0].task_id, "cgt-2");
  // A final task's lease is not renewed: nothing left to poll.
  ASSERT_OK(
      store_
          ->RecordObservation("owner-a", "cgt-2",
                              Seen("cgt-2", v1::VIDEO_STATUS_SUCCEEDED,
                                   "succeeded", 50, kT0 + absl::Seconds(22)))
          .status());
  ASSERT_OK_AND_ASSIGN(held,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(23),
                                           absl::Seconds(10)));
  EXPECT_THAT(held, SizeIs(0));
}

TEST_P(TaskStoreContract, WritesOfALostLeaseAreRefused) {
  CreateLeasedTask(*store_, 1, "replica-a");
  Observation mine = Seen("cgt-1", v1::VIDEO_STATUS_RUNNING, "running", 20,
                          kT0 + absl::Seconds(5));
  mine.fence = Lease{"replica-a", 1, absl::InfinitePast()};
  ASSERT_OK(store_->RecordObservation("owner-a", "cgt-1", mine).status());
  // replica-b takes over after replica-a's lease expired.
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(60),
                          absl::Seconds(10), 10));
  ASSERT_THAT(claimed, SizeIs(1));
  Observation late = Seen("cgt-1", v1::VIDEO_STATUS_FAILED, "failed", 50,
                          kT0 + absl::Seconds(61));
  late.fence = Lease{"replica-a", 1, absl::InfinitePast()};
  EXPECT_THAT(
      store_->RecordObservation("owner-a", "cgt-1", late),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("lease lost")));
  Observation next = Seen("cgt-1", v1::VIDEO_STATUS_SUCCEEDED, "succeeded", 50,
                          kT0 + absl::Seconds(62));
  next.fence = Lease{"replica-b", 2, absl::InfinitePast()};
  ASSERT_OK(store_->RecordObservation("owner-a", "cgt-1", next).status());
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_SUCCEEDED);
  ASSERT_OK_AND_ASSIGN(auto transitions,
                       store_->Transitions("owner-a", "cgt-1"));
  ASSERT_THAT(transitions, SizeIs(3));
  EXPECT_EQ(transitions.back().status, v1::VIDEO_STATUS_SUCCEEDED);
}

TEST_P(TaskStoreContract, ReleasedLeasesAreClaimableAtOnce) {
  CreateLeasedTask(*store_, 1, "replica-a");
  CreateLeasedTask(*store_, 2, "replica-a");
  ASSERT_OK_AND_ASSIGN(int64_t released, store_->ReleaseLeases("replica-a"));
  EXPECT_EQ(released, 2);
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(3),
                          absl::Seconds(10), 10));
  EXPECT_THAT(claimed, SizeIs(2));
  ASSERT_OK_AND_ASSIGN(auto held,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(4),
                                           absl::Seconds(10)));
  EXPECT_THAT(held, SizeIs(0));
}

TEST_P(TaskStoreContract, TheHoldersLastContactIsRecordedForEveryReplica) {
  CreateLeasedTask(*store_, 1, "replica-a");
  CreateLeasedTask(*store_, 2, "replica-a");
  ASSERT_OK_AND_ASSIGN(TaskRecord before, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(before.last_contact, absl::InfinitePast()) << "never heard yet";
  const int64_t row1 = before.row_id;
  ASSERT_OK_AND_ASSIGN(TaskRecord other, store_->GetTask("owner-a", "cgt-2"));
  const int64_t row2 = other.row_id;

  const TaskContact contacts[] = {{row1, kT0 + absl::Seconds(7)},
                                  {row2, kT0 + absl::Seconds(8)}};
  ASSERT_OK(store_->RecordContacts("replica-a", contacts));
  ASSERT_OK_AND_ASSIGN(TaskRecord one, store_->GetTask("owner-a", "cgt-1"));
  ASSERT_OK_AND_ASSIGN(TaskRecord two, store_->GetTask("owner-a", "cgt-2"));
  EXPECT_EQ(one.last_contact, kT0 + absl::Seconds(7));
  EXPECT_EQ(two.last_contact, kT0 + absl::Seconds(8));

  // Never backwards, and never by a replica that does not hold the lease.
  const TaskContact older[] = {{row1, kT0 + absl::Seconds(1)}};
  ASSERT_OK(store_->RecordContacts("replica-a", older));
  const TaskContact stranger[] = {{row1, kT0 + absl::Seconds(99)}};
  ASSERT_OK(store_->RecordContacts("replica-b", stranger));
  ASSERT_OK_AND_ASSIGN(one, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(one.last_contact, kT0 + absl::Seconds(7));
  ASSERT_OK(store_->RecordContacts("replica-a", {}));
}

TEST_P(TaskStoreContract, SharesCountTheLiveReplicasAndTheirLeases) {
  for (int n = 1; n <= 5; ++n) CreateLeasedTask(*store_, n, "replica-a");
  ASSERT_OK_AND_ASSIGN(
      LeaseShare a,
      store_->ShareLeases("replica-a", {"owner-a"}, kT0 + absl::Seconds(6),
                          absl::Seconds(10)));
  EXPECT_EQ(a.live_replicas, 1);
  EXPECT_EQ(a.followed, 5);
  EXPECT_EQ(a.held, 5);
  EXPECT_EQ(a.fair(), 5);
  ASSERT_OK_AND_ASSIGN(
      LeaseShare b,
      store_->ShareLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(7),
                          absl::Seconds(10)));
  EXPECT_EQ(b.live_replicas, 2);
  EXPECT_EQ(b.held, 0);
  EXPECT_EQ(b.fair(), 3);
  // replica-a gives up its newest two; replica-b may claim them.
  ASSERT_OK_AND_ASSIGN(auto shed, store_->ShedLeases("replica-a", 2));
  ASSERT_THAT(shed, SizeIs(2));
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(8),
                          absl::Seconds(10), 10));
  ASSERT_THAT(claimed, SizeIs(2));
  EXPECT_THAT(
      (std::vector<std::string>{claimed[0].task_id, claimed[1].task_id}),
      ::testing::UnorderedElementsAre("cgt-4", "cgt-5"));
  // A replica not seen within the TTL no longer counts; one that drained
  // (released its leases) stops counting at once.
  ASSERT_OK_AND_ASSIGN(
      b, store_->ShareLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(18),
                             absl::Seconds(10)));
  EXPECT_EQ(b.live_replicas, 1) << "replica-a was last seen at 6 s";
  ASSERT_OK_AND_ASSIGN(
      a, store_->ShareLeases("replica-a", {"owner-a"}, kT0 + absl::Seconds(18),
                             absl::Seconds(10)));
  EXPECT_EQ(a.live_replicas, 2);
  ASSERT_OK(store_->ReleaseLeases("replica-a").status());
  ASSERT_OK_AND_ASSIGN(
      b, store_->ShareLeases("replica-b", {"owner-a"}, kT0 + absl::Seconds(19),
                             absl::Seconds(10)));
  EXPECT_EQ(b.live_replicas, 1);
}

// A replica leases the tasks of every owner whose key it has (the
// gateway's own, each tenant's) in one round: shares count them together,
// claims take from all of them, and held leases say whose task each is.
TEST_P(TaskStoreContract, LeasesSpanSeveralOwnersAndSayWhoseEachTaskIs) {
  CreateTask(*store_, 1, "owner-a");
  CreateTask(*store_, 2, "owner-b");
  CreateTask(*store_, 3, "owner-c");  // a key this replica does not have
  const std::vector<std::string> owners = {"owner-a", "owner-b"};
  ASSERT_OK_AND_ASSIGN(
      LeaseShare share,
      store_->ShareLeases("replica-a", owners, kT0 + absl::Seconds(5),
                          absl::Seconds(10)));
  EXPECT_EQ(share.followed, 2);
  EXPECT_EQ(share.held, 0);
  ASSERT_OK_AND_ASSIGN(
      auto claimed,
      store_->ClaimLeases("replica-a", owners, kT0 + absl::Seconds(5),
                          absl::Seconds(10), 100));
  ASSERT_THAT(claimed, SizeIs(2));
  EXPECT_EQ(claimed[0].owner, "owner-a");
  EXPECT_EQ(claimed[1].owner, "owner-b");
  ASSERT_OK_AND_ASSIGN(auto renewed,
                       store_->RenewLeases("replica-a", kT0 + absl::Seconds(6),
                                           absl::Seconds(10)));
  ASSERT_THAT(renewed, SizeIs(2));
  EXPECT_EQ(renewed[0].task_id, "cgt-1");
  EXPECT_EQ(renewed[0].owner, "owner-a");
  EXPECT_EQ(renewed[1].task_id, "cgt-2");
  EXPECT_EQ(renewed[1].owner, "owner-b");
  ASSERT_OK_AND_ASSIGN(auto shed, store_->ShedLeases("replica-a", 1));
  ASSERT_THAT(shed, SizeIs(1));
  EXPECT_EQ(shed[0].task_id, "cgt-2");
  EXPECT_EQ(shed[0].owner, "owner-b");
  // No owners: nothing to claim or count (a gateway with neither its own
  // key nor tenants).
  ASSERT_OK_AND_ASSIGN(
      claimed, store_->ClaimLeases("replica-b", {}, kT0 + absl::Seconds(7),
                                   absl::Seconds(10), 100));
  EXPECT_THAT(claimed, SizeIs(0));
  ASSERT_OK_AND_ASSIGN(
      share, store_->ShareLeases("replica-b", {}, kT0 + absl::Seconds(7),
                                 absl::Seconds(10)));
  EXPECT_EQ(share.followed, 0);
  // An owner no store makes is refused, not spliced into a statement.
  EXPECT_THAT(
      store_->ClaimLeases("replica-b", {"owner\"]"}, kT0 + absl::Seconds(7),
                          absl::Seconds(10), 100),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("owner")));
}

TEST_P(TaskStoreContract, ConcurrentClaimersNeverShareATask) {
  for (int n = 1; n <= 30; ++n) CreateTask(*store_, n);
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<TaskStore>> stores;
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, location_->Open());
    stores.push_back(std::move(store));
  }
  absl::Barrier start(kReplicas);
  std::vector<std::vector<std::string>> got(kReplicas);
  std::vector<std::thread> replicas;
  replicas.reserve(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      start.Block();
      for (int round = 0; round < 10; ++round) {
        auto claimed =
            stores[i]->ClaimLeases(absl::StrCat("replica-", i), {"owner-a"},
                                   kT0 + absl::Hours(1), absl::Seconds(10), 2);
        if (!claimed.ok()) {
          ADD_FAILURE() << claimed.status();
          return;
        }
        for (const TaskRecord& r : *claimed) got[i].push_back(r.task_id);
      }
    });
  }
  for (auto& t : replicas) t.join();
  std::vector<std::string> all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  EXPECT_THAT(all, SizeIs(30));
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
}

TEST_P(TaskStoreContract, OwnerKeyIsMadeOnceAndSharedByEveryConnection) {
  ASSERT_OK_AND_ASSIGN(std::string key, store_->OwnerKey());
  EXPECT_EQ(key.size(), 32u);
  ASSERT_OK_AND_ASSIGN(auto other, location_->Open());  // another replica
  ASSERT_OK_AND_ASSIGN(std::string again, other->OwnerKey());
  EXPECT_EQ(again, key);
}

std::vector<ListQuery> ListQueriesOfEveryShape(const std::string& owner) {
  ListQuery all;
  all.owner = owner;
  ListQuery running = all;
  running.status_in = std::vector<v1::VideoStatus>{v1::VIDEO_STATUS_RUNNING,
                                                   v1::VIDEO_STATUS_QUEUED};
  ListQuery next_page = running;
  next_page.page_token = EncodePageToken({1700000000000000, 42});
  next_page.create_time.push_back(
      {TimeCondition::Op::kGreaterOrEqual, absl::FromUnixSeconds(1600000000)});
  return {all, running, next_page};
}

}  // namespace seedance::store::testing
