// The gateway's view of a task store record: the Video a caller sees, and
// the seed a poller resumes from.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_RECORDS_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_RECORDS_H_

#include "seedance/v1/video_service.pb.h"
#include "server/gateway/task_poller.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

// The recorded state as callers see it: the last observed state with its
// price, update_time, request_id and expiry.
v1::Video RecordVideo(const store::TaskRecord& record);

// What a poller of this task starts from: the recorded state and sequence,
// the price, and, for a task created through the gateway and not expired,
// follow = true.
TaskSeed SeedFromRecord(const store::TaskRecord& record);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_RECORDS_H_
