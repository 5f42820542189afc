// RunBench; see bench_runner.h.
#include "bench/bench_runner.h"

#include <sys/resource.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "bench/store_variants.h"
#include "bench/watch_experiment.h"

namespace seedance::bench {
namespace {

// Each stream is no fd, but each REST client connection is, and the
// children inherit the limit (the sim holds one fd per connection).
absl::Status RaiseFileLimit(rlim_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("getrlimit");
  }
  if (limit.rlim_cur >= wanted) return absl::OkStatus();
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("setrlimit");
  }
  return absl::OkStatus();
}

void Progress(const std::string& line) {
  std::cerr << "[bench] " << line << std::endl;
}

}  // namespace

absl::StatusOr<Report> RunBench(const BenchOptions& options) {
  if (absl::Status raised = RaiseFileLimit(65536); !raised.ok()) return raised;
  Report report;
  report.machine = DescribeMachine();
  report.quick = options.quick;

  Progress("starting tokenhub-sim and seedance-gateway");
  absl::StatusOr<std::unique_ptr<BenchEnv>> env = BenchEnv::Start(options.env);
  if (!env.ok()) return env.status();

  // Capacity first: its "RSS before" is then the freshly started gateway.
  if (options.Runs("capacity")) {
    Progress(
        absl::StrCat("capacity: ", options.capacity.streams, " idle streams"));
    absl::StatusOr<CapacityResult> capacity =
        RunCapacity(**env, options.capacity);
    if (!capacity.ok()) return capacity.status();
    report.capacity = *capacity;
  }
  if (options.Runs("fanout") || options.Runs("delay")) {
    Progress(absl::StrCat("fan-out/delay: ", options.fanout.watchers,
                          " watchers over ", options.fanout.tasks,
                          " tasks, naive ", options.fanout.naive_clients,
                          " REST pollers"));
    WatchExperimentResult full;
    absl::StatusOr<FanoutResult> fanout =
        RunFanout(**env, options.fanout, &full);
    if (!fanout.ok()) return fanout.status();
    if (options.Runs("fanout")) report.fanout = *fanout;
    if (options.Runs("delay")) {
      absl::StatusOr<DelayResult> delay =
          SummarizeDelays(full, (*env)->poll_period());
      if (!delay.ok()) return delay.status();
      report.delay = *delay;
    }
    if (options.Runs("delay") &&
        options.fanout.delay_spread > absl::ZeroDuration()) {
      Progress(absl::StrCat("delay: the same, changes spread over ",
                            absl::FormatDuration(options.fanout.delay_spread)));
      WatchExperimentOptions run;
      run.watchers = options.fanout.watchers;
      run.tasks = options.fanout.tasks;
      run.hold = absl::Milliseconds(100);  // no GET counting here
      run.spread = options.fanout.delay_spread;
      absl::StatusOr<WatchExperimentResult> spread =
          RunWatchExperiment(**env, run);
      if (!spread.ok()) return spread.status();
      if (spread->lost_finals > 0) {
        return absl::InternalError(
            absl::StrCat(spread->lost_finals,
                         " watchers lost the final state (spread delay run)"));
      }
      absl::StatusOr<DelayResult> delay =
          SummarizeDelays(*spread, (*env)->poll_period());
      if (!delay.ok()) return delay.status();
      delay->spread = options.fanout.delay_spread;
      report.delay_spread = *delay;
    }
  }
  if (options.Runs("create")) {
    Progress(absl::StrCat(
        "create path: ", options.create.concurrency, " in flight, ",
        absl::FormatDuration(options.create.duration), " per path"));
    absl::StatusOr<CreateResult> create = RunCreatePath(**env, options.create);
    if (!create.ok()) return create.status();
    report.create = *create;
  }
  if (options.Runs("create-store")) {
    Progress(absl::StrCat(
        "create path by store: ", options.store_create.concurrency,
        " in flight, ", absl::FormatDuration(options.store_create.duration),
        " per store in ", options.store_create.rounds, " rounds"));
    absl::StatusOr<StoreCreateResult> stores =
        RunStoreCreates(**env, options.store_create);
    if (!stores.ok()) return stores.status();
    report.store_create = *stores;
  }
  if (options.Runs("create-rss")) {
    Progress(absl::StrCat("RSS after ", options.create_rss.creates,
                          " creates, --store=none and sqlite"));
    absl::StatusOr<CreateRssResult> rss =
        RunCreateRss(**env, options.create_rss);
    if (!rss.ok()) return rss.status();
    report.create_rss = *rss;
  }
  if (options.Runs("sse")) {
    Progress(absl::StrCat("sse: ", options.sse.streams,
                          " Server-Sent Events streams on the web face"));
    absl::StatusOr<SseResult> sse = RunSse(**env, options.sse);
    if (!sse.ok()) return sse.status();
    report.sse = *sse;
  }
  if (options.Runs("fleet")) {
    Progress(absl::StrCat("fleet: ", options.fleet.replicas,
                          " replicas on one PostgreSQL, ", options.fleet.tasks,
                          " tasks watched on every replica, kill -9 failover"));
    absl::StatusOr<FleetResult> fleet =
        RunFleet(**env, options.fleet, ProcessEnvironment());
    if (!fleet.ok()) return fleet.status();
    report.fleet = *fleet;
  }
  if (absl::Status stopped = (*env)->Stop(); !stopped.ok()) return stopped;
  return report;
}

}  // namespace seedance::bench
