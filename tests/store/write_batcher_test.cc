// WriteBatcher: a write starts at once when the store is free; writes that
// arrive while it is busy are committed together; every write is answered
// once, in its own shape, also when the executor has stopped.
#include "server/store/write_batcher.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "tests/testing/fake_executors.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::ManualExecutor;
using ::seedance::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records each batch it gets and answers every write with the task id
// "cgt-<n>" (observations) or OK.
class RecordingStore final : public TaskStore {
 public:
  std::vector<WriteResult> WriteBatch(
      absl::Span<const WriteCall> batch) override {
    batch_sizes.push_back(batch.size());
    std::vector<WriteResult> out;
    for (const WriteCall& call : batch) {
      if (const auto* seen = absl::get_if<RecordObservationCall>(&call)) {
        TaskRecord r;
        r.task_id = seen->task_id;
        out.emplace_back(absl::in_place_index<2>, std::move(r));
      } else {
        out.push_back(WriteFailed(call, absl::OkStatus()));
      }
    }
    return out;
  }
  absl::StatusOr<BeginResult> BeginCreate(const NewCreate&,
                                          absl::Time) override {
    return absl::UnimplementedError("batched only");
  }
  absl::Status FinishCreate(int64_t, CreateState, const v1::Video&,
                            const absl::Status&, absl::Time) override {
    return absl::UnimplementedError("batched only");
  }
  absl::StatusOr<TaskRecord> RecordObservation(const std::string&,
                                               const std::string&,
                                               const Observation&) override {
    return absl::UnimplementedError("batched only");
  }
  absl::StatusOr<TaskRecord> GetTask(const std::string&,
                                     const std::string&) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<TaskRecord> GetByRequestId(const std::string&,
                                            const std::string&) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<std::vector<TransitionRecord>> Transitions(
      const std::string&, const std::string&) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<ListPage> ListTasks(const ListQuery&) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<std::vector<TaskRecord>> ListUnfinished(int64_t,
                                                         int) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<int64_t> ExpireBefore(absl::Time) override {
    return absl::UnimplementedError("no reads");
  }
  absl::StatusOr<std::vector<TaskRecord>> ClaimLeases(
      const std::string&, absl::Span<const std::string>, absl::Time,
      absl::Duration, int) override {
    return absl::UnimplementedError("no leases");
  }
  absl::StatusOr<std::vector<HeldLease>> RenewLeases(const std::string&,
                                                     absl::Time,
                                                     absl::Duration) override {
    return absl::UnimplementedError("no leases");
  }
  absl::StatusOr<int64_t> ReleaseLeases(const std::string&) override {
    return absl::UnimplementedError("no leases");
  }
  absl::Status RecordContacts(const std::string&,
                              absl::Span<const TaskContact>) override {
    return absl::UnimplementedError("no leases");
  }
  absl::StatusOr<LeaseShare> ShareLeases(const std::string&,
                                         absl::Span<const std::string>,
                                         absl::Time, absl::Duration) override {
    return absl::UnimplementedError("no leases");
  }
  absl::StatusOr<std::vector<HeldLease>> ShedLeases(const std::string&,
                                                    int) override {
    return absl::UnimplementedError("no leases");
  }
  absl::StatusOr<std::string> OwnerKey() override {
    return absl::UnimplementedError("no reads");
  }

  std::vector<size_t> batch_sizes;
};

// An executor that has stopped: it destroys every closure unrun.
class StoppedExecutor final : public Executor {
 public:
  void Run(Closure fn) override { Closure dropped = std::move(fn); }
};

RecordObservationCall Observe(int n) {
  return RecordObservationCall{"owner-a", "cgt-" + std::to_string(n), {}};
}

TEST(WriteBatcherTest, WriteToAFreeStoreStartsAtOnceAlone) {
  RecordingStore store;
  ManualExecutor executor;
  WriteBatcher batcher(store, executor, /*max_running=*/1, /*max_batch=*/64);
  std::string answered;
  batcher.Submit(Observe(1),
                 [&](WriteResult r) { answered = absl::get<2>(r)->task_id; });
  EXPECT_EQ(executor.pending(), 1u);  // posted now, not when a batch fills
  executor.RunAll();
  EXPECT_EQ(answered, "cgt-1");
  EXPECT_THAT(store.batch_sizes, ElementsAre(1));
}

TEST(WriteBatcherTest, WritesArrivingWhileTheStoreIsBusyGoTogether) {
  RecordingStore store;
  ManualExecutor executor;
  WriteBatcher batcher(store, executor, /*max_running=*/1, /*max_batch=*/64);
  std::vector<std::string> answers;
  for (int n = 1; n <= 5; ++n) {
    batcher.Submit(Observe(n), [&](WriteResult r) {
      answers.push_back(absl::get<2>(r)->task_id);
    });
  }
  // One drain is posted; the other four wait for it.
  EXPECT_EQ(executor.pending(), 1u);
  executor.RunAll();
  EXPECT_THAT(store.batch_sizes, ElementsAre(5));
  // Each answer is its own write's, in order.
  EXPECT_THAT(answers,
              ElementsAre("cgt-1", "cgt-2", "cgt-3", "cgt-4", "cgt-5"));
}

TEST(WriteBatcherTest, BatchesAreCappedAndTheRestFollowsAsNewTasks) {
  RecordingStore store;
  ManualExecutor executor;
  WriteBatcher batcher(store, executor, /*max_running=*/1, /*max_batch=*/2);
  int answered = 0;
  for (int n = 1; n <= 5; ++n) {
    batcher.Submit(Observe(n), [&](const WriteResult&) { ++answered; });
  }
  // Each batch re-posts the drain, so reads queued on the same executor
  // take their turn in between.
  EXPECT_EQ(executor.RunAll(), 3u);
  EXPECT_THAT(store.batch_sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(answered, 5);
}

TEST(WriteBatcherTest, SeveralBatchesRunAtOnceUpToTheLimit) {
  RecordingStore store;
  ManualExecutor executor;
  WriteBatcher batcher(store, executor, /*max_running=*/2, /*max_batch=*/64);
  for (int n = 1; n <= 4; ++n) {
    batcher.Submit(Observe(n), [](const WriteResult&) {});
  }
  EXPECT_EQ(executor.pending(), 2u);
  executor.RunAll();
  // The first drain took all four; the second found nothing left.
  EXPECT_THAT(store.batch_sizes, ElementsAre(4));
  // Both drains ended: a new write starts at once again.
  batcher.Submit(Observe(5), [](const WriteResult&) {});
  EXPECT_EQ(executor.pending(), 1u);
  executor.RunAll();
}

TEST(WriteBatcherTest, StoppedExecutorAnswersEveryWriteUnavailable) {
  RecordingStore store;
  StoppedExecutor executor;
  WriteBatcher batcher(store, executor, /*max_running=*/1, /*max_batch=*/64);
  absl::Status begun;
  absl::Status finished;
  batcher.Submit(BeginCreateCall{},
                 [&](WriteResult r) { begun = absl::get<0>(r).status(); });
  batcher.Submit(FinishCreateCall{},
                 [&](WriteResult r) { finished = absl::get<1>(r); });
  EXPECT_THAT(begun, StatusIs(absl::StatusCode::kUnavailable,
                              HasSubstr("shutting down")));
  EXPECT_THAT(finished, StatusIs(absl::StatusCode::kUnavailable,
                                 HasSubstr("shutting down")));
  EXPECT_TRUE(store.batch_sizes.empty());
}

}  // namespace
}  // namespace seedance::store
