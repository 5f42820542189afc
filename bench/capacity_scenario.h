// Stream-capacity scenario: N idle WatchVideo streams held open on a few
// held tasks; the gateway's RSS before and with them, bytes per stream, and
// its CPU while they sit idle (read from /proc, the gateway untouched).
#ifndef SEEDANCE_BENCH_CAPACITY_SCENARIO_H_
#define SEEDANCE_BENCH_CAPACITY_SCENARIO_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"

namespace seedance::bench {

struct CapacityOptions {
  int streams = 10000;
  int tasks = 10;
  absl::Duration idle = absl::Seconds(5);
};

struct CapacityResult {
  int streams = 0;
  int tasks = 0;
  absl::Duration open_time;  // until every stream had its first message
  int64_t rss_before = 0;
  int64_t rss_with = 0;
  double bytes_per_stream = 0;
  double idle_cpu_share = 0;  // of one core, over `idle`
  absl::Duration idle;
};

absl::StatusOr<CapacityResult> RunCapacity(const BenchEnv& env,
                                           const CapacityOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_CAPACITY_SCENARIO_H_
