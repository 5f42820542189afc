// TaskRecorder: where a poller sends what it observed of a task, so that
// the ledger (server/store) holds every transition and the final state.
// Fire and forget: a poller never waits for the store.
//
// StoreRecorder, the production one, runs each write on the store's own
// threads (AsyncTaskStore) and tries a failed write again with backoff
// (the store may be restarting): a final state that never reaches the
// store would leave the task "running" in ListVideos, and a restarted
// gateway would follow it again only to learn what it already knew.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_RECORDER_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_RECORDER_H_

#include <memory>
#include <string>

#include "server/common/scheduler.h"
#include "server/store/async_task_store.h"
#include "server/store/task_store.h"
#include "server/upstream/backoff_policy.h"

namespace seedance::gateway {

class TaskRecorder {
 public:
  virtual ~TaskRecorder() = default;
  // Records `observation` of `owner`'s task `task_id`. Any thread; never
  // blocks.
  virtual void Record(const std::string& owner, const std::string& task_id,
                      const store::Observation& observation) = 0;
};

class StoreRecorder final : public TaskRecorder {
 public:
  // `store`, `scheduler` and `backoff` (a prototype, cloned per write)
  // outlive this object. A write is tried at most `max_attempts` times.
  StoreRecorder(store::AsyncTaskStore& store, Scheduler& scheduler,
                const upstream::BackoffPolicy& backoff, int max_attempts = 12);

  void Record(const std::string& owner, const std::string& task_id,
              const store::Observation& observation) override;

 private:
  struct Write;
  void Attempt(std::shared_ptr<Write> write);

  store::AsyncTaskStore& store_;
  Scheduler& scheduler_;
  const upstream::BackoffPolicy& backoff_;
  const int max_attempts_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_RECORDER_H_
