// FakeTokenHubClient: a TokenHubClient whose calls wait until the test
// answers them, so poller tests decide every upstream reply and count every
// request.
#ifndef SEEDANCE_TESTS_GATEWAY_FAKE_TOKENHUB_CLIENT_H_
#define SEEDANCE_TESTS_GATEWAY_FAKE_TOKENHUB_CLIENT_H_

#include <deque>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "server/upstream/tokenhub_client.h"

namespace seedance::testing {

class FakeTokenHubClient final : public upstream::TokenHubClient {
 public:
  struct Call {
    std::string task_id;
    upstream::CallOptions options;
    VideoCallback done;
  };

  void CreateVideo(const v1::CreateVideoRequest& request,
                   const upstream::CallOptions& options,
                   VideoCallback done) override {
    absl::MutexLock lock(&mu_);
    ++creates_;
    calls_.push_back({"", options, std::move(done)});
  }

  void GetVideo(const std::string& task_id,
                const upstream::CallOptions& options,
                VideoCallback done) override {
    absl::MutexLock lock(&mu_);
    ++gets_;
    calls_.push_back({task_id, options, std::move(done)});
  }

  // Answers the oldest waiting call. Returns false when none waits.
  bool Reply(absl::StatusOr<v1::Video> result) {
    Call call;
    {
      absl::MutexLock lock(&mu_);
      if (calls_.empty()) return false;
      call = std::move(calls_.front());
      calls_.pop_front();
    }
    std::move(call.done)(std::move(result));
    return true;
  }

  int waiting() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(calls_.size());
  }
  int gets() const {
    absl::MutexLock lock(&mu_);
    return gets_;
  }
  int creates() const {
    absl::MutexLock lock(&mu_);
    return creates_;
  }
  // The oldest waiting call (the test must know one waits).
  Call& front() {
    absl::MutexLock lock(&mu_);
    return calls_.front();
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<Call> calls_ ABSL_GUARDED_BY(mu_);
  int gets_ ABSL_GUARDED_BY(mu_) = 0;
  int creates_ ABSL_GUARDED_BY(mu_) = 0;
};

// A task in `status` as the upstream would report it.
inline v1::Video TaskIn(v1::VideoStatus status, std::string id = "cgt-1",
                        std::string raw = "") {
  v1::Video v;
  v.set_id(std::move(id));
  v.set_model("doubao-seedance-2.0");
  v.set_status(status);
  if (raw.empty()) {
    switch (status) {
      case v1::VIDEO_STATUS_QUEUED:
        raw = "queued";
        break;
      case v1::VIDEO_STATUS_RUNNING:
        raw = "running";
        break;
      case v1::VIDEO_STATUS_SUCCEEDED:
        raw = "succeeded";
        break;
      case v1::VIDEO_STATUS_FAILED:
        raw = "failed";
        break;
      default:
        raw = "mystery";
        break;
    }
  }
  v.set_upstream_status(raw);
  v.mutable_create_time()->set_seconds(1719900000);
  if (status == v1::VIDEO_STATUS_SUCCEEDED) {
    v.set_video_url("http://127.0.0.1/media/x/video.mp4");
    v.mutable_usage()->mutable_video_duration()->set_seconds(5);
  }
  return v;
}

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_GATEWAY_FAKE_TOKENHUB_CLIENT_H_
