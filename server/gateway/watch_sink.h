// WatchSink: what a TaskPoller feeds. WatchReactor implements it for gRPC
// streams; tests implement it to record what a watcher would see.
#ifndef SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_
#define SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::gateway {

// One announced state, built once per transition and shared, immutable, by
// every watcher of the task (each stream writes the same message).
using WatchEvent = std::shared_ptr<const v1::WatchVideoResponse>;

// The event announcing `video` with its sequence number, observed at
// `event_time`.
WatchEvent MakeWatchEvent(int64_t sequence, absl::Time event_time,
                          v1::Video video);

class WatchSink {
 public:
  virtual ~WatchSink() = default;

  // The task's state after a transition (or its current state when the
  // sink registers). Sequences only grow. May run on any thread, possibly
  // with the poller's or the registry's lock held: must not block or call
  // back into the poller or the registry.
  virtual void OnVideo(const WatchEvent& event) = 0;

  // Nothing more will come: OK right after a final state, otherwise why
  // (NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE when the gateway drains, ...).
  // Same rules as OnVideo, and it comes after every OnVideo. At most once.
  virtual void OnEnd(const absl::Status& status) = 0;

  // The last state and the end at once (a task reached its final state).
  // A gRPC stream sends both in one operation instead of two, which halves
  // its cost when every watcher of many tasks finishes in the same moment.
  virtual void OnLastVideo(const WatchEvent& event,
                           const absl::Status& status) {
    OnVideo(event);
    OnEnd(status);
  }
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_WATCH_SINK_H_
