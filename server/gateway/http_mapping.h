// How the HTTP face (http_gateway.h) speaks: the proto3 JSON mapping of the
// API's messages (the proto's JSON names, enums as names, int64 as strings),
// errors as a JSON google.rpc.Status under the HTTP status that
// google/rpc/code.proto maps its code to, and the query parameters of GET
// requests. Pure functions, so every rule is tested without a socket.
//
//   v1::CreateVideoRequest request;
//   absl::Status s = ParseJsonBody(body, request);  // unknown fields: 400
//   HttpError e = HttpErrorFor(status);  // 404, {"code":5,"message":...}
#ifndef SEEDANCE_SERVER_GATEWAY_HTTP_MAPPING_H_
#define SEEDANCE_SERVER_GATEWAY_HTTP_MAPPING_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::gateway {

// What a request path names: the routes of the proto's google.api.http
// annotations (tests check that they agree), and the page.
struct HttpRoute {
  enum Kind { kNone, kPage, kCollection, kVideo, kWatch, kUsage } kind = kNone;
  std::string id;          // the task id in the path (kVideo, kWatch)
  const char* allow = "";  // the methods it takes, for 405's Allow
};
HttpRoute RouteFor(absl::string_view path);

// GET /v1/usage's query (`day`): INVALID_ARGUMENT naming an unknown
// parameter.
absl::StatusOr<v1::GetUsageRequest> UsageRequestFromQuery(
    absl::string_view query);

// Parses a request body into `message`. Unknown fields are refused, so a
// misspelt `validate_only` cannot create a billed task. INVALID_ARGUMENT
// with a BadRequest naming the field (or `body`) on any problem.
absl::Status ParseJsonBody(absl::string_view body,
                           google::protobuf::Message& message);

// The proto3 JSON form of `message` (the proto's JSON names; unset fields
// left out).
std::string ToJson(const google::protobuf::Message& message);

// google/rpc/code.proto's HTTP mapping: 400, 401, 403, 404, 409, 429, 499,
// 500, 501, 503, 504.
int HttpStatusFor(absl::StatusCode code);

struct HttpError {
  int status = 500;
  // A JSON google.rpc.Status: code, message, and every detail (BadRequest,
  // ErrorInfo, RetryInfo, ...) as an Any with its `@type`.
  std::string body;
  // Whole seconds for a Retry-After header (429, 503, and any error with a
  // RetryInfo); 0: none.
  int64_t retry_after_seconds = 0;
};
HttpError HttpErrorFor(const absl::Status& status);

// A query string ("a=1&b=x%20y", without the '?') as decoded name/value
// pairs; INVALID_ARGUMENT on a bad %-escape or a name given twice.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    absl::string_view query);

// GET /v1/videos's query parameters (page_size, page_token, filter): any
// other parameter is INVALID_ARGUMENT naming it.
absl::StatusOr<v1::ListVideosRequest> ListRequestFromQuery(
    absl::string_view query);

// GET /v1/videos/{id}:watch's query parameters (after_sequence, heartbeat
// as a duration such as "15s") and the Last-Event-ID header, which
// EventSource sends when it reconnects and which counts as after_sequence
// (the larger of the two wins). `id` is the path's.
absl::StatusOr<v1::WatchVideoRequest> WatchRequestFrom(
    absl::string_view id, absl::string_view query,
    absl::string_view last_event_id);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_HTTP_MAPPING_H_
