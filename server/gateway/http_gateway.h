// HttpGateway: the gateway's web face, HTTP/1.1 with keep-alive on
// Boost.Beast/Asio, for browsers and curl. It serves VideoService through
// VideoCalls, so validation, pricing, API keys, the shared pollers, the
// task store and the stream limits are exactly gRPC's:
//
//   POST /v1/videos                 CreateVideo (CreateVideoRequest JSON)
//   GET  /v1/videos/{id}            GetVideo
//   GET  /v1/videos                 ListVideos (page_size, page_token, filter)
//   GET  /v1/usage                  GetUsage (day; tenants only)
//   GET  /v1/videos/{id}:watch      WatchVideo as text/event-stream
//   (sse_stream.h) GET  /                          the progress page
//   (web_page.h)
//
// The same mapping is declared in the proto (google.api.http). Bodies and
// answers are the proto3 JSON mapping; errors a JSON google.rpc.Status under
// the mapped HTTP status (http_mapping.h). `Authorization: Bearer th-...`
// follows the gRPC metadata's rules. Bounded everywhere: header and body
// sizes, the time to send a request, the time a reader may stall; SSE
// streams take slots of --max-streams like gRPC watches.
//
// I/O runs on the gateway's own thread(s), one strand per connection;
// answers computed elsewhere (create path, pollers, store) are posted back.
// Nothing blocks on an I/O thread.
#ifndef SEEDANCE_SERVER_GATEWAY_HTTP_GATEWAY_H_
#define SEEDANCE_SERVER_GATEWAY_HTTP_GATEWAY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/gateway/sse_stream.h"
#include "server/gateway/video_calls.h"

namespace seedance::gateway {

struct HttpGatewayOptions {
  // host:port; port 0 picks a free one.
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  size_t max_body_bytes = 1 << 20;     // larger bodies get 413
  size_t max_header_bytes = 16 << 10;  // larger headers get 431
  // A connection that sends no complete request in this time is closed
  // (keep-alive idle, or a request sent too slowly).
  absl::Duration request_timeout = absl::Seconds(30);
  // An answer the client does not take in this time closes the connection.
  absl::Duration write_timeout = absl::Seconds(30);
  // Exact origins allowed to call from a browser page (CORS); none: only
  // same-origin pages (the gateway's own).
  std::vector<std::string> cors_origins;
  SseOptions sse;
  // Served at "/" (text/html); empty: 404.
  std::string page_html;
  // SO_SNDBUF of accepted sockets; 0: the kernel's (tests make it small to
  // see a stalled reader fill it).
  int send_buffer_bytes = 0;
};

class HttpGateway {
 public:
  // Binds and starts serving; errors name the address.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(
      const HttpGatewayOptions& options, VideoCalls& calls);

  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;
  ~HttpGateway();

  int port() const;

  // Closes the listener; open connections carry on (drain).
  void StopAccepting();

  // Closes every connection and joins the I/O threads. Idempotent. After
  // the last callback that may answer a call has run (the create path,
  // the pollers' fan-out and the store are stopped first).
  void Stop();

  class Impl;

 private:
  explicit HttpGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_HTTP_GATEWAY_H_
