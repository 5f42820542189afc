#include "server/common/serial_executor.h"

#include <utility>

namespace seedance {

SerialExecutor::SerialExecutor(Executor& pool)
    : queue_(std::make_shared<Queue>(pool)) {}

void SerialExecutor::Run(Closure fn) {
  {
    absl::MutexLock lock(&queue_->mu);
    queue_->pending.push_back(std::move(fn));
    if (queue_->draining) return;
    queue_->draining = true;
  }
  // Posted without our lock: an inline pool runs the drain right here.
  queue_->pool.Run([queue = queue_] { Drain(queue); });
}

void SerialExecutor::Drain(const std::shared_ptr<Queue>& queue) {
  for (;;) {
    Closure fn;
    {
      absl::MutexLock lock(&queue->mu);
      if (queue->pending.empty()) {
        queue->draining = false;
        return;
      }
      fn = std::move(queue->pending.front());
      queue->pending.pop_front();
    }
    std::move(fn)();
  }
}

}  // namespace seedance
