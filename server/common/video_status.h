// IsFinal: whether a task's status ends its lifecycle (SUCCEEDED or
// FAILED). Shared by the gateway's pollers and the task store, which must
// agree on it.
#ifndef SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_
#define SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_

#include "seedance/v1/video_service.pb.h"

namespace seedance {

inline bool IsFinal(v1::VideoStatus status) {
  return status == v1::VIDEO_STATUS_SUCCEEDED ||
         status == v1::VIDEO_STATUS_FAILED;
}

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_VIDEO_STATUS_H_
