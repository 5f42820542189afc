// TokenHubClient: TokenHub's two video endpoints as asynchronous calls that
// speak seedance.v1 messages and absl::Status, with the retry rules built in.
//
//   CurlTransport transport(CurlTransportOptions{});
//   ThreadScheduler scheduler;
//   TokenHubClientOptions options;
//   options.api_key = key;
//   auto client = MakeTokenHubClient(
//       options, transport, scheduler,
//       std::make_unique<ExponentialBackoffPolicy>(absl::Milliseconds(200),
//                                                  absl::Seconds(5), 2.0));
//   CallOptions call;
//   call.deadline = absl::Now() + absl::Seconds(10);
//   client->GetVideo(id, call, [](absl::StatusOr<seedance::v1::Video> v)
//   {...});
//
// Callbacks run on the transport's thread or the scheduler's thread: keep
// them cheap and non-blocking. Errors carry the ErrorInfo/RetryInfo details
// of error_mapping.h. The API key never appears in any status message.
#ifndef SEEDANCE_SERVER_UPSTREAM_TOKENHUB_CLIENT_H_
#define SEEDANCE_SERVER_UPSTREAM_TOKENHUB_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/scheduler.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/http_transport.h"

namespace seedance::upstream {

// Where TokenHub is and how to authenticate.
struct TokenHubClientOptions {
  // API root, without a trailing slash (one is tolerated).
  std::string base_url = "https://tokenhub.store/api/v1";
  // Default API key (`th-...`), sent as `Authorization: Bearer`.
  std::string api_key;
  // Most attempts of one GetVideo (first try included) when retrying.
  int max_get_attempts = 6;
  // Most attempts of one CreateVideo; only never-sent attempts are repeated.
  int max_create_attempts = 3;
  // Called (on the transport's thread, so cheap) before each attempt after
  // the first, with the request's method: "POST" (create) or "GET". For
  // metrics; may be empty.
  std::function<void(absl::string_view method)> on_retry;
};

// Per-call settings.
struct CallOptions {
  // The call fails with its last error rather than wait past this instant
  // (scheduler clock for retry waits; the transport bounds each attempt).
  absl::Time deadline = absl::InfiniteFuture();
  // Overrides the configured key; empty means the configured default. The
  // server decides whether callers may bring their own key.
  std::string api_key;
  // GetVideo only: retry transient failures. The poller passes false since
  // it has its own backoff.
  bool retry_transient = true;
};

// TokenHub's task API. Thread-safe.
class TokenHubClient {
 public:
  virtual ~TokenHubClient() = default;

  // Receives a call's outcome, exactly once.
  using VideoCallback =
      absl::AnyInvocable<void(absl::StatusOr<seedance::v1::Video>) &&>;

  // POST /videos/generations. `request` must already be validated. Retried
  // only when the attempt provably never reached the upstream
  // (UPSTREAM_CONNECT_FAILED), within the deadline: a duplicate create is a
  // duplicate bill. The Video has no price or update_time. With no key
  // configured and none in `options`, fails with UNAUTHENTICATED at once,
  // on the calling thread, without contacting the upstream.
  virtual void CreateVideo(const seedance::v1::CreateVideoRequest& request,
                           const CallOptions& options, VideoCallback done) = 0;

  // GET /videos/generations/{id} (id URL-path-escaped). A malformed id
  // (see ValidateTaskId) fails with INVALID_ARGUMENT at once. When
  // `options.retry_transient`, failures RetryableRead accepts (transient
  // ones, garbled or oversized replies) are retried with backoff,
  // waiting at least any Retry-After, never past the deadline.
  virtual void GetVideo(const std::string& task_id, const CallOptions& options,
                        VideoCallback done) = 0;
};

// The production client. `transport` and `scheduler` must outlive it and
// every call in flight; `backoff` is a prototype cloned per call. Shut down
// in this order: client, scheduler (calls waiting to retry answer CANCELLED
// with reason UPSTREAM_TRANSPORT_SHUTDOWN), transport (calls in flight
// answer the same). Every callback runs exactly once.
std::unique_ptr<TokenHubClient> MakeTokenHubClient(
    TokenHubClientOptions options, HttpTransport& transport,
    Scheduler& scheduler, std::unique_ptr<BackoffPolicy> backoff);

// `id` with every byte outside RFC 3986's unreserved set percent-encoded,
// safe as one URL path segment.
std::string EscapePathSegment(absl::string_view id);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_TOKENHUB_CLIENT_H_
