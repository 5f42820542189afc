// TokenHubClient over an HttpTransport: request building, reply parsing and
// the retry loop (one RetryingCall per call).
#include "server/upstream/tokenhub_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/request_json.h"
#include "server/upstream/request_validator.h"
#include "server/upstream/retry_policy.h"
#include "server/upstream/task_json.h"

namespace seedance::upstream {
namespace {

using ::seedance::v1::Video;
using VideoCallback = TokenHubClient::VideoCallback;

// One call: attempt, interpret, maybe wait and attempt again, finish once.
// Attempts are strictly sequential (the transport's callback or the
// scheduler's timer starts the next), so no member needs a lock: each
// hand-off goes through the transport's or scheduler's own mutex.
class RetryingCall : public std::enable_shared_from_this<RetryingCall> {
 public:
  struct Params {
    HttpRequest request;  // sent as is on every attempt
    std::string api_key;  // only to scrub it from replies and errors
    absl::Time deadline;  // no retry wait ends past it
    std::unique_ptr<RetryPolicy> retry;               // this call's own clone
    std::function<void(absl::string_view)> on_retry;  // may be empty
  };

  RetryingCall(HttpTransport& transport, Scheduler& scheduler,
               std::unique_ptr<BackoffPolicy> backoff, Params params,
               VideoCallback done)
      : transport_(transport),
        scheduler_(scheduler),
        backoff_(std::move(backoff)),
        params_(std::move(params)),
        done_(std::move(done)) {}

  // A call dropped before it finished (its retry timer was destroyed with
  // the scheduler) still answers its caller, exactly once.
  ~RetryingCall() {
    if (done_) {
      Finish(UpstreamError(absl::StatusCode::kCancelled, kReasonShutdown,
                           "the upstream call was abandoned at shutdown"));
    }
  }

  void Attempt() {
    transport_.Send(params_.request, [self = shared_from_this()](
                                         absl::StatusOr<HttpResponse> r) {
      self->OnResponse(std::move(r));
    });
  }

 private:
  void OnResponse(absl::StatusOr<HttpResponse> response) {
    absl::StatusOr<Video> result = Interpret(std::move(response));
    if (result.ok() || !params_.retry->OnFailure(result.status())) {
      return Finish(std::move(result));
    }
    absl::Duration wait = backoff_->OnCompletion();
    if (auto retry_after = RetryAfter(result.status())) {
      wait = std::max(wait, std::min(*retry_after, kMaxRetryAfter));
    }
    if (scheduler_.Now() + wait >= params_.deadline) {
      return Finish(std::move(result));
    }
    if (params_.on_retry) params_.on_retry(params_.request.method);
    scheduler_.RunAfter(wait, [self = shared_from_this()] { self->Attempt(); });
  }

  // Runs the caller's callback; done_ is empty afterwards.
  void Finish(absl::StatusOr<Video> result) {
    VideoCallback done = std::move(done_);
    done_ = nullptr;
    std::move(done)(std::move(result));
  }

  // The parsers redact every string they take from a reply; RedactStatus
  // then covers what did not come from a body (the transport's own text)
  // as the one exit every failure passes.
  absl::StatusOr<Video> Interpret(absl::StatusOr<HttpResponse> response) {
    absl::StatusOr<Video> result = Parse(std::move(response));
    if (result.ok()) return result;
    return RedactStatus(result.status(), params_.api_key);
  }

  absl::StatusOr<Video> Parse(absl::StatusOr<HttpResponse> response) {
    if (!response.ok()) return response.status();
    if (response->status_code >= 200 && response->status_code < 300) {
      return ParseTaskJson(response->body, params_.api_key);
    }
    return MapHttpError(response->status_code, response->body, &*response,
                        scheduler_.Now(), params_.api_key);
  }

  HttpTransport& transport_;
  Scheduler& scheduler_;
  std::unique_ptr<BackoffPolicy> backoff_;
  Params params_;
  VideoCallback done_;
};

class TokenHubClientImpl final : public TokenHubClient {
 public:
  TokenHubClientImpl(TokenHubClientOptions options, HttpTransport& transport,
                     Scheduler& scheduler,
                     std::unique_ptr<BackoffPolicy> backoff)
      : options_(std::move(options)),
        transport_(transport),
        scheduler_(scheduler),
        backoff_(std::move(backoff)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    if (backoff_ == nullptr) {
      backoff_ = std::make_unique<ExponentialBackoffPolicy>(
          absl::Milliseconds(200), absl::Seconds(5), 2.0);
    }
  }

  void CreateVideo(const seedance::v1::CreateVideoRequest& request,
                   const CallOptions& options, VideoCallback done) override {
    Start("POST", absl::StrCat(base_, "/videos/generations"),
          CreateRequestToJson(request), options,
          LimitedErrorCountRetryPolicy(
              &RetryableCreate, std::max(0, options_.max_create_attempts - 1)),
          std::move(done));
  }

  void GetVideo(const std::string& task_id, const CallOptions& options,
                VideoCallback done) override {
    if (absl::Status s = ValidateTaskId(task_id, "id"); !s.ok()) {
      return std::move(done)(std::move(s));
    }
    Start(
        "GET",
        absl::StrCat(base_, "/videos/generations/", EscapePathSegment(task_id)),
        "", options,
        LimitedErrorCountRetryPolicy(
            &RetryableRead, options.retry_transient
                                ? std::max(0, options_.max_get_attempts - 1)
                                : 0),
        std::move(done));
  }

 private:
  void Start(const char* method, std::string url, std::string body,
             const CallOptions& options, const RetryPolicy& retry,
             VideoCallback done) {
    const std::string& key =
        options.api_key.empty() ? options_.api_key : options.api_key;
    if (key.empty()) {
      return std::move(done)(UpstreamError(
          absl::StatusCode::kUnauthenticated, kReasonNoApiKey,
          "no TokenHub API key is configured and none was given"));
    }
    HttpRequest request{method,
                        std::move(url),
                        {{"Authorization", absl::StrCat("Bearer ", key)},
                         {"Accept", "application/json"}},
                        std::move(body),
                        options.deadline};
    if (request.method == "POST") {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    auto call = std::make_shared<RetryingCall>(
        transport_, scheduler_, backoff_->clone(),
        RetryingCall::Params{std::move(request), key, options.deadline,
                             retry.clone(), options_.on_retry},
        std::move(done));
    call->Attempt();
  }

  const TokenHubClientOptions options_;
  std::string base_ = options_.base_url;  // without trailing slashes
  HttpTransport& transport_;
  Scheduler& scheduler_;
  std::unique_ptr<BackoffPolicy> backoff_;  // prototype; only clone() is used
};

}  // namespace

std::string EscapePathSegment(absl::string_view id) {
  // "." and ".." are dot-segments that URL normalisation would remove.
  if (id == "." || id == "..") return id == "." ? "%2E" : "%2E%2E";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : id) {
    unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", std::string(1, kHex[u >> 4]),
                      std::string(1, kHex[u & 15]));
    }
  }
  return out;
}

std::unique_ptr<TokenHubClient> MakeTokenHubClient(
    TokenHubClientOptions options, HttpTransport& transport,
    Scheduler& scheduler, std::unique_ptr<BackoffPolicy> backoff) {
  return std::make_unique<TokenHubClientImpl>(std::move(options), transport,
                                              scheduler, std::move(backoff));
}

}  // namespace seedance::upstream
