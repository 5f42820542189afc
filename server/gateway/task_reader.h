// TaskReader: where a poller reads the recorded state of a task that
// another replica polls (fleet mode): the lease holder records each
// transition once, and every other replica's watchers get it from the
// store instead of asking the upstream again.
//
// StoreReader, the production one, reads on the store's own threads
// (AsyncTaskStore); a poller never waits for it.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_READER_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_READER_H_

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "server/store/async_task_store.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

class TaskReader {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<store::TaskRecord>) &&>;
  virtual ~TaskReader() = default;
  // Reads `owner`'s task `task_id`; `done` runs exactly once, on any
  // thread, never under the caller's locks. Never blocks.
  virtual void Read(const std::string& owner, const std::string& task_id,
                    Done done) = 0;
};

class StoreReader final : public TaskReader {
 public:
  explicit StoreReader(store::AsyncTaskStore& store) : store_(store) {}
  void Read(const std::string& owner, const std::string& task_id,
            Done done) override {
    store_.GetTask(owner, task_id, std::move(done));
  }

 private:
  store::AsyncTaskStore& store_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_READER_H_
