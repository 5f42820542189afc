// BenchOptions: seedance-bench's command line — which scenarios, at what
// size (full by default, tiny with --quick), and where the binaries are.
#ifndef SEEDANCE_BENCH_BENCH_OPTIONS_H_
#define SEEDANCE_BENCH_BENCH_OPTIONS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "bench/bench_env.h"
#include "bench/capacity_scenario.h"
#include "bench/create_rss_scenario.h"
#include "bench/create_scenario.h"
#include "bench/fanout_scenario.h"
#include "bench/fleet_scenario.h"
#include "bench/sse_scenario.h"
#include "bench/store_create_scenario.h"

namespace seedance::bench {

struct BenchOptions {
  bool quick = false;
  bool json = false;
  bool help = false;
  // fanout, delay, capacity, create, create-store, create-rss, sse, fleet
  std::set<std::string> scenarios;
  BenchEnvOptions env;
  FanoutOptions fanout;
  CapacityOptions capacity;
  SseOptions sse;
  CreateOptions create;
  // Their concurrency is create.concurrency (--concurrency).
  StoreCreateOptions store_create;
  CreateRssOptions create_rss;
  FleetOptions fleet;

  bool Runs(const std::string& scenario) const {
    return scenarios.count(scenario) > 0;
  }
};

// Text for --help.
std::string BenchUsage();

// Parses argv; `self` (argv[0]) locates the default binaries next to it.
absl::StatusOr<BenchOptions> ParseBenchOptions(int argc,
                                               const char* const* argv);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_BENCH_OPTIONS_H_
