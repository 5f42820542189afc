#include "server/gateway/watch_sink.h"

#include <utility>

#include "google/protobuf/util/time_util.h"

namespace seedance::gateway {

WatchEvent MakeWatchEvent(int64_t sequence, absl::Time event_time,
                          v1::Video video) {
  auto event = std::make_shared<v1::WatchVideoResponse>();
  event->set_sequence(sequence);
  *event->mutable_event_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(event_time));
  *event->mutable_video() = std::move(video);
  return event;
}

}  // namespace seedance::gateway
