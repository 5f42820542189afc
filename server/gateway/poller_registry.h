// PollerRegistry: finds or starts the one TaskPoller of a (key, task), keeps
// final states for late watchers and GetVideo, and remembers the price
// context of tasks this gateway created.
//
//   auto poller = registry.Watch(key, sink);   // sink gets the current state
//   ...
//   registry.Unwatch(key, sink.get());         // the last one stops the poller
//
// Memory is bounded: a poller lives only while it has watchers and its task
// is not final; final states and prices live in capped, expiring caches.
//
// Lock order: registry -> poller -> watcher. Pollers report their end
// through a callback that takes the registry lock after releasing theirs.
#ifndef SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_
#define SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_

#include <cstddef>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "seedance/v1/video_service.pb.h"
#include "server/gateway/expiring_cache.h"
#include "server/gateway/task_key.h"
#include "server/gateway/task_poller.h"
#include "server/gateway/watch_sink.h"

namespace seedance::gateway {

struct RegistryOptions {
  absl::Duration final_state_ttl = absl::Minutes(10);
  std::size_t max_final_states = 100000;
  // Create parameters must outlive the generation itself (minutes, or
  // hours under load).
  absl::Duration price_ttl = absl::Hours(24);
  std::size_t max_prices = 100000;
};

class PollerRegistry {
 public:
  PollerRegistry(const PollerEnvironment& env, const RegistryOptions& options);
  ~PollerRegistry();

  PollerRegistry(const PollerRegistry&) = delete;
  PollerRegistry& operator=(const PollerRegistry&) = delete;

  // Subscribes `sink` to the task; it gets the current state at once when
  // known. A task whose final state is cached is answered from the cache
  // (the sink gets the state and OK; the result is nullptr). Otherwise the
  // result is the poller now feeding the sink (for heartbeats).
  // UNAVAILABLE once the registry drains.
  absl::StatusOr<std::shared_ptr<TaskPoller>> Watch(
      const TaskKey& key, std::shared_ptr<WatchSink> sink);

  // Unsubscribes; the last watcher leaving stops the poller.
  void Unwatch(const TaskKey& key, const WatchSink* sink);

  // The task's state if a poller heard from the upstream within `max_age`,
  // or a cached final state.
  absl::optional<v1::Video> FreshState(const TaskKey& key,
                                       absl::Duration max_age);

  // Keeps a final state learned outside a poller (GetVideo).
  void RememberFinal(const TaskKey& key, const v1::Video& video);

  // Keeps the price context of a task created here.
  void RememberPrice(const TaskKey& key, const v1::Price& price);
  absl::optional<v1::Price> PriceOf(const TaskKey& key);

  // Stops every poller (watchers get `why`) and refuses new watches.
  void Drain(const absl::Status& why);

  std::size_t active_pollers() const;

 private:
  void OnPollerEnd(TaskPoller& poller, const PollerSnapshot& last,
                   const absl::Status& why);

  const PollerEnvironment env_;
  mutable absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<TaskKey, std::shared_ptr<TaskPoller>> pollers_
      ABSL_GUARDED_BY(mu_);
  // The final state's message, shared by every late watcher of the task.
  ExpiringCache<TaskKey, WatchEvent> finals_ ABSL_GUARDED_BY(mu_);
  ExpiringCache<TaskKey, v1::Price> prices_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_POLLER_REGISTRY_H_
