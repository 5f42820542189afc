// WatchSink: what a TaskPoller feeds. WatchReactor implements it for gRPC
// streams; tests implement it to record what a watcher would see.
#ifndef SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_
#define SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::gateway {

class WatchSink {
 public:
  virtual ~WatchSink() = default;

  // The task's state after a transition (or its current state when the
  // sink registers). Sequences only grow. Called with the poller's lock
  // held: must not block or call back into the poller or the registry.
  virtual void OnVideo(int64_t sequence, absl::Time event_time,
                       const v1::Video& video) = 0;

  // Nothing more will come: OK right after a final state, otherwise why
  // (NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE when the gateway drains, ...).
  // Same locking rule as OnVideo. Called at most once.
  virtual void OnEnd(const absl::Status& status) = 0;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_
