// ThreadScheduler: a Scheduler backed by one thread and the real clock.
#ifndef SEEDANCE_SERVER_COMMON_THREAD_SCHEDULER_H_
#define SEEDANCE_SERVER_COMMON_THREAD_SCHEDULER_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/common/scheduler.h"
#include "server/common/timer_queue.h"

namespace seedance {

class ThreadScheduler final : public Scheduler {
 public:
  // Starts the thread.
  ThreadScheduler();
  // Calls Shutdown.
  ~ThreadScheduler() override;

  ThreadScheduler(const ThreadScheduler&) = delete;
  ThreadScheduler& operator=(const ThreadScheduler&) = delete;

  // Stops the thread; callbacks not yet run are destroyed without running,
  // and so is any callback scheduled afterwards (RunAt then returns 0).
  // Lets an owner stop timers while other components that may still call
  // RunAt are being torn down. Idempotent; not from a callback.
  void Shutdown();

  absl::Time Now() const override { return absl::Now(); }
  TimerId RunAt(absl::Time when, Callback fn) override;
  bool Cancel(TimerId id) override;

 private:
  void Loop();

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  TimerQueue timers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts after the state above exists
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_THREAD_SCHEDULER_H_
