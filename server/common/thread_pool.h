// ThreadPool: an Executor with a fixed number of threads and one FIFO queue.
//
//   ThreadPool pool(2);
//   pool.Run([] { ... });   // on one of the two threads, soon
//   pool.Shutdown();        // runs what is queued, then joins
//
// Closures must not block for long: they share the few threads with
// everything else posted here.
#ifndef SEEDANCE_SERVER_COMMON_THREAD_POOL_H_
#define SEEDANCE_SERVER_COMMON_THREAD_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/common/executor.h"

namespace seedance {

class ThreadPool final : public Executor {
 public:
  // Starts `threads` threads (at least one).
  explicit ThreadPool(int threads);
  // Calls Shutdown.
  ~ThreadPool() override;

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Stops taking closures, lets the threads run every closure already
  // queued (so nothing posted before is lost), then joins them. Closures
  // posted afterwards, including by the queued ones, are destroyed without
  // running. Idempotent; not from one of the pool's own closures.
  void Shutdown();

  void Run(Closure fn) override;

 private:
  void Loop();

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Closure> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // last: start after the state exists
};

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_THREAD_POOL_H_
