#include "server/gateway/lease_keeper.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/gateway/call_log.h"
#include "server/gateway/task_records.h"

namespace seedance::gateway {

LeaseKeeper::LeaseKeeper(const LeaseKeeperOptions& options,
                         store::TaskStore& store, Executor& store_executor,
                         PollerRegistry& registry, Scheduler& scheduler)
    : options_(options),
      store_(store),
      executor_(store_executor),
      registry_(registry),
      scheduler_(scheduler) {}

void LeaseKeeper::Start() {
  executor_.Run([this] { Round(); });
}

void LeaseKeeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    if (timer_ != 0) scheduler_.Cancel(timer_);
    timer_ = 0;
  }
  executor_.Run([this] {
    absl::StatusOr<int64_t> released = store_.ReleaseLeases(options_.holder);
    if (!released.ok()) {
      // They expire after the TTL instead.
      LogStoreFailure("releasing this replica's task leases",
                      released.status());
    } else if (*released > 0) {
      LogNotice(absl::StrCat("released ", *released,
                             " task leases for the other replicas"));
    }
  });
}

void LeaseKeeper::ScheduleNext() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  // A third of the TTL leaves two renewals' room before a lease expires;
  // at most 2 s, so released leases are taken over soon even with a long
  // TTL.
  absl::Duration wait = std::min(options_.ttl / 3, absl::Seconds(2));
  // Just after another replica's lease runs out, if sooner: a replica that
  // died is taken over at its TTL, not up to a round later.
  const absl::Duration to_expiry =
      next_expiry_ - scheduler_.Now() + absl::Milliseconds(5);
  if (to_expiry < wait) wait = std::max(to_expiry, absl::Milliseconds(5));
  timer_ =
      scheduler_.RunAfter(wait, [this] { executor_.Run([this] { Round(); }); });
}

void LeaseKeeper::UnfollowAll() {
  // Every leased task, also those created since the last renewal (not in
  // held_ yet): none of their leases can be renewed from here.
  registry_.UnfollowLeased(nullptr, absl::InfiniteFuture());
  held_.clear();
}

void LeaseKeeper::Shed(int count) {
  absl::StatusOr<std::vector<store::HeldLease>> shed =
      store_.ShedLeases(options_.holder, count);
  if (!shed.ok()) {
    LogStoreFailure("giving up task leases beyond a fair share", shed.status());
    return;
  }
  // Released in the store first: its next holder's epoch fences whatever
  // this replica's poller still records before it stops following.
  for (const store::HeldLease& lease : *shed) {
    if (absl::optional<TaskKey> key = KeyOf(lease)) registry_.Unfollow(*key);
    held_.erase(lease.row_id);
  }
  if (!shed->empty()) {
    LogNotice(absl::StrCat("gave up ", shed->size(),
                           " task leases beyond this replica's fair share"));
  }
}

absl::optional<TaskKey> LeaseKeeper::KeyOf(
    const store::HeldLease& lease) const {
  if (auto it = held_.find(lease.row_id); it != held_.end()) return it->second;
  auto it = known_owners_.find(lease.owner);
  if (it == known_owners_.end()) return absl::nullopt;
  TaskKey key = it->second;
  key.task_id = lease.task_id;
  return key;
}

void LeaseKeeper::RecordContacts() {
  std::vector<store::TaskContact> changed;
  absl::flat_hash_map<int64_t, absl::Time> written;
  written.reserve(held_.size());
  for (const auto& [row, key] : held_) {
    const absl::Time contact = registry_.Snapshot(key).last_contact;
    auto it = contacts_.find(row);
    const absl::Time known =
        it != contacts_.end() ? it->second : absl::InfinitePast();
    written[row] = known;  // rows no longer held are forgotten
    if (contact > known) changed.push_back(store::TaskContact{row, contact});
  }
  contacts_ = std::move(written);
  if (changed.empty()) return;
  if (absl::Status s = store_.RecordContacts(options_.holder, changed);
      !s.ok()) {
    // Only heartbeats elsewhere show an older contact meanwhile.
    LogStoreFailure("recording the last upstream contact of held tasks", s);
    return;
  }
  for (const store::TaskContact& c : changed) {
    contacts_[c.row_id] = c.last_contact;
  }
}

void LeaseKeeper::Round() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  const absl::Time now = scheduler_.Now();
  // Known again only from this round's share: a round that fails before it
  // must not be rescheduled for an expiry already past (every 5 ms).
  next_expiry_ = absl::InfiniteFuture();
  absl::StatusOr<std::vector<store::HeldLease>> renewed =
      store_.RenewLeases(options_.holder, now, options_.ttl);
  if (!renewed.ok()) {
    LogStoreFailure("renewing this replica's task leases", renewed.status());
    if (now - last_renewed_ > options_.ttl && !unfollowed_all_) {
      LogNotice(
          "task leases not renewed for longer than --lease-ttl: stopped "
          "following this replica's tasks (open watches stay open)");
      UnfollowAll();
      unfollowed_all_ = true;
    }
    ScheduleNext();
    return;
  }
  last_renewed_ = now;
  unfollowed_all_ = false;
  std::vector<LeasedOwner> owners;
  if (options_.owners) owners = options_.owners();
  std::vector<std::string> owner_hashes;
  owner_hashes.reserve(owners.size());
  for (LeasedOwner& o : owners) {
    owner_hashes.push_back(o.owner);
    known_owners_[o.owner] = std::move(o.key);  // a rotated key replaces
  }
  absl::flat_hash_map<int64_t, TaskKey> held;
  absl::flat_hash_set<std::string> kept;
  held.reserve(renewed->size());
  kept.reserve(renewed->size());
  for (const store::HeldLease& lease : *renewed) {
    kept.insert(lease.task_id);
    // Every lease is this process's own (its holder name is per process),
    // taken for an owner some round was asked for, so KeyOf finds it.
    if (absl::optional<TaskKey> key = KeyOf(lease)) {
      held.emplace(lease.row_id, *std::move(key));
    }
  }
  // A lease not renewed expired (this replica was paused or cut off past
  // the TTL; another replica may hold it now) or its task ended: whatever
  // this replica still follows under it, created before or since the last
  // round, stops being polled here. An expired lease nobody took is
  // claimed again below, under a new epoch.
  // Only leases taken at least a TTL ago can have expired: one taken
  // since (a create racing this round) is not this round's to judge.
  registry_.UnfollowLeased(&kept, now);
  held_ = std::move(held);
  RecordContacts();

  bool stopping = false;
  {
    absl::MutexLock lock(&mu_);
    stopping = stopped_;  // claims made now would outlive the release
  }
  if (!owner_hashes.empty() && !stopping) {
    // Towards a fair share: the followed tasks over the live replicas. One
    // holding more than its share (it was alone when the others came)
    // gives the excess up for them to claim; one holding less claims up
    // to its share, so a dead replica's tasks spread over the survivors.
    absl::StatusOr<store::LeaseShare> share =
        store_.ShareLeases(options_.holder, owner_hashes, now, options_.ttl);
    if (!share.ok()) {
      LogStoreFailure("counting the fleet's tasks", share.status());
      ScheduleNext();
      return;
    }
    next_expiry_ = share->next_expiry;
    const int64_t fair = share->fair();
    // One task of slack: shares that differ by one never move back and
    // forth.
    if (share->held > fair + 1) {
      Shed(static_cast<int>(share->held - fair));
    }
    const int64_t room = fair - share->held;
    if (room <= 0) {
      ScheduleNext();
      return;
    }
    absl::StatusOr<std::vector<store::TaskRecord>> claimed = store_.ClaimLeases(
        options_.holder, owner_hashes, now, options_.ttl,
        static_cast<int>(std::min<int64_t>(room, options_.claim_batch)));
    if (!claimed.ok()) {
      LogStoreFailure("claiming task leases", claimed.status());
    } else if (!claimed->empty()) {
      const int64_t spread_ms = std::max<int64_t>(
          1, absl::ToInt64Milliseconds(options_.first_poll_spread));
      std::uniform_int_distribution<int64_t> delay_ms(0, spread_ms);
      for (const store::TaskRecord& record : *claimed) {
        absl::optional<TaskKey> key = KeyOf(
            store::HeldLease{record.row_id, record.task_id, record.owner});
        if (!key) continue;  // not asked for: cannot happen
        TaskSeed seed = SeedFromRecord(record);
        seed.lease = record.lease;  // this replica's, just claimed
        registry_.Follow(*key, std::move(seed),
                         absl::Milliseconds(delay_ms(random_)));
        held_.emplace(record.row_id, *std::move(key));
      }
      LogNotice(absl::StrCat("took the leases of ", claimed->size(),
                             " unfinished tasks and follows them"));
    }
  }
  ScheduleNext();
}

}  // namespace seedance::gateway
