// TransitionFilter: the resume bookkeeping of a reconnecting WatchVideo.
// It remembers the last transition delivered to the caller, so a stream
// reopened with `after_sequence` = resume_point() can never hand the caller
// a transition twice, and heartbeats (which repeat the last sequence) pass
// through without moving the resume point.
#ifndef SEEDANCE_CLIENT_TRANSITION_FILTER_H_
#define SEEDANCE_CLIENT_TRANSITION_FILTER_H_

#include <cstdint>

#include "seedance/v1/video_service.pb.h"

namespace seedance::client {

class TransitionFilter {
 public:
  // `after_sequence`: what the caller has already seen (0: nothing).
  explicit TransitionFilter(int64_t after_sequence = 0)
      : resume_point_(after_sequence) {}

  // Whether `message` goes to the caller. Transitions at or below the
  // resume point are replays (a replica answering a resumed watch may
  // repeat the current state); accepted ones move the resume point.
  bool Accept(const v1::WatchVideoResponse& message) {
    if (!message.has_video()) return true;  // heartbeat: proof of life only
    if (message.sequence() <= resume_point_) return false;
    resume_point_ = message.sequence();
    final_ = IsFinal(message.video().status());
    return true;
  }

  // The `after_sequence` of the next WatchVideoRequest.
  int64_t resume_point() const { return resume_point_; }

  // True once a SUCCEEDED or FAILED state was delivered: nothing follows,
  // so a stream that breaks afterwards need not be reopened.
  bool saw_final() const { return final_; }

  static bool IsFinal(v1::VideoStatus status) {
    return status == v1::VIDEO_STATUS_SUCCEEDED ||
           status == v1::VIDEO_STATUS_FAILED;
  }

 private:
  int64_t resume_point_;
  bool final_ = false;
};

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_TRANSITION_FILTER_H_
