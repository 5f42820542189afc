// Fleet scenario; see fleet_scenario.h.
#include "bench/fleet_scenario.h"

#include <signal.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/gateway_process.h"
#include "bench/grpc_creates.h"
#include "bench/scratch_database.h"
#include "bench/watch_fleet.h"

namespace seedance::bench {
namespace {

// How often the simulator's accounting is read while waiting for polls.
constexpr absl::Duration kSample = absl::Milliseconds(50);

using Replicas = std::vector<std::unique_ptr<GatewayProcess>>;

std::string Millis(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

absl::StatusOr<Replicas> StartReplicas(const BenchEnv& env,
                                       const FleetOptions& options,
                                       const std::string& store) {
  Replicas replicas;
  for (int k = 0; k < options.replicas; ++k) {
    absl::StatusOr<std::unique_ptr<GatewayProcess>> replica = env.StartGateway(
        store,
        {"--poll-unwatched", Millis(env.poll_period()), "--replica-id",
         absl::StrCat("fleet-", k), "--lease-ttl", Millis(options.lease_ttl)},
        absl::StrCat("seedance-gateway-fleet-", k, ".log"));
    if (!replica.ok()) return replica.status();
    replicas.push_back(*std::move(replica));
  }
  return replicas;
}

absl::StatusOr<std::vector<std::string>> CreateThrough(
    const GatewayProcess& gateway, const std::string& prompt, int count) {
  GrpcCreateOptions create;
  create.prompt = prompt;
  create.concurrency = std::min(8, count);
  create.max_count = count;
  create.keep_ids = true;
  absl::StatusOr<GrpcCreateResult> created = RunGrpcCreates(gateway, create);
  if (!created.ok()) return created.status();
  if (static_cast<int>(created->ids.size()) != count) {
    return absl::InternalError(
        absl::StrCat("fleet: ", created->ids.size(), " of ", count,
                     " creates worked: ", created->first_error));
  }
  return created->ids;
}

int64_t GetsOf(const SimSnapshot& stats, const std::string& id) {
  auto it = stats.gets_by_task.find(id);
  return it == stats.gets_by_task.end() ? 0 : it->second;
}

// Waits until the simulator got a GET of every task of `ids` after
// `since`; returns when it saw that.
absl::StatusOr<absl::Time> WaitPolled(const SimControl& sim,
                                      const std::vector<std::string>& ids,
                                      const SimSnapshot& since,
                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<SimSnapshot> now = sim.Stats();
    const absl::Time at = absl::Now();
    if (!now.ok()) return now.status();
    int waiting = 0;
    for (const std::string& id : ids) {
      waiting += GetsOf(*now, id) > GetsOf(since, id) ? 0 : 1;
    }
    if (waiting == 0) return at;
    if (at > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "fleet: ", waiting, " of ", ids.size(),
          " tasks were not polled within ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kSample);
  }
}

// The sim's name for a watched phase; nullptr for others.
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

// Advances task i at start + i * spread / n, as independent generations
// end.
absl::Status AdvanceSpread(const SimControl& sim,
                           const std::vector<std::string>& ids,
                           absl::Duration spread) {
  const absl::Time start = absl::Now();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    absl::SleepFor(start +
                   spread * static_cast<double>(i) /
                       static_cast<double>(ids.size()) -
                   absl::Now());
    if (absl::Status advanced = sim.Advance({ids[i]}); !advanced.ok()) {
      return advanced;
    }
  }
  return absl::OkStatus();
}

// Sorts each watcher's delays by whether it watched on the lease holder.
// Watcher j is on replica j / n, task ids[j % n] (WatchFleet::Open order).
void CollectDelays(const WatchFleet& fleet, const std::vector<std::string>& ids,
                   const absl::flat_hash_map<std::string, int>& holder,
                   const SimSnapshot& stats, FleetResult& result) {
  std::vector<double> same_us, cross_us;
  const std::size_t n = ids.size();
  for (std::size_t j = 0; j < fleet.watchers().size(); ++j) {
    const Watcher& watcher = *fleet.watchers()[j];
    const bool same = holder.at(watcher.task_id()) == static_cast<int>(j / n);
    auto phases = stats.transitions.find(watcher.task_id());
    bool saw_final = false;
    for (const ReceivedEvent& event : watcher.events()) {
      const char* phase = SimPhase(event.status);
      if (phase == nullptr || phases == stats.transitions.end()) continue;
      auto at = phases->second.find(phase);
      if (at == phases->second.end()) continue;
      saw_final |= event.status == v1::VIDEO_STATUS_SUCCEEDED;
      (same ? same_us : cross_us)
          .push_back(static_cast<double>(event.received_unix_us - at->second));
    }
    if (!saw_final || !watcher.ended_ok()) ++result.lost_finals;
  }
  result.same_replica_ms = SummarizeMillis(same_us);
  result.cross_replica_ms = SummarizeMillis(cross_us);
}

// kill -9 of `victim` once it polls `count` new held tasks: how long until
// every one of them is polled by another replica.
absl::Status MeasureFailover(const BenchEnv& env, const FleetOptions& options,
                             GatewayProcess& victim, FleetResult& result) {
  absl::StatusOr<SimSnapshot> before = env.sim().Stats();
  if (!before.ok()) return before.status();
  absl::StatusOr<std::vector<std::string>> ids =
      CreateThrough(victim, "seedance-bench fleet failover [sim:hold]",
                    options.failover_tasks);
  if (!ids.ok()) return ids.status();
  absl::StatusOr<absl::Time> polled =
      WaitPolled(env.sim(), *ids, *before, absl::Seconds(30));
  if (!polled.ok()) return polled.status();

  if (kill(victim.pid(), SIGKILL) != 0) {
    return absl::InternalError("fleet: kill -9 of a replica failed");
  }
  const absl::Time killed = absl::Now();
  victim.Stop().IgnoreError();  // reaps it; "killed" is the expected exit
  absl::StatusOr<SimSnapshot> at_kill = env.sim().Stats();
  if (!at_kill.ok()) return at_kill.status();
  absl::StatusOr<absl::Time> taken_over = WaitPolled(
      env.sim(), *ids, *at_kill, options.lease_ttl * 3 + absl::Seconds(30));
  if (!taken_over.ok()) return taken_over.status();
  result.failover_tasks = options.failover_tasks;
  result.failover = *taken_over - killed;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FleetResult> RunFleet(const BenchEnv& env,
                                     const FleetOptions& options,
                                     const EnvLookup& lookup) {
  FleetResult result;
  result.replicas = options.replicas;
  result.period = env.poll_period();
  result.lease_ttl = options.lease_ttl;
  result.failover_target = options.lease_ttl + env.poll_period();
  absl::StatusOr<std::unique_ptr<ScratchDatabase>> db =
      ScratchDatabase::Create(lookup, "seedance_bench_fleet");
  if (absl::IsNotFound(db.status())) {
    result.skipped = std::string(db.status().message());
    return result;
  }
  if (!db.ok()) return db.status();
  absl::StatusOr<Replicas> replicas = StartReplicas(env, options, (*db)->uri());
  if (!replicas.ok()) return replicas.status();

  // Round robin: the replica creating a task holds its lease.
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, int> holder;
  const std::string prompt =
      absl::StrCat("seedance-bench fleet [sim:hold,running=",
                   absl::ToInt64Milliseconds(options.running), "ms]");
  for (int k = 0; k < options.replicas; ++k) {
    const int count = options.tasks / options.replicas +
                      (k < options.tasks % options.replicas ? 1 : 0);
    if (count == 0) continue;
    absl::StatusOr<std::vector<std::string>> created =
        CreateThrough(*(*replicas)[k], prompt, count);
    if (!created.ok()) return created.status();
    for (const std::string& id : *created) {
      ids.push_back(id);
      holder[id] = k;
    }
  }
  result.tasks = static_cast<int>(ids.size());

  WatchFleet fleet;  // every task on every replica
  for (const auto& replica : *replicas) {
    if (absl::Status opened =
            fleet.Open(*replica, ids, static_cast<int>(ids.size()));
        !opened.ok()) {
      return opened;
    }
  }
  result.watchers = static_cast<int>(fleet.watchers().size());

  // Held, every watcher attached: GETs and transactions over a window,
  // once the store's statistics have heard of the creates and lookups.
  absl::SleepFor(options.stats_settle);
  absl::StatusOr<SimSnapshot> before = env.sim().Stats();
  absl::StatusOr<int64_t> xacts_before = (*db)->Transactions();
  const absl::Time start = absl::Now();
  absl::SleepFor(options.hold);
  absl::StatusOr<SimSnapshot> after = env.sim().Stats();
  absl::StatusOr<int64_t> xacts_after = (*db)->Transactions();
  const absl::Time end = absl::Now();
  if (!before.ok()) return before.status();
  if (!after.ok()) return after.status();
  if (!xacts_before.ok()) return xacts_before.status();
  if (!xacts_after.ok()) return xacts_after.status();
  result.window = end - start;
  const double periods = absl::FDivDuration(result.window, result.period);
  int64_t gets = 0;
  for (const std::string& id : ids) {
    const int64_t task_gets = GetsOf(*after, id) - GetsOf(*before, id);
    gets += task_gets;
    result.max_gets_one_task = std::max(result.max_gets_one_task, task_gets);
  }
  const double tasks = static_cast<double>(ids.size());
  result.gets_per_task_per_period = static_cast<double>(gets) / tasks / periods;
  const double steady_xacts = static_cast<double>(*xacts_after - *xacts_before);
  result.pg_xacts_per_task_per_period = steady_xacts / tasks / periods;

  // Every task runs, then ends, each on its own schedule.
  if (absl::Status advanced = AdvanceSpread(env.sim(), ids, options.spread);
      !advanced.ok()) {
    return advanced;
  }
  if (absl::Status done =
          fleet.WaitAllDone(options.running + StreamsTimeout(result.watchers));
      !done.ok()) {
    return done;
  }
  absl::SleepFor(options.stats_settle);
  absl::StatusOr<int64_t> xacts_done = (*db)->Transactions();
  const absl::Time done_at = absl::Now();
  if (!xacts_done.ok()) return xacts_done.status();
  // Less what the steady state (lease rounds) spent meanwhile.
  const double transition_xacts =
      static_cast<double>(*xacts_done - *xacts_after) -
      steady_xacts * absl::FDivDuration(done_at - end, result.window);
  result.pg_xacts_per_task_transitions =
      std::max(0.0, transition_xacts) / tasks;
  absl::StatusOr<SimSnapshot> final_stats = env.sim().Stats();
  if (!final_stats.ok()) return final_stats.status();
  CollectDelays(fleet, ids, holder, *final_stats, result);

  if (absl::Status failover =
          MeasureFailover(env, options, *(*replicas)[0], result);
      !failover.ok()) {
    return failover;
  }
  for (std::size_t k = 1; k < replicas->size(); ++k) {
    if (absl::Status stopped = (*replicas)[k]->Stop(); !stopped.ok()) {
      return stopped;
    }
  }
  return result;
}

}  // namespace seedance::bench
