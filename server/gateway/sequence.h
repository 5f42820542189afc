// Watch sequence numbers: the same on every gateway replica, so a client
// that reconnects anywhere with `after_sequence` gets only what is newer.
//
// Known statuses have fixed values (QUEUED 10, RUNNING 20, SUCCEEDED and
// FAILED 30). A status the gateway does not recognise, or a step backwards,
// takes the next number after the last one (at most 9 such steps per
// stage), so sequences stay strictly increasing.
#ifndef SEEDANCE_SERVER_GATEWAY_SEQUENCE_H_
#define SEEDANCE_SERVER_GATEWAY_SEQUENCE_H_

#include <cstdint>

#include "absl/types/optional.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/video_status.h"  // IsFinal, StageSequence

namespace seedance::gateway {

// Sequence for a newly observed status after `last` (0 before any).
// nullopt when no number is left in the stage (the 10th unrecognised status
// in a row): the state is then kept but not announced.
inline absl::optional<int64_t> NextSequence(int64_t last,
                                            v1::VideoStatus status) {
  int64_t stage = StageSequence(status);
  if (stage > last) return stage;
  if (last % 10 == 9) return absl::nullopt;
  return last + 1;
}

// Whether `next` is a transition from `prev`: the status (or the raw
// upstream status string) changed.
inline bool IsTransition(const v1::Video& prev, const v1::Video& next) {
  return prev.status() != next.status() ||
         prev.upstream_status() != next.upstream_status();
}

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_SEQUENCE_H_
