// Watcher: one WatchVideo stream held by seedance-bench, as a callback-API
// reactor (no thread per stream), recording when each message arrived.
// WatchGroup counts watchers reaching their first message and their end so
// the scenarios can wait for thousands of them at once.
#ifndef SEEDANCE_BENCH_WATCHER_H_
#define SEEDANCE_BENCH_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"
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

class Watcher : public grpc::ClientReadReactor<v1::WatchVideoResponse> {
 public:
  Watcher(WatchGroup* group, std::string task_id)
      : group_(group), task_id_(std::move(task_id)) {}

  void Start(v1::VideoService::Stub* stub);
  // Ends the stream from our side (idle-capacity runs).
  void Cancel();

  const std::string& task_id() const { return task_id_; }
  // What arrived so far (complete once the group counted this watcher done).
  std::vector<ReceivedEvent> events() const;
  bool ended_ok() const;

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  WatchGroup* group_;
  std::string task_id_;
  grpc::ClientContext context_;
  v1::WatchVideoRequest request_;
  v1::WatchVideoResponse response_;
  std::atomic<bool> cancelled_{false};
  // The reactions run on gRPC's threads, ordered by gRPC in code TSan does
  // not see; the mutex makes that order visible (and is never contended).
  mutable absl::Mutex mu_;
  std::vector<ReceivedEvent> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ok_ ABSL_GUARDED_BY(mu_) = false;
};

// Cancels every watcher and waits for all to end; if some never end (a
// broken gateway) they are leaked rather than freed under gRPC's feet.
bool CancelAndReap(std::vector<std::unique_ptr<Watcher>>& watchers,
                   WatchGroup& group, absl::Duration timeout);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_WATCHER_H_
