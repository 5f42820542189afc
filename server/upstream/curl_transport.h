// CurlTransport: an HttpTransport on libcurl's multi interface, each multi
// handle driven by one thread (the model is tensorstore's
// internal/http/curl_transport.cc).
//
//   CurlTransport transport(CurlTransportOptions{});
//   transport.Send(std::move(request), [](absl::StatusOr<HttpResponse> r) {
//     // runs on a transport thread: be quick, never block
//   });
//
// Send may be called from any thread: it queues the request and wakes the
// lane's thread (curl_multi_wakeup), which adds it to its multi handle,
// drives every transfer with curl_multi_perform and sleeps in
// curl_multi_poll. No thread per request, no blocking call on the caller's
// thread.
//
// Two lanes, each its own multi handle (so its own connection cache) and
// thread:
// - GET and HEAD: connections are kept alive and reused; HTTP/2 is
//   negotiated over TLS and requests wait for a multiplexed connection
//   (CURLOPT_PIPEWAIT).
// - every other method (POST: a create, which costs money): sent at most
//   once. libcurl 7.88 silently resends a request whose *reused* connection
//   dies before any reply byte (Curl_retry_request), and has no switch
//   against it; so each such request takes a connection of its own
//   (CURLOPT_FRESH_CONNECT) that nothing else can join (multiplexing off,
//   HTTP/1.1, closed afterwards with CURLOPT_FORBID_REUSE), which is never
//   "reused" and so never resent. See docs/UPSTREAM.md.
// TLS peer and host verification are always on, against the system CA store.
#ifndef SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_
#define SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_

#include <curl/curl.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "server/upstream/http_transport.h"

namespace seedance::upstream {

// Settings of a CurlTransport.
struct CurlTransportOptions {
  // Time allowed to establish a connection (TCP + TLS).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Total time per request when its deadline is further away (or infinite).
  absl::Duration default_timeout = absl::Seconds(30);
  // Larger bodies abort the transfer with UPSTREAM_RESPONSE_TOO_LARGE.
  size_t max_response_bytes = 4 << 20;
  // User-Agent header; empty means "seedance-gateway/<version>".
  std::string user_agent;
  // Most open connections per lane (CURLMOPT_MAX_TOTAL_CONNECTIONS);
  // requests beyond it queue inside curl for a free connection.
  long max_connections = 64;  // NOLINT(google-runtime-int): curl's type
  // Idle connections kept for reuse by GETs (CURLMOPT_MAXCONNECTS).
  long max_idle_connections = 64;  // NOLINT(google-runtime-int): curl's type
  // CA bundle file; empty means the system store (curl's default).
  std::string ca_file;
};

// The curl multi calls whose failure CurlTransport must survive. Production
// uses curl's own; a test may wrap them to make one fail.
struct CurlMultiCalls {
  std::function<CURLMcode(CURLM*, CURL*)> add_handle = curl_multi_add_handle;
  std::function<CURLMcode(CURLM*, int*)> perform = curl_multi_perform;
  std::function<CURLMcode(CURLM*, int timeout_ms)> poll = [](CURLM* multi,
                                                             int timeout_ms) {
    return curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  };
};

// HttpTransport over libcurl's multi interface. Thread-safe. Callbacks run
// on a transport thread (one per lane), one at a time per lane: they must be
// cheap and must not block (start more work and return). Send may be called
// from a callback. Every callback runs exactly once, whatever curl returns:
// a request curl refuses to configure or add fails at once, and a failed
// curl_multi_perform/curl_multi_poll fails the lane's transfers in flight,
// is logged, and the lane carries on with a new multi handle after a short
// pause (never a busy loop).
class CurlTransport final : public HttpTransport {
 public:
  // Starts the transport threads.
  explicit CurlTransport(CurlTransportOptions options,
                         CurlMultiCalls calls = CurlMultiCalls());
  // Fails queued and in-flight requests with CANCELLED (reason
  // UPSTREAM_TRANSPORT_SHUTDOWN), then joins the threads. Sends made after
  // (or during) destruction fail the same way at once.
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void Send(HttpRequest request, Callback done) override;

  // True for the methods curl may send on a reused connection (and so may
  // resend): GET and HEAD. Every other method is sent at most once.
  static bool MayReuseConnection(const std::string& method);

  // Per-transfer state and one multi handle with its thread; in the .cc.
  struct Transfer;
  class Lane;

 private:
  const CurlTransportOptions options_;
  const CurlMultiCalls calls_;
  std::unique_ptr<Lane> reusing_;  // GET, HEAD
  std::unique_ptr<Lane> once_;     // everything else
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_
