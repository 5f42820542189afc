// Stream-capacity scenario; see capacity_scenario.h.
#include "bench/capacity_scenario.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/process_usage.h"
#include "bench/watch_fleet.h"

namespace seedance::bench {

absl::StatusOr<CapacityResult> RunCapacity(const BenchEnv& env,
                                           const CapacityOptions& options) {
  absl::StatusOr<std::vector<std::string>> ids =
      CreateTasks(env, "seedance-bench idle [sim:hold]", options.tasks);
  if (!ids.ok()) return ids.status();
  // Let the create path's transient buffers settle before the baseline.
  absl::SleepFor(absl::Milliseconds(500));
  absl::StatusOr<ProcessUsage> before = ReadProcessUsage(env.gateway_pid());
  if (!before.ok()) return before.status();

  WatchFleet fleet;  // cancels the streams on every way out
  const absl::Time start = absl::Now();
  if (absl::Status opened = fleet.Open(env, *ids, options.streams);
      !opened.ok()) {
    return opened;
  }
  if (fleet.group().done() > 0) {
    return absl::InternalError(absl::StrCat("streams ended while idle: ",
                                            fleet.group().first_error()));
  }
  CapacityResult result;
  result.open_time = absl::Now() - start;
  result.streams = options.streams;
  result.tasks = options.tasks;
  result.idle = options.idle;

  absl::SleepFor(absl::Milliseconds(500));
  absl::StatusOr<ProcessUsage> idle_start = ReadProcessUsage(env.gateway_pid());
  absl::SleepFor(options.idle);
  absl::StatusOr<ProcessUsage> idle_end = ReadProcessUsage(env.gateway_pid());
  if (!idle_start.ok()) return idle_start.status();
  if (!idle_end.ok()) return idle_end.status();
  if (fleet.group().done() > 0) {
    return absl::InternalError(absl::StrCat(fleet.group().done(),
                                            " idle streams ended early; ",
                                            fleet.group().first_error()));
  }
  result.rss_before = before->rss_bytes;
  result.rss_with = idle_end->rss_bytes;
  result.bytes_per_stream =
      static_cast<double>(result.rss_with - result.rss_before) /
      options.streams;
  result.idle_cpu_share = CpuShare(*idle_start, *idle_end);

  if (absl::Status cancelled = fleet.CancelAll(); !cancelled.ok()) {
    return cancelled;
  }
  return result;
}

}  // namespace seedance::bench
