// ListVideos (AIP-132) between the API and the task store: the request's
// page and filter as a store::ListQuery, a store page as the response.
#ifndef SEEDANCE_SERVER_GATEWAY_LIST_REQUEST_H_
#define SEEDANCE_SERVER_GATEWAY_LIST_REQUEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "seedance/v1/video_service.pb.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// The store query for `owner`'s page: page_size 0 means 50, above 500
// means 500 (AIP-158), negative is INVALID_ARGUMENT; the filter is parsed
// (list_filter.h). Errors are INVALID_ARGUMENT naming the field, with a
// google.rpc.BadRequest.
absl::StatusOr<store::ListQuery> ListQueryFor(
    const v1::ListVideosRequest& request, std::string owner);

// The response for a store page: each record as callers see it
// (RecordVideo), newest first.
v1::ListVideosResponse ListResponseFor(const store::ListPage& page);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_LIST_REQUEST_H_
