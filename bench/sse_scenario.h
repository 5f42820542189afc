// SSE scenario: the web face's watch streams next to gRPC's. A gateway of
// its own (--http-listen, so its "RSS before" is a fresh process) holds N
// Server-Sent Events streams over a few held tasks: RSS per stream, then
// one transition of every task and its delay from the gateway's event_time
// to each SSE client (the same span as the delay scenario's "delivery").
#ifndef SEEDANCE_BENCH_SSE_SCENARIO_H_
#define SEEDANCE_BENCH_SSE_SCENARIO_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/stats.h"

namespace seedance::bench {

struct SseOptions {
  int streams = 10000;
  int tasks = 10;
};

struct SseResult {
  int streams = 0;
  int tasks = 0;
  absl::Duration open_time;  // until every stream had its first event
  int64_t rss_before = 0;
  int64_t rss_with = 0;
  double bytes_per_stream = 0;
  Summary delivery_ms;  // gateway event_time -> SSE client, one transition
};

absl::StatusOr<SseResult> RunSse(const BenchEnv& env,
                                 const SseOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_SSE_SCENARIO_H_
