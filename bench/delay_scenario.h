// Event-delay scenario: from the simulator's scripted transition instant to
// the watcher receiving it, over every watcher and transition of the
// fan-out's full run; compared with the gateway's polling period.
#ifndef SEEDANCE_BENCH_DELAY_SCENARIO_H_
#define SEEDANCE_BENCH_DELAY_SCENARIO_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/stats.h"
#include "bench/watch_experiment.h"

namespace seedance::bench {

struct DelayResult {
  Summary delay_ms;      // p50 / p99 / max in milliseconds
  Summary detection_ms;  // transition -> gateway's poll saw it
  Summary delivery_ms;   // gateway saw it -> watcher received it
  absl::Duration period;
  absl::Duration target;  // period + 20 ms
  int64_t transitions = 0;
  int64_t gaps = 0;
  absl::Duration spread;  // 0: every task changed at the same instant
};

// Fails when nothing was delivered (the scenario did not really run).
absl::StatusOr<DelayResult> SummarizeDelays(const WatchExperimentResult& run,
                                            absl::Duration period);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_DELAY_SCENARIO_H_
