// Boost.Beast implementation of HttpServer (see http_server.h). One strand
// per connection; responses are serialized by hand so a fault can cut them
// anywhere.
#include "sim/http_server.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace tokenhub_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr absl::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

absl::string_view View(beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

using RequestParser = http::request_parser<http::string_body>;

void LimitParser(const HttpServerOptions& options, RequestParser* parser) {
  parser->body_limit(options.max_body_bytes);
  parser->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
}

// True when a read ended without a request to answer: the peer left or
// went quiet, possibly mid-request.
bool EndsQuietly(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset;
}

// The handler's view of a parsed request (local_port is the caller's).
HttpRequest ViewOf(const http::request<http::string_body>& req) {
  HttpRequest request;
  request.method = View(req.method_string());
  request.target = View(req.target());
  request.authorization = View(req[http::field::authorization]);
  request.host = View(req[http::field::host]);
  request.range = View(req[http::field::range]);
  request.body = req.body();
  return request;
}

// The answer to bytes that are not a request we accept (the connection
// closes after it); `kind` is what the protocol-error hook is told.
HttpReply ProtocolErrorReply(beast::error_code ec, std::string* kind) {
  *kind = "bad_http";
  HttpReply reply;
  reply.status = 400;
  if (ec == http::error::body_limit) {
    reply.status = 413;
    *kind = "413";
  } else if (ec == http::error::header_limit) {
    reply.status = 431;
    *kind = "431";
  }
  reply.body = absl::StrCat(
      R"({"error":{"message":")",
      reply.status == 413   ? "request body too large"
      : reply.status == 431 ? "request headers too large"
                            : "malformed HTTP request",
      R"(","type":"invalid_request_error","code":")",
      reply.status == 400 ? "bad_request" : "request_too_large", R"("}})");
  reply.close = true;
  return reply;
}

// A SyncReadStream over bytes in memory: the "connection" ServeBytes reads.
class BytesStream {
 public:
  explicit BytesStream(absl::string_view bytes) : rest_(bytes) {}

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers,
                        beast::error_code& ec) {
    if (rest_.empty()) {
      ec = asio::error::eof;
      return 0;
    }
    ec = {};
    std::size_t n =
        asio::buffer_copy(buffers, asio::buffer(rest_.data(), rest_.size()));
    rest_.remove_prefix(n);
    return n;
  }

  // Required by the SyncReadStream concept; ServeBytes only uses the
  // error_code form above.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    std::size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  absl::string_view rest_;
};

// What every connection needs from its server.
struct Shared {
  HttpServerOptions options;
  HttpHandler handler;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Shared* shared)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        shared_(shared) {}

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    LimitParser(shared_->options, &*parser_);
    stream_.expires_after(ToChrono(shared_->options.idle_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->OnHeader(ec);
        });
  }

  // Clients such as libcurl send `Expect: 100-continue` before a body over
  // 1 KiB and wait (1 s) for the go-ahead: give it, as real servers do.
  void OnHeader(beast::error_code ec) {
    if (ec) {
      OnRead(ec);
      return;
    }
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      ReadBody();
      return;
    }
    asio::async_write(
        stream_, asio::buffer(kContinue.data(), kContinue.size()),
        [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
          if (write_ec) {
            self->Close();
          } else {
            self->ReadBody();
          }
        });
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->OnRead(ec);
        });
  }

  void OnRead(beast::error_code ec) {
    if (EndsQuietly(ec)) {
      Close();
      return;
    }
    if (ec) {
      ProtocolError(ec);
      return;
    }
    const http::request<http::string_body>& req = parser_->get();
    HttpRequest request = ViewOf(req);
    boost::system::error_code port_error;
    request.local_port = stream_.socket().local_endpoint(port_error).port();
    http_10_ = req.version() == 10;
    bool keep_alive = req.keep_alive();
    reply_ = HttpReply();
    shared_->handler(request, &reply_);
    if (!keep_alive) reply_.close = true;
    if (reply_.delay > absl::ZeroDuration()) {
      stream_.expires_never();
      timer_.expires_after(ToChrono(reply_.delay));
      timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->Deliver();
      });
      return;
    }
    Deliver();
  }

  // Answers bytes that are not a request we accept, then closes.
  void ProtocolError(beast::error_code ec) {
    std::string kind;
    reply_ = ProtocolErrorReply(ec, &kind);
    if (shared_->options.on_protocol_error) {
      shared_->options.on_protocol_error(kind);
    }
    Deliver();
  }

  void Deliver() {
    switch (reply_.delivery) {
      case HttpReply::Delivery::kReset:
        Reset();
        return;
      case HttpReply::Delivery::kStall:
        Stall();
        return;
      case HttpReply::Delivery::kTruncate:
        reply_.close = true;
        break;
      case HttpReply::Delivery::kNormal:
        break;
    }
    out_.clear();
    absl::StrAppend(
        &out_, "HTTP/1.1 ", reply_.status, " ",
        View(http::obsolete_reason(static_cast<http::status>(reply_.status))),
        "\r\nServer: tokenhub-sim\r\nContent-Type: ", reply_.content_type,
        "\r\nContent-Length: ", reply_.body.size(), "\r\n");
    for (const auto& [name, value] : reply_.headers) {
      absl::StrAppend(&out_, name, ": ", value, "\r\n");
    }
    if (reply_.close) {
      out_.append("Connection: close\r\n");
    } else if (http_10_) {
      out_.append("Connection: keep-alive\r\n");
    }
    out_.append("\r\n");
    if (!reply_.omit_body) {
      size_t n = reply_.delivery == HttpReply::Delivery::kTruncate
                     ? reply_.body.size() / 2
                     : reply_.body.size();
      out_.append(reply_.body, 0, n);
    }
    reply_.body.clear();
    stream_.expires_after(ToChrono(shared_->options.idle_timeout));
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec || self->reply_.close) {
            self->Close();
          } else {
            self->Read();
          }
        });
  }

  // Holds the connection without answering until the peer closes it (a
  // read completes) or the stall time ends, whichever comes first.
  void Stall() {
    stream_.expires_never();
    absl::Duration d = reply_.stall_for > absl::ZeroDuration()
                           ? reply_.stall_for
                           : shared_->options.stall_cap;
    timer_.expires_after(ToChrono(d));
    timer_.async_wait(
        [self = shared_from_this()](beast::error_code) { self->Close(); });
    stream_.socket().async_read_some(
        asio::buffer(sink_),
        [self = shared_from_this()](beast::error_code, std::size_t) {
          self->Close();
        });
  }

  void Reset() {
    beast::error_code ignored;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    stream_.socket().close(ignored);
    closed_ = true;
    timer_.cancel();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    timer_.cancel();
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  const Shared* shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpReply reply_;
  std::string out_;
  char sink_[512];
  bool http_10_ = false;
  bool closed_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler handler)
      : shared_{std::move(options), std::move(handler)},
        ioc_(std::make_unique<asio::io_context>(
            std::max(1, shared_.options.threads))),
        acceptor_(std::make_unique<tcp::acceptor>(asio::make_strand(*ioc_))),
        retry_timer_(
            std::make_unique<asio::steady_timer>(acceptor_->get_executor())) {}

  ~Impl() { Stop(); }

  absl::Status Listen() {
    beast::error_code ec;
    asio::ip::address address =
        asio::ip::make_address(shared_.options.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad listen address: ", shared_.options.host));
    }
    tcp::endpoint endpoint(address,
                           static_cast<uint16_t>(shared_.options.port));
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", shared_.options.host, ":",
                       shared_.options.port, ": ", ec.message()));
    }
    port_ = acceptor_->local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, shared_.options.threads); ++i) {
      threads_.emplace_back([this] { ioc_->run(); });
    }
    return absl::OkStatus();
  }

  void Stop() {
    absl::MutexLock lock(&stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    ioc_->stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    // Destroying the io_context destroys every pending handler, and with
    // them the sessions they own, which closes their sockets.
    retry_timer_.reset();
    acceptor_.reset();
    ioc_.reset();
  }

  int port() const { return port_; }

 private:
  void Accept() {
    acceptor_->async_accept(
        asio::make_strand(*ioc_),
        [this](beast::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted) return;
          if (ec) {
            // E.g. out of file descriptors: back off instead of spinning.
            retry_timer_->expires_after(std::chrono::milliseconds(10));
            retry_timer_->async_wait([this](beast::error_code wait_ec) {
              if (!wait_ec) Accept();
            });
            return;
          }
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          if (shared_.options.on_connection) shared_.options.on_connection();
          std::make_shared<Session>(std::move(socket), &shared_)->Start();
          Accept();
        });
  }

  const Shared shared_;
  std::unique_ptr<asio::io_context> ioc_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

std::vector<HttpReply> ServeBytes(absl::string_view bytes,
                                  const HttpServerOptions& options,
                                  const HttpHandler& handler,
                                  size_t max_requests) {
  std::vector<HttpReply> replies;
  BytesStream stream(bytes);
  beast::flat_buffer buffer;
  while (replies.size() < max_requests) {
    RequestParser parser;
    LimitParser(options, &parser);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (EndsQuietly(ec)) break;
    if (ec) {
      std::string kind;
      replies.push_back(ProtocolErrorReply(ec, &kind));
      if (options.on_protocol_error) options.on_protocol_error(kind);
      break;
    }
    HttpReply reply;
    handler(ViewOf(parser.get()), &reply);
    // As Session::Deliver: these deliveries end the connection.
    bool last = reply.close || !parser.get().keep_alive() ||
                reply.delivery != HttpReply::Delivery::kNormal;
    replies.push_back(std::move(reply));
    if (last) break;
  }
  return replies;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, HttpHandler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  absl::Status status = impl->Listen();
  if (!status.ok()) return status;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() { impl_->Stop(); }

int HttpServer::port() const { return impl_->port(); }

}  // namespace tokenhub_sim
