// Create-path scenario: closed-loop CreateVideo through the gateway against
// the same creates sent straight to tokenhub-sim over REST, by this process
// in the same run (alternating rounds, so load drift hits both alike).
#ifndef SEEDANCE_BENCH_CREATE_SCENARIO_H_
#define SEEDANCE_BENCH_CREATE_SCENARIO_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/stats.h"

namespace seedance::bench {

struct CreateOptions {
  int concurrency = 32;
  absl::Duration duration = absl::Seconds(10);  // per path, over all rounds
  int rounds = 2;
};

struct CreatePathFigures {
  int64_t requests = 0;
  int64_t errors = 0;
  double per_second = 0;
  Summary latency_ms;
  // CPU time per successful create, by process: where the 2 cores go.
  double bench_cpu_us = 0;
  double gateway_cpu_us = 0;
  double sim_cpu_us = 0;
};

struct CreateResult {
  int concurrency = 0;
  CreatePathFigures gateway;
  CreatePathFigures direct;
  double throughput_ratio = 0;  // gateway / direct
};

absl::StatusOr<CreateResult> RunCreatePath(const BenchEnv& env,
                                           const CreateOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_CREATE_SCENARIO_H_
