// RunBench: one whole seedance-bench run — raise the fd limit, start the
// servers, run the chosen scenarios in a fixed order, stop the servers —
// returning the report. A scenario that cannot run is an error (the smoke
// test relies on it); a missed speed target is not.
#ifndef SEEDANCE_BENCH_BENCH_RUNNER_H_
#define SEEDANCE_BENCH_BENCH_RUNNER_H_

#include "absl/status/statusor.h"
#include "bench/bench_options.h"
#include "bench/report.h"

namespace seedance::bench {

absl::StatusOr<Report> RunBench(const BenchOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_BENCH_RUNNER_H_
