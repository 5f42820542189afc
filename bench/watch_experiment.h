// WatchExperiment: W watchers over T held tasks through the gateway, the
// run behind the fan-out and event-delay scenarios. It measures the
// simulator's GETs per task while the tasks sit held (every watcher
// attached), then advances every task (queued -> running, then succeeded
// after `running`), all at once or spread over time, and records when each
// watcher received each transition.
#ifndef SEEDANCE_BENCH_WATCH_EXPERIMENT_H_
#define SEEDANCE_BENCH_WATCH_EXPERIMENT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"

namespace seedance::bench {

struct WatchExperimentOptions {
  int watchers = 200;
  int tasks = 4;
  absl::Duration hold = absl::Seconds(1);     // GET-counting window
  absl::Duration running = absl::Seconds(1);  // scripted running phase
  // 0: every task is advanced at once; else one by one, evenly over this.
  absl::Duration spread = absl::ZeroDuration();
};

struct WatchExperimentResult {
  int watchers = 0;
  int tasks = 0;
  absl::Duration window;     // measured GET-counting window
  double gets_per_task = 0;  // mean GETs per task in the window
  int64_t max_gets_one_task = 0;
  // Sim transition -> watcher receipt, for every running and final
  // transition every watcher received (µs).
  std::vector<double> delays_us;
  // The two parts of the delay. Detection: sim transition -> the gateway's
  // event_time (its poll saw it), once per task and transition. Delivery:
  // event_time -> receipt, for every watcher (fan-out writes, HTTP/2, and
  // this client's own receive path).
  std::vector<double> detection_delays_us;
  std::vector<double> delivery_delays_us;
  int64_t transitions_expected = 0;  // watchers x 2
  int64_t gaps = 0;                  // running never delivered (a legal gap)
  int64_t lost_finals = 0;  // final state missing or stream not OK: a failure
};

absl::StatusOr<WatchExperimentResult> RunWatchExperiment(
    const BenchEnv& env, const WatchExperimentOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_WATCH_EXPERIMENT_H_
