// Watcher and WatchGroup; see watcher.h.
#include "bench/watcher.h"

#include <algorithm>

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
  auto reached = [this, count]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return done_ >= count; };
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

void Watcher::Start(v1::VideoService::Stub* stub, grpc::CompletionQueue* cq) {
  absl::MutexLock lock(&mu_);
  request_.set_id(task_id_);
  reader_ = stub->PrepareAsyncWatchVideo(&context_, request_, cq);
  step_ = Step::kStarting;
  reader_->StartCall(this);
}

void Watcher::Cancel() {
  cancelled_ = true;
  context_.TryCancel();
}

void Watcher::OnEvent(bool ok) {
  const int64_t now = absl::ToUnixMicros(absl::Now());
  bool first = false;
  bool ended = false;
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    switch (step_) {
      case Step::kStarting:
      case Step::kReading:
        if (step_ == Step::kReading && ok) {
          first = events_.empty() && response_.has_video();
          RecordLocked(now);
        }
        if (!ok) {  // the stream ended (or never started): ask why
          step_ = Step::kFinishing;
          reader_->Finish(&status_, this);
          break;
        }
        step_ = Step::kReading;
        reader_->Read(&response_, this);
        break;
      case Step::kFinishing:
        step_ = Step::kDone;
        ended_ok_ = status_.ok();
        // Ended before any message: counts as started so waits do not hang.
        first = events_.empty();
        ended = true;
        status = status_;
        break;
      case Step::kDone:
        break;
    }
  }
  if (first) group_->OnStarted();
  // Last: once counted done, the fleet may destroy this watcher.
  if (ended) group_->OnDone(status, cancelled_);
}

void Watcher::RecordLocked(int64_t now_us) {
  if (!response_.has_video()) return;  // a heartbeat
  const google::protobuf::Timestamp& observed = response_.event_time();
  events_.push_back({response_.video().status(),
                     observed.seconds() * 1000000 + observed.nanos() / 1000,
                     now_us});
}

std::vector<ReceivedEvent> Watcher::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

bool Watcher::ended_ok() const {
  absl::MutexLock lock(&mu_);
  return ended_ok_;
}

WatchQueues::WatchQueues(int count) {
  for (int i = 0; i < std::max(count, 1); ++i) {
    queues_.push_back(std::make_unique<grpc::CompletionQueue>());
  }
  for (auto& queue : queues_) {
    threads_.emplace_back([cq = queue.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<Watcher*>(tag)->OnEvent(ok);
    });
  }
}

WatchQueues::~WatchQueues() {
  for (auto& queue : queues_) queue->Shutdown();
  for (auto& thread : threads_) thread.join();
}

bool CancelAndReap(std::vector<std::unique_ptr<Watcher>>& watchers,
                   WatchGroup& group, absl::Duration timeout) {
  for (auto& watcher : watchers) watcher->Cancel();
  if (group.WaitDone(static_cast<int>(watchers.size()), timeout)) return true;
  // Leaked on purpose: gRPC still references them.
  for (auto& watcher : watchers) static_cast<void>(watcher.release());
  watchers.clear();
  return false;
}

}  // namespace seedance::bench
