#include "server/common/thread_pool.h"

#include <algorithm>
#include <utility>

namespace seedance {

ThreadPool::ThreadPool(int threads) {
  threads = std::max(threads, 1);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() { Shutdown(); }

void ThreadPool::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ThreadPool::Run(Closure fn) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(fn));
      return;
    }
  }
  // Stopped: `fn` is destroyed here, outside the lock, as its captures'
  // destructors may post again.
}

void ThreadPool::Loop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  };
  for (;;) {
    Closure fn;
    {
      absl::MutexLock lock(&mu_, absl::Condition(&has_work));
      if (queue_.empty()) return;  // stopping, and everything queued ran
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(fn)();
  }
}

}  // namespace seedance
