#include "server/common/thread_scheduler.h"

#include <utility>

namespace seedance {

ThreadScheduler::ThreadScheduler() : thread_([this] { Loop(); }) {}

ThreadScheduler::~ThreadScheduler() { Shutdown(); }

void ThreadScheduler::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Destroy leftover callbacks outside the lock: their captures may own
  // objects whose destructors call back into this scheduler.
  TimerQueue leftover;
  {
    absl::MutexLock lock(&mu_);
    leftover = timers_.TakeAll();
  }
}

Scheduler::TimerId ThreadScheduler::RunAt(absl::Time when, Callback fn) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) return timers_.Add(when, std::move(fn));
  }
  return 0;  // after Shutdown: `fn` is destroyed here, outside the lock
}

bool ThreadScheduler::Cancel(TimerId id) {
  absl::optional<Callback> victim;  // destroyed after the lock is released
  absl::MutexLock lock(&mu_);
  victim = timers_.Remove(id);
  return victim.has_value();
}

void ThreadScheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time wake = timers_.NextDue();
    // Wake when stopping, when the first timer is due, or when RunAt put a
    // new timer ahead of the one we are sleeping for.
    auto should_wake = [this, wake]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      absl::Time first = timers_.NextDue();
      return stopping_ || first < wake || first <= absl::Now();
    };
    mu_.AwaitWithDeadline(absl::Condition(&should_wake), wake);
    if (stopping_) break;
    auto due = timers_.PopDue(absl::Now());
    if (!due) continue;
    mu_.Unlock();
    std::move(due->second)();
    due.reset();  // captures die before the lock is retaken
    mu_.Lock();
  }
}

}  // namespace seedance
