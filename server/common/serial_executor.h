// SerialExecutor: runs closures one at a time, in the order they were
// posted, on a shared Executor (a "strand").
//
// A TaskPoller owns one: its transitions and its end reach each watcher in
// order, while the pollers of different tasks fan out in parallel on the
// pool's threads.
//
//   SerialExecutor strand(pool);
//   strand.Run(a);   // a runs before b, never at the same time
//   strand.Run(b);
//
// Run may be called from any thread, even while a closure of the same
// strand runs. The strand may be destroyed with closures pending: they
// still run (they keep its queue alive), unless the pool has stopped.
#ifndef SEEDANCE_SERVER_COMMON_SERIAL_EXECUTOR_H_
#define SEEDANCE_SERVER_COMMON_SERIAL_EXECUTOR_H_

#include <deque>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/common/executor.h"

namespace seedance {

class SerialExecutor final : public Executor {
 public:
  explicit SerialExecutor(Executor& pool);

  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  void Run(Closure fn) override;

 private:
  struct Queue {
    explicit Queue(Executor& pool) : pool(pool) {}
    Executor& pool;
    absl::Mutex mu;
    std::deque<Closure> pending ABSL_GUARDED_BY(mu);
    // Whether a drain is posted to the pool or running: then new closures
    // only join `pending`.
    bool draining ABSL_GUARDED_BY(mu) = false;
  };

  // Runs `queue`'s closures until none is left.
  static void Drain(const std::shared_ptr<Queue>& queue);

  const std::shared_ptr<Queue> queue_;
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_SERIAL_EXECUTOR_H_
