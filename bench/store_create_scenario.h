// Store scenario: the create path of the gateway with each task store
// (--store=sqlite:…, --store=postgresql://… on loopback) against the
// in-memory gateway (--store=none) in the same run. One gateway per store
// runs against the shared simulator; rounds alternate between them (the
// starting store rotates each round) so load drift hits all alike, and
// each figure is the median over the rounds.
#ifndef SEEDANCE_BENCH_STORE_CREATE_SCENARIO_H_
#define SEEDANCE_BENCH_STORE_CREATE_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/store_alone.h"

namespace seedance::bench {

struct StoreCreateOptions {
  int concurrency = 32;
  absl::Duration duration = absl::Seconds(10);  // per store, over all rounds
  int rounds = 5;
  // Per store, before the rounds and not counted: connections, the
  // schema, the first pages of the database.
  absl::Duration warmup = absl::Seconds(1);
  // Each create with a store carries a fresh request_id (the idempotent
  // path: a lookup and a unique key); never with none, which refuses it.
  bool request_ids = true;
  std::string scratch_parent = "/tmp";  // where the SQLite database goes
};

// One store's figures: medians over the rounds (the ratios and added
// latencies are medians of per-round comparisons with `none` in the same
// round). Totals are over all rounds.
struct StoreCreateFigures {
  std::string name;     // none | sqlite | postgresql
  std::string spec;     // --store value (never holds a password)
  std::string skipped;  // why it did not run (then no figures)
  int64_t requests = 0;
  int64_t errors = 0;
  std::string first_error;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double gateway_cpu_us = 0;  // per successful create
  double bench_cpu_us = 0;
  double sim_cpu_us = 0;
  double throughput_ratio = 1;   // vs none
  double p50_added_ms = 0;       // vs none
  double p99_added_ms = 0;       // vs none
  double gateway_cpu_ratio = 1;  // vs none
  // The store's own writes without a gateway (store_alone.h), measured
  // after the rounds: one create per batch, then kAloneBatch. Empty for
  // none; `alone_error` says why when they failed.
  std::vector<StoreAloneFigures> alone;
  std::string alone_error;
};

struct StoreCreateResult {
  int concurrency = 0;
  int rounds = 0;
  absl::Duration round;
  std::vector<StoreCreateFigures> stores;  // `none` first
};

// Creates per batch of the store-alone figures beside one alone: about
// what the gateway's group commit gathers at 32 in flight (8 to 9 writes,
// a create's two, per SQLite batch in the create-store scenario).
inline constexpr int kAloneBatch = 4;

// The targets for a store against none.
inline constexpr double kStoreMaxAddedP50Ms = 1.0;
inline constexpr double kStoreMinThroughputRatio = 0.8;

absl::StatusOr<StoreCreateResult> RunStoreCreates(
    const BenchEnv& env, const StoreCreateOptions& options);

// The prompt of the store scenarios: the simulator finishes the task at
// once, so the gateway's follower of each unwatched task ends at its
// first poll instead of piling up over the run.
inline constexpr char kFastTaskPrompt[] =
    "seedance-bench create [sim:queued=0s,running=0s] a red fox in snow";

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_STORE_CREATE_SCENARIO_H_
