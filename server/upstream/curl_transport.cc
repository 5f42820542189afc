// CurlTransport: one thread, one CURLM, per-transfer state in
// CURLOPT_PRIVATE, RAII for every curl handle.
#include "server/upstream/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/upstream/error_mapping.h"

#ifndef SEEDANCE_VERSION
#define SEEDANCE_VERSION "0.0.0"
#endif

namespace seedance::upstream {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

long ToMillis(absl::Duration d) {
  return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

// Owns the CURLM handle.
struct CurlTransport::Multi {
  Multi() : handle(curl_multi_init()) {}
  ~Multi() { curl_multi_cleanup(handle); }
  Multi(const Multi&) = delete;
  Multi& operator=(const Multi&) = delete;
  CURLM* const handle;
};

// Easy handles of finished transfers, kept for reuse. Bounded: beyond the
// connection limit, idle handles are only memory.
struct CurlTransport::EasyPool {
  explicit EasyPool(size_t capacity) : capacity(capacity) {}

  EasyPtr Take() {
    if (handles.empty()) return EasyPtr(curl_easy_init());
    EasyPtr easy = std::move(handles.back());
    handles.pop_back();
    return easy;
  }

  void Give(EasyPtr easy) {
    if (easy == nullptr || handles.size() >= capacity) return;
    // Reset now, not on reuse: an idle handle must not point into its
    // finished transfer (headers, error buffer, private pointer). Caches
    // (DNS, TLS sessions) survive the reset.
    curl_easy_reset(easy.get());
    handles.push_back(std::move(easy));
  }

  const size_t capacity;
  std::vector<EasyPtr> handles;
};

// One request's state, reachable from its easy handle via CURLOPT_PRIVATE.
// Touched only by the transport thread once queued.
struct CurlTransport::Transfer {
  HttpRequest request;  // owns the URL and body curl points into
  Callback done;
  SlistPtr headers;     // declared before `easy` so it outlives the handle
  EasyPtr easy;
  HttpResponse response;
  size_t max_body = 0;
  bool too_large = false;     // the write callback refused more body
  char error[CURL_ERROR_SIZE] = {};
};

namespace {

using Transfer = CurlTransport::Transfer;

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response.body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    t->response.headers.clear();  // a new response (after 1xx) starts
    return n;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  t->response.headers.emplace_back(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

// The status for a transfer that ended without a usable response.
absl::Status FailureStatus(CURLcode code, const Transfer& t) {
  std::string detail = t.error[0] != '\0' ? t.error : curl_easy_strerror(code);
  std::string curl_code = absl::StrCat(static_cast<int>(code));
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return UpstreamError(absl::StatusCode::kUnavailable, kReasonConnectFailed,
                           "could not connect to the upstream: " + detail,
                           {{"curl_code", curl_code}});
    case CURLE_OPERATION_TIMEDOUT:
      return UpstreamError(absl::StatusCode::kDeadlineExceeded, kReasonTimeout,
                           "upstream request timed out: " + detail,
                           {{"curl_code", curl_code}});
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return UpstreamError(absl::StatusCode::kUnavailable, kReasonTlsFailed,
                           "TLS with the upstream failed: " + detail,
                           {{"curl_code", curl_code}});
    default:
      break;
  }
  if (t.too_large) {
    return UpstreamError(
        absl::StatusCode::kInternal, kReasonResponseTooLarge,
        absl::StrCat("upstream reply exceeds ", t.max_body, " bytes"));
  }
  return UpstreamError(absl::StatusCode::kUnavailable, kReasonTransportError,
                       "upstream transport error: " + detail,
                       {{"curl_code", curl_code}});
}

absl::Status ShutdownStatus() {
  return UpstreamError(absl::StatusCode::kCancelled, kReasonShutdown,
                       "the upstream transport is shutting down");
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)) {
  GlobalInitOnce();
  multi_ = std::make_unique<Multi>();
  idle_ = std::make_unique<EasyPool>(
      static_cast<size_t>(std::max(1L, options_.max_connections)));
  curl_multi_setopt(multi_->handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_->handle, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    options_.max_connections);
  curl_multi_setopt(multi_->handle, CURLMOPT_MAX_HOST_CONNECTIONS,
                    options_.max_connections);
  curl_multi_setopt(multi_->handle, CURLMOPT_MAXCONNECTS,
                    options_.max_idle_connections);
  thread_ = std::thread([this] { Loop(); });
}

CurlTransport::~CurlTransport() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_->handle);
  thread_.join();
}

void CurlTransport::Send(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(transfer));
    }
  }
  if (transfer != nullptr) {  // not queued: shutting down
    return std::move(transfer->done)(ShutdownStatus());
  }
  curl_multi_wakeup(multi_->handle);
}

void CurlTransport::Loop() {
  while (StartQueued()) {
    int still_running = 0;
    curl_multi_perform(multi_->handle, &still_running);
    FinishDone();
    curl_multi_poll(multi_->handle, nullptr, 0, /*timeout_ms=*/1000, nullptr);
  }
  CancelAll();
}

bool CurlTransport::StartQueued() {
  std::vector<std::unique_ptr<Transfer>> batch;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    batch.swap(queue_);
  }
  for (auto& transfer : batch) Start(std::move(transfer));
  return true;
}

namespace {

// Sets the request's method, body and headers on its easy handle.
void SetRequest(Transfer& t) {
  CURL* easy = t.easy.get();
  curl_easy_setopt(easy, CURLOPT_URL, t.request.url.c_str());
  if (t.request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    if (t.request.method != "POST") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, t.request.method.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t.request.body.size()));
  }
  curl_slist* list = nullptr;
  for (const auto& [name, value] : t.request.headers) {
    list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
  }
  // No "Expect: 100-continue" round trip on larger bodies.
  list = curl_slist_append(list, "Expect:");
  t.headers.reset(list);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers.get());
}

// Connection, security and limit settings shared by every transfer.
void SetTransportOptions(Transfer& t, const CurlTransportOptions& options,
                         absl::Duration total) {
  CURL* easy = t.easy.get();
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   ToMillis(std::min(options.connect_timeout, total)));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ToMillis(total));
  curl_easy_setopt(easy, CURLOPT_USERAGENT,
                   options.user_agent.empty()
                       ? "seedance-gateway/" SEEDANCE_VERSION
                       : options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
}

}  // namespace

void CurlTransport::Start(std::unique_ptr<Transfer> t) {
  absl::Duration total =
      std::min(t->request.deadline - absl::Now(), options_.default_timeout);
  if (total <= absl::ZeroDuration()) {
    return std::move(t->done)(UpstreamError(
        absl::StatusCode::kDeadlineExceeded, kReasonTimeout,
        "the deadline passed before the upstream request was sent"));
  }
  t->easy = idle_->Take();
  if (t->easy == nullptr) {
    return std::move(t->done)(UpstreamError(absl::StatusCode::kResourceExhausted,
                                            kReasonTransportError,
                                            "could not allocate a transfer"));
  }
  t->max_body = options_.max_response_bytes;
  SetRequest(*t);
  SetTransportOptions(*t, options_, total);
  curl_multi_add_handle(multi_->handle, t->easy.get());
  Transfer* key = t.get();
  running_.emplace(key, std::move(t));
}

void CurlTransport::FinishDone() {
  int remaining = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_->handle, &remaining)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi_->handle, msg->easy_handle);
    auto node = running_.extract(raw);
    if (node.empty()) continue;
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    absl::StatusOr<HttpResponse> result;
    if (code == CURLE_OK) {
      long http_status = 0;
      curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &http_status);
      t->response.status_code = static_cast<int>(http_status);
      result = std::move(t->response);
    } else {
      result = FailureStatus(code, *t);
    }
    // The handle is done with: keep it for the next transfer.
    idle_->Give(std::move(t->easy));
    std::move(t->done)(std::move(result));
  }
}

void CurlTransport::CancelAll() {
  std::vector<std::unique_ptr<Transfer>> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(queue_);
  }
  for (auto& [raw, t] : running_) {
    curl_multi_remove_handle(multi_->handle, t->easy.get());
    batch.push_back(std::move(t));
  }
  running_.clear();
  for (auto& t : batch) std::move(t->done)(ShutdownStatus());
}

}  // namespace seedance::upstream
