// Event-delay scenario; see delay_scenario.h.
#include "bench/delay_scenario.h"

#include "absl/strings/str_cat.h"

namespace seedance::bench {

absl::StatusOr<DelayResult> SummarizeDelays(const WatchExperimentResult& run,
                                            absl::Duration period) {
  if (run.delays_us.empty()) {
    return absl::InternalError("event delay: no transition was delivered");
  }
  DelayResult result;
  result.delay_ms = SummarizeMillis(run.delays_us);
  result.detection_ms = SummarizeMillis(run.detection_delays_us);
  result.delivery_ms = SummarizeMillis(run.delivery_delays_us);
  result.period = period;
  result.target = period + absl::Milliseconds(20);
  result.transitions = static_cast<int64_t>(run.delays_us.size());
  result.gaps = run.gaps;
  return result;
}

}  // namespace seedance::bench
