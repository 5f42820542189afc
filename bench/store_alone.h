// Store alone: the CPU a task store's own writes cost per create, with no
// gateway around them. The create-store scenario compares whole gateways;
// this separates the store's floor (its engine, its statements, its disk
// or socket traffic) from the gateway's work around each write (the hops
// to the store thread, the callbacks), so that docs/PERFORMANCE.md can say
// which one a target is missed by.
//
//   absl::StatusOr<StoreAloneFigures> alone =
//       MeasureStoreAlone("sqlite:/tmp/x/alone.db", /*batch=*/4,
//                         absl::Seconds(2));
//
// Each step writes what a create writes, as the gateway's group commit
// does: one WriteBatch of `batch` BeginCreate calls (a fresh request_id
// each, a fleet lease), then one of their FinishCreate calls (a created
// task, final at once, as in the create-store scenario). CPU is the
// process's (the bench runs nothing else then): the calling thread, on
// which the store writes, and the store's own threads (SQLite's
// checkpointer); for PostgreSQL the server's CPU is not in it.
#ifndef SEEDANCE_BENCH_STORE_ALONE_H_
#define SEEDANCE_BENCH_STORE_ALONE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace seedance::bench {

struct StoreAloneFigures {
  int batch = 0;  // creates per WriteBatch
  int64_t creates = 0;
  double cpu_us = 0;   // of the process, per create
  double wall_us = 0;  // per create
};

// Writes creates to the store `spec` (as --store takes it) for about
// `duration`, after a few uncounted steps (the schema, the first pages).
// Fails with the store's error if it cannot be opened or a write fails.
absl::StatusOr<StoreAloneFigures> MeasureStoreAlone(const std::string& spec,
                                                    int batch,
                                                    absl::Duration duration);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_STORE_ALONE_H_
