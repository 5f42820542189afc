#include "server/store/write_batcher.h"

#include <utility>
#include <vector>

namespace seedance::store {

// The closure the executor runs: Drain(), or Abandon() if it is destroyed
// unrun (a stopped executor drops closures), so no write is left waiting.
class WriteBatcher::DrainTask {
 public:
  explicit DrainTask(WriteBatcher* batcher) : batcher_(batcher) {}
  DrainTask(DrainTask&& other) noexcept
      : batcher_(std::exchange(other.batcher_, nullptr)) {}
  DrainTask& operator=(DrainTask&&) = delete;
  ~DrainTask() {
    if (batcher_ != nullptr) batcher_->Abandon();
  }

  void operator()() && { std::exchange(batcher_, nullptr)->Drain(); }

 private:
  WriteBatcher* batcher_;
};

WriteBatcher::WriteBatcher(TaskStore& store, Executor& executor,
                           int max_running, int max_batch)
    : store_(store),
      executor_(executor),
      max_running_(max_running < 1 ? 1 : max_running),
      max_batch_(max_batch < 1 ? 1 : max_batch) {}

void WriteBatcher::Submit(WriteCall call, Done done) {
  bool start = false;
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(Queued{std::move(call), std::move(done)});
    if (running_ < max_running_) {
      ++running_;
      start = true;
    }
  }
  if (start) StartDrain();
}

void WriteBatcher::StartDrain() { executor_.Run(DrainTask(this)); }

void WriteBatcher::Drain() {
  std::vector<Queued> batch;
  {
    absl::MutexLock lock(&mu_);
    while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (!batch.empty()) {
    std::vector<WriteCall> calls;
    calls.reserve(batch.size());
    for (Queued& q : batch) calls.push_back(std::move(q.call));
    std::vector<WriteResult> results = store_.WriteBatch(calls);
    for (size_t i = 0; i < batch.size(); ++i) {
      std::move(batch[i].done)(
          i < results.size()
              ? std::move(results[i])
              : WriteFailed(calls[i], absl::InternalError(
                                          "task store: a write of a batch "
                                          "got no result")));
    }
  }
  bool again = false;
  {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) {
      --running_;
    } else {
      again = true;  // keeps its place in running_
    }
  }
  if (again) StartDrain();
}

void WriteBatcher::Abandon() {
  std::deque<Queued> dropped;
  {
    absl::MutexLock lock(&mu_);
    --running_;
    dropped.swap(queue_);
  }
  for (Queued& q : dropped) {
    std::move(q.done)(WriteFailed(
        q.call, absl::UnavailableError("the task store is shutting down")));
  }
}

}  // namespace seedance::store
