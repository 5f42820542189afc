// Task JSON: the upstream's task replies and error bodies, parsed
// defensively into seedance.v1 messages.
//
//   absl::StatusOr<seedance::v1::Video> video =
//       ParseTaskJson(response.body, call_api_key);
//   std::string why = ParseUpstreamErrorMessage(error_response.body, key);
//
// Any byte string is acceptable input: malformed JSON, deep nesting, wrong
// types and huge values give an error status (or are ignored when the field
// is optional), never a crash. Extra fields are ignored; unknown status
// strings become VIDEO_STATUS_UNKNOWN with the (redacted) string kept.
//
// Keys never leak: every string taken from a reply goes through one
// function (UpstreamText in task_json.cc) that redacts the call's key
// (`api_key`, replaced wherever it occurs) and any key shape (see
// redaction.h) before truncating it. A new field read through the same
// accessors cannot skip it. A task id that carries a key is not redacted
// but refused: the reply is a bad reply.
#ifndef SEEDANCE_SERVER_UPSTREAM_TASK_JSON_H_
#define SEEDANCE_SERVER_UPSTREAM_TASK_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::upstream {

// Longest upstream error message passed on (longer ones are truncated at a
// UTF-8 boundary and end with "...").
inline constexpr size_t kMaxUpstreamMessageBytes = 512;

// Parses a create or GET reply. Fills id, model, status, upstream_status,
// create_time (`created`), video_url and cover_image_url (`data[0]`, or top
// level), usage.video_duration (seconds, rounded to ms) and error. A missing,
// mistyped or malformed `id` or `status`, or a body that is not a JSON
// object, gives INTERNAL "upstream reply ..." with ErrorInfo reason
// UPSTREAM_BAD_REPLY; so does an `id` that contains `api_key` or a key shape.
// Never sets price or update_time.
absl::StatusOr<seedance::v1::Video> ParseTaskJson(
    absl::string_view body, absl::string_view api_key = {});

// The parts of an error body worth passing on.
struct UpstreamErrorBody {
  // `error.message` (or `error` as a string, or top-level `message`); for a
  // non-JSON body, its printable start. Truncated, never huge.
  std::string message;
  // `error.type`, when present.
  std::string type;
  // `error.code` (string, or number printed), when present.
  std::string code;
};

// Parses an OpenAI-style `{"error": {"message", "type", "code"}}` body,
// defensively: every part is optional. Every part has `api_key` and any key
// shape redacted.
UpstreamErrorBody ParseUpstreamError(absl::string_view body,
                                     absl::string_view api_key = {});

// ParseUpstreamError(body, api_key).message.
std::string ParseUpstreamErrorMessage(absl::string_view body,
                                      absl::string_view api_key = {});

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_TASK_JSON_H_
