// FakeHttpTransport: an HttpTransport that answers from a script, at once,
// on the caller's thread, and records every request it was given.
//
//   FakeHttpTransport fake;
//   fake.Push(Reply(503, "{}"));  fake.Push(Reply(200, kTaskJson));
//   client->GetVideo("t1", {}, done);   // first attempt answered with 503
#ifndef SEEDANCE_TESTS_UPSTREAM_FAKE_HTTP_TRANSPORT_H_
#define SEEDANCE_TESTS_UPSTREAM_FAKE_HTTP_TRANSPORT_H_

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/upstream/http_transport.h"

namespace seedance::upstream::testing {

inline HttpResponse Reply(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

class FakeHttpTransport final : public HttpTransport {
 public:
  // Queues the outcome of the next Send.
  void Push(absl::StatusOr<HttpResponse> outcome) {
    absl::MutexLock lock(&mu_);
    script_.push_back(std::move(outcome));
  }

  void Send(HttpRequest request, Callback done) override {
    absl::StatusOr<HttpResponse> outcome =
        absl::FailedPreconditionError("FakeHttpTransport: script exhausted");
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(std::move(request));
      if (!script_.empty()) {
        outcome = std::move(script_.front());
        script_.pop_front();
      }
    }
    std::move(done)(std::move(outcome));
  }

  // Every request sent so far.
  std::vector<HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<absl::StatusOr<HttpResponse>> script_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::upstream::testing

#endif  // SEEDANCE_TESTS_UPSTREAM_FAKE_HTTP_TRANSPORT_H_
