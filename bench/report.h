// Report: everything one seedance-bench run measured, printed as the
// table docs/PERFORMANCE.md quotes (with each target's verdict) or as JSON
// for machines. Printing never fails a run: targets are reported, not
// asserted (speed targets live here, never in timed tests).
#ifndef SEEDANCE_BENCH_REPORT_H_
#define SEEDANCE_BENCH_REPORT_H_

#include <optional>
#include <string>

#include "bench/capacity_scenario.h"
#include "bench/create_rss_scenario.h"
#include "bench/create_scenario.h"
#include "bench/delay_scenario.h"
#include "bench/fanout_scenario.h"
#include "bench/fleet_scenario.h"
#include "bench/sse_scenario.h"
#include "bench/store_create_scenario.h"

namespace seedance::bench {

struct Report {
  std::string machine;  // nproc, load average at start
  bool quick = false;
  std::optional<FanoutResult> fanout;
  std::optional<DelayResult> delay;         // every task changes at once
  std::optional<DelayResult> delay_spread;  // changes spread over time
  std::optional<CapacityResult> capacity;
  std::optional<CreateResult> create;
  std::optional<StoreCreateResult> store_create;
  std::optional<CreateRssResult> create_rss;
  std::optional<SseResult> sse;      // the web face's SSE streams
  std::optional<FleetResult> fleet;  // replicas on one PostgreSQL
};

std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);

// "2 cores, load average 1.23 0.98 0.77" from /proc.
std::string DescribeMachine();

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_REPORT_H_
