#include "server/common/thread_scheduler.h"

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
  std::map<std::pair<absl::Time, TimerId>, Callback> leftover;
  {
    absl::MutexLock lock(&mu_);
    leftover.swap(queue_);
    due_.clear();
  }
}

Scheduler::TimerId ThreadScheduler::RunAt(absl::Time when, Callback fn) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      TimerId id = next_id_++;
      queue_.emplace(std::make_pair(when, id), std::move(fn));
      due_.emplace(id, when);
      return id;
    }
  }
  return 0;  // after Shutdown: `fn` is destroyed here, outside the lock
}

bool ThreadScheduler::Cancel(TimerId id) {
  Callback victim;  // declared first: destroyed after the lock is released
  absl::MutexLock lock(&mu_);
  auto it = due_.find(id);
  if (it == due_.end()) return false;
  victim = std::move(queue_.extract(std::make_pair(it->second, id)).mapped());
  due_.erase(it);
  return true;
}

void ThreadScheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time wake = queue_.empty() ? absl::InfiniteFuture()
                                           : queue_.begin()->first.first;
    // Wake when stopping, when the first timer is due, or when RunAt put a
    // new timer ahead of the one we are sleeping for.
    auto should_wake = [this, wake]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (stopping_) return true;
      if (queue_.empty()) return false;
      absl::Time first = queue_.begin()->first.first;
      return first < wake || first <= absl::Now();
    };
    mu_.AwaitWithDeadline(absl::Condition(&should_wake), wake);
    if (stopping_ || queue_.empty() ||
        queue_.begin()->first.first > absl::Now()) {
      continue;
    }
    auto node = queue_.extract(queue_.begin());
    due_.erase(node.key().second);
    Callback fn = std::move(node.mapped());
    mu_.Unlock();
    std::move(fn)();
    fn = nullptr;  // captures die before the lock is retaken
    mu_.Lock();
  }
}

}  // namespace seedance
