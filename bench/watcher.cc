// Watcher and WatchGroup; see watcher.h.
#include "bench/watcher.h"

#include "absl/strings/str_cat.h"

namespace seedance::bench {

bool WatchGroup::WaitStarted(int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return started_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool WatchGroup::WaitDone(int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return done_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int WatchGroup::done() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

int WatchGroup::failed() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

std::string WatchGroup::first_error() const {
  absl::MutexLock lock(&mu_);
  return first_error_;
}

void WatchGroup::OnStarted() {
  absl::MutexLock lock(&mu_);
  ++started_;
}

void WatchGroup::OnDone(const grpc::Status& status, bool cancelled_by_us) {
  absl::MutexLock lock(&mu_);
  ++done_;
  if (!status.ok() && !cancelled_by_us) {
    ++failed_;
    if (first_error_.empty()) {
      first_error_ = absl::StrCat("WatchVideo: code ", status.error_code(), " ",
                                  status.error_message());
    }
  }
}

void Watcher::Start(v1::VideoService::Stub* stub) {
  request_.set_id(task_id_);
  stub->async()->WatchVideo(&context_, &request_, this);
  StartRead(&response_);
  StartCall();
}

void Watcher::Cancel() {
  cancelled_ = true;
  context_.TryCancel();
}

void Watcher::OnReadDone(bool ok) {
  if (!ok) return;  // OnDone follows
  int64_t now = absl::ToUnixMicros(absl::Now());
  bool first = false;
  if (response_.has_video()) {
    const google::protobuf::Timestamp& observed = response_.event_time();
    absl::MutexLock lock(&mu_);
    events_.push_back({response_.video().status(),
                       observed.seconds() * 1000000 + observed.nanos() / 1000, now});
    first = events_.size() == 1;
  }
  if (first) group_->OnStarted();
  StartRead(&response_);
}

void Watcher::OnDone(const grpc::Status& status) {
  bool never_started;
  {
    absl::MutexLock lock(&mu_);
    ended_ok_ = status.ok();
    never_started = events_.empty();
  }
  // Ended before any message: counts as started so waits do not hang.
  if (never_started) group_->OnStarted();
  group_->OnDone(status, cancelled_);
}

std::vector<ReceivedEvent> Watcher::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

bool Watcher::ended_ok() const {
  absl::MutexLock lock(&mu_);
  return ended_ok_;
}

bool CancelAndReap(std::vector<std::unique_ptr<Watcher>>& watchers,
                   WatchGroup& group, absl::Duration timeout) {
  for (auto& watcher : watchers) watcher->Cancel();
  if (group.WaitDone(static_cast<int>(watchers.size()), timeout)) return true;
  for (auto& watcher : watchers) watcher.release();  // still referenced by gRPC
  watchers.clear();
  return false;
}

}  // namespace seedance::bench
