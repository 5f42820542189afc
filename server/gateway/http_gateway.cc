#include "server/gateway/http_gateway.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "server/gateway/call_log.h"
#include "server/gateway/http_mapping.h"

namespace seedance::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Executor = SseStream::Executor;
using RequestParser = http::request_parser<http::string_body>;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

absl::string_view View(beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// gRPC's peer form, which StreamAdmission counts by.
std::string PeerOf(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  return address.is_v4()
             ? absl::StrCat("ipv4:", address.to_string(), ":", endpoint.port())
             : absl::StrCat("ipv6:[", address.to_string(),
                            "]:", endpoint.port());
}

absl::Status NotFound(absl::string_view method, absl::string_view path) {
  return absl::NotFoundError(absl::StrCat(
      "no such resource: ", method, " ", path,
      " (the API is POST /v1/videos, GET /v1/videos, GET /v1/videos/{id}, "
      "GET /v1/videos/{id}:watch)"));
}

}  // namespace

class HttpGateway::Impl {
 public:
  Impl(const HttpGatewayOptions& options, VideoCalls& calls)
      : options_(WithFrames(options, &frames_)),
        calls_(calls),
        work_(asio::make_work_guard(io_)),
        acceptor_(asio::make_strand(io_)),
        accept_retry_(acceptor_.get_executor()) {}

  absl::Status Listen();
  void Accept();
  void StopAccepting();
  void Stop();

  const HttpGatewayOptions& options() const { return options_; }
  VideoCalls& calls() { return calls_; }
  int port() const { return port_; }

  // Connections and streams, so Stop can close them.
  uint64_t Track(std::weak_ptr<void> object, std::function<void()> close) {
    absl::MutexLock lock(&mu_);
    const uint64_t id = next_id_++;
    open_.emplace(id, Open{std::move(object), std::move(close)});
    return id;
  }
  void Untrack(uint64_t id) {
    absl::MutexLock lock(&mu_);
    open_.erase(id);
  }

  // CORS headers for a request from `origin` (none unless it is allowed).
  std::string CorsHeaders(absl::string_view origin) const {
    if (origin.empty() || !OriginAllowed(origin)) return "";
    return absl::StrCat("Access-Control-Allow-Origin: ", origin,
                        "\r\nVary: Origin\r\n");
  }
  bool OriginAllowed(absl::string_view origin) const {
    for (const std::string& allowed : options_.cors_origins) {
      if (allowed == origin) return true;
    }
    return false;
  }

 private:
  struct Open {
    std::weak_ptr<void> object;
    std::function<void()> close;
  };

  static HttpGatewayOptions WithFrames(HttpGatewayOptions options,
                                       SseFrameCache* frames) {
    if (options.sse.frames == nullptr) options.sse.frames = frames;
    return options;
  }

  SseFrameCache frames_;  // before options_, which points to it
  const HttpGatewayOptions options_;
  VideoCalls& calls_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;  // on the acceptor's strand
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Open> open_ ABSL_GUARDED_BY(mu_);
};

namespace {

// One HTTP/1.1 connection: requests one after another; a watch hands the
// socket over to an SseStream.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HttpGateway::Impl& gateway)
      : stream_(std::move(socket)),
        // Accepted on a strand: the socket's executor is the strand.
        strand_(stream_.get_executor()),
        gateway_(gateway) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : PeerOf(remote);
  }

  ~Connection() {
    if (id_ != 0) gateway_.Untrack(id_);
  }

  void Start() {
    std::weak_ptr<Connection> weak = shared_from_this();
    id_ = gateway_.Track(weak, [weak] {
      if (auto self = weak.lock()) self->Close();
    });
    asio::dispatch(strand_, [self = shared_from_this()] { self->Read(); });
  }

  // Any thread.
  void Close() {
    asio::post(strand_, [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  const HttpGatewayOptions& options() const { return gateway_.options(); }

  void Read() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(options().max_body_bytes);
    parser_->header_limit(
        static_cast<std::uint32_t>(options().max_header_bytes));
    stream_.expires_after(ToChrono(options().request_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        asio::bind_executor(strand_, [self = shared_from_this()](
                                         beast::error_code ec, std::size_t) {
          self->OnRead(ec);
        }));
  }

  void OnRead(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted ||
        ec == http::error::partial_message) {
      CloseNow();
      return;
    }
    if (ec == http::error::body_limit) {
      ReplyError(
          absl::InvalidArgumentError(absl::StrCat(
              "request body larger than ", options().max_body_bytes, " bytes")),
          413, /*keep_alive=*/false);
      return;
    }
    if (ec == http::error::header_limit) {
      ReplyError(absl::InvalidArgumentError(
                     absl::StrCat("request headers larger than ",
                                  options().max_header_bytes, " bytes")),
                 431, /*keep_alive=*/false);
      return;
    }
    if (ec) {
      ReplyError(absl::InvalidArgumentError(
                     absl::StrCat("malformed HTTP request: ", ec.message())),
                 400, /*keep_alive=*/false);
      return;
    }
    request_ = parser_->release();
    Dispatch();
  }

  void Dispatch() {
    start_ = absl::Now();
    keep_alive_ = request_.keep_alive();
    const absl::string_view target = View(request_.target());
    const size_t q = target.find('?');
    const absl::string_view path = target.substr(0, q);
    query_ = q == absl::string_view::npos ? "" : target.substr(q + 1);
    origin_ = std::string(View(request_[http::field::origin]));
    cors_ = gateway_.CorsHeaders(origin_);
    const http::verb verb = request_.method();
    HttpRoute route = RouteFor(path);
    if (route.kind == HttpRoute::kNone) {
      Finish(NotFound(View(request_.method_string()), path));
      return;
    }
    if (verb == http::verb::options && route.kind != HttpRoute::kPage) {
      Preflight();
      return;
    }
    const bool get = verb == http::verb::get || verb == http::verb::head;
    switch (route.kind) {
      case HttpRoute::kPage:
        if (!get) return MethodNotAllowed(route);
        return Page();
      case HttpRoute::kCollection:
        if (verb == http::verb::post) return Create();
        if (get) return List();
        return MethodNotAllowed(route);
      case HttpRoute::kVideo:
        if (!get) return MethodNotAllowed(route);
        return Get(route.id);
      case HttpRoute::kWatch:
        if (!get) return MethodNotAllowed(route);
        return Watch(route.id);
      case HttpRoute::kUsage:
        if (!get) return MethodNotAllowed(route);
        return Usage();
      case HttpRoute::kNone:
        break;
    }
  }

  VideoCalls::CallInfo Info() const {
    VideoCalls::CallInfo info;
    auto it = request_.find(http::field::authorization);
    if (it != request_.end()) info.authorization.emplace(View(it->value()));
    info.peer = peer_;
    return info;
  }

  // Answers from another thread come back to the strand.
  template <typename T>
  std::function<void(absl::StatusOr<T>)> Back() {
    return [self = shared_from_this()](absl::StatusOr<T> result) {
      asio::post(self->strand_, [self, result = std::move(result)] {
        if (result.ok()) {
          if constexpr (std::is_same_v<T, v1::CreateVideoResponse> ||
                        std::is_same_v<T, v1::GetVideoResponse>) {
            self->task_id_ = result->video().id();
          }
          self->Finish(absl::OkStatus(), ToJson(*result));
        } else {
          self->Finish(result.status());
        }
      });
    };
  }

  void Create() {
    method_ = "CreateVideo/http";
    // Only JSON: a cross-site form can POST text/plain without asking
    // (no CORS preflight), which would spend the gateway's own key.
    const absl::string_view type = View(request_[http::field::content_type]);
    if (!absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(type),
                                    "application/json")) {
      Finish(absl::InvalidArgumentError(
                 "POST /v1/videos takes a JSON body: send 'Content-Type: "
                 "application/json'"),
             "", 415);
      return;
    }
    v1::CreateVideoRequest request;
    if (absl::Status s = ParseJsonBody(request_.body(), request); !s.ok()) {
      Finish(s);
      return;
    }
    auto back = Back<v1::CreateVideoResponse>();
    gateway_.calls().Create(
        Info(), request,
        [back](absl::StatusOr<v1::CreateVideoResponse> result) {
          back(std::move(result));
          return true;  // the connection notices a gone client when writing
        });
  }

  void Get(const std::string& id) {
    method_ = "GetVideo/http";
    task_id_ = id;
    if (!query_.empty()) {
      Finish(absl::InvalidArgumentError(
          "GET /v1/videos/{id} takes no query parameters"));
      return;
    }
    v1::GetVideoRequest request;
    request.set_id(id);
    gateway_.calls().Get(Info(), request, Back<v1::GetVideoResponse>());
  }

  void List() {
    method_ = "ListVideos/http";
    absl::StatusOr<v1::ListVideosRequest> request =
        ListRequestFromQuery(query_);
    if (!request.ok()) {
      Finish(request.status());
      return;
    }
    gateway_.calls().List(Info(), *request, Back<v1::ListVideosResponse>());
  }

  void Usage() {
    method_ = "GetUsage/http";
    absl::StatusOr<v1::GetUsageRequest> request = UsageRequestFromQuery(query_);
    if (!request.ok()) {
      Finish(request.status());
      return;
    }
    gateway_.calls().Usage(Info(), *request, Back<v1::GetUsageResponse>());
  }

  void Watch(const std::string& id) {
    method_ = "WatchVideo/sse";
    task_id_ = id;
    absl::StatusOr<v1::WatchVideoRequest> request =
        WatchRequestFrom(id, query_, View(request_["Last-Event-ID"]));
    if (!request.ok()) {
      Finish(request.status());
      return;
    }
    absl::StatusOr<VideoCalls::WatchStart> start =
        gateway_.calls().StartWatch(Info(), *request);
    if (!start.ok()) {
      Finish(start.status());
      return;
    }
    // The socket is the stream's from now on.
    closed_ = true;
    gateway_.Untrack(id_);
    id_ = 0;
    auto stream_id = std::make_shared<uint64_t>(0);
    HttpGateway::Impl& gateway = gateway_;
    std::shared_ptr<SseStream> sse = SseStream::Start(
        std::move(stream_), strand_, gateway_.calls(), *std::move(start),
        options().sse, cors_, peer_,
        [&gateway, stream_id] { gateway.Untrack(*stream_id); });
    std::weak_ptr<SseStream> weak = sse;
    *stream_id = gateway_.Track(weak, [weak] {
      if (auto s = weak.lock()) s->Close();
    });
  }

  void Page() {
    if (options().page_html.empty()) {
      Finish(NotFound("GET", "/"));
      return;
    }
    method_ = "";
    auto response =
        std::make_shared<Response>(http::status::ok, request_.version());
    response->set(http::field::content_type, "text/html; charset=utf-8");
    response->set(http::field::cache_control, "no-cache");
    response->set("Content-Security-Policy",
                  "default-src 'self'; script-src 'unsafe-inline'; "
                  "style-src 'unsafe-inline'; media-src *; img-src * data:");
    response->body() = options().page_html;
    Write(response);
  }

  void Preflight() {
    method_ = "";
    if (!gateway_.OriginAllowed(origin_)) {
      Finish(absl::PermissionDeniedError(
                 absl::StrCat("origin '", origin_,
                              "' may not call this gateway from a browser (see "
                              "--cors-origins)")),
             "", 403);
      return;
    }
    auto response = std::make_shared<Response>(http::status::no_content,
                                               request_.version());
    response->set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    response->set("Access-Control-Allow-Headers",
                  "Authorization, Content-Type, Last-Event-ID");
    response->set("Access-Control-Max-Age", "600");
    Write(response);
  }

  void MethodNotAllowed(const HttpRoute& route) {
    auto status = absl::UnimplementedError(
        absl::StrCat("method ", View(request_.method_string()),
                     " not allowed here (", route.allow, ")"));
    allow_ = route.allow;
    Finish(status, "", 405);
  }

  // Answers the request: `json` on OK, else the error's google.rpc.Status
  // under its HTTP status (or `http_status` when given).
  void Finish(const absl::Status& status, std::string json = "",
              int http_status = 0) {
    if (closed_) return;
    if (!method_.empty()) {
      LogCall(method_, task_id_, status, absl::Now() - start_, peer_);
    }
    auto response = std::make_shared<Response>();
    response->version(request_.version() == 10 ? 10 : 11);
    response->set(http::field::content_type, "application/json");
    if (status.ok()) {
      response->result(http::status::ok);
      response->body() = std::move(json);
    } else {
      HttpError error = HttpErrorFor(status);
      response->result(http_status != 0 ? http_status : error.status);
      response->body() = std::move(error.body);
      if (error.retry_after_seconds > 0) {
        response->set(http::field::retry_after,
                      absl::StrCat(error.retry_after_seconds));
      }
      if (status.code() == absl::StatusCode::kUnauthenticated) {
        response->set(http::field::www_authenticate, "Bearer");
      }
    }
    if (!allow_.empty()) response->set(http::field::allow, allow_);
    Write(response);
  }

  void ReplyError(const absl::Status& status, int http_status,
                  bool keep_alive) {
    keep_alive_ = keep_alive;
    request_ = {};
    request_.version(11);
    Finish(status, "", http_status);
  }

  void Write(const std::shared_ptr<Response>& response) {
    if (closed_) return;
    for (absl::string_view line :
         absl::StrSplit(cors_, "\r\n", absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(line, absl::MaxSplits(": ", 1));
      response->set(beast::string_view(kv.first.data(), kv.first.size()),
                    beast::string_view(kv.second.data(), kv.second.size()));
    }
    response->keep_alive(keep_alive_);
    if (request_.method() == http::verb::head) {
      response->prepare_payload();
      response->body().clear();
      // Content-Length stays that of the body a GET would get.
    } else {
      response->prepare_payload();
    }
    stream_.expires_after(ToChrono(options().write_timeout));
    http::async_write(
        stream_, *response,
        asio::bind_executor(strand_, [self = shared_from_this(), response](
                                         beast::error_code ec, std::size_t) {
          self->OnWritten(ec, response->keep_alive());
        }));
  }

  void OnWritten(beast::error_code ec, bool keep_alive) {
    if (closed_) return;
    allow_.clear();
    method_.clear();
    task_id_.clear();
    if (ec || !keep_alive) {
      CloseNow();
      return;
    }
    Read();
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Executor strand_;
  HttpGateway::Impl& gateway_;
  std::string peer_;
  uint64_t id_ = 0;
  // On the strand only.
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request request_;
  absl::string_view query_;  // into request_
  std::string origin_;
  std::string cors_;
  std::string method_;  // for the call log; empty: not logged
  std::string task_id_;
  std::string allow_;
  bool keep_alive_ = true;
  bool closed_ = false;
  absl::Time start_;
};

}  // namespace

absl::Status HttpGateway::Impl::Listen() {
  const size_t colon = options_.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(options_.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http-listen: '", options_.listen, "' is not HOST:PORT"));
  }
  std::string host = options_.listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen: '", host, "' is not an IP address"));
  }
  tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("--http-listen: cannot listen on ", options_.listen, ": ",
                     ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return absl::OkStatus();
}

void HttpGateway::Impl::Accept() {
  acceptor_.async_accept(
      asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
        if (stopped_.load(std::memory_order_acquire) || !acceptor_.is_open()) {
          return;
        }
        if (!ec) {
          if (options_.send_buffer_bytes > 0) {
            beast::error_code ignored;
            socket.set_option(
                asio::socket_base::send_buffer_size(options_.send_buffer_bytes),
                ignored);
          }
          std::make_shared<Connection>(std::move(socket), *this)->Start();
          Accept();
          return;
        }
        if (ec == asio::error::operation_aborted) return;
        // EMFILE and the like: the pending connection stays queued and the
        // next accept would fail at once, spinning a core. Try again a
        // little later (descriptors come back as connections close; the
        // descriptor monitor has readiness NOT_SERVING meanwhile).
        accept_retry_.expires_after(std::chrono::milliseconds(50));
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && !stopped_.load(std::memory_order_acquire)) Accept();
        });
      });
}

void HttpGateway::Impl::StopAccepting() {
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    accept_retry_.cancel();
    acceptor_.close(ignored);
  });
}

void HttpGateway::Impl::Stop() {
  if (stopped_.exchange(true)) return;
  StopAccepting();
  std::vector<std::function<void()>> closers;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, open] : open_) {
      if (!open.object.expired()) closers.push_back(open.close);
    }
  }
  for (auto& close : closers) close();
  // Everything closed lets its handlers finish; then no new work comes.
  {
    absl::MutexLock lock(&mu_);
    auto all_gone = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return open_.empty();
    };
    mu_.AwaitWithTimeout(absl::Condition(&all_gone), absl::Seconds(2));
  }
  work_.reset();
  io_.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

HttpGateway::HttpGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpGateway::~HttpGateway() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    const HttpGatewayOptions& options, VideoCalls& calls) {
  auto impl = std::make_unique<Impl>(options, calls);
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(impl)));
}

int HttpGateway::port() const { return impl_->port(); }
void HttpGateway::StopAccepting() { impl_->StopAccepting(); }
void HttpGateway::Stop() { impl_->Stop(); }

}  // namespace seedance::gateway
