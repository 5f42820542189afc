#include "server/gateway/poller_registry.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/gateway/call_log.h"
#include "server/gateway/task_records.h"

namespace seedance::gateway {
namespace {

absl::Status Draining() {
  return absl::UnavailableError(
      "gateway is draining; reconnect to another replica");
}

}  // namespace

void PollerRegistry::Deferred::Run() {
  for (auto& [done, answer] : gets) std::move(done)(std::move(answer));
  gets.clear();
}

PollerRegistry::PollerRegistry(const PollerEnvironment& env,
                               store::AsyncTaskStore* store,
                               const store::OwnerHasher* owners,
                               FleetIdentity fleet)
    : env_(env), store_(store), owners_(owners), fleet_(std::move(fleet)) {}

bool PollerRegistry::RemoteFor(const TaskKey& key,
                               const store::TaskRecord& record) const {
  // Only the tasks of the gateway's own key and of tenants hold leases,
  // and only followed ones (a final, expired or merely seen task is
  // nobody's to poll). A free or expired lease counts as another's too:
  // some replica's next lease round claims it (this one's, if no other is
  // alive), and until then polling here would be a second poller.
  return !fleet_.replica_id.empty() && env_.reader != nullptr &&
         HoldsLeases(key) && SeedFromRecord(record).follow &&
         record.lease.holder != fleet_.replica_id;
}

bool PollerRegistry::HoldsLeases(const TaskKey& key) const {
  return !key.principal.empty() ||
         (!fleet_.api_key.empty() && key.api_key == fleet_.api_key);
}

PollerRegistry::~PollerRegistry() {
  Drain(absl::UnavailableError("gateway shutting down"));
}

std::string PollerRegistry::OwnerOf(const TaskKey& key) const {
  if (owners_ == nullptr) return "";
  absl::StatusOr<std::string> owner = owners_->Owner(OwnerIdentity(key));
  return owner.ok() ? *owner : "";
}

std::shared_ptr<TaskPoller> PollerRegistry::StartPollerLocked(
    const TaskKey& key, TaskSeed seed, absl::Duration first_poll) {
  auto poller = std::make_shared<TaskPoller>(
      key, env_, std::move(seed),
      [this](TaskPoller& p, const PollerSnapshot& last,
             const absl::Status& why) { OnPollerEnd(p, last, why); });
  pollers_[key] = poller;
  if (!key.principal.empty()) tenant_keys_[key.task_id] = key;
  poller->Start(first_poll);
  return poller;
}

void PollerRegistry::ErasePollerLocked(PollerMap::iterator it) {
  const TaskKey& key = it->first;
  if (!key.principal.empty()) {
    auto tenant = tenant_keys_.find(key.task_id);
    if (tenant != tenant_keys_.end() && tenant->second == key) {
      tenant_keys_.erase(tenant);
    }
  }
  pollers_.erase(it);
}

std::shared_ptr<TaskPoller> PollerRegistry::LivePollerLocked(
    const TaskKey& key) {
  auto it = pollers_.find(key);
  if (it == pollers_.end()) return nullptr;
  if (!it->second->ended_idle()) return it->second;
  // It ended because nobody needed it, just before this caller came: a new
  // one carries on from what it knew.
  PollerSnapshot last = it->second->Snapshot();
  TaskSeed seed;
  seed.video = last.video;
  seed.sequence = last.sequence;
  if (last.video && last.video->has_price()) seed.price = last.video->price();
  seed.owner = OwnerOf(key);
  seed.remote = last.remote;
  return StartPollerLocked(key, std::move(seed), absl::ZeroDuration());
}

std::shared_ptr<TaskPoller> PollerRegistry::PollerForLocked(
    const TaskKey& key) {
  if (std::shared_ptr<TaskPoller> poller = LivePollerLocked(key)) {
    return poller;
  }
  // Nothing known of the task: the poller starts from the upstream alone.
  TaskSeed seed;
  seed.owner = OwnerOf(key);
  return StartPollerLocked(key, std::move(seed), absl::ZeroDuration());
}

absl::optional<v1::Video> PollerRegistry::Follow(const TaskKey& key,
                                                 TaskSeed seed,
                                                 absl::Duration first_poll) {
  absl::MutexLock lock(&mu_);
  if (draining_) return seed.video;
  if (std::shared_ptr<TaskPoller> poller = LivePollerLocked(key)) {
    poller->Follow(seed.lease);
    PollerSnapshot now = poller->Snapshot();
    return now.video ? now.video : seed.video;
  }
  absl::optional<v1::Video> video = seed.video;
  seed.follow = true;
  StartPollerLocked(key, std::move(seed), first_poll);
  return video;
}

absl::Status PollerRegistry::Watch(const TaskKey& key,
                                   std::shared_ptr<WatchSink> sink) {
  bool start_lookup = false;
  {
    absl::MutexLock lock(&mu_);
    if (draining_) return Draining();
    if (pollers_.contains(key) || !JoinLookupLocked(key, start_lookup)) {
      AttachWatcherLocked(key, sink);
      return absl::OkStatus();
    }
    lookups_[key].sinks.push_back(std::move(sink));
  }
  if (start_lookup) StartLookup(key);
  return absl::OkStatus();
}

void PollerRegistry::AttachWatcherLocked(
    const TaskKey& key, const std::shared_ptr<WatchSink>& sink) {
  // A poller may end idle (by itself, under its own lock only) between the
  // lookup and the call: the second round then starts a new one.
  for (;;) {
    if (PollerForLocked(key)->AddWatcher(sink)) return;
  }
}

void PollerRegistry::Unfollow(const TaskKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = pollers_.find(key);
  if (it == pollers_.end()) return;
  if (it->second->Unfollow()) {
    it->second->Stop(absl::CancelledError("followed by another replica"));
    ErasePollerLocked(it);
  }
}

void PollerRegistry::UnfollowLeased(
    const absl::flat_hash_set<std::string>* keep, absl::Time taken_by_expiry) {
  absl::MutexLock lock(&mu_);
  for (auto it = pollers_.begin(); it != pollers_.end();) {
    auto current = it++;
    TaskPoller& poller = *current->second;
    const store::Lease lease = poller.lease();
    if (lease.holder.empty() || lease.expires > taken_by_expiry) continue;
    if (keep != nullptr && keep->contains(current->first.task_id)) continue;
    if (poller.Unfollow()) {
      poller.Stop(absl::CancelledError("followed by another replica"));
      ErasePollerLocked(current);
    }
  }
}

void PollerRegistry::TaskChanged(const std::string& task_id) {
  if (fleet_.replica_id.empty()) return;
  std::shared_ptr<TaskPoller> poller;
  {
    absl::MutexLock lock(&mu_);
    // The feed names the task only: a tenant's poller is found by its id.
    auto tenant = tenant_keys_.find(task_id);
    auto it = pollers_.find(tenant != tenant_keys_.end()
                                ? tenant->second
                                : KeyTask(fleet_.api_key, task_id));
    if (it == pollers_.end()) return;
    poller = it->second;
  }
  poller->Refresh();
}

void PollerRegistry::RefreshRemote() {
  std::vector<std::shared_ptr<TaskPoller>> pollers;
  {
    absl::MutexLock lock(&mu_);
    pollers.reserve(pollers_.size());
    for (const auto& [key, poller] : pollers_) pollers.push_back(poller);
  }
  for (const auto& poller : pollers) poller->Refresh();
}

void PollerRegistry::Unwatch(const TaskKey& key, const WatchSink* sink) {
  absl::MutexLock lock(&mu_);
  if (auto l = lookups_.find(key); l != lookups_.end()) {
    auto& sinks = l->second.sinks;
    sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                               [sink](const std::shared_ptr<WatchSink>& s) {
                                 return s.get() == sink;
                               }),
                sinks.end());
  }
  auto it = pollers_.find(key);
  if (it == pollers_.end()) return;
  if (it->second->RemoveWatcher(sink)) {
    it->second->Stop(absl::CancelledError("no watchers left"));
    ErasePollerLocked(it);
  }
}

void PollerRegistry::Get(const TaskKey& key, absl::Duration max_age,
                         absl::Time deadline, TaskPoller::GetCallback done) {
  Deferred deferred;
  bool start_lookup = false;
  {
    absl::MutexLock lock(&mu_);
    if (draining_) {
      deferred.gets.emplace_back(std::move(done), Draining());
    } else if (pollers_.contains(key) || !JoinLookupLocked(key, start_lookup)) {
      AttachGetLocked(key, PendingGet{max_age, deadline, std::move(done)},
                      deferred);
    } else {
      lookups_[key].gets.push_back(
          PendingGet{max_age, deadline, std::move(done)});
    }
  }
  deferred.Run();
  if (start_lookup) StartLookup(key);
}

void PollerRegistry::AttachGetLocked(const TaskKey& key, PendingGet get,
                                     Deferred& deferred) {
  for (;;) {  // as in AttachWatcherLocked
    std::shared_ptr<TaskPoller> poller = PollerForLocked(key);
    absl::StatusOr<v1::Video> answer = absl::UnknownError("");
    switch (poller->Get(get.max_age, get.deadline, get.done, answer)) {
      case TaskPoller::GetOutcome::kAnswered:
        deferred.gets.emplace_back(std::move(get.done), std::move(answer));
        return;
      case TaskPoller::GetOutcome::kPending:
        return;
      case TaskPoller::GetOutcome::kEndedIdle:
        break;
    }
  }
}

bool PollerRegistry::JoinLookupLocked(const TaskKey& key, bool& start) {
  if (store_ == nullptr) return false;
  if (!lookups_.contains(key)) {
    lookups_[key];
    start = true;
  }
  return true;
}

void PollerRegistry::StartLookup(const TaskKey& key) {
  std::string owner = OwnerOf(key);
  if (owner.empty()) {
    OnLookup(key, owner, absl::InternalError("no owner"));
    return;
  }
  store_->GetTask(owner, key.task_id,
                  [this, key, owner](absl::StatusOr<store::TaskRecord> r) {
                    OnLookup(key, owner, std::move(r));
                  });
}

// A tenant's task the store does not show it: NOT_FOUND (whoever else's it
// may be), or UNAVAILABLE while the store cannot say.
static absl::Status TenantLookupRefusal(const TaskKey& key,
                                        const absl::Status& why) {
  if (absl::IsNotFound(why)) {
    return absl::NotFoundError(
        absl::StrCat("task ", key.task_id, " not found"));
  }
  return absl::UnavailableError(
      absl::StrCat("the task store cannot be read, so task ", key.task_id,
                   " cannot be shown: ", why.message()));
}

void PollerRegistry::OnLookup(const TaskKey& key, const std::string& owner,
                              absl::StatusOr<store::TaskRecord> record) {
  if (!record.ok() && !absl::IsNotFound(record.status())) {
    // GetVideo and WatchVideo keep working without the store: the poller
    // starts from the upstream alone.
    LogStoreFailure(absl::StrCat("looking up task ", key.task_id),
                    record.status());
  }
  Lookup waiting;
  Deferred deferred;
  WatchEvent recorded_end;
  absl::Status end_status;
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    auto it = lookups_.find(key);
    if (it == lookups_.end()) return;  // drained meanwhile: answered there
    waiting = std::move(it->second);
    lookups_.erase(it);
    const bool known = record.ok();
    if (!pollers_.contains(key) && !known && !key.principal.empty()) {
      // Tenants: only the store says whose a task is (tenants may share an
      // upstream key, which would show it to any of them).
      refused = TenantLookupRefusal(key, record.status());
      for (PendingGet& g : waiting.gets) {
        deferred.gets.emplace_back(std::move(g.done), refused);
      }
    } else if (!pollers_.contains(key) && known &&
               (record->final || record->expired)) {
      // Nothing more will happen to it: the record is the answer.
      v1::Video video = RecordVideo(*record);
      recorded_end =
          MakeWatchEvent(record->sequence, record->update_time, video);
      if (!record->final) {
        end_status = absl::DeadlineExceededError(absl::StrCat(
            "task ", key.task_id,
            " is older than the gateway's tracking window; it is no longer "
            "followed"));
      }
      for (PendingGet& g : waiting.gets) {
        deferred.gets.emplace_back(std::move(g.done), video);
      }
    } else {
      // A remote task is followed by its lease holder, not here.
      const bool follow =
          known && SeedFromRecord(*record).follow && !RemoteFor(key, *record);
      if (!pollers_.contains(key) &&
          (follow || !waiting.sinks.empty() || !waiting.gets.empty())) {
        TaskSeed seed;
        if (known) {
          seed = SeedFromRecord(*record);
          seed.remote = RemoteFor(key, *record);
          if (seed.remote) seed.follow = false;
        }
        seed.owner = owner;
        StartPollerLocked(key, std::move(seed), absl::ZeroDuration());
      }
      for (auto& sink : waiting.sinks) {
        AttachWatcherLocked(key, sink);
      }
      for (PendingGet& g : waiting.gets) {
        AttachGetLocked(key, std::move(g), deferred);
      }
      waiting.sinks.clear();
    }
  }
  deferred.Run();
  if (!refused.ok() && !waiting.sinks.empty()) {
    env_.fanout->Run([sinks = std::move(waiting.sinks), refused] {
      for (const auto& sink : sinks) sink->OnEnd(refused);
    });
    return;
  }
  if (recorded_end && !waiting.sinks.empty()) {
    // Through the fan-out executor like every other message to a watcher,
    // never on the store's thread.
    env_.fanout->Run(
        [sinks = std::move(waiting.sinks), recorded_end, end_status] {
          for (const auto& sink : sinks) {
            sink->OnLastVideo(recorded_end, end_status);
          }
        });
  }
}

PollerSnapshot PollerRegistry::Snapshot(const TaskKey& key) const {
  std::shared_ptr<TaskPoller> poller;
  {
    absl::MutexLock lock(&mu_);
    auto it = pollers_.find(key);
    if (it == pollers_.end()) return PollerSnapshot();
    poller = it->second;
  }
  return poller->Snapshot();
}

void PollerRegistry::Drain(const absl::Status& why) {
  std::vector<std::shared_ptr<TaskPoller>> pollers;
  absl::flat_hash_map<TaskKey, Lookup> lookups;
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    for (auto& [key, poller] : pollers_) pollers.push_back(poller);
    pollers_.clear();
    tenant_keys_.clear();
    lookups.swap(lookups_);
  }
  // Outside the lock: Stop answers GetVideo waiters on this thread.
  for (auto& poller : pollers) poller->Stop(why);
  for (auto& [key, lookup] : lookups) {
    for (PendingGet& g : lookup.gets) std::move(g.done)(why);
    if (!lookup.sinks.empty()) {
      env_.fanout->Run([sinks = std::move(lookup.sinks), why] {
        for (const auto& sink : sinks) sink->OnEnd(why);
      });
    }
  }
}

std::size_t PollerRegistry::active_pollers() const {
  absl::MutexLock lock(&mu_);
  return pollers_.size();
}

void PollerRegistry::OnPollerEnd(TaskPoller& poller,
                                 const PollerSnapshot& /*last*/,
                                 const absl::Status& /*why*/) {
  absl::MutexLock lock(&mu_);
  auto it = pollers_.find(poller.key());
  if (it != pollers_.end() && it->second.get() == &poller) {
    ErasePollerLocked(it);
  }
}

}  // namespace seedance::gateway
