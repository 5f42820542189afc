// Scenarios of the TaskStore contract for tenants (migration 4,
// server/store/tenant_usage.h): limits checked and estimates reserved in
// the create's transaction, settled when tasks end, released when creates
// are refused; on every engine (see task_store_contract.h).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "tests/store/task_store_contract.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store::testing {
namespace {

const absl::Time kDay = absl::FromUnixSeconds(1764547200);  // 2025-12-01Z
const absl::Time kT0 = kDay + absl::Hours(9);

// The first page (50) of `owner`'s tasks.
ListQuery OwnerPage(const std::string& owner) {
  ListQuery query;
  query.owner = owner;
  return query;
}
constexpr int64_t kEstimate = 1000000;  // 5 s at 0.2 USD

NewCreate TenantCreate(absl::optional<int64_t> budget,
                       absl::optional<int64_t> max_unfinished = absl::nullopt,
                       std::string request_id = "",
                       std::string owner = "tenant-a") {
  NewCreate c;
  c.owner = std::move(owner);
  c.request_id = std::move(request_id);
  c.request_hash = "hash-1";
  c.model = "doubao-seedance-2.0";
  c.price.set_currency_code("USD");
  c.price.set_rate_micros_per_second(200000);
  c.price.set_estimated_micros(kEstimate);
  c.quota = TenantQuota{max_unfinished, budget};
  return c;
}

v1::Video Answer(const std::string& id, v1::VideoStatus status) {
  v1::Video v;
  v.set_id(id);
  v.set_model("doubao-seedance-2.0");
  v.set_status(status);
  v.set_upstream_status(status == v1::VIDEO_STATUS_QUEUED ? "queued" : "x");
  return v;
}

// A tenant's create recorded and accepted upstream as `id`.
void Created(TaskStore& store, const NewCreate& create, const std::string& id,
             absl::Time at = kT0) {
  ASSERT_OK_AND_ASSIGN(BeginResult begun, store.BeginCreate(create, at));
  ASSERT_TRUE(begun.send) << (begun.refused ? begun.refused->description : "");
  ASSERT_OK(store.FinishCreate(begun.record.row_id, CreateState::kCreated,
                               Answer(id, v1::VIDEO_STATUS_QUEUED),
                               absl::OkStatus(), at));
}

void Ends(TaskStore& store, const std::string& id, v1::VideoStatus status,
          int usage_seconds, const std::string& owner = "tenant-a") {
  Observation o;
  o.video = Answer(id, status);
  if (usage_seconds > 0) {
    *o.video.mutable_usage()->mutable_video_duration() =
        google::protobuf::util::TimeUtil::SecondsToDuration(usage_seconds);
  }
  o.sequence = 30;
  o.observed = kT0 + absl::Minutes(1);
  ASSERT_OK(store.RecordObservation(owner, id, o).status());
}

TEST_P(TaskStoreContract, TenantBudgetRefusesTheCreateThatWouldPassIt) {
  const int64_t budget = 2 * kEstimate;
  Created(*store_, TenantCreate(budget), "cgt-1");
  Created(*store_, TenantCreate(budget), "cgt-2");
  ASSERT_OK_AND_ASSIGN(BeginResult third,
                       store_->BeginCreate(TenantCreate(budget), kT0));
  EXPECT_FALSE(third.send);
  ASSERT_TRUE(third.refused.has_value());
  EXPECT_EQ(third.refused->limit, "daily_budget_micros");
  EXPECT_THAT(third.refused->description, ::testing::HasSubstr("2000000"));
  // Refused means nothing recorded.
  ASSERT_OK_AND_ASSIGN(ListPage page, store_->ListTasks(OwnerPage("tenant-a")));
  EXPECT_EQ(page.tasks.size(), 2u);
  // Another tenant's budget is its own.
  Created(*store_, TenantCreate(budget, absl::nullopt, "", "tenant-b"),
          "cgt-3");
}

TEST_P(TaskStoreContract, TenantSpendIsSettledToTheActualCostWhenTasksEnd) {
  const int64_t budget = 2 * kEstimate;
  Created(*store_, TenantCreate(budget), "cgt-1");
  Created(*store_, TenantCreate(budget), "cgt-2");
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.day, kDay);
  EXPECT_EQ(usage.reserved_micros, 2 * kEstimate);
  EXPECT_EQ(usage.spent_micros, 0);
  EXPECT_EQ(usage.unfinished, 2);
  // 4 s made instead of 5: 0.8 USD; a failure costs nothing.
  Ends(*store_, "cgt-1", v1::VIDEO_STATUS_SUCCEEDED, 4);
  Ends(*store_, "cgt-2", v1::VIDEO_STATUS_FAILED, 0);
  // A repeated final observation settles nothing twice.
  Ends(*store_, "cgt-1", v1::VIDEO_STATUS_SUCCEEDED, 4);
  ASSERT_OK_AND_ASSIGN(usage, store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, 0);
  EXPECT_EQ(usage.spent_micros, 800000);
  EXPECT_EQ(usage.unfinished, 0);
  // 1.2 USD left of 2: one more 1 USD create fits, the next does not.
  Created(*store_, TenantCreate(budget), "cgt-3");
  ASSERT_OK_AND_ASSIGN(BeginResult over,
                       store_->BeginCreate(TenantCreate(budget), kT0));
  EXPECT_TRUE(over.refused.has_value());
  // The next UTC day starts from nothing.
  const absl::Time tomorrow = kDay + absl::Hours(24) + absl::Minutes(1);
  ASSERT_OK_AND_ASSIGN(BeginResult next,
                       store_->BeginCreate(TenantCreate(budget), tomorrow));
  EXPECT_TRUE(next.send);
}

// A task can be final in the create's own answer (failed at once), or a
// poll may have seen its end before the create's outcome was written: no
// later observation settles it, so the outcome does.
TEST_P(TaskStoreContract, TenantTaskEndedInItsCreateAnswerIsSettled) {
  ASSERT_OK_AND_ASSIGN(BeginResult begun,
                       store_->BeginCreate(TenantCreate(kEstimate), kT0));
  ASSERT_TRUE(begun.send);
  ASSERT_OK(store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                 Answer("cgt-1", v1::VIDEO_STATUS_FAILED),
                                 absl::OkStatus(), kT0));
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, 0);
  EXPECT_EQ(usage.spent_micros, 0) << "a failed generation is not billed";
  EXPECT_EQ(usage.unfinished, 0);
  // The budget it held is free again.
  Created(*store_, TenantCreate(kEstimate), "cgt-2");
}

// The same through a group-commit batch (the store's fast path for the
// usual outcome must not skip the settlement).
TEST_P(TaskStoreContract, TenantTasksEndedInABatchedCreateAnswerAreSettled) {
  ASSERT_OK_AND_ASSIGN(BeginResult one,
                       store_->BeginCreate(TenantCreate(absl::nullopt), kT0));
  ASSERT_OK_AND_ASSIGN(BeginResult two,
                       store_->BeginCreate(TenantCreate(absl::nullopt), kT0));
  const WriteCall batch[] = {
      FinishCreateCall{one.record.row_id, CreateState::kCreated,
                       Answer("cgt-1", v1::VIDEO_STATUS_FAILED),
                       absl::OkStatus(), kT0},
      FinishCreateCall{two.record.row_id, CreateState::kCreated,
                       Answer("cgt-2", v1::VIDEO_STATUS_FAILED),
                       absl::OkStatus(), kT0}};
  for (const WriteResult& r : store_->WriteBatch(batch)) {
    EXPECT_OK(absl::get<1>(r));
  }
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, 0);
  EXPECT_EQ(usage.unfinished, 0);
}

// Past --track-for nobody learns what a task cost: its reservation is
// counted as spent at the estimate rather than left reserved for ever.
TEST_P(TaskStoreContract, TenantTaskExpiredIsSettledAtItsEstimate) {
  Created(*store_, TenantCreate(absl::nullopt), "cgt-1");
  Created(*store_, TenantCreate(absl::nullopt), "cgt-2");
  Ends(*store_, "cgt-2", v1::VIDEO_STATUS_SUCCEEDED, 4);
  ASSERT_OK_AND_ASSIGN(int64_t expired,
                       store_->ExpireBefore(kT0 + absl::Hours(1)));
  EXPECT_EQ(expired, 1);
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, 0);
  EXPECT_EQ(usage.spent_micros, kEstimate + 800000);
  EXPECT_EQ(usage.unfinished, 0);
  // Expiring again changes nothing.
  ASSERT_OK_AND_ASSIGN(expired, store_->ExpireBefore(kT0 + absl::Hours(2)));
  EXPECT_EQ(expired, 0);
  ASSERT_OK_AND_ASSIGN(usage, store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.spent_micros, kEstimate + 800000);
}

TEST_P(TaskStoreContract, TenantReservationIsReleasedWhenTheCreateIsRefused) {
  const int64_t budget = kEstimate;
  ASSERT_OK_AND_ASSIGN(BeginResult begun,
                       store_->BeginCreate(TenantCreate(budget), kT0));
  ASSERT_TRUE(begun.send);
  ASSERT_OK(store_->FinishCreate(
      begun.record.row_id, CreateState::kRejected, v1::Video(),
      absl::InvalidArgumentError("bad prompt"), kT0));
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, 0);
  Created(*store_, TenantCreate(budget), "cgt-1");
}

TEST_P(TaskStoreContract, TenantMaxUnfinishedCountsTasksNotYetEnded) {
  Created(*store_, TenantCreate(absl::nullopt, 2), "cgt-1");
  Created(*store_, TenantCreate(absl::nullopt, 2), "cgt-2");
  ASSERT_OK_AND_ASSIGN(
      BeginResult third,
      store_->BeginCreate(TenantCreate(absl::nullopt, 2), kT0));
  ASSERT_TRUE(third.refused.has_value());
  EXPECT_EQ(third.refused->limit, "max_unfinished");
  Ends(*store_, "cgt-1", v1::VIDEO_STATUS_SUCCEEDED, 5);
  Created(*store_, TenantCreate(absl::nullopt, 2), "cgt-3");
}

// max_unfinished is not per day: creates racing across midnight (half
// just before, half just after) on separate connections still admit one.
TEST_P(TaskStoreContract, TenantMaxUnfinishedHoldsAcrossMidnight) {
  constexpr int kRacers = 8;
  std::vector<std::unique_ptr<TaskStore>> stores;
  for (int i = 0; i < kRacers; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, location_->Open());
    stores.push_back(std::move(store));
  }
  const absl::Time midnight = kDay + absl::Hours(24);
  std::atomic<int> admitted{0};
  absl::Barrier start(kRacers);
  std::vector<std::thread> racers;
  racers.reserve(kRacers);
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      const absl::Time at = midnight + (i % 2 == 0 ? -absl::Milliseconds(1)
                                                   : absl::Milliseconds(1));
      start.Block();
      absl::StatusOr<BeginResult> begun =
          stores[i]->BeginCreate(TenantCreate(absl::nullopt, 1), at);
      ASSERT_OK(begun.status());
      if (begun->send) admitted.fetch_add(1);
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(admitted.load(), 1);
}

TEST_P(TaskStoreContract, TenantRetryOfACreatedRequestIdIsAnsweredNotCharged) {
  Created(*store_, TenantCreate(kEstimate, absl::nullopt, "req-1"), "cgt-1");
  // Over budget now, yet the retry gets its task back.
  ASSERT_OK_AND_ASSIGN(
      BeginResult again,
      store_->BeginCreate(TenantCreate(kEstimate, absl::nullopt, "req-1"),
                          kT0));
  EXPECT_FALSE(again.refused.has_value());
  EXPECT_FALSE(again.send);
  EXPECT_EQ(again.record.task_id, "cgt-1");
  ASSERT_OK_AND_ASSIGN(TenantUsage usage,
                       store_->GetTenantUsage("tenant-a", kT0, kT0));
  EXPECT_EQ(usage.reserved_micros, kEstimate);
}

TEST_P(TaskStoreContract, TenRacingCreatesAgainstATwoVideoBudgetMakeTwo) {
  constexpr int kCallers = 10;
  // One connection each, as replicas have.
  std::vector<std::unique_ptr<TaskStore>> stores;
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, location_->Open());
    stores.push_back(std::move(store));
  }
  std::atomic<int> sends{0};
  std::atomic<int> refusals{0};
  absl::Barrier start(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      start.Block();
      auto begun = stores[i]->BeginCreate(TenantCreate(2 * kEstimate), kT0);
      if (!begun.ok()) {
        ADD_FAILURE() << begun.status();
      } else if (begun->send) {
        sends.fetch_add(1);
      } else if (begun->refused) {
        refusals.fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sends.load(), 2);
  EXPECT_EQ(refusals.load(), kCallers - 2);
}

TEST_P(TaskStoreContract, TenantRefusalInABatchLeavesTheOthersWritten) {
  std::vector<WriteCall> batch;
  batch.reserve(3);
  for (int i = 0; i < 3; ++i) {
    batch.push_back(BeginCreateCall{TenantCreate(2 * kEstimate), kT0});
  }
  std::vector<WriteResult> results = store_->WriteBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  int sends = 0, refusals = 0;
  for (const WriteResult& r : results) {
    const auto& begun = absl::get<0>(r);
    ASSERT_OK(begun.status());
    sends += begun->send;
    refusals += begun->refused.has_value();
  }
  EXPECT_EQ(sends, 2);
  EXPECT_EQ(refusals, 1);
}

}  // namespace
}  // namespace seedance::store::testing
