// TaskPoller: the one upstream polling loop for one task (per API key), fed
// to any number of watchers.
//
// The registry creates it for the first watcher and Start()s it. It polls
// GET /videos/generations/{id} at the cadence of its PollingPolicy while the
// task is healthy, backs off by its BackoffPolicy (or the upstream's
// Retry-After, if longer) while polls fail transiently, and announces each
// transition to every watcher with its sequence number. It ends on a final
// state (watchers get OK), on a permanent upstream error (watchers get it),
// or when stopped (the last watcher left, or the gateway drains).
//
// Threads: polls start on the scheduler thread, results arrive on the
// transport thread; watchers are added and removed from gRPC threads. One
// mutex guards the state. Announcements go through the poller's own strand
// on the fan-out executor: the transport thread records a transition, builds
// its one shared WatchVideoResponse and returns to reading replies, while a
// fan-out thread writes it to every watcher, in order with the poller's
// other announcements. Lock order is registry -> poller -> watcher, and the
// poller calls the registry (on_end) only after releasing its lock.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/executor.h"
#include "server/common/scheduler.h"
#include "server/common/serial_executor.h"
#include "server/gateway/task_key.h"
#include "server/gateway/watch_sink.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/polling_policy.h"
#include "server/upstream/tokenhub_client.h"

namespace seedance::gateway {

// What the poller knows, for GetVideo and heartbeats.
struct PollerSnapshot {
  absl::optional<v1::Video> video;  // nullopt before the first answer
  int64_t sequence = 0;             // of `video`
  // The last announced state as watchers got it (null before the first).
  WatchEvent event;
  absl::Time observed_at;  // when `video` was first seen
  absl::Time last_contact = absl::InfinitePast();  // last upstream answer
  bool upstream_reachable = true;
  std::string upstream_error;  // last transient failure, when unreachable
};

// Shared, immutable parts every poller uses.
struct PollerEnvironment {
  upstream::TokenHubClient* client = nullptr;
  Scheduler* scheduler = nullptr;
  // Where watchers are told of transitions and ends (each poller keeps its
  // own order on it). Must outlive every poller's pending announcements.
  Executor* fanout = nullptr;
  const upstream::PollingPolicy* polling = nullptr;  // prototype, cloned
  const upstream::BackoffPolicy* backoff = nullptr;  // prototype, cloned
  absl::Duration upstream_timeout = absl::Seconds(30);
};

class TaskPoller : public std::enable_shared_from_this<TaskPoller> {
 public:
  // Told once when the poller ends by itself: its last state and why
  // (OK after a final state). Called without the poller's lock.
  using OnEnd = std::function<void(
      TaskPoller& poller, const PollerSnapshot& last, const absl::Status& why)>;

  // `price`, when known, is attached to every announced state (with the
  // actual figure once the upstream reports usage).
  TaskPoller(TaskKey key, const PollerEnvironment& env,
             absl::optional<v1::Price> price, OnEnd on_end);
  ~TaskPoller();

  TaskPoller(const TaskPoller&) = delete;
  TaskPoller& operator=(const TaskPoller&) = delete;

  // Polls now, then on the policies' schedule.
  void Start();

  // Adds a watcher and gives it the current state at once, on the calling
  // thread (if known). If the poller has already ended, the watcher gets its
  // last state and end.
  void AddWatcher(std::shared_ptr<WatchSink> sink);

  // Removes a watcher (a no-op if absent). Returns how many remain.
  std::size_t RemoveWatcher(const WatchSink* sink);

  // Stops polling; every watcher gets `why` (unless already ended). on_end
  // is not called: the caller already knows.
  void Stop(const absl::Status& why);

  PollerSnapshot Snapshot() const;
  const TaskKey& key() const { return key_; }

 private:
  void PollNow();
  void OnPollResult(absl::StatusOr<v1::Video> result);
  // Each returns true when the poller has ended.
  bool HandleVideoLocked(v1::Video video) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HandleFailureLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ScheduleLocked(absl::Duration delay) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndLocked(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells every current watcher, on the strand (posted under the lock, so
  // announcements keep the order of the state changes). With `end`, the
  // event is the last: watchers get it and the end together, and leave.
  void AnnounceLocked(const WatchEvent& event,
                      const absl::optional<absl::Status>& end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TaskKey key_;
  const PollerEnvironment env_;
  const OnEnd on_end_;

  mutable absl::Mutex mu_;
  absl::optional<v1::Price> price_ ABSL_GUARDED_BY(mu_);
  PollerSnapshot state_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<WatchSink>> sinks_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::PollingPolicy> polling_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::BackoffPolicy> backoff_ ABSL_GUARDED_BY(mu_);
  Scheduler::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
  // Set once the poller ends; then it only answers late AddWatcher calls.
  absl::optional<absl::Status> ended_ ABSL_GUARDED_BY(mu_);
  SerialExecutor announcements_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_
