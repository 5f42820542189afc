// seedance-bench: measures seedance-gateway against its performance targets
// and against clients polling TokenHub themselves (docs/PERFORMANCE.md).
// `seedance-bench --help` lists the flags.
#include <curl/curl.h>

#include <iostream>

#include "absl/synchronization/mutex.h"
#include "bench/bench_options.h"
#include "bench/bench_runner.h"
#include "bench/report.h"

int main(int argc, char** argv) {
  absl::StatusOr<seedance::bench::BenchOptions> options =
      seedance::bench::ParseBenchOptions(argc, argv);
  if (!options.ok()) {
    std::cerr << "seedance-bench: " << options.status().message() << "\n"
              << seedance::bench::BenchUsage();
    return 2;
  }
  if (options->help) {
    std::cout << seedance::bench::BenchUsage();
    return 0;
  }
  // Debian's Abseil keeps Mutex deadlock detection on: a global graph
  // updated on every Mutex lock/destroy, which would load the client side
  // of the benchmark with bookkeeping that measures nothing.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  absl::StatusOr<seedance::bench::Report> report =
      seedance::bench::RunBench(*options);
  int rc = 0;
  if (!report.ok()) {
    std::cerr << "seedance-bench: " << report.status() << "\n";
    rc = 1;
  } else {
    std::cout << (options->json ? seedance::bench::FormatJson(*report)
                                : seedance::bench::FormatTable(*report))
              << std::flush;
  }
  curl_global_cleanup();
  return rc;
}
