// Request JSON: a validated CreateVideoRequest as the upstream's create
// body, with exactly the documented field names.
//
//   HttpRequest post{"POST", base + "/videos/generations", headers,
//                    CreateRequestToJson(request)};
//
// Unset optional fields are omitted so the upstream applies its own
// defaults; `validate_only` is never sent. Durations are JSON numbers of
// seconds with millisecond precision (`2.5`, `3`).
#ifndef SEEDANCE_SERVER_UPSTREAM_REQUEST_JSON_H_
#define SEEDANCE_SERVER_UPSTREAM_REQUEST_JSON_H_

#include <string>

#include "seedance/v1/video_service.pb.h"

namespace seedance::upstream {

// The upstream create body for `request`, e.g.
// `{"model":"doubao-seedance-2.0","prompt":"...","duration":10,
//   "resolution":"720p","content":[{"type":"image_url",
//   "image_url":{"url":"https://..."},"role":"first_frame"}]}`.
std::string CreateRequestToJson(
    const seedance::v1::CreateVideoRequest& request);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_REQUEST_JSON_H_
