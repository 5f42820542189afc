#include "server/gateway/heartbeat_event.h"

#include <memory>
#include <utility>

#include "google/protobuf/util/time_util.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

}  // namespace

WatchEvent MakeHeartbeatEvent(int64_t sequence, absl::Time now,
                              absl::Time create_time,
                              const PollerSnapshot& snapshot) {
  auto event = std::make_shared<v1::WatchVideoResponse>();
  event->set_sequence(sequence);
  *event->mutable_event_time() = ToTimestamp(now);
  v1::Heartbeat* beat = event->mutable_heartbeat();
  if (create_time != absl::InfinitePast()) {
    *beat->mutable_elapsed() = TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(now - create_time));
  }
  if (snapshot.last_contact != absl::InfinitePast()) {
    *beat->mutable_last_upstream_contact() = ToTimestamp(snapshot.last_contact);
  }
  beat->set_upstream_reachable(snapshot.upstream_reachable);
  beat->set_upstream_error(snapshot.upstream_error);
  return event;
}

absl::Time CreateTimeOf(const WatchEvent& event) {
  if (event == nullptr || !event->video().has_create_time()) {
    return absl::InfinitePast();
  }
  return absl::FromUnixNanos(
      TimeUtil::TimestampToNanoseconds(event->video().create_time()));
}

}  // namespace seedance::gateway
