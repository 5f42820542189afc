// Fan-out scenario; see fanout_scenario.h.
#include "bench/fanout_scenario.h"

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/rest_load.h"

namespace seedance::bench {

absl::StatusOr<FanoutResult> RunFanout(const BenchEnv& env,
                                       const FanoutOptions& options,
                                       WatchExperimentResult* full) {
  FanoutResult result;
  result.gateway_period = env.poll_period();
  const double periods_per_second =
      1.0 / absl::ToDoubleSeconds(env.poll_period());

  // One watcher per task, then W/T per task: the GET rate must not move.
  for (int watchers : {options.tasks, options.watchers}) {
    WatchExperimentOptions run;
    run.watchers = watchers;
    run.tasks = options.tasks;
    run.hold = options.hold;
    absl::StatusOr<WatchExperimentResult> done = RunWatchExperiment(env, run);
    if (!done.ok()) return done.status();
    if (done->lost_finals > 0) {
      return absl::InternalError(absl::StrCat(
          done->lost_finals, " watchers lost the final state (fan-out, ",
          watchers, " watchers)"));
    }
    FanoutPoint point;
    point.watchers = watchers;
    point.tasks = options.tasks;
    point.gets_per_task_per_second =
        done->gets_per_task / absl::ToDoubleSeconds(done->window);
    point.gets_per_task_per_period =
        point.gets_per_task_per_second / periods_per_second;
    result.gateway.push_back(point);
    *full = std::move(*done);
  }

  // The naive way, for real but scaled down: clients polling held tasks.
  absl::StatusOr<std::vector<std::string>> ids =
      CreateTasks(env, "seedance-bench naive [sim:hold]", options.naive_tasks);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<SimSnapshot> before = env.sim().Stats();
  if (!before.ok()) return before.status();
  absl::StatusOr<NaivePollResult> naive = RunNaivePollers(
      env.sim().api_base(), kSimApiKey, *ids, options.naive_clients,
      options.naive_period, options.naive_period * options.naive_periods);
  if (!naive.ok()) return naive.status();
  if (naive->errors > 0) {
    return absl::InternalError(
        absl::StrCat(naive->errors, " naive GETs failed"));
  }
  absl::StatusOr<SimSnapshot> after = env.sim().Stats();
  if (!after.ok()) return after.status();
  int64_t gets = 0;
  for (const std::string& id : *ids) {
    gets += after->gets_by_task[id] - before->gets_by_task[id];
  }
  result.naive_clients = options.naive_clients;
  result.naive_tasks = options.naive_tasks;
  result.naive_period = options.naive_period;
  result.naive_measured_per_period =
      static_cast<double>(gets) / options.naive_tasks / options.naive_periods;
  result.naive_predicted_per_period =
      static_cast<double>(options.naive_clients) / options.naive_tasks;

  result.naive_full_per_period =
      static_cast<double>(options.watchers) / options.tasks;
  // Real clients poll every 5 s whatever the bench's scaled naive period.
  result.naive_full_per_second = result.naive_full_per_period / 5.0;
  const double gateway_per_second =
      result.gateway.back().gets_per_task_per_second;
  result.ratio_per_second =
      gateway_per_second > 0 ? result.naive_full_per_second / gateway_per_second
                             : 0;
  return result;
}

}  // namespace seedance::bench
