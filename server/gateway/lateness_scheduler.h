// LatenessScheduler: a Scheduler that runs every callback on the wrapped
// scheduler and first tells GatewayMetrics how late it ran against its due
// time (seedance_poll_lateness_seconds). The gateway gives it to the
// pollers, whose timers are the polls: a scheduler thread that falls
// behind shows here before callers notice stale states.
#ifndef SEEDANCE_SERVER_GATEWAY_LATENESS_SCHEDULER_H_
#define SEEDANCE_SERVER_GATEWAY_LATENESS_SCHEDULER_H_

#include <utility>

#include "server/common/scheduler.h"
#include "server/gateway/gateway_metrics.h"

namespace seedance::gateway {

class LatenessScheduler final : public Scheduler {
 public:
  // Both outlive this object.
  LatenessScheduler(Scheduler& scheduler, GatewayMetrics& metrics)
      : scheduler_(scheduler), metrics_(metrics) {}

  absl::Time Now() const override { return scheduler_.Now(); }

  TimerId RunAt(absl::Time when, Callback fn) override {
    return scheduler_.RunAt(when, [this, when, fn = std::move(fn)]() mutable {
      metrics_.PollLateness(scheduler_.Now() - when);
      std::move(fn)();
    });
  }

  bool Cancel(TimerId id) override { return scheduler_.Cancel(id); }

 private:
  Scheduler& scheduler_;
  GatewayMetrics& metrics_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_LATENESS_SCHEDULER_H_
