// What the gateway's pollers and the task store must agree on about a
// status: whether it ends a task's lifecycle (IsFinal), and the watch
// sequence number of a known status (StageSequence; see
// server/gateway/sequence.h for the rest of the numbering).
#ifndef SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_
#define SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_

#include <cstdint>

#include "seedance/v1/video_service.pb.h"

namespace seedance {

inline bool IsFinal(v1::VideoStatus status) {
  return status == v1::VIDEO_STATUS_SUCCEEDED ||
         status == v1::VIDEO_STATUS_FAILED;
}

// The fixed sequence of a known status (QUEUED 10, RUNNING 20, SUCCEEDED
// and FAILED 30); 0 for UNKNOWN / UNSPECIFIED.
inline int64_t StageSequence(v1::VideoStatus status) {
  switch (status) {
    case v1::VIDEO_STATUS_QUEUED:
      return 10;
    case v1::VIDEO_STATUS_RUNNING:
      return 20;
    case v1::VIDEO_STATUS_SUCCEEDED:
    case v1::VIDEO_STATUS_FAILED:
      return 30;
    default:
      return 0;
  }
}

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_
