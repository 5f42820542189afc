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
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/scheduler.h"

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
    TimerId id = next_id_++;
    queue_.emplace(std::make_pair(when, id), std::move(fn));
    due_.emplace(id, when);
    return id;
  }

  bool Cancel(TimerId id) override {
    Callback victim;
    absl::MutexLock lock(&mu_);
    auto it = due_.find(id);
    if (it == due_.end()) return false;
    victim = std::move(queue_.extract(std::make_pair(it->second, id)).mapped());
    due_.erase(it);
    return true;
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
    return queue_.size();
  }

  // When the earliest waiting callback is due (InfiniteFuture if none).
  absl::Time next_due() const {
    absl::MutexLock lock(&mu_);
    return queue_.empty() ? absl::InfiniteFuture() : queue_.begin()->first.first;
  }

 private:
  std::size_t RunUntil(absl::Time target) {
    std::size_t ran = 0;
    while (true) {
      Callback fn;
      {
        absl::MutexLock lock(&mu_);
        if (queue_.empty() || queue_.begin()->first.first > target) break;
        auto node = queue_.extract(queue_.begin());
        due_.erase(node.key().second);
        if (node.key().first > now_) now_ = node.key().first;
        fn = std::move(node.mapped());
      }
      std::move(fn)();
      ++ran;
    }
    return ran;
  }

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::pair<absl::Time, TimerId>, Callback> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TimerId, absl::Time> due_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_FAKE_SCHEDULER_H_
