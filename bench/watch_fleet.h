// WatchFleet: many Watchers opened together on a set of tasks through the
// gateway (round robin over tasks and channels), owned RAII: destroying the
// fleet cancels every stream still open and waits for gRPC to finish with
// them, so no scenario's error path frees a reactor gRPC still uses.
#ifndef SEEDANCE_BENCH_WATCH_FLEET_H_
#define SEEDANCE_BENCH_WATCH_FLEET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/bench_env.h"
#include "bench/watcher.h"

namespace seedance::bench {

class WatchFleet {
 public:
  // Completion queues (and threads) driving the streams: enough to keep
  // each queue's pending list short, few enough for two cores.
  static constexpr int kQueues = 4;

  WatchFleet() = default;
  ~WatchFleet();
  WatchFleet(const WatchFleet&) = delete;
  WatchFleet& operator=(const WatchFleet&) = delete;

  // Opens `count` streams, watcher i on ids[i % ids.size()], and waits until
  // each has its first message; an error if any failed or timed out.
  absl::Status Open(const BenchEnv& env, const std::vector<std::string>& ids,
                    int count);
  // The same through `gateway` (one of several): more streams in the same
  // fleet, watcher size()+i on ids[i % ids.size()].
  absl::Status Open(const GatewayProcess& gateway,
                    const std::vector<std::string>& ids, int count);

  // Waits until every stream ended by itself.
  absl::Status WaitAllDone(absl::Duration timeout);
  // Cancels every stream and waits for all to end.
  absl::Status CancelAll();

  const WatchGroup& group() const { return group_; }
  const std::vector<std::unique_ptr<Watcher>>& watchers() const {
    return watchers_;
  }

 private:
  // Destroyed in reverse: the watchers (all ended), then the queues (their
  // threads joined), then the group those threads reported to.
  WatchGroup group_;
  std::unique_ptr<WatchQueues> queues_ = std::make_unique<WatchQueues>(kQueues);
  std::vector<std::unique_ptr<Watcher>> watchers_;
};

// How long opening (or finishing) `count` streams may take: generous,
// because a loaded 2-core machine or a sanitizer build is slow.
absl::Duration StreamsTimeout(int count);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_WATCH_FLEET_H_
