// Executors for tests.
//
// InlineExecutor runs each closure at once on the posting thread, so code
// that fans out through an executor behaves as if it called directly.
// ManualExecutor keeps closures until the test runs them, so a test can
// check what happens before the fan-out (nothing delivered yet) and after.
#ifndef SEEDANCE_TESTS_TESTING_FAKE_EXECUTORS_H_
#define SEEDANCE_TESTS_TESTING_FAKE_EXECUTORS_H_

#include <cstddef>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/common/executor.h"

namespace seedance::testing {

class InlineExecutor final : public Executor {
 public:
  void Run(Closure fn) override { std::move(fn)(); }
};

class ManualExecutor final : public Executor {
 public:
  void Run(Closure fn) override {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(fn));
  }

  // Runs queued closures in order, including ones they post, until none is
  // left. Returns how many ran.
  std::size_t RunAll() {
    std::size_t ran = 0;
    for (;;) {
      Closure fn;
      {
        absl::MutexLock lock(&mu_);
        if (queue_.empty()) return ran;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      std::move(fn)();
      ++ran;
    }
  }

  std::size_t pending() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<Closure> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_FAKE_EXECUTORS_H_
