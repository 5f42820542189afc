// Closed-loop CreateVideo through the gateway with the callback API: keeps
// `concurrency` unary calls in flight (each completion starts the next)
// until a duration or a count is reached. Used to create the tasks other
// scenarios watch, and as the gateway side of the create-path scenario.
#ifndef SEEDANCE_BENCH_GRPC_CREATES_H_
#define SEEDANCE_BENCH_GRPC_CREATES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/rest_load.h"

namespace seedance::bench {

struct GrpcCreateOptions {
  std::string prompt;
  int concurrency = 16;
  absl::Duration duration = absl::InfiniteDuration();  // stop after this...
  int64_t max_count = -1;  // ...or this many (-1: no cap)
  bool keep_ids = false;   // return the task ids
  // Give each create a fresh request_id (AIP-155), as an idempotent
  // client would, so the gateway's ledger checks it.
  bool request_ids = false;
};

struct GrpcCreateResult {
  ClosedLoopResult loop;
  std::vector<std::string> ids;
  std::string first_error;
};

absl::StatusOr<GrpcCreateResult> RunGrpcCreates(
    const GatewayProcess& gateway, const GrpcCreateOptions& options);
// The same against the environment's main gateway.
absl::StatusOr<GrpcCreateResult> RunGrpcCreates(
    const BenchEnv& env, const GrpcCreateOptions& options);

// `count` tasks with `prompt`, ids in creation order; any failure is an error.
absl::StatusOr<std::vector<std::string>> CreateTasks(const BenchEnv& env,
                                                     const std::string& prompt,
                                                     int count);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_GRPC_CREATES_H_
