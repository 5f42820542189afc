// SpendRecorder: a TaskRecorder that counts the actual cost of each task
// that finishes (seedance_spend_actual_usd_micros_total) and passes every
// observation on to the recorder it wraps (the task store's). A poller
// records each transition once, so each final state, and its cost, is
// counted once.
#ifndef SEEDANCE_SERVER_GATEWAY_SPEND_RECORDER_H_
#define SEEDANCE_SERVER_GATEWAY_SPEND_RECORDER_H_

#include <string>

#include "server/gateway/gateway_metrics.h"
#include "server/gateway/task_recorder.h"

namespace seedance::gateway {

class SpendRecorder final : public TaskRecorder {
 public:
  // Both outlive this object; `next` may be null.
  SpendRecorder(TaskRecorder* next, GatewayMetrics& metrics)
      : next_(next), metrics_(metrics) {}

  void Record(const std::string& owner, const std::string& task_id,
              const store::Observation& observation) override;

 private:
  TaskRecorder* const next_;
  GatewayMetrics& metrics_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_SPEND_RECORDER_H_
