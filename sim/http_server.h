// HttpServer: a small asynchronous HTTP/1.1 server (Boost.Beast + Asio)
// with keep-alive, size caps and an idle timeout, whose replies can also be
// delivered wrongly on purpose (delayed, stalled, reset, truncated): the
// transport half of fault injection. It knows nothing about TokenHub.
#ifndef SEEDANCE_SIM_HTTP_SERVER_H_
#define SEEDANCE_SIM_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokenhub_sim {

struct HttpRequest {
  absl::string_view method;  // "GET", "POST", "HEAD", ...
  absl::string_view target;  // path and query
  absl::string_view authorization;
  absl::string_view host;
  absl::string_view range;
  absl::string_view body;
  // The port the connection was accepted on: lets handlers build absolute
  // URLs without reading the server object, which the thread that started
  // the server may still be assigning when the first request arrives.
  int local_port = 0;
};

struct HttpReply {
  enum class Delivery {
    kNormal,
    kReset,     // close with SO_LINGER 0 (RST) instead of answering
    kTruncate,  // headers with the full Content-Length, half the body, close
    kStall,     // never answer; close after stall_for or when the peer does
  };

  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool omit_body = false;  // HEAD: Content-Length of `body`, but no bytes
  bool close = false;      // send Connection: close and close after
  Delivery delivery = Delivery::kNormal;
  absl::Duration delay = absl::ZeroDuration();      // before delivering
  absl::Duration stall_for = absl::ZeroDuration();  // zero: the stall cap
};

// Called on an I/O thread for each request; must not block.
using HttpHandler = std::function<void(const HttpRequest&, HttpReply*)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port
  int threads = 1;
  size_t max_body_bytes = 1 << 20;     // larger bodies get 413
  size_t max_header_bytes = 16 << 10;  // larger headers get 431
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration stall_cap = absl::Seconds(120);
  // Hooks for accounting; called on I/O threads.
  std::function<void()> on_connection;
  std::function<void(absl::string_view kind)> on_protocol_error;
};

// Serves `bytes` as one connection's input, in-process and without a
// socket: the same Beast parser, limits and protocol-error replies as a
// connection, `handler` for each complete request, keep-alive requests one
// after another (at most `max_requests`). Returns the replies a connection
// would send, in order; bytes that end inside a request (which a connection
// would wait for, then close on) add nothing. `local_port` is 0. For tests
// and fuzzing (tests/fuzz).
std::vector<HttpReply> ServeBytes(absl::string_view bytes,
                                  const HttpServerOptions& options,
                                  const HttpHandler& handler,
                                  size_t max_requests);

class HttpServer {
 public:
  // Binds, listens and starts the I/O threads.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, HttpHandler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Closes the listener and every connection and joins the I/O threads.
  // Idempotent; must not be called from a handler.
  void Stop();

  int port() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_HTTP_SERVER_H_
