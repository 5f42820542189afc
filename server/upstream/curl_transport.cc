// CurlTransport: two lanes, each one thread and one CURLM; per-transfer
// state keyed by its easy handle; RAII for every curl handle; every curl
// return code checked.
#include "server/upstream/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
        code != CURLE_OK) {
      std::fprintf(stderr, "seedance upstream: curl_global_init failed: %s\n",
                   curl_easy_strerror(code));
    }
  });
}

long ToMillis(absl::Duration d) {  // NOLINT(google-runtime-int): curl's type
  return static_cast<long>(        // NOLINT(google-runtime-int): curl's type
      std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

// One line on stderr. Callers pass curl's own messages and counts only:
// never a URL, header or body, so never a key.
void LogTransportError(absl::string_view lane, absl::string_view what) {
  std::string line = absl::StrCat("seedance upstream transport (", lane,
                                  " lane): ", what, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// The scheme and authority of `url` ("https://host:port"): the key curl
// groups connections by, as far as this transport is concerned.
std::string Origin(absl::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(url);
  size_t path = url.find_first_of("/?#", scheme_end + 3);
  return absl::AsciiStrToLower(url.substr(0, path));
}

// Waits between attempts to recover from a failing multi handle.
constexpr absl::Duration kMinRecoveryPause = absl::Milliseconds(10);
constexpr absl::Duration kMaxRecoveryPause = absl::Seconds(1);

}  // namespace

bool CurlTransport::MayReuseConnection(const std::string& method) {
  return method == "GET" || method == "HEAD";
}

// One request's state. Touched only by its lane's thread once queued.
struct CurlTransport::Transfer {
  HttpRequest request;  // owns the URL and body curl points into
  Callback done;
  SlistPtr headers;  // declared before `easy` so it outlives the handle
  EasyPtr easy;
  HttpResponse response;
  size_t max_body = 0;
  bool too_large = false;  // the write callback refused more body
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

// A curl multi call failed: the transfers it drove are lost. They may have
// reached the upstream, so this is not a "never sent" reason.
absl::Status MultiFailureStatus(absl::string_view call, CURLMcode code) {
  return UpstreamError(absl::StatusCode::kUnavailable, kReasonTransportError,
                       absl::StrCat("upstream transport error: ", call,
                                    " failed: ", curl_multi_strerror(code)),
                       {{"curlm_code", absl::StrCat(static_cast<int>(code))}});
}

absl::Status ShutdownStatus() {
  return UpstreamError(absl::StatusCode::kCancelled, kReasonShutdown,
                       "the upstream transport is shutting down");
}

// Sets options on one easy handle, remembering the first that curl refused.
class EasySetter {
 public:
  explicit EasySetter(CURL* easy) : easy_(easy) {}

  template <typename T>
  void Set(CURLoption option, T value) {
    CURLcode code = curl_easy_setopt(easy_, option, value);
    if (code != CURLE_OK && first_error_ == CURLE_OK) {
      first_error_ = code;
      failed_option_ = option;
    }
  }

  // Records a failure outside curl_easy_setopt (building the header list).
  void Fail(CURLcode code) {
    if (first_error_ == CURLE_OK) first_error_ = code;
  }

  // OK, or the status that fails the transfer: nothing was sent.
  absl::Status status() const {
    if (first_error_ == CURLE_OK) return absl::OkStatus();
    return UpstreamError(
        absl::StatusCode::kInternal, kReasonTransportError,
        absl::StrCat("could not configure the upstream request: curl option ",
                     static_cast<int>(failed_option_), ": ",
                     curl_easy_strerror(first_error_)),
        {{"curl_code", absl::StrCat(static_cast<int>(first_error_))}});
  }

 private:
  CURL* const easy_;
  CURLcode first_error_ = CURLE_OK;
  CURLoption failed_option_ = CURLOPT_URL;
};

// Easy handles of finished transfers, kept for reuse. Bounded: beyond the
// connection limit, idle handles are only memory.
class EasyPool {
 public:
  explicit EasyPool(size_t capacity) : capacity_(capacity) {}

  EasyPtr Take() {
    if (handles_.empty()) return EasyPtr(curl_easy_init());
    EasyPtr easy = std::move(handles_.back());
    handles_.pop_back();
    return easy;
  }

  void Give(EasyPtr easy) {
    if (easy == nullptr || handles_.size() >= capacity_) return;
    // Reset now, not on reuse: an idle handle must not point into its
    // finished transfer (headers, error buffer). Caches (DNS, TLS sessions)
    // survive the reset.
    curl_easy_reset(easy.get());
    handles_.push_back(std::move(easy));
  }

 private:
  const size_t capacity_;
  std::vector<EasyPtr> handles_;
};

}  // namespace

// One multi handle, its thread, its queue and its transfers.
class CurlTransport::Lane {
 public:
  // `send_once`: every transfer gets a connection of its own that nothing
  // reuses, so curl never resends it (see the header).
  Lane(const CurlTransportOptions& options, const CurlMultiCalls& calls,
       bool send_once)
      : options_(options),
        calls_(calls),
        send_once_(send_once),
        name_(send_once ? "send-once" : "keep-alive"),
        idle_(static_cast<size_t>(std::max(1L, options.max_connections))) {
    multi_ = NewMulti();
    thread_ = std::thread([this] { Loop(); });
  }

  ~Lane() {
    RequestStop();
    Join();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  void RequestStop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    Wake();
  }

  void Send(std::unique_ptr<Transfer> transfer) {
    // Refused once stopping: answered here, outside the lock.
    if (!TryQueue(transfer)) std::move(transfer->done)(ShutdownStatus());
  }

 private:
  // Takes `transfer` into the queue unless the lane is stopping; false
  // leaves it with the caller.
  bool TryQueue(std::unique_ptr<Transfer>& transfer) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(transfer));
    // Under mu_: the lane's thread replaces multi_ only under mu_.
    Wake();
    return true;
  }

  // Interrupts curl_multi_poll. A failed wakeup is logged; the poll's own
  // timeout (1 s) bounds the delay it causes.
  void Wake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (multi_ == nullptr) return;
    if (CURLMcode code = curl_multi_wakeup(multi_.get()); code != CURLM_OK) {
      LogTransportError(name_, absl::StrCat("curl_multi_wakeup failed: ",
                                            curl_multi_strerror(code)));
    }
  }

  // A configured multi handle, or null if curl could not make one.
  MultiPtr NewMulti() {
    MultiPtr multi(curl_multi_init());
    if (multi == nullptr) {
      LogTransportError(name_, "curl_multi_init failed");
      return multi;
    }
    // NOLINTNEXTLINE(google-runtime-int): curl's type
    auto set = [&](CURLMoption option, long value) {
      CURLMcode code = curl_multi_setopt(multi.get(), option, value);
      if (code != CURLM_OK) {
        LogTransportError(
            name_, absl::StrCat("curl_multi_setopt(", static_cast<int>(option),
                                ") failed: ", curl_multi_strerror(code)));
      }
    };
    // The send-once lane must never put two transfers on one connection.
    set(CURLMOPT_PIPELINING,
        send_once_ ? CURLPIPE_NOTHING : CURLPIPE_MULTIPLEX);
    set(CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_connections);
    set(CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_connections);
    set(CURLMOPT_MAXCONNECTS, options_.max_idle_connections);
    return multi;
  }

  // The lane's thread: start queued transfers, drive curl, deliver finished
  // ones, sleep in curl_multi_poll until there is work. A failing multi
  // handle is replaced after a pause that doubles while failures go on.
  void Loop() {
    absl::Duration pause = kMinRecoveryPause;
    while (StartQueued()) {
      const char* failed_call = nullptr;
      CURLMcode code = Drive(&failed_call);
      if (code == CURLM_OK) {
        pause = kMinRecoveryPause;
        continue;
      }
      Recover(failed_call, code);
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
      pause = std::min(pause * 2, kMaxRecoveryPause);
    }
    CancelAll();
  }

  // One round of perform, deliver, poll. Returns the first failure.
  CURLMcode Drive(const char** failed_call) {
    if (multi_ == nullptr) {
      *failed_call = "curl_multi_init";
      return CURLM_OUT_OF_MEMORY;
    }
    int still_running = 0;
    CURLMcode code = calls_.perform(multi_.get(), &still_running);
    if (code != CURLM_OK && code != CURLM_CALL_MULTI_PERFORM) {
      *failed_call = "curl_multi_perform";
      return code;
    }
    FinishDone();
    code = calls_.poll(multi_.get(), /*timeout_ms=*/1000);
    if (code != CURLM_OK) {
      *failed_call = "curl_multi_poll";
      return code;
    }
    return CURLM_OK;
  }

  // Fails every transfer in flight (their fate is unknown) and replaces the
  // multi handle, whose state is no longer trusted.
  void Recover(const char* failed_call, CURLMcode code) {
    LogTransportError(
        name_,
        absl::StrCat(failed_call, " failed (", curl_multi_strerror(code),
                     "); failing ", running_.size(),
                     " requests in flight and starting a new multi handle"));
    absl::Status status = MultiFailureStatus(failed_call, code);
    std::vector<std::unique_ptr<Transfer>> failed;
    for (auto& [easy, t] : running_) {
      if (multi_ != nullptr) curl_multi_remove_handle(multi_.get(), easy);
      failed.push_back(std::move(t));  // its easy handle is not reused
    }
    running_.clear();
    MultiPtr fresh = NewMulti();
    MultiPtr old;
    {
      absl::MutexLock lock(&mu_);
      old = std::exchange(multi_, std::move(fresh));
    }
    old.reset();
    for (auto& t : failed) std::move(t->done)(status);
  }

  // Adds queued transfers to the multi handle; false once stopping.
  bool StartQueued() {
    std::vector<std::unique_ptr<Transfer>> batch;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
      batch.swap(queue_);
    }
    for (auto& transfer : batch) Start(std::move(transfer));
    return true;
  }

  // Sets the request's method, body and headers on its easy handle.
  static void SetRequest(Transfer& t, EasySetter& set) {
    set.Set(CURLOPT_URL, t.request.url.c_str());
    if (t.request.method == "GET") {
      set.Set(CURLOPT_HTTPGET, 1L);
    } else {
      if (t.request.method != "POST") {
        set.Set(CURLOPT_CUSTOMREQUEST, t.request.method.c_str());
      }
      set.Set(CURLOPT_POSTFIELDS, t.request.body.data());
      set.Set(CURLOPT_POSTFIELDSIZE_LARGE,
              static_cast<curl_off_t>(t.request.body.size()));
    }
    curl_slist* list = nullptr;
    for (const auto& [name, value] : t.request.headers) {
      curl_slist* longer =
          curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
      if (longer == nullptr) {
        t.headers.reset(list);
        return set.Fail(CURLE_OUT_OF_MEMORY);
      }
      list = longer;
    }
    // No "Expect: 100-continue" round trip on larger bodies (and so no
    // resend after a 417 either).
    curl_slist* longer = curl_slist_append(list, "Expect:");
    if (longer != nullptr) list = longer;
    t.headers.reset(list);
    if (longer == nullptr) return set.Fail(CURLE_OUT_OF_MEMORY);
    set.Set(CURLOPT_HTTPHEADER, t.headers.get());
  }

  // Connection, security and limit settings shared by every transfer.
  void SetTransportOptions(Transfer& t, EasySetter& set, absl::Duration total) {
    set.Set(CURLOPT_NOSIGNAL, 1L);
    set.Set(CURLOPT_PROTOCOLS_STR, "http,https");
    set.Set(CURLOPT_FOLLOWLOCATION, 0L);
    set.Set(CURLOPT_SSL_VERIFYPEER, 1L);
    set.Set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) {
      set.Set(CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    if (send_once_) {
      // A connection of its own, that nothing else joins (HTTP/1.1 has no
      // multiplexing, and neither REFUSED_STREAM nor HTTP_1_1_REQUIRED, the
      // two HTTP/2 resend paths) and that is closed afterwards.
      set.Set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
      set.Set(CURLOPT_PIPEWAIT, 0L);
      set.Set(CURLOPT_FRESH_CONNECT, 1L);
      set.Set(CURLOPT_FORBID_REUSE, 1L);
    } else {
      set.Set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
      set.Set(CURLOPT_PIPEWAIT, 1L);
      // After an HTTP/2 error, the next request there opens a new connection
      // rather than ride the one that failed.
      if (!fresh_origins_.empty() &&
          fresh_origins_.erase(Origin(t.request.url)) > 0) {
        set.Set(CURLOPT_FRESH_CONNECT, 1L);
      }
    }
    set.Set(CURLOPT_TCP_KEEPALIVE, 1L);
    set.Set(CURLOPT_ACCEPT_ENCODING, "");
    set.Set(CURLOPT_CONNECTTIMEOUT_MS,
            ToMillis(std::min(options_.connect_timeout, total)));
    set.Set(CURLOPT_TIMEOUT_MS, ToMillis(total));
    set.Set(CURLOPT_USERAGENT, options_.user_agent.empty()
                                   ? "seedance-gateway/" SEEDANCE_VERSION
                                   : options_.user_agent.c_str());
    set.Set(CURLOPT_ERRORBUFFER, t.error);
    set.Set(CURLOPT_WRITEFUNCTION, &OnBody);
    set.Set(CURLOPT_WRITEDATA, &t);
    set.Set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set.Set(CURLOPT_HEADERDATA, &t);
  }

  // Configures one transfer's easy handle and adds it, or fails it at once.
  void Start(std::unique_ptr<Transfer> t) {
    absl::Duration total =
        std::min(t->request.deadline - absl::Now(), options_.default_timeout);
    if (total <= absl::ZeroDuration()) {
      return std::move(t->done)(UpstreamError(
          absl::StatusCode::kDeadlineExceeded, kReasonTimeout,
          "the deadline passed before the upstream request was sent"));
    }
    if (multi_ == nullptr) {
      return std::move(t->done)(
          UpstreamError(absl::StatusCode::kUnavailable, kReasonTransportError,
                        "the upstream transport has no curl multi handle"));
    }
    t->easy = idle_.Take();
    if (t->easy == nullptr) {
      return std::move(t->done)(UpstreamError(
          absl::StatusCode::kResourceExhausted, kReasonTransportError,
          "could not allocate a transfer"));
    }
    t->max_body = options_.max_response_bytes;
    EasySetter set(t->easy.get());
    SetRequest(*t, set);
    SetTransportOptions(*t, set, total);
    if (absl::Status s = set.status(); !s.ok()) {
      idle_.Give(std::move(t->easy));
      return std::move(t->done)(std::move(s));
    }
    if (CURLMcode code = calls_.add_handle(multi_.get(), t->easy.get());
        code != CURLM_OK) {
      // Not added, so never sent; the handle's state is unknown: drop it.
      t->easy.reset();
      return std::move(t->done)(UpstreamError(
          absl::StatusCode::kUnavailable, kReasonTransportError,
          absl::StrCat("could not start the upstream request: "
                       "curl_multi_add_handle failed: ",
                       curl_multi_strerror(code)),
          {{"curlm_code", absl::StrCat(static_cast<int>(code))}}));
    }
    CURL* key = t->easy.get();
    running_.emplace(key, std::move(t));
  }

  // Delivers every transfer curl reports finished.
  void FinishDone() {
    int remaining = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &remaining)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;  // read before remove: msg dies then
      auto node = running_.extract(easy);
      if (node.empty()) continue;
      std::unique_ptr<Transfer> t = std::move(node.mapped());
      bool reusable = true;
      if (CURLMcode mcode = curl_multi_remove_handle(multi_.get(), easy);
          mcode != CURLM_OK) {
        LogTransportError(name_,
                          absl::StrCat("curl_multi_remove_handle failed: ",
                                       curl_multi_strerror(mcode)));
        reusable = false;
      }
      if (code == CURLE_HTTP2 || code == CURLE_HTTP2_STREAM) {
        // curl closes the connection itself on CURLE_HTTP2, but keeps it on
        // a stream error: steer the next request there off it.
        fresh_origins_.insert(Origin(t->request.url));
      }
      absl::StatusOr<HttpResponse> result;
      if (code == CURLE_OK) {
        long http_status = 0;  // NOLINT(google-runtime-int): curl's type
        if (CURLcode info =
                curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_status);
            info != CURLE_OK) {
          result = UpstreamError(
              absl::StatusCode::kUnavailable, kReasonTransportError,
              absl::StrCat("upstream transport error: no HTTP status: ",
                           curl_easy_strerror(info)));
        } else {
          t->response.status_code = static_cast<int>(http_status);
          result = std::move(t->response);
        }
      } else {
        result = FailureStatus(code, *t);
      }
      // The handle is done with: keep it for the next transfer.
      if (reusable) idle_.Give(std::move(t->easy));
      std::move(t->done)(std::move(result));
    }
  }

  // Fails every queued and running transfer with CANCELLED.
  void CancelAll() {
    std::vector<std::unique_ptr<Transfer>> batch;
    {
      absl::MutexLock lock(&mu_);
      batch.swap(queue_);
    }
    for (auto& [easy, t] : running_) {
      if (multi_ != nullptr) curl_multi_remove_handle(multi_.get(), easy);
      batch.push_back(std::move(t));
    }
    running_.clear();
    for (auto& t : batch) std::move(t->done)(ShutdownStatus());
  }

  const CurlTransportOptions& options_;
  const CurlMultiCalls& calls_;
  const bool send_once_;
  const std::string name_;
  // Written by the lane's thread only, and then under mu_; read by that
  // thread without it, by other threads (curl_multi_wakeup) under it.
  MultiPtr multi_;
  // Transfers added to the multi handle, by easy handle; lane thread only.
  absl::flat_hash_map<CURL*, std::unique_ptr<Transfer>> running_;
  // Lane thread only. Reusing handles (curl_easy_reset) spares an
  // allocation-heavy curl_easy_init and cleanup per request.
  EasyPool idle_;
  // Origins whose next request must open a new connection; lane thread only.
  absl::flat_hash_set<std::string> fresh_origins_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Transfer>> queue_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once everything above exists
};

CurlTransport::CurlTransport(CurlTransportOptions options, CurlMultiCalls calls)
    : options_(std::move(options)), calls_(std::move(calls)) {
  GlobalInitOnce();
  reusing_ = std::make_unique<Lane>(options_, calls_, /*send_once=*/false);
  once_ = std::make_unique<Lane>(options_, calls_, /*send_once=*/true);
}

CurlTransport::~CurlTransport() {
  // Both lanes wind down at once. Both stay alive until both threads are
  // joined: a cancelled request's callback may Send to the other lane.
  reusing_->RequestStop();
  once_->RequestStop();
  reusing_->Join();
  once_->Join();
}

void CurlTransport::Send(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<Transfer>();
  bool reuse = MayReuseConnection(request.method);
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  (reuse ? reusing_ : once_)->Send(std::move(transfer));
}

}  // namespace seedance::upstream
