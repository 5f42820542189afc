// Load generators that talk REST straight to tokenhub-sim, the way a client
// without the gateway would: closed-loop creates (the create-path baseline)
// and naive per-client polling (the fan-out baseline). Both run on the
// calling thread with one curl multi handle and keep-alive connections.
#ifndef SEEDANCE_BENCH_REST_LOAD_H_
#define SEEDANCE_BENCH_REST_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace seedance::bench {

struct ClosedLoopResult {
  std::vector<double> latencies_us;  // one per successful request
  int64_t errors = 0;
  absl::Duration elapsed;
};

// Keeps `concurrency` POST /videos/generations in flight for `duration`
// (each finished create starts the next), bodies with `prompt`.
absl::StatusOr<ClosedLoopResult> RunRestCreates(const std::string& api_base,
                                                const std::string& api_key,
                                                const std::string& prompt,
                                                int concurrency,
                                                absl::Duration duration);

struct NaivePollResult {
  int64_t gets = 0;
  int64_t errors = 0;
  absl::Duration elapsed;
};

// `clients` independent pollers, client i following task_ids[i % n], each
// GETting its task once per `period` (first GET at a staggered offset, as
// independent clients would), for `duration`.
absl::StatusOr<NaivePollResult> RunNaivePollers(
    const std::string& api_base, const std::string& api_key,
    const std::vector<std::string>& task_ids, int clients,
    absl::Duration period, absl::Duration duration);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_REST_LOAD_H_
