// RSS scenario: the gateway's resident memory after many creates (100,000
// by default) with --store=none and with SQLite, each in a fresh gateway.
// The simulator finishes every task at once and unwatched tasks are polled
// at the bench's period, so by the time RSS is read the gateway's
// followers of those tasks have ended: what is left is what the gateway
// keeps per task it has created.
#ifndef SEEDANCE_BENCH_CREATE_RSS_SCENARIO_H_
#define SEEDANCE_BENCH_CREATE_RSS_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"

namespace seedance::bench {

struct CreateRssOptions {
  int64_t creates = 100000;
  int concurrency = 32;
  bool request_ids = true;
  std::string scratch_parent = "/tmp";
  // Longest wait for the gateway to go quiet after the creates.
  absl::Duration settle_limit = absl::Seconds(120);
};

struct CreateRssFigures {
  std::string name;  // none | sqlite
  std::string spec;
  int64_t creates = 0;  // successful
  int64_t errors = 0;
  std::string first_error;
  absl::Duration create_time;   // all the creates
  absl::Duration settle_time;   // then until the gateway was quiet
  int64_t rss_start = 0;        // VmRSS after start, before any create
  int64_t rss_after = 0;        // VmRSS once quiet
  int64_t rss_peak = 0;         // VmHWM then
  double bytes_per_create = 0;  // (rss_after - rss_start) / creates
};

struct CreateRssResult {
  int64_t creates = 0;
  std::vector<CreateRssFigures> stores;  // none, sqlite
};

absl::StatusOr<CreateRssResult> RunCreateRss(const BenchEnv& env,
                                             const CreateRssOptions& options);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_CREATE_RSS_SCENARIO_H_
