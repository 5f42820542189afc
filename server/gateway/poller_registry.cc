#include "server/gateway/poller_registry.h"

#include <utility>
#include <vector>

#include "server/gateway/sequence.h"

namespace seedance::gateway {

PollerRegistry::PollerRegistry(const PollerEnvironment& env,
                               const RegistryOptions& options)
    : env_(env),
      finals_(options.final_state_ttl, options.max_final_states),
      prices_(options.price_ttl, options.max_prices) {}

PollerRegistry::~PollerRegistry() {
  Drain(absl::UnavailableError("gateway shutting down"));
}

absl::StatusOr<std::shared_ptr<TaskPoller>> PollerRegistry::Watch(
    const TaskKey& key, std::shared_ptr<WatchSink> sink) {
  absl::MutexLock lock(&mu_);
  if (draining_) {
    return absl::UnavailableError(
        "gateway is draining; reconnect to another replica");
  }
  const absl::Time now = env_.scheduler->Now();
  if (const WatchEvent* final_state = finals_.Get(key, now)) {
    sink->OnLastVideo(*final_state, absl::OkStatus());
    return std::shared_ptr<TaskPoller>();
  }
  std::shared_ptr<TaskPoller>& poller = pollers_[key];
  bool fresh = poller == nullptr;
  if (fresh) {
    const v1::Price* price = prices_.Get(key, now);
    poller = std::make_shared<TaskPoller>(
        key, env_, price ? absl::make_optional(*price) : absl::nullopt,
        [this](TaskPoller& p, const PollerSnapshot& last,
               const absl::Status& why) { OnPollerEnd(p, last, why); });
  }
  poller->AddWatcher(std::move(sink));
  if (fresh) poller->Start();
  return poller;
}

void PollerRegistry::Unwatch(const TaskKey& key, const WatchSink* sink) {
  absl::MutexLock lock(&mu_);
  auto it = pollers_.find(key);
  if (it == pollers_.end()) return;
  if (it->second->RemoveWatcher(sink) == 0) {
    it->second->Stop(absl::CancelledError("no watchers left"));
    pollers_.erase(it);
  }
}

absl::optional<v1::Video> PollerRegistry::FreshState(const TaskKey& key,
                                                     absl::Duration max_age) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = env_.scheduler->Now();
  if (const WatchEvent* final_state = finals_.Get(key, now)) {
    return (*final_state)->video();
  }
  auto it = pollers_.find(key);
  if (it == pollers_.end()) return absl::nullopt;
  PollerSnapshot snapshot = it->second->Snapshot();
  if (!snapshot.video || now - snapshot.last_contact > max_age) {
    return absl::nullopt;
  }
  return snapshot.video;
}

void PollerRegistry::RememberFinal(const TaskKey& key, const v1::Video& video) {
  if (!IsFinal(video.status())) return;
  absl::MutexLock lock(&mu_);
  const absl::Time now = env_.scheduler->Now();
  finals_.Put(key, MakeWatchEvent(StageSequence(video.status()), now, video),
              now);
}

void PollerRegistry::RememberPrice(const TaskKey& key, const v1::Price& price) {
  absl::MutexLock lock(&mu_);
  prices_.Put(key, price, env_.scheduler->Now());
}

absl::optional<v1::Price> PollerRegistry::PriceOf(const TaskKey& key) {
  absl::MutexLock lock(&mu_);
  const v1::Price* price = prices_.Get(key, env_.scheduler->Now());
  if (price == nullptr) return absl::nullopt;
  return *price;
}

void PollerRegistry::Drain(const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (auto& [key, poller] : pollers_) poller->Stop(why);
  pollers_.clear();
}

std::size_t PollerRegistry::active_pollers() const {
  absl::MutexLock lock(&mu_);
  return pollers_.size();
}

void PollerRegistry::OnPollerEnd(TaskPoller& poller, const PollerSnapshot& last,
                                 const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (why.ok() && last.event) {
    // The poller's own final message: late watchers get the very same one.
    finals_.Put(poller.key(), last.event, env_.scheduler->Now());
    prices_.Erase(poller.key());  // the final state carries the price now
  }
  auto it = pollers_.find(poller.key());
  if (it != pollers_.end() && it->second.get() == &poller) pollers_.erase(it);
}

}  // namespace seedance::gateway
