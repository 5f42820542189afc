#include "server/gateway/task_records.h"

namespace seedance::gateway {

v1::Video RecordVideo(const store::TaskRecord& record) {
  v1::Video video = record.video;
  video.set_request_id(record.request_id);
  video.set_expired(record.expired);
  return video;
}

TaskSeed SeedFromRecord(const store::TaskRecord& record) {
  TaskSeed seed;
  seed.video = RecordVideo(record);
  seed.sequence = record.sequence;
  if (record.video.has_price()) seed.price = record.video.price();
  seed.owner = record.owner;
  seed.follow = record.create_state == store::CreateState::kCreated &&
                !record.expired && !record.final;
  seed.created = record.create_time;
  // No lease: only the replica that holds one (the creator, or a claimer)
  // sets it, so that a replica merely looking a task up never writes as
  // the holder.
  return seed;
}

}  // namespace seedance::gateway
