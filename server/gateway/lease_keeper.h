// LeaseKeeper: fleet mode's per-replica loop. Replicas on one task store
// poll each followed task once between them: the replica that polls a task
// holds its lease in the store (TaskStore::ClaimLeases), with an epoch that
// fences the observations it records.
//
// Every round (a third of the TTL, at most 2 s; on the store's executor):
//   - Renew: every lease this replica holds is extended to now + ttl. A
//     lease missing from the answer went to another replica (this one was
//     paused or cut off past the TTL): its task is no longer followed here.
//     If the store cannot be reached for longer than the TTL, every task
//     followed under a lease (also one created since the last round) is
//     unfollowed: without a renewed lease this replica can no longer
//     fence, and another replica may already poll them. Open watches stay
//     open. An expired lease is never renewed, only claimed again.
//   - Contact: for each held task whose poller heard from the upstream
//     since the last round, that time goes to the store (one statement),
//     so heartbeats on every replica report the fleet's last contact.
//   - Share: the replica says it is alive (ShareLeases) and learns how
//     many tasks the fleet follows and how many replicas are alive; its
//     fair share is their quotient, rounded up.
//   - Shed: holding more than a fair share plus one (it ran alone when
//     the others started), it gives the newest excess up for the others.
//   - Claim: up to its fair share (and at most `claim_batch` per round),
//     followed tasks of the leased owners (the gateway's own key and each
//     tenant's, asked anew each round) whose lease is free or expired
//     (their replica died, or drained and released them) are taken and
//     followed here, seeded with their recorded state; first polls spread
//     over `first_poll_spread`.
// Stop() releases every lease at once (SIGTERM), so the other replicas
// take the tasks over at their next round instead of after the TTL.
//
// Tasks created here hold a lease from their create (CreateFlow); tasks of
// callers' own keys hold none (no other replica has the key to poll them).
// A tenant removed from the tenants file is claimed no more, but the tasks
// of it this replica holds are followed to their end (their key is still
// known here), so their reservations settle.
//
// Threads: the scheduler only posts rounds; a round runs on the store's
// executor and schedules the next when it ends, so rounds never overlap.
#ifndef SEEDANCE_SERVER_GATEWAY_LEASE_KEEPER_H_
#define SEEDANCE_SERVER_GATEWAY_LEASE_KEEPER_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "server/common/executor.h"
#include "server/common/scheduler.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/task_key.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

// An owner whose tasks any replica can poll: the store's owner hash, and
// the key the pollers of its tasks use (task_id empty).
struct LeasedOwner {
  std::string owner;
  TaskKey key;
};

struct LeaseKeeperOptions {
  // This replica's name in the store's leases (--replica-id).
  std::string holder;
  // The owners whose tasks are leased (the gateway's own key; tenants),
  // asked at the start of each round on the store's executor: tenants
  // come and go with the tenants file. Must not block.
  std::function<std::vector<LeasedOwner>()> owners;
  absl::Duration ttl = absl::Seconds(10);
  int claim_batch = 100;
  absl::Duration first_poll_spread = absl::Seconds(10);
};

class LeaseKeeper {
 public:
  // Everything passed outlives this object; Stop() before destroying it,
  // and before the store's executor stops.
  LeaseKeeper(const LeaseKeeperOptions& options, store::TaskStore& store,
              Executor& store_executor, PollerRegistry& registry,
              Scheduler& scheduler);

  // Posts the first round (claims what is free at once).
  void Start();
  // No more rounds; posts the release of every lease this replica holds.
  void Stop();

 private:
  void Round();
  void ScheduleNext();
  void UnfollowAll();
  void RecordContacts();
  // The key of a held lease's task, from the owners seen so far; nullopt
  // for an owner never leased here.
  absl::optional<TaskKey> KeyOf(const store::HeldLease& lease) const;
  // Releases `count` leases (the newest tasks) and stops following them.
  void Shed(int count);

  const LeaseKeeperOptions options_;
  store::TaskStore& store_;
  Executor& executor_;
  PollerRegistry& registry_;
  Scheduler& scheduler_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Scheduler::TimerId timer_ ABSL_GUARDED_BY(mu_) = 0;

  // Only the round in progress uses these (rounds never overlap).
  absl::flat_hash_map<int64_t, TaskKey> held_;  // row id -> its task
  // Every owner leased since start (owner hash -> key, task_id empty):
  // the tasks of a tenant since removed are still followed to their end.
  absl::flat_hash_map<std::string, TaskKey> known_owners_;
  absl::Time last_renewed_ = absl::InfinitePast();
  // The soonest another replica's lease runs out (from the last share).
  absl::Time next_expiry_ = absl::InfiniteFuture();
  // Everything was unfollowed for want of a renewal (until the next one).
  bool unfollowed_all_ = false;
  // Last upstream contact recorded per held row.
  absl::flat_hash_map<int64_t, absl::Time> contacts_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_LEASE_KEEPER_H_
