#include "server/gateway/spend_recorder.h"

#include "server/common/video_status.h"

namespace seedance::gateway {

void SpendRecorder::Record(const std::string& owner, const std::string& task_id,
                           const store::Observation& observation) {
  const v1::Video& video = observation.video;
  if (IsFinal(video.status()) && video.has_price() &&
      video.price().has_actual_micros()) {
    metrics_.ActualSpend(video.model(), video.price().rate_micros_per_second(),
                         video.price().actual_micros());
  }
  if (next_ != nullptr) next_->Record(owner, task_id, observation);
}

}  // namespace seedance::gateway
