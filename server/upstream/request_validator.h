// Request validation: everything the upstream documents, checked before
// any money is spent.
//
//   absl::Status s = ValidateCreateVideoRequest(request,
//   PriceTable::Default()); if (!s.ok()) return s;  // INVALID_ARGUMENT +
//   google.rpc.BadRequest
//
// Every violated rule is reported (not only the first), each as a
// BadRequest field violation named by its proto field path (`duration`,
// `image_urls[2]`, `content[0].url`, `video_durations[1]`), so callers in
// any language can point at the field. The rules are the field comments of
// proto/seedance/v1/video_service.proto; docs/UPSTREAM.md lists them.
#ifndef SEEDANCE_SERVER_UPSTREAM_REQUEST_VALIDATOR_H_
#define SEEDANCE_SERVER_UPSTREAM_REQUEST_VALIDATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/duration.pb.h"
#include "seedance/v1/video_service.pb.h"
#include "server/upstream/pricing.h"

namespace seedance::upstream {

// Prompt length limit, in Unicode code points.
inline constexpr int kMaxPromptCodePoints = 4000;
// Output duration range, whole seconds.
inline constexpr int kMinDurationSeconds = 4;
inline constexpr int kMaxDurationSeconds = 15;
// Longest accepted media URL, in bytes.
inline constexpr size_t kMaxUrlBytes = 2048;
// Media limits, counting single fields, lists and content items together.
inline constexpr int kMaxImages = 9;
inline constexpr int kMaxVideos = 3;
inline constexpr int kMaxAudios = 3;
// Longest task id, in bytes.
inline constexpr size_t kMaxTaskIdBytes = 256;

// The range of `seconds` that google/protobuf/duration.proto documents
// (about 10,000 years).
inline constexpr int64_t kMaxProtoDurationSeconds = 315'576'000'000;

// Why `d` is not a well-formed, non-negative google.protobuf.Duration, or ""
// if it is one: 0 <= seconds <= kMaxProtoDurationSeconds and nanos in
// [0, 1e9). Every Duration a caller sends is checked with this BEFORE it is
// converted: TimeUtil's conversions overflow (undefined behaviour) outside
// that range, and no request field has a meaning for negative durations.
std::string DurationFormProblem(const google::protobuf::Duration& d);

// OK, or INVALID_ARGUMENT whose message summarises the fields ("3 invalid
// fields: duration, video_durations, content[1].role") and whose
// google.rpc.BadRequest detail lists every violation with a description.
// The model must have a price in `prices` (at the requested resolution).
absl::Status ValidateCreateVideoRequest(
    const seedance::v1::CreateVideoRequest& request, const PriceTable& prices);

// OK, or INVALID_ARGUMENT with a BadRequest naming `field_name`: a task id
// is required, at most kMaxTaskIdBytes, and only `[A-Za-z0-9._:-]`.
absl::Status ValidateTaskId(absl::string_view id,
                            absl::string_view field_name = "id");

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_REQUEST_VALIDATOR_H_
