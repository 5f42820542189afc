// SseFleet: many Server-Sent Events watches (GET /v1/videos/{id}:watch) on
// the gateway's web face, held by one Asio thread in the bench: for the SSE
// capacity (RSS per stream) and event-delay figures next to gRPC's.
#ifndef SEEDANCE_BENCH_SSE_FLEET_H_
#define SEEDANCE_BENCH_SSE_FLEET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace seedance::bench {

class SseFleet {
 public:
  explicit SseFleet(int http_port);
  ~SseFleet();  // closes every stream

  // Opens `streams` watches spread over `ids` and waits until each has its
  // first event.
  absl::Status Open(const std::vector<std::string>& ids, int streams,
                    absl::Duration timeout);
  // Waits until every stream has received the event with `sequence`.
  absl::Status WaitForSequence(int64_t sequence, absl::Duration timeout);
  // Microseconds from each event's eventTime (when the gateway observed the
  // transition) to its arrival here, for `sequence`.
  std::vector<double> DelaysMicros(int64_t sequence) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_SSE_FLEET_H_
