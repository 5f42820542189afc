// Scheduler: the one way the gateway's components wait.
//
// Poll cadence, failure backoff, retries and watch heartbeats are all timers
// on a Scheduler. Production code uses ThreadScheduler (one thread for every
// timer); tests use testing::FakeScheduler, whose clock only moves when the
// test says so, so no test ever sleeps.
//
//   scheduler.RunAfter(absl::Seconds(1), [self] { self->Poll(); });
//
// Callbacks run on the scheduler's thread, one at a time, and must not block:
// they start I/O or post work and return.
#ifndef SEEDANCE_SERVER_COMMON_SCHEDULER_H_
#define SEEDANCE_SERVER_COMMON_SCHEDULER_H_

#include <cstdint>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace seedance {

class Scheduler {
 public:
  // Identifies a scheduled callback for Cancel. Never 0.
  using TimerId = std::uint64_t;
  using Callback = absl::AnyInvocable<void() &&>;

  virtual ~Scheduler() = default;

  // The scheduler's clock. Use it (not absl::Now) for anything compared with
  // timer deadlines, so fake clocks stay consistent.
  virtual absl::Time Now() const = 0;

  // Runs `fn` once, on the scheduler's thread, no earlier than `when`.
  // Callbacks due at the same time run in the order they were scheduled.
  virtual TimerId RunAt(absl::Time when, Callback fn) = 0;

  // Cancels a callback that has not started. Returns true if it will not run
  // (its captures are destroyed before Cancel returns); false if it already
  // ran, is running, or the id is unknown.
  virtual bool Cancel(TimerId id) = 0;

  TimerId RunAfter(absl::Duration delay, Callback fn) {
    return RunAt(Now() + delay, std::move(fn));
  }
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_SCHEDULER_H_
