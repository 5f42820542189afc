// WatchExperiment; see watch_experiment.h.
#include "bench/watch_experiment.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/watch_fleet.h"

namespace seedance::bench {
namespace {

// The sim's name for the phase a watcher saw, or nullptr for the initial
// state (which is no transition the watcher waited for).
const char* SimPhase(v1::VideoStatus status) {
  switch (status) {
    case v1::VIDEO_STATUS_RUNNING:
      return "running";
    case v1::VIDEO_STATUS_SUCCEEDED:
      return "succeeded";
    default:
      return nullptr;
  }
}

}  // namespace

absl::StatusOr<WatchExperimentResult> RunWatchExperiment(
    const BenchEnv& env, const WatchExperimentOptions& options) {
  const std::string prompt =
      absl::StrCat("seedance-bench watch [sim:hold,running=",
                   absl::ToInt64Milliseconds(options.running), "ms]");
  absl::StatusOr<std::vector<std::string>> ids =
      CreateTasks(env, prompt, options.tasks);
  if (!ids.ok()) return ids.status();

  WatchFleet fleet;  // cancels the streams on every way out
  if (absl::Status opened = fleet.Open(env, *ids, options.watchers);
      !opened.ok()) {
    return opened;
  }

  // Every watcher is attached: count GETs over a steady window.
  absl::StatusOr<SimSnapshot> before = env.sim().Stats();
  absl::Time window_start = absl::Now();
  absl::SleepFor(options.hold);
  absl::StatusOr<SimSnapshot> after = env.sim().Stats();
  absl::Time window_end = absl::Now();
  if (!before.ok()) return before.status();
  if (!after.ok()) return after.status();

  WatchExperimentResult result;
  result.watchers = options.watchers;
  result.tasks = options.tasks;
  result.window = window_end - window_start;
  int64_t total = 0;
  for (const std::string& id : *ids) {
    int64_t gets = after->gets_by_task[id] - before->gets_by_task[id];
    total += gets;
    result.max_gets_one_task = std::max(result.max_gets_one_task, gets);
  }
  result.gets_per_task =
      static_cast<double>(total) / static_cast<double>(ids->size());

  if (options.spread == absl::ZeroDuration()) {
    if (absl::Status advanced = env.sim().Advance(*ids); !advanced.ok()) {
      return advanced;
    }
  } else {
    // Task i changes at start + i * spread / n: each on its own schedule, as
    // independent generations do (the sim times every phase from its advance).
    const absl::Time start = absl::Now();
    for (std::size_t i = 0; i < ids->size(); ++i) {
      absl::SleepFor(start +
                     options.spread * static_cast<double>(i) /
                         static_cast<double>(ids->size()) -
                     absl::Now());
      if (absl::Status advanced = env.sim().Advance({(*ids)[i]});
          !advanced.ok()) {
        return advanced;
      }
    }
  }
  if (absl::Status done =
          fleet.WaitAllDone(options.running + StreamsTimeout(options.watchers));
      !done.ok()) {
    return done;
  }
  absl::StatusOr<SimSnapshot> final_stats = env.sim().Stats();
  if (!final_stats.ok()) return final_stats.status();

  result.transitions_expected = 2LL * options.watchers;
  // (task, phase) -> the gateway's detection delay (the same for every
  // watcher of the task: one poller).
  absl::flat_hash_map<std::pair<std::string, std::string>, double> detection;
  for (const auto& watcher : fleet.watchers()) {
    const auto& phases = final_stats->transitions[watcher->task_id()];
    bool saw_running = false, saw_final = false;
    for (const ReceivedEvent& event : watcher->events()) {
      const char* phase = SimPhase(event.status);
      if (phase == nullptr) continue;
      auto at = phases.find(phase);
      if (at == phases.end()) continue;
      saw_running |= event.status == v1::VIDEO_STATUS_RUNNING;
      saw_final |= event.status == v1::VIDEO_STATUS_SUCCEEDED;
      const auto delay =
          static_cast<double>(event.received_unix_us - at->second);
      result.delays_us.push_back(delay);
      result.delivery_delays_us.push_back(
          static_cast<double>(event.received_unix_us - event.observed_unix_us));
      detection.try_emplace(
          {watcher->task_id(), phase},
          static_cast<double>(event.observed_unix_us - at->second));
    }
    if (!saw_running) ++result.gaps;
    if (!saw_final || !watcher->ended_ok()) ++result.lost_finals;
  }
  for (const auto& [key, delay] : detection) {
    result.detection_delays_us.push_back(delay);
  }
  return result;
}

}  // namespace seedance::bench
