// WatchCollector: one client-side WatchVideo stream on gRPC's callback API
// that records every message, so a test can hold hundreds of streams
// without a thread each and wait (with a deadline) for what it expects.
#ifndef SEEDANCE_TESTS_GATEWAY_WATCH_COLLECTOR_H_
#define SEEDANCE_TESTS_GATEWAY_WATCH_COLLECTOR_H_

#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::testing {

class WatchCollector final
    : public grpc::ClientReadReactor<v1::WatchVideoResponse> {
 public:
  WatchCollector(v1::VideoService::Stub& stub, v1::WatchVideoRequest request,
                 const char* authorization = nullptr)
      : request_(std::move(request)) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(60));
    if (authorization) context_.AddMetadata("authorization", authorization);
    stub.async()->WatchVideo(&context_, &request_, this);
    StartRead(&incoming_);
    StartCall();
  }

  // The stream must be over before the reactor goes away.
  ~WatchCollector() override {
    Cancel();
    WaitDone(absl::Seconds(30));
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    {
      absl::MutexLock lock(&mu_);
      events_.push_back(incoming_);
    }
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

  // Waits until `pred(events)` holds; false on timeout.
  bool WaitFor(const std::function<
                   bool(const std::vector<v1::WatchVideoResponse>&)>& pred,
               absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return pred(events_);
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  }

  // Waits for at least `n` messages that carry a video (not heartbeats).
  bool WaitForVideos(size_t n, absl::Duration timeout = absl::Seconds(20)) {
    return WaitFor(
        [n](const auto& events) {
          size_t videos = 0;
          for (const auto& e : events) videos += e.has_video();
          return videos >= n;
        },
        timeout);
  }

  // Waits for the stream to end; false on timeout.
  bool WaitDone(absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
  }

  void Cancel() { context_.TryCancel(); }

  std::vector<v1::WatchVideoResponse> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  // Sequences of the video messages, in arrival order.
  std::vector<int64_t> video_sequences() const {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> out;
    for (const auto& e : events_) {
      if (e.has_video()) out.push_back(e.sequence());
    }
    return out;
  }
  grpc::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  grpc::ClientContext context_;
  v1::WatchVideoRequest request_;
  v1::WatchVideoResponse incoming_;
  mutable absl::Mutex mu_;
  std::vector<v1::WatchVideoResponse> events_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_GATEWAY_WATCH_COLLECTOR_H_
