// FakeScheduler: a Scheduler whose clock moves only when a test says so.
//
//   FakeScheduler scheduler;                  // starts at a fixed instant
//   poller->Start();                          // schedules its first poll
//   scheduler.AdvanceTime(absl::Seconds(1));  // runs everything due, in order
//
// Callbacks run on the thread that calls AdvanceTime/RunDue, without the
// scheduler's lock held, so they may schedule more timers (those due within
// the advanced window run in the same call).
#ifndef SEEDANCE_TESTS_TESTING_FAKE_SCHEDULER_H_
#define SEEDANCE_TESTS_TESTING_FAKE_SCHEDULER_H_

#include <cstddef>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/common/scheduler.h"
#include "server/common/timer_queue.h"

namespace seedance::testing {

class FakeScheduler final : public Scheduler {
 public:
  explicit FakeScheduler(absl::Time start = absl::FromUnixSeconds(1719900000))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  TimerId RunAt(absl::Time when, Callback fn) override {
    absl::MutexLock lock(&mu_);
    return timers_.Add(when, std::move(fn));
  }

  bool Cancel(TimerId id) override {
    absl::optional<Callback> victim;  // destroyed after the lock is released
    absl::MutexLock lock(&mu_);
    victim = timers_.Remove(id);
    return victim.has_value();
  }

  // Moves the clock forward by `d`, running every callback that falls due on
  // the way, each with the clock set to its due time. Returns how many ran.
  std::size_t AdvanceTime(absl::Duration d) {
    absl::Time target;
    {
      absl::MutexLock lock(&mu_);
      target = now_ + d;
    }
    std::size_t ran = RunUntil(target);
    absl::MutexLock lock(&mu_);
    now_ = target;
    return ran;
  }

  // Runs the callbacks already due at the current time.
  std::size_t RunDue() { return RunUntil(Now()); }

  // Number of callbacks waiting.
  std::size_t pending() const {
    absl::MutexLock lock(&mu_);
    return timers_.size();
  }

  // When the earliest waiting callback is due (InfiniteFuture if none).
  absl::Time next_due() const {
    absl::MutexLock lock(&mu_);
    return timers_.NextDue();
  }

 private:
  std::size_t RunUntil(absl::Time target) {
    std::size_t ran = 0;
    while (true) {
      absl::optional<std::pair<absl::Time, Callback>> due;
      {
        absl::MutexLock lock(&mu_);
        due = timers_.PopDue(target);
        if (!due) break;
        if (due->first > now_) now_ = due->first;
      }
      std::move(due->second)();
      ++ran;
    }
    return ran;
  }

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  TimerQueue timers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_FAKE_SCHEDULER_H_
