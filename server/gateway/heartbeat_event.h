// The heartbeat message of a watch stream, built the same way for every
// transport (gRPC's WatchReactor, the HTTP face's SSE streams).
#ifndef SEEDANCE_SERVER_GATEWAY_HEARTBEAT_EVENT_H_
#define SEEDANCE_SERVER_GATEWAY_HEARTBEAT_EVENT_H_

#include <cstdint>

#include "absl/time/time.h"
#include "server/gateway/task_poller.h"
#include "server/gateway/watch_sink.h"

namespace seedance::gateway {

// A heartbeat carrying `sequence` (the last one sent), sent at `now`, for a
// task created at `create_time` (InfinitePast: unknown, no `elapsed`), with
// what the poller knows of the upstream.
WatchEvent MakeHeartbeatEvent(int64_t sequence, absl::Time now,
                              absl::Time create_time,
                              const PollerSnapshot& snapshot);

// The create time an event's video carries, or InfinitePast.
absl::Time CreateTimeOf(const WatchEvent& event);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_HEARTBEAT_EVENT_H_
