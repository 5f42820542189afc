// LedgerJobs: the task store's background work in a running gateway.
//
//   - Resuming unfinished tasks after a restart is LeaseKeeper's: a
//     restarted gateway claims the leases of the tasks nobody polls.
//     Tasks created with a caller's own key cannot be polled without it
//     (the store keeps only its hash): they resume when their owner next
//     asks for them (GetVideo, WatchVideo, or a create retried with its
//     request_id).
//   - Expire, at start and then every `sweep_every`: unfinished tasks older
//     than --track-for are marked expired (the upstream has forgotten
//     them; pollers stop following them by themselves).
//
// Every store call runs on the store's executor, never on the scheduler's
// thread (the timer only posts).
#ifndef SEEDANCE_SERVER_GATEWAY_LEDGER_JOBS_H_
#define SEEDANCE_SERVER_GATEWAY_LEDGER_JOBS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/executor.h"
#include "server/common/scheduler.h"
#include "server/gateway/poller_registry.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

struct LedgerJobsOptions {
  absl::Duration track_for = absl::Hours(48);
  absl::Duration sweep_every = absl::Minutes(10);
};

class LedgerJobs {
 public:
  // Everything passed outlives this object; Stop() before destroying it.
  LedgerJobs(const LedgerJobsOptions& options, store::TaskStore& store,
             Executor& store_executor, PollerRegistry& registry,
             Scheduler& scheduler);

  // Posts the first sweep and schedules the next ones.
  void Start();
  // Cancels future sweeps (one already posted may still run).
  void Stop();

 private:
  void Sweep();
  void ScheduleSweep();

  const LedgerJobsOptions options_;
  store::TaskStore& store_;
  Executor& executor_;
  PollerRegistry& registry_;
  Scheduler& scheduler_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Scheduler::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_LEDGER_JOBS_H_
