// PollerRegistry: finds or starts the one TaskPoller of a (key, task), for
// watchers, GetVideo and followed tasks, and answers from the task store
// what no poller holds (a finished task's recorded state and price).
//
//   registry.Follow(key, seed, first_poll);    // a task created here
//   registry.Watch(key, sink);                 // sink gets every state
//   registry.Get(key, max_age, deadline, done);
//   registry.Unwatch(key, sink.get());
//
// A task with no poller in memory is looked up in the store first (on the
// store's threads; watchers and GetVideo calls that arrive meanwhile wait
// for the same lookup): a final state is answered from the record; an
// unfinished one seeds a new poller with the recorded state, sequence and
// price, so a restart changes neither. When the store cannot answer, the
// poller starts from the upstream alone (no price).
//
// Memory is bounded by the work in progress: a poller lives while its task
// is followed and unfinished, or someone watches it or waits for it.
//
// Fleet mode (FleetIdentity set, a TaskReader in the environment): a task
// of the gateway's own key or of a tenant whose lease another replica
// holds gets a remote poller here, which reads the holder's record instead of
// polling the upstream; the store's change feed calls TaskChanged() so that it
// reads at once.
//
// Lock order: registry -> poller. Pollers report their end through a
// callback that takes the registry lock after releasing theirs; watchers
// and GetVideo callbacks are never called under the registry's lock.
#ifndef SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_
#define SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "seedance/v1/video_service.pb.h"
#include "server/gateway/task_key.h"
#include "server/gateway/task_poller.h"
#include "server/gateway/watch_sink.h"
#include "server/store/async_task_store.h"
#include "server/store/owner_hasher.h"

namespace seedance::gateway {

// Fleet mode: who this replica is among those sharing the store.
struct FleetIdentity {
  // This replica's name in the store's leases (--replica-id); "": not in
  // fleet mode (no task is remote).
  std::string replica_id;
  // The gateway's own TokenHub key ("": none): its tasks and tenants'
  // hold leases.
  std::string api_key;
};

class PollerRegistry {
 public:
  // `store` and `owners` are null when the gateway runs without a task
  // store; otherwise they outlive the registry.
  PollerRegistry(const PollerEnvironment& env, store::AsyncTaskStore* store,
                 const store::OwnerHasher* owners, FleetIdentity fleet = {});
  ~PollerRegistry();

  PollerRegistry(const PollerRegistry&) = delete;
  PollerRegistry& operator=(const PollerRegistry&) = delete;

  // Follows a task to its end, watched or not, polling first after
  // `first_poll`. Returns its current state as its poller holds it (the
  // seed's, unless a poller already knew more).
  absl::optional<v1::Video> Follow(const TaskKey& key, TaskSeed seed,
                                   absl::Duration first_poll);

  // Stops following the task (fleet mode: another replica holds its lease
  // now). Its poller carries on only while someone watches or waits, as a
  // remote one.
  void Unfollow(const TaskKey& key);

  // Fleet mode: unfollows every task followed here under a lease whose
  // first term ended by `taken_by_expiry` (the lease round passes its
  // `now`: a lease taken less than a TTL ago cannot have expired), except
  // those of `keep` (by task id; null: none kept), the leases the store
  // just renewed.
  void UnfollowLeased(const absl::flat_hash_set<std::string>* keep,
                      absl::Time taken_by_expiry);

  // Fleet mode: the store's change feed says task `task_id` (the gateway's
  // own or a tenant's) changed: its remote poller, if any, reads it now.
  void TaskChanged(const std::string& task_id);
  // Fleet mode: changes may have gone unannounced (the feed reconnected):
  // every remote poller reads its task now.
  void RefreshRemote();

  // Subscribes `sink` to the task: it gets the current state, every
  // transition, then the end (OK after a final state), never under a lock.
  // UNAVAILABLE once the registry drains.
  absl::Status Watch(const TaskKey& key, std::shared_ptr<WatchSink> sink);

  // Unsubscribes; a poller nobody needs any more stops.
  void Unwatch(const TaskKey& key, const WatchSink* sink);

  // GetVideo: `done` gets the task's state, from a poller that heard from
  // the upstream within `max_age`, from the store (final states), or after
  // one poll; or the upstream's error. Runs `done` on the calling thread
  // when the answer is at hand.
  void Get(const TaskKey& key, absl::Duration max_age, absl::Time deadline,
           TaskPoller::GetCallback done);

  // What the task's poller knows (empty without one), for heartbeats.
  PollerSnapshot Snapshot(const TaskKey& key) const;

  // Stops every poller (watchers and waiters get `why`) and refuses new
  // work.
  void Drain(const absl::Status& why);

  std::size_t active_pollers() const;

 private:
  struct PendingGet {
    absl::Duration max_age;
    absl::Time deadline;
    TaskPoller::GetCallback done;
  };
  // Callers waiting for one store lookup.
  struct Lookup {
    std::vector<std::shared_ptr<WatchSink>> sinks;
    std::vector<PendingGet> gets;
  };
  // Answers to give once the lock is released.
  struct Deferred {
    std::vector<std::pair<TaskPoller::GetCallback, absl::StatusOr<v1::Video>>>
        gets;
    void Run();
  };

  using PollerMap = absl::flat_hash_map<TaskKey, std::shared_ptr<TaskPoller>>;

  // The owner the store knows `key`'s caller by; "" without a store.
  std::string OwnerOf(const TaskKey& key) const;
  // A new poller for `key`, registered and started.
  std::shared_ptr<TaskPoller> StartPollerLocked(const TaskKey& key,
                                                TaskSeed seed,
                                                absl::Duration first_poll)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live poller of `key`: a fresh one replaces one that ended idle.
  std::shared_ptr<TaskPoller> LivePollerLocked(const TaskKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live poller of `key`, or a new unseeded one polling at once.
  std::shared_ptr<TaskPoller> PollerForLocked(const TaskKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AttachWatcherLocked(const TaskKey& key,
                           const std::shared_ptr<WatchSink>& sink)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AttachGetLocked(const TaskKey& key, PendingGet get, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the store lookup of `key` unless one is running; false when
  // there is no store (the caller polls the upstream instead).
  bool JoinLookupLocked(const TaskKey& key, bool& start)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartLookup(const TaskKey& key);
  void OnLookup(const TaskKey& key, const std::string& owner,
                absl::StatusOr<store::TaskRecord> record);
  void OnPollerEnd(TaskPoller& poller, const PollerSnapshot& last,
                   const absl::Status& why);

  // Removes a poller (and its entry in tenant_keys_).
  void ErasePollerLocked(PollerMap::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether tasks of `key` hold leases in fleet mode (whichever replica
  // polls them): the gateway's own key's and tenants'.
  bool HoldsLeases(const TaskKey& key) const;
  // Whether a poller of `key` started from `record` is remote (another
  // replica holds, or is about to hold, the task's lease).
  bool RemoteFor(const TaskKey& key, const store::TaskRecord& record) const;

  const PollerEnvironment env_;
  store::AsyncTaskStore* const store_;
  const store::OwnerHasher* const owners_;
  const FleetIdentity fleet_;
  mutable absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  PollerMap pollers_ ABSL_GUARDED_BY(mu_);
  // The key of each tenant task with a poller, by task id: the change feed
  // names tasks by id alone.
  absl::flat_hash_map<std::string, TaskKey> tenant_keys_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TaskKey, Lookup> lookups_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_
