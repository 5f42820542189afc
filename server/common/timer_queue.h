// TimerQueue: the bookkeeping shared by every Scheduler implementation —
// callbacks ordered by due time (ties in scheduling order), found again by
// id for Cancel. Not thread-safe: the scheduler owning it locks.
#ifndef SEEDANCE_SERVER_COMMON_TIMER_QUEUE_H_
#define SEEDANCE_SERVER_COMMON_TIMER_QUEUE_H_

#include <cstddef>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/types/optional.h"
#include "server/common/scheduler.h"

namespace seedance {

class TimerQueue {
 public:
  using TimerId = Scheduler::TimerId;
  using Callback = Scheduler::Callback;

  // Queues `fn` for `when`; returns its id (never 0).
  TimerId Add(absl::Time when, Callback fn) {
    TimerId id = next_id_++;
    queue_.emplace(std::make_pair(when, id), std::move(fn));
    due_.emplace(id, when);
    return id;
  }

  // Removes the callback and hands it back (so the caller destroys it
  // outside its lock); nullopt when the id is not queued.
  absl::optional<Callback> Remove(TimerId id) {
    auto it = due_.find(id);
    if (it == due_.end()) return absl::nullopt;
    Callback fn = std::move(queue_.extract({it->second, id}).mapped());
    due_.erase(it);
    return fn;
  }

  // Removes and returns the earliest callback due at or before `now`, with
  // its due time.
  absl::optional<std::pair<absl::Time, Callback>> PopDue(absl::Time now) {
    if (queue_.empty() || queue_.begin()->first.first > now) {
      return absl::nullopt;
    }
    auto node = queue_.extract(queue_.begin());
    due_.erase(node.key().second);
    return std::make_pair(node.key().first, std::move(node.mapped()));
  }

  // When the earliest callback is due (InfiniteFuture when empty).
  absl::Time NextDue() const {
    return queue_.empty() ? absl::InfiniteFuture()
                          : queue_.begin()->first.first;
  }

  std::size_t size() const { return queue_.size(); }

  // Empties the queue; the callbacks are moved into the returned queue so
  // the caller destroys them outside its lock.
  TimerQueue TakeAll() {
    TimerQueue out;
    out.queue_.swap(queue_);
    out.due_.swap(due_);
    return out;
  }

 private:
  TimerId next_id_ = 1;
  std::map<std::pair<absl::Time, TimerId>, Callback> queue_;
  absl::flat_hash_map<TimerId, absl::Time> due_;
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_TIMER_QUEUE_H_
