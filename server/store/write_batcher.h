// WriteBatcher: group commit for the task store's writes. Writes queue here
// and a store thread takes all that wait (up to a batch) into one
// TaskStore::WriteBatch, so that under load many creates and observations
// share one transaction: one commit (one disk flush), the b-tree pages they
// touch written once, one hop to a store thread instead of one each.
//
//   WriteBatcher batcher(store, store_threads, /*max_running=*/1,
//                        /*max_batch=*/64);
//   batcher.Submit(BeginCreateCall{create, now}, [](WriteResult r) { ... });
//
// No write waits for a batch to fill: when a store thread is free, a write
// starts at once (a batch of one); only writes that arrive while the store
// is busy wait, and they then go together. At most `max_running` batches
// run at once (SQLite: one; PostgreSQL: as many as connections).
//
// Each `done` runs exactly once, on a store thread, or with UNAVAILABLE on
// the thread that learns the executor has stopped.
#ifndef SEEDANCE_SERVER_STORE_WRITE_BATCHER_H_
#define SEEDANCE_SERVER_STORE_WRITE_BATCHER_H_

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "server/common/executor.h"
#include "server/store/task_store.h"

namespace seedance::store {

class WriteBatcher {
 public:
  using Done = absl::AnyInvocable<void(WriteResult) &&>;

  // `store` and `executor` outlive this object, and the executor has run
  // or dropped every closure before it is destroyed (stop it first).
  WriteBatcher(TaskStore& store, Executor& executor, int max_running,
               int max_batch);

  // Queues `call`; `done` gets its result.
  void Submit(WriteCall call, Done done);

 private:
  struct Queued {
    WriteCall call;
    Done done;
  };
  class DrainTask;

  // Posts a DrainTask. `running_` already counts it.
  void StartDrain();
  // One batch: takes what waits, writes it, answers, and starts the next
  // drain if more arrived meanwhile (a new task, so that reads queued on
  // the same executor get their turn in between).
  void Drain();
  // The executor dropped a drain unrun: it has stopped, so everything that
  // waits is answered UNAVAILABLE.
  void Abandon();

  TaskStore& store_;
  Executor& executor_;
  const int max_running_;
  const int max_batch_;

  absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  // Drains posted or running.
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_WRITE_BATCHER_H_
