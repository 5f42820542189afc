// SSE scenario; see sse_scenario.h.
#include "bench/sse_scenario.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/process_usage.h"
#include "bench/sse_fleet.h"

namespace seedance::bench {

absl::StatusOr<SseResult> RunSse(const BenchEnv& env,
                                 const SseOptions& options) {
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = env.StartGateway(
      "none", {"--http-listen", "127.0.0.1:0"}, "gateway-sse.log");
  if (!gateway.ok()) return gateway.status();
  // Created through the main gateway; the SSE gateway's own pollers follow
  // them from the upstream once watched.
  absl::StatusOr<std::vector<std::string>> ids =
      CreateTasks(env, "seedance-bench sse [sim:hold]", options.tasks);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<ProcessUsage> before = ReadProcessUsage((*gateway)->pid());
  if (!before.ok()) return before.status();

  SseResult result;
  result.streams = options.streams;
  result.tasks = options.tasks;
  {
    SseFleet fleet((*gateway)->http_port());  // closes the streams on exit
    const absl::Time start = absl::Now();
    if (absl::Status s = fleet.Open(*ids, options.streams, absl::Minutes(3));
        !s.ok()) {
      return s;
    }
    result.open_time = absl::Now() - start;
    absl::SleepFor(absl::Milliseconds(500));
    absl::StatusOr<ProcessUsage> with = ReadProcessUsage((*gateway)->pid());
    if (!with.ok()) return with.status();
    result.rss_before = before->rss_bytes;
    result.rss_with = with->rss_bytes;
    result.bytes_per_stream =
        static_cast<double>(result.rss_with - result.rss_before) /
        options.streams;
    // Every task to RUNNING at once: one event per stream.
    if (absl::Status s = env.sim().Advance(*ids); !s.ok()) return s;
    if (absl::Status s = fleet.WaitForSequence(20, absl::Minutes(1)); !s.ok()) {
      return s;
    }
    result.delivery_ms = SummarizeMillis(fleet.DelaysMicros(20));
  }
  if (absl::Status s = env.sim().Advance(*ids); !s.ok()) return s;
  if (absl::Status s = (*gateway)->Stop(); !s.ok()) return s;
  return result;
}

}  // namespace seedance::bench
