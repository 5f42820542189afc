// Watcher: one WatchVideo stream held by seedance-bench on the
// completion-queue API (no thread per stream), recording when each message
// arrived. WatchQueues are the few completion queues (one thread each) that
// drive every watcher; WatchGroup counts watchers reaching their first
// message and their end so the scenarios can wait for thousands at once.
//
// Why not the callback API: Debian's gRPC is built with its debug checks
// on, so every completion scans the list of operations pending on its
// completion queue, under that queue's lock. The callback API puts every
// call of the process on one global queue, which with 10,000 streams (two
// pending operations each) made the bench itself the largest CPU user on
// the machine while it measured the gateway. Spreading the streams over a
// few queues, with one pending operation per stream, divides that cost.
#ifndef SEEDANCE_BENCH_WATCHER_H_
#define SEEDANCE_BENCH_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/support/async_stream.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::bench {

class WatchGroup {
 public:
  // Waits until `count` watchers got their first message (or ended).
  bool WaitStarted(int count, absl::Duration timeout);
  // Waits until `count` watchers ended.
  bool WaitDone(int count, absl::Duration timeout);

  int done() const;
  // Ended with a status other than OK (and not cancelled by us).
  int failed() const;
  std::string first_error() const;

  void OnStarted();
  void OnDone(const grpc::Status& status, bool cancelled_by_us);

 private:
  mutable absl::Mutex mu_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

struct ReceivedEvent {
  v1::VideoStatus status;
  int64_t observed_unix_us;  // the gateway's event_time: when its poll saw it
  int64_t received_unix_us;  // when this watcher got it
};

class Watcher {
 public:
  Watcher(WatchGroup* group, std::string task_id)
      : group_(group), task_id_(std::move(task_id)) {}

  // Opens the stream; its completions arrive on `cq` (see WatchQueues).
  void Start(v1::VideoService::Stub* stub, grpc::CompletionQueue* cq);
  // Ends the stream from our side (idle-capacity runs).
  void Cancel();
  // The one operation this watcher had pending completed.
  void OnEvent(bool ok);

  const std::string& task_id() const { return task_id_; }
  // What arrived so far (complete once the group counted this watcher done).
  std::vector<ReceivedEvent> events() const;
  bool ended_ok() const;

 private:
  enum class Step { kStarting, kReading, kFinishing, kDone };

  void RecordLocked(int64_t now_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  WatchGroup* const group_;
  const std::string task_id_;
  grpc::ClientContext context_;
  std::atomic<bool> cancelled_{false};
  // Taken by Start and by each completion: never contended (one operation
  // in flight), but it makes gRPC's ordering visible to TSan.
  mutable absl::Mutex mu_;
  Step step_ ABSL_GUARDED_BY(mu_) = Step::kStarting;
  v1::WatchVideoRequest request_ ABSL_GUARDED_BY(mu_);
  v1::WatchVideoResponse response_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::ClientAsyncReader<v1::WatchVideoResponse>> reader_
      ABSL_GUARDED_BY(mu_);
  std::vector<ReceivedEvent> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ok_ ABSL_GUARDED_BY(mu_) = false;
};

// A few completion queues, each drained by its own thread, that deliver
// every watcher's completions (the tag is the Watcher). Destroying them
// shuts the queues down and joins the threads: every watcher started on
// them must have ended first.
class WatchQueues {
 public:
  explicit WatchQueues(int count);
  ~WatchQueues();
  WatchQueues(const WatchQueues&) = delete;
  WatchQueues& operator=(const WatchQueues&) = delete;

  // Queue for the i-th stream (round robin).
  grpc::CompletionQueue* queue(std::size_t i) {
    return queues_[i % queues_.size()].get();
  }

 private:
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<std::thread> threads_;
};

// Cancels every watcher and waits for all to end; if some never end (a
// broken gateway) they are leaked rather than freed under gRPC's feet.
bool CancelAndReap(std::vector<std::unique_ptr<Watcher>>& watchers,
                   WatchGroup& group, absl::Duration timeout);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_WATCHER_H_
