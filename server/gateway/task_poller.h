// TaskPoller: the one upstream polling loop of one task (per API key), and
// the one place that turns an upstream reply into the task's state: its
// sequence number, its price (with the actual cost once usage is reported)
// and its `update_time`. Watchers, GetVideo and the task store all get the
// state from here.
//
// The registry creates it (for a task just created here, a task resumed
// from the store, or the first watcher or GetVideo of a task) and Start()s
// it. It polls GET /videos/generations/{id} at the cadence of its
// PollingPolicy while the task is healthy (a slower one while nobody
// watches a followed task), backs off by its BackoffPolicy (or the
// upstream's Retry-After, if longer) while polls fail transiently, and
// announces each transition to every watcher with its sequence number. It
// ends on a final state (watchers get OK), on an upstream error its
// RetryPolicy gives up on (watchers get it), when a followed task outlives
// its tracking window,
// when nobody needs it any more (not followed, no watcher, no GetVideo
// waiting), or when stopped (the gateway drains).
//
// Fleet mode: a task whose lease another replica holds is "remote" here.
// Its poller never asks the upstream: it reads the task's record from the
// store (TaskReader) when the store's change feed says it changed
// (Refresh), and every `remote_refresh` besides, and announces what the
// holder recorded, with the holder's sequence, update_time and price, so
// that every replica tells the same story; its heartbeats carry the
// holder's last upstream contact (recorded at each lease round). Follow(lease)
// (this replica took the lease) turns it into the polling one; Unfollow() (the
// lease went elsewhere) turns it remote.
//
// Threads: polls start on the scheduler thread, results arrive on the
// transport thread; watchers and GetVideo calls come from gRPC threads. One
// mutex guards the state. Every message to a watcher, its first state
// included, goes through the poller's own strand on the fan-out executor,
// so no watcher is ever called under a lock and each sees states in order.
// GetVideo waiters are answered after the lock is released. Lock order is
// registry -> poller; the poller calls the registry (on_end) only after
// releasing its lock. Observations go to the TaskRecorder (the store's own
// threads), never waited for.
#ifndef SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_
#define SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/executor.h"
#include "server/common/scheduler.h"
#include "server/common/serial_executor.h"
#include "server/gateway/task_key.h"
#include "server/gateway/task_reader.h"
#include "server/gateway/task_recorder.h"
#include "server/gateway/watch_sink.h"
#include "server/store/task_store.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/polling_policy.h"
#include "server/upstream/retry_policy.h"
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
  // Fleet mode: another replica polls the task; this one reads its record.
  bool remote = false;
};

// What is already known of a task when its poller starts.
struct TaskSeed {
  // The recorded state (with price and update_time) and its sequence, or
  // nullopt when nothing is known yet.
  absl::optional<v1::Video> video;
  int64_t sequence = 0;
  // The task's price context: attached to every state, with the actual
  // cost filled in once the upstream reports usage.
  absl::optional<v1::Price> price;
  // The store's owner of the task ("" with no store): observations are
  // recorded under it.
  std::string owner;
  // Followed: polled to its end even with no watcher (tasks created
  // through the gateway). Otherwise the poller ends when nobody needs it.
  bool follow = false;
  // When the gateway recorded the task; a followed task older than the
  // tracking window is no longer polled. InfinitePast: unknown.
  absl::Time created = absl::InfinitePast();
  // Fleet mode: the lease under which this replica polls the task (its
  // observations are recorded only while it holds); empty holder: none.
  store::Lease lease;
  // Fleet mode: another replica holds the task's lease; read its record
  // instead of polling (needs PollerEnvironment::reader).
  bool remote = false;
};

// Shared, immutable parts every poller uses.
struct PollerEnvironment {
  upstream::TokenHubClient* client = nullptr;
  Scheduler* scheduler = nullptr;
  // Where watchers are told of transitions and ends (each poller keeps its
  // own order on it). Must outlive every poller's pending announcements.
  Executor* fanout = nullptr;
  const upstream::PollingPolicy* polling = nullptr;  // prototype, cloned
  // Cadence of a followed task nobody watches; `polling` when null.
  const upstream::PollingPolicy* unwatched = nullptr;
  const upstream::BackoffPolicy* backoff = nullptr;  // prototype, cloned
  // Which failed polls are tried again (prototype, cloned); null: every
  // failure upstream::RetryableRead accepts, without limit.
  const upstream::RetryPolicy* retry = nullptr;
  absl::Duration upstream_timeout = absl::Seconds(30);
  // A followed task older than this is no longer polled.
  absl::Duration track_for = absl::Hours(48);
  // Where observed transitions are recorded; null: nowhere.
  TaskRecorder* recorder = nullptr;
  // Fleet mode: where remote tasks are read; null: no task is remote.
  TaskReader* reader = nullptr;
  // How often a remote task is read again without news from the change
  // feed (a notification lost with a connection is caught up by then).
  absl::Duration remote_refresh = absl::Seconds(5);
};

class TaskPoller : public std::enable_shared_from_this<TaskPoller> {
 public:
  // Told once when the poller ends by itself: its last state and why
  // (OK after a final state). Called without the poller's lock.
  using OnEnd = std::function<void(
      TaskPoller& poller, const PollerSnapshot& last, const absl::Status& why)>;
  // Receives a GetVideo's answer, exactly once.
  using GetCallback = absl::AnyInvocable<void(absl::StatusOr<v1::Video>) &&>;

  TaskPoller(TaskKey key, const PollerEnvironment& env, TaskSeed seed,
             OnEnd on_end);
  ~TaskPoller();

  TaskPoller(const TaskPoller&) = delete;
  TaskPoller& operator=(const TaskPoller&) = delete;

  // Polls after `first_delay`, then on the policies' schedule.
  void Start(absl::Duration first_delay);

  // Adds a watcher; its first message (the current state, when known) goes
  // out through the strand like every later one. If the poller has ended,
  // the watcher gets its last state and end. Returns false, adding
  // nothing, when the poller ended only because nobody needed it: the
  // caller starts a new one.
  bool AddWatcher(std::shared_ptr<WatchSink> sink);

  // Removes a watcher (a no-op if absent). Returns true when the poller is
  // now idle (no watcher, no GetVideo waiting, not followed): the caller
  // stops it.
  bool RemoveWatcher(const WatchSink* sink);

  // From now on, polled to its end whether or not anyone watches; with a
  // lease (fleet mode), observations are recorded under it.
  void Follow(const store::Lease& lease = {});

  // No longer followed (its lease went to another replica): from now on
  // remote (read from the store while someone watches or waits; without a
  // reader, polled as an unfollowed task). Returns true when it is now
  // idle: the caller stops it.
  bool Unfollow();

  // Fleet mode: the task changed in the store. A remote poller reads it
  // again now (after the read in flight, if any); others ignore it.
  void Refresh();

  enum class GetOutcome {
    kAnswered,   // `answer` holds the state (or why the poller ended)
    kPending,    // `done` was taken: it gets the answer later
    kEndedIdle,  // nothing taken: the poller ended because nobody needed
                 // it; the caller starts a new one
  };
  // GetVideo: the state in `answer` if an upstream answer came within
  // `max_age` (or the poller has ended). Otherwise takes `done`, which gets
  // the state after the next poll (one starts now unless one is in flight
  // or the upstream is backing off), or the failure that ended the poller,
  // or a transient failure when the next try would come after `deadline`.
  GetOutcome Get(absl::Duration max_age, absl::Time deadline, GetCallback& done,
                 absl::StatusOr<v1::Video>& answer);

  // Stops polling; watchers and GetVideo waiters get `why` (unless already
  // ended). on_end is not called: the caller already knows.
  void Stop(const absl::Status& why);

  PollerSnapshot Snapshot() const;
  const TaskKey& key() const { return key_; }
  // The lease it polls under (fleet mode); empty holder: none.
  store::Lease lease() const;
  // Whether it ended only because nobody needed it.
  bool ended_idle() const;

 private:
  struct Waiter {
    absl::Time deadline;
    GetCallback done;
  };

  void PollNow();
  void OnPollResult(absl::StatusOr<v1::Video> result);
  void OnReadResult(absl::StatusOr<store::TaskRecord> record);
  // A remote task's record: announces a newer transition. Returns true
  // when the poller has ended (the task is final or expired).
  bool ApplyRecordLocked(const store::TaskRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends the poller if nobody needs it; true when it did.
  bool EndIfIdleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Each returns true when the poller has ended.
  bool HandleVideoLocked(v1::Video video) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HandleFailureLocked(const absl::Status& status,
                           std::vector<Waiter>& answer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IdleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ScheduleLocked(absl::Duration delay) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The wait before the next poll of a healthy task.
  absl::Duration CadenceLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndLocked(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells every current watcher, on the strand (posted under the lock, so
  // announcements keep the order of the state changes). With `end`, the
  // event is the last: watchers get it and the end together, and leave.
  void AnnounceLocked(const WatchEvent& event,
                      const absl::optional<absl::Status>& end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TaskKey key_;
  const PollerEnvironment env_;
  const OnEnd on_end_;
  const std::string owner_;
  const absl::Time created_;

  mutable absl::Mutex mu_;
  absl::optional<v1::Price> price_ ABSL_GUARDED_BY(mu_);
  bool followed_ ABSL_GUARDED_BY(mu_);
  store::Lease lease_ ABSL_GUARDED_BY(mu_);
  PollerSnapshot state_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<WatchSink>> sinks_ ABSL_GUARDED_BY(mu_);
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::PollingPolicy> polling_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::PollingPolicy> unwatched_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::BackoffPolicy> backoff_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<upstream::RetryPolicy> retry_ ABSL_GUARDED_BY(mu_);
  Scheduler::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_poll_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool poll_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // A Refresh came while a read was in flight: read again after it (the
  // change may have been committed after that read began).
  bool read_again_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);  // while unreachable
  // Set once the poller ends; then it only answers late callers.
  absl::optional<absl::Status> ended_ ABSL_GUARDED_BY(mu_);
  bool ended_idle_ ABSL_GUARDED_BY(mu_) = false;
  SerialExecutor announcements_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TASK_POLLER_H_
