#include "server/gateway/task_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {

struct StoreRecorder::Write {
  std::string owner;
  std::string task_id;
  store::Observation observation;
  std::unique_ptr<upstream::BackoffPolicy> backoff;
  int attempts = 0;
};

StoreRecorder::StoreRecorder(store::AsyncTaskStore& store, Scheduler& scheduler,
                             const upstream::BackoffPolicy& backoff,
                             int max_attempts)
    : store_(store),
      scheduler_(scheduler),
      backoff_(backoff),
      max_attempts_(max_attempts) {}

void StoreRecorder::Record(const std::string& owner, const std::string& task_id,
                           const store::Observation& observation) {
  auto write = std::make_shared<Write>();
  write->owner = owner;
  write->task_id = task_id;
  write->observation = observation;
  Attempt(std::move(write));
}

void StoreRecorder::Attempt(std::shared_ptr<Write> write) {
  ++write->attempts;
  std::string owner = write->owner;
  std::string task_id = write->task_id;
  store::Observation observation = write->observation;
  store_.RecordObservation(
      std::move(owner), std::move(task_id), std::move(observation),
      [this, write](const absl::StatusOr<store::TaskRecord>& stored) mutable {
        if (stored.ok()) return;
        if (absl::IsFailedPrecondition(stored.status())) {
          // Recorded under a lease another replica holds now: that
          // replica records the task; trying again cannot succeed.
          return;
        }
        // An older state arriving after a newer one is ignored by the
        // store, so a late retry cannot undo anything.
        if (write->attempts >= max_attempts_) {
          LogStoreFailure(
              absl::StrCat("recording task ", write->task_id, " (gave up)"),
              stored.status());
          return;
        }
        LogStoreFailure(
            absl::StrCat("recording task ", write->task_id, " (will retry)"),
            stored.status());
        if (!write->backoff) write->backoff = backoff_.clone();
        const absl::Duration delay = write->backoff->OnCompletion();
        scheduler_.RunAfter(
            delay, [this, write]() mutable { Attempt(std::move(write)); });
      });
}

}  // namespace seedance::gateway
