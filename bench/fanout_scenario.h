// Fan-out scenario: upstream GETs per task per polling period with the
// gateway (measured at 1 watcher per task and at W/T watchers per task, to
// show it does not grow), against the naive way (every client polling the
// REST API itself every 5 s): measured scaled down with real REST pollers,
// and the analytic figure for the full size.
#ifndef SEEDANCE_BENCH_FANOUT_SCENARIO_H_
#define SEEDANCE_BENCH_FANOUT_SCENARIO_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/watch_experiment.h"

namespace seedance::bench {

struct FanoutOptions {
  int watchers = 10000;
  int tasks = 100;
  absl::Duration hold = absl::Seconds(3);
  absl::Duration naive_period = absl::Seconds(5);
  int naive_periods = 2;
  int naive_clients = 200;  // scaled-down naive run...
  int naive_tasks = 2;      // ...over this many tasks
  // Event delay is measured twice: with every task changing at the same
  // instant (the worst case), and with the tasks' changes spread evenly over
  // this long, as independent generations finish (0: only the first).
  absl::Duration delay_spread = absl::Seconds(1);
};

struct FanoutPoint {
  int watchers = 0;
  int tasks = 0;
  double gets_per_task_per_period = 0;  // gateway period
  double gets_per_task_per_second = 0;
};

struct FanoutResult {
  absl::Duration gateway_period;
  std::vector<FanoutPoint> gateway;  // ascending watchers per task
  // Naive, measured: GETs per task per naive period with naive_clients over
  // naive_tasks, and what W'/T' predicts.
  double naive_measured_per_period = 0;
  double naive_predicted_per_period = 0;
  int naive_clients = 0;
  int naive_tasks = 0;
  absl::Duration naive_period;
  // Naive at full size (W/T per 5 s, analytic, checked by the measured run).
  double naive_full_per_period = 0;
  double naive_full_per_second = 0;
  // naive GETs/task/s over gateway GETs/task/s at full size.
  double ratio_per_second = 0;
};

// `full` is the W/T run (reused by the delay scenario, so it is returned).
absl::StatusOr<FanoutResult> RunFanout(const BenchEnv& env,
                                       const FanoutOptions& options,
                                       WatchExperimentResult* full);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_FANOUT_SCENARIO_H_
