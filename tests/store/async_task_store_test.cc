// AsyncTaskStore: calls run on the store's executor, never the caller's
// thread; every callback runs once, also when the store is overloaded or
// the executor drops the call.
#include "server/store/async_task_store.h"

#include <memory>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "tests/testing/fake_executors.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::ManualExecutor;
using ::seedance::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

class MockTaskStore : public TaskStore {
 public:
  MOCK_METHOD(absl::StatusOr<BeginResult>, BeginCreate,
              (const NewCreate&, absl::Time), (override));
  MOCK_METHOD(absl::Status, FinishCreate,
              (int64_t, CreateState, const v1::Video&, const absl::Status&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<TaskRecord>, RecordObservation,
              (const std::string&, const std::string&, const Observation&),
              (override));
  MOCK_METHOD(absl::StatusOr<TaskRecord>, GetTask,
              (const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<TaskRecord>, GetByRequestId,
              (const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<TransitionRecord>>, Transitions,
              (const std::string&, const std::string&), (override));
  MOCK_METHOD(absl::StatusOr<ListPage>, ListTasks, (const ListQuery&),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<TaskRecord>>, ListUnfinished,
              (int64_t, int), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, ExpireBefore, (absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<TaskRecord>>, ClaimLeases,
              (const std::string&, absl::Span<const std::string>, absl::Time,
               absl::Duration, int),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<HeldLease>>, RenewLeases,
              (const std::string&, absl::Time, absl::Duration), (override));
  MOCK_METHOD(absl::StatusOr<int64_t>, ReleaseLeases, (const std::string&),
              (override));
  MOCK_METHOD(absl::Status, RecordContacts,
              (const std::string&, absl::Span<const TaskContact>), (override));
  MOCK_METHOD(absl::StatusOr<LeaseShare>, ShareLeases,
              (const std::string&, absl::Span<const std::string>, absl::Time,
               absl::Duration),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<HeldLease>>, ShedLeases,
              (const std::string&, int), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, OwnerKey, (), (override));
};

// An executor that has stopped: it destroys every closure unrun.
class StoppedExecutor final : public Executor {
 public:
  void Run(Closure fn) override { Closure dropped = std::move(fn); }
};

TaskRecord Task(const std::string& id) {
  TaskRecord r;
  r.task_id = id;
  return r;
}

TEST(AsyncTaskStoreTest, CallsRunOnTheStoreExecutorThenAnswer) {
  MockTaskStore store;
  ManualExecutor executor;
  AsyncTaskStore async(store, executor, 10);
  EXPECT_CALL(store, GetTask("owner-a", "cgt-1"))
      .WillOnce(Return(Task("cgt-1")));
  absl::StatusOr<TaskRecord> got = absl::UnknownError("not yet");
  async.GetTask("owner-a", "cgt-1",
                [&](absl::StatusOr<TaskRecord> r) { got = std::move(r); });
  // Nothing ran on the caller's thread.
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kUnknown, HasSubstr("not yet")));
  EXPECT_EQ(async.pending(), 1);
  EXPECT_EQ(executor.RunAll(), 1u);
  ASSERT_OK(got.status());
  EXPECT_EQ(got->task_id, "cgt-1");
  EXPECT_EQ(async.pending(), 0);
}

TEST(AsyncTaskStoreTest, OverloadedStoreRefusesAtOnceAndRecovers) {
  MockTaskStore store;
  ManualExecutor executor;
  AsyncTaskStore async(store, executor, /*max_pending=*/2);
  EXPECT_CALL(store, GetTask(_, _)).WillRepeatedly(Return(Task("x")));
  int answered = 0;
  auto count = [&](const absl::StatusOr<TaskRecord>& r) {
    EXPECT_OK(r.status());
    ++answered;
  };
  async.GetTask("o", "a", count);
  async.GetTask("o", "b", count);
  absl::Status refused;
  async.GetTask("o", "c", [&](const absl::StatusOr<TaskRecord>& r) {
    refused = r.status();
  });
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable,
                                HasSubstr("overloaded (2 calls waiting)")));
  executor.RunAll();
  EXPECT_EQ(answered, 2);
  async.GetTask("o", "d", count);  // room again
  executor.RunAll();
  EXPECT_EQ(answered, 3);
}

TEST(AsyncTaskStoreTest, CallDroppedByAStoppedExecutorStillAnswers) {
  MockTaskStore store;
  StoppedExecutor executor;
  AsyncTaskStore async(store, executor, 10);
  EXPECT_CALL(store, BeginCreate(_, _)).Times(0);
  absl::Status status;
  async.BeginCreate(
      NewCreate(), absl::Now(),
      [&](const absl::StatusOr<BeginResult>& r) { status = r.status(); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("shutting down")));
  EXPECT_EQ(async.pending(), 0);
}

// Shutdown waits for the writes queued before its drain began (the last
// states the pollers saw), not for creates that keep arriving after it.
TEST(AsyncTaskStoreTest, WritesQueuedBeforeTheDrainAreCountedUntilDone) {
  MockTaskStore store;
  ManualExecutor executor;
  AsyncTaskStore async(store, executor, 10);
  EXPECT_CALL(store, FinishCreate(_, _, _, _, _))
      .WillRepeatedly(Return(absl::OkStatus()));
  int answered = 0;
  auto finish = [&](int64_t row_id) {
    async.FinishCreate(row_id, CreateState::kCreated, v1::Video(),
                       absl::OkStatus(), absl::Now(),
                       [&](const absl::Status&) { ++answered; });
  };
  finish(1);
  finish(2);
  EXPECT_EQ(async.writes_before_drain(), 2);
  async.BeginDrain();
  finish(3);  // after the drain began: not waited for
  EXPECT_EQ(async.writes_before_drain(), 2);
  EXPECT_EQ(async.pending(), 3);
  executor.RunAll();
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(async.writes_before_drain(), 0);
  EXPECT_EQ(async.pending(), 0);
}

TEST(AsyncTaskStoreTest, FinishCreatePassesTheStoreStatusThrough) {
  MockTaskStore store;
  ManualExecutor executor;
  AsyncTaskStore async(store, executor, 10);
  EXPECT_CALL(store, FinishCreate(7, CreateState::kUnknown, _, _, _))
      .WillOnce(Return(absl::FailedPreconditionError("not a pending create")));
  absl::Status status;
  async.FinishCreate(7, CreateState::kUnknown, v1::Video(),
                     absl::DeadlineExceededError("no answer"), absl::Now(),
                     [&](absl::Status s) { status = std::move(s); });
  executor.RunAll();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("pending")));
}

}  // namespace
}  // namespace seedance::store
