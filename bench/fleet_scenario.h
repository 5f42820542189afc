// Fleet scenario (issue 13): `replicas` seedance-gateway replicas on one
// PostgreSQL store (a scratch database on the server PGHOST names; the
// scenario is skipped without PGHOST) in front of the bench's simulator.
// `tasks` held tasks are created round robin over the replicas (so the
// creating replica holds each task's lease), and each task is watched on
// every replica. Measured:
//   - upstream GETs per task per polling period while the tasks sit held
//     (the simulator's gets_by_task; one poller per task gives 1.0);
//   - PostgreSQL transactions per task per period over the same window
//     (pg_stat_database), and per task over its two transitions;
//   - event delay (simulator's transition instant -> watcher receipt) for
//     watchers on the lease holder and on the other replicas;
//   - failover: kill -9 of one replica holding `failover_tasks` held tasks
//     -> every one of them polled again by another replica.
#ifndef SEEDANCE_BENCH_FLEET_SCENARIO_H_
#define SEEDANCE_BENCH_FLEET_SCENARIO_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/stats.h"
#include "bench/store_variants.h"

namespace seedance::bench {

struct FleetOptions {
  int replicas = 3;
  int tasks = 100;
  // GET and transaction counting window (seconds, so pg_stat_database's
  // once-a-second reporting blurs little).
  absl::Duration hold = absl::Seconds(10);
  absl::Duration running = absl::Seconds(1);     // scripted running phase
  absl::Duration spread = absl::Seconds(1);      // advances spread over this
  absl::Duration lease_ttl = absl::Seconds(10);  // the gateway's default
  int failover_tasks = 30;
  // pg_stat_database hears of a backend's transactions late: at most once
  // a second while it is busy, and up to 10 s after it went idle
  // (PostgreSQL 15's PGSTAT_IDLE_INTERVAL). The counts are read only this
  // long after a burst (opening the watches, the transitions), so the
  // burst is not counted in the window after it.
  absl::Duration stats_settle = absl::Seconds(11);
};

struct FleetResult {
  std::string skipped;  // why it did not run (no PGHOST); empty: it ran
  int replicas = 0;
  int tasks = 0;
  int watchers = 0;
  absl::Duration period;
  absl::Duration lease_ttl;
  absl::Duration window;  // measured counting window
  double gets_per_task_per_period = 0;
  int64_t max_gets_one_task = 0;  // in the window
  double pg_xacts_per_task_per_period = 0;
  double pg_xacts_per_task_transitions = 0;  // advance -> every watcher done
  Summary same_replica_ms;   // watchers on the replica holding the lease
  Summary cross_replica_ms;  // watchers on the other replicas
  int64_t lost_finals = 0;
  int failover_tasks = 0;
  absl::Duration failover;         // kill -9 -> all its tasks polled elsewhere
  absl::Duration failover_target;  // lease TTL + one period
};

absl::StatusOr<FleetResult> RunFleet(const BenchEnv& env,
                                     const FleetOptions& options,
                                     const EnvLookup& lookup);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_FLEET_SCENARIO_H_
