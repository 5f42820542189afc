// AsyncTaskStore: a TaskStore's calls run on the store's own threads, with
// a callback, so that no gRPC reaction, transport or scheduler thread ever
// waits for a disk or a database.
//
//   AsyncTaskStore async(store, store_threads, /*max_pending=*/10000);
//   async.BeginCreate(create, now, [](absl::StatusOr<BeginResult> r) {
//     // runs on a store thread (or at once on the caller's, see below)
//   });
//
// Writes (BeginCreate, FinishCreate, RecordObservation) go through a
// WriteBatcher: those that arrive while the store is busy are committed
// together (group commit). Reads run one call per closure.
//
// Every callback runs exactly once. When `max_pending` calls already wait
// (the store is slower than the traffic), or the executor has stopped, the
// callback gets UNAVAILABLE at once, on the calling thread: a slow store
// then delays only the calls that need it, and memory stays bounded.
#ifndef SEEDANCE_SERVER_STORE_ASYNC_TASK_STORE_H_
#define SEEDANCE_SERVER_STORE_ASYNC_TASK_STORE_H_

#include <atomic>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "server/common/executor.h"
#include "server/store/task_store.h"
#include "server/store/write_batcher.h"

namespace seedance::store {

class AsyncTaskStore {
 public:
  template <typename T>
  using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
  using StatusCallback = absl::AnyInvocable<void(absl::Status) &&>;

  // `store` and `executor` outlive this object. At most `write_batches`
  // batches of writes run at once (one per store connection) and a batch
  // holds at most `max_batch` writes.
  AsyncTaskStore(TaskStore& store, Executor& executor, int max_pending,
                 int write_batches = 1, int max_batch = 64);

  void BeginCreate(NewCreate create, absl::Time now,
                   Callback<BeginResult> done);
  void FinishCreate(int64_t row_id, CreateState outcome, v1::Video video,
                    absl::Status error, absl::Time now, StatusCallback done);
  void RecordObservation(std::string owner, std::string task_id,
                         Observation observation, Callback<TaskRecord> done);
  void GetTask(std::string owner, std::string task_id,
               Callback<TaskRecord> done);
  void ListTasks(ListQuery query, Callback<ListPage> done);
  // Tenants (issue 17).
  void GetTenantUsage(std::string owner, absl::Time day, absl::Time now,
                      Callback<TenantUsage> done);

  // Calls posted and not yet finished.
  int pending() const { return pending_.load(std::memory_order_relaxed); }

  // Shutdown: from now on new writes are not counted by
  // writes_before_drain(), so a drain can wait for the writes queued before
  // it (the last states the pollers saw) while creates still arrive.
  void BeginDrain() { draining_.store(true); }
  // Writes queued before BeginDrain and not finished yet.
  int writes_before_drain() const { return writes_before_drain_.load(); }

 private:
  // Counts a call in `pending_`, or answers `done` UNAVAILABLE at once when
  // `max_pending_` calls already wait. False: refused.
  template <typename Done>
  bool Admit(Done& done);

  // Runs `call` on the executor and hands its result to `done`.
  template <typename T>
  void Post(absl::AnyInvocable<absl::StatusOr<T>() &&> call, Callback<T> done);

  // Queues the write `call` (its result is alternative `kIndex` of
  // WriteResult) in the batcher and hands its result to `done`.
  template <size_t kIndex, typename Done>
  void Write(WriteCall&& call, Done done);

  TaskStore& store_;
  Executor& executor_;
  const int max_pending_;
  std::atomic<int> pending_{0};
  // Sequentially consistent, both: a write either counts itself before
  // BeginDrain is seen, or sees the drain and does not count.
  std::atomic<bool> draining_{false};
  std::atomic<int> writes_before_drain_{0};
  WriteBatcher batcher_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_ASYNC_TASK_STORE_H_
