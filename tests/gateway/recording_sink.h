// RecordingSink: a WatchSink that remembers what a watcher would have seen.
#ifndef SEEDANCE_TESTS_GATEWAY_RECORDING_SINK_H_
#define SEEDANCE_TESTS_GATEWAY_RECORDING_SINK_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "server/gateway/watch_sink.h"

namespace seedance::testing {

class RecordingSink final : public gateway::WatchSink {
 public:
  void OnVideo(const gateway::WatchEvent& event) override {
    absl::MutexLock lock(&mu_);
    sequences_.push_back(event->sequence());
    statuses_.push_back(event->video().status());
    last_ = event->video();
    events_.push_back(event);
  }
  void OnEnd(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    ++ends_;
    end_ = status;
  }

  std::vector<int64_t> sequences() const {
    absl::MutexLock lock(&mu_);
    return sequences_;
  }
  std::vector<v1::VideoStatus> statuses() const {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }
  std::vector<gateway::WatchEvent> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  v1::Video last() const {
    absl::MutexLock lock(&mu_);
    return last_;
  }
  absl::optional<absl::Status> end() const {
    absl::MutexLock lock(&mu_);
    return end_;
  }
  int ends() const {
    absl::MutexLock lock(&mu_);
    return ends_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<int64_t> sequences_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::VideoStatus> statuses_ ABSL_GUARDED_BY(mu_);
  v1::Video last_ ABSL_GUARDED_BY(mu_);
  std::vector<gateway::WatchEvent> events_ ABSL_GUARDED_BY(mu_);
  absl::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
  int ends_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_GATEWAY_RECORDING_SINK_H_
