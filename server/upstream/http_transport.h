// HttpTransport: the seam between the TokenHub client and the network.
//
// The client builds an HttpRequest and gets exactly one callback with either
// an HttpResponse (any HTTP status, including 4xx/5xx) or a non-OK status
// when no HTTP response arrived. Production uses CurlTransport; unit tests
// use a fake that answers from a script.
//
//   transport.Send({"GET", url, {{"Authorization", "Bearer th-..."}}},
//                  [](absl::StatusOr<HttpResponse> r) { ... });
//
// Transport failures carry a google.rpc.ErrorInfo (domain `seedance.gateway`)
// whose reason tells what happened (see error_mapping.h):
//   UPSTREAM_CONNECT_FAILED      UNAVAILABLE: refused, DNS failure, could not
//                                connect. The request provably never left.
//   UPSTREAM_TIMEOUT             DEADLINE_EXCEEDED: connect or total timeout.
//   UPSTREAM_TRANSPORT_ERROR     UNAVAILABLE: reset, truncated reply, other.
//   UPSTREAM_RESPONSE_TOO_LARGE  INTERNAL: the body passed the size cap.
// Messages never contain request headers, so never the API key.
//
// At most once: a request whose method is not GET or HEAD (a create costs
// money) is never sent twice by an implementation, not even after a broken
// connection; only the caller decides to send it again (CurlTransport:
// docs/UPSTREAM.md "Creates are sent once").
#ifndef SEEDANCE_SERVER_UPSTREAM_HTTP_TRANSPORT_H_
#define SEEDANCE_SERVER_UPSTREAM_HTTP_TRANSPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace seedance::upstream {

// One HTTP request. Headers are sent as given; the body is sent for any
// method other than GET.
struct HttpRequest {
  // "GET" or "POST" (any token curl accepts as a custom method).
  std::string method;
  // Absolute http:// or https:// URL.
  std::string url;
  // Request headers, in order. May hold secrets: never logged or echoed.
  std::vector<std::pair<std::string, std::string>> headers;
  // Request body (empty for GET).
  std::string body;
  // The transfer is abandoned with DEADLINE_EXCEEDED at this instant
  // (real clock), or earlier at the transport's default total timeout.
  absl::Time deadline = absl::InfiniteFuture();
};

// One HTTP response, whatever its status code.
struct HttpResponse {
  // HTTP status code, e.g. 200 or 503.
  int status_code = 0;
  // Response headers in arrival order; names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // Response body, at most the transport's size cap.
  std::string body;

  // The first header called `name` (case-insensitive), if any.
  absl::optional<std::string> Header(absl::string_view name) const;
};

// Sends HTTP requests asynchronously. Implementations are thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Receives the outcome of one Send, exactly once.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  // Starts `request`; `done` runs once with the response or the transport
  // failure. Where `done` runs is up to the implementation (CurlTransport:
  // its own thread), so it must be cheap and must not block.
  virtual void Send(HttpRequest request, Callback done) = 0;
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_HTTP_TRANSPORT_H_
