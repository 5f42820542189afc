// Error mapping: HTTP and transport failures as gRPC-style absl::Status
// values, and the facts retry logic needs from them.
//
// Mapping (what the caller sees) and retrying (what the client does next)
// are separate decisions: 500 maps to INTERNAL yet is transient, and a
// connection reset is transient for a GET but never retried for a create.
// Both are decided here from the google.rpc.ErrorInfo reason, not from the
// code alone.
//
//   absl::Status s = MapHttpError(503, body, &response, scheduler.Now());
//   if (IsTransient(s)) { wait max(backoff, RetryAfter(s)) and retry }
//
// Every status built here carries ErrorInfo{reason, domain
// `seedance.gateway`, metadata}; HTTP errors add metadata `http_status` and
// a RetryInfo when the upstream sent Retry-After. See docs/UPSTREAM.md for
// the full table and the decisions the contract leaves open.
#ifndef SEEDANCE_SERVER_UPSTREAM_ERROR_MAPPING_H_
#define SEEDANCE_SERVER_UPSTREAM_ERROR_MAPPING_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/upstream/http_transport.h"
#include "server/upstream/redaction.h"

namespace seedance::upstream {

// ErrorInfo domain of every error this library produces.
inline constexpr absl::string_view kErrorDomain = "seedance.gateway";

// ErrorInfo reasons of failures without an HTTP status (HTTP errors use
// `UPSTREAM_HTTP_<code>`).
inline constexpr absl::string_view kReasonConnectFailed =
    "UPSTREAM_CONNECT_FAILED";
inline constexpr absl::string_view kReasonTimeout = "UPSTREAM_TIMEOUT";
inline constexpr absl::string_view kReasonTransportError =
    "UPSTREAM_TRANSPORT_ERROR";
inline constexpr absl::string_view kReasonTlsFailed = "UPSTREAM_TLS_FAILED";
inline constexpr absl::string_view kReasonResponseTooLarge =
    "UPSTREAM_RESPONSE_TOO_LARGE";
inline constexpr absl::string_view kReasonBadReply = "UPSTREAM_BAD_REPLY";
inline constexpr absl::string_view kReasonNoApiKey = "UPSTREAM_NO_API_KEY";
inline constexpr absl::string_view kReasonShutdown =
    "UPSTREAM_TRANSPORT_SHUTDOWN";

// Longest Retry-After the library honours; longer values are capped so one
// bad header cannot park a poller for hours.
inline constexpr absl::Duration kMaxRetryAfter = absl::Seconds(60);

// Builds a status with an ErrorInfo{reason, kErrorDomain, metadata}.
absl::Status UpstreamError(
    absl::StatusCode code, absl::string_view reason, absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>
        metadata = {});

// The canonical code for an HTTP status (google/rpc/code.proto's mapping
// plus the documented choices for codes it does not name). 2xx gives kOk.
absl::StatusCode HttpStatusToCode(int http_status);

// The status for a non-2xx HTTP reply: the mapped code, a message carrying
// the upstream's `error.message`, an ErrorInfo with reason
// `UPSTREAM_HTTP_<code>` and metadata `http_status` (plus `upstream_code` /
// `upstream_type` when the body names them), and a RetryInfo when
// `response_for_headers` has a usable Retry-After (capped at
// kMaxRetryAfter). Every string taken from the body has `api_key` and any
// key shape redacted (ParseUpstreamError). `now` resolves HTTP-date
// Retry-After values. Returns OK for a 2xx status.
absl::Status MapHttpError(int http_status, absl::string_view body,
                          const HttpResponse* response_for_headers,
                          absl::Time now, absl::string_view api_key = {});

// The ErrorInfo reason of `status`, or "" when it has none.
std::string ErrorReason(const absl::Status& status);

// True when trying the same idempotent request again may succeed: HTTP 408,
// 429 and 5xx other than 501, connect failures, timeouts and transport
// errors (resets, truncated replies). Decided from the ErrorInfo reason.
bool IsTransient(const absl::Status& status);

// True when the request provably never reached the upstream (it could not
// connect, or TLS failed before anything was sent), so even a create may be
// sent again without risking a duplicate task.
bool NeverReachedUpstream(const absl::Status& status);

// True when a create that failed with `status` may still have created
// (and billed) a task: no answer came after the request was, or may have
// been, sent (timeout, reset, truncated or garbled reply), or a proxy's
// gateway error (502, 504, 520-524) hid what the origin did. False when
// the upstream itself refused it or it never left.
bool MayHaveCreated(const absl::Status& status);

// The RetryInfo delay attached to `status`, if any.
absl::optional<absl::Duration> RetryAfter(const absl::Status& status);

// Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds, or an
// HTTP-date (IMF-fixdate, RFC 850 or asctime form). Returns the instant to
// retry at, not earlier than `now`; nullopt when the value is malformed.
absl::optional<absl::Time> ParseRetryAfter(absl::string_view value,
                                           absl::Time now);

// `status` with every occurrence of `secret` (and anything RedactSecrets
// catches) removed from its message and from its ErrorInfo's reason and
// metadata values; code and other payloads unchanged. Returns `status`
// itself when there is nothing to remove.
absl::Status RedactStatus(const absl::Status& status, absl::string_view secret);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_ERROR_MAPPING_H_
