// AsyncTaskStore: a TaskStore's calls run on the store's own threads, with
// a callback, so that no gRPC reaction, transport or scheduler thread ever
// waits for a disk or a database.
//
//   AsyncTaskStore async(store, store_threads, /*max_pending=*/10000);
//   async.BeginCreate(create, now, [](absl::StatusOr<BeginResult> r) {
//     // runs on a store thread (or at once on the caller's, see below)
//   });
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

namespace seedance::store {

class AsyncTaskStore {
 public:
  template <typename T>
  using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
  using StatusCallback = absl::AnyInvocable<void(absl::Status) &&>;

  // `store` and `executor` outlive this object.
  AsyncTaskStore(TaskStore& store, Executor& executor, int max_pending);

  void BeginCreate(NewCreate create, absl::Time now,
                   Callback<BeginResult> done);
  void FinishCreate(int64_t row_id, CreateState outcome, v1::Video video,
                    absl::Status error, absl::Time now, StatusCallback done);
  void RecordObservation(std::string owner, std::string task_id,
                         Observation observation, Callback<TaskRecord> done);
  void GetTask(std::string owner, std::string task_id,
               Callback<TaskRecord> done);
  void ListTasks(ListQuery query, Callback<ListPage> done);

  // Calls posted and not yet finished.
  int pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  // Runs `call` on the executor and hands its result to `done`.
  template <typename T>
  void Post(absl::AnyInvocable<absl::StatusOr<T>() &&> call, Callback<T> done);

  TaskStore& store_;
  Executor& executor_;
  const int max_pending_;
  std::atomic<int> pending_{0};
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_ASYNC_TASK_STORE_H_
