// PollingPolicy: how often to poll a task that is healthy but not finished,
// separate from failure backoff (backoff_policy.h); modelled on
// google-cloud-cpp's polling_policy.h.
//
//   auto cadence = prototype.clone();             // one per task poller
//   scheduler.RunAfter(cadence->WaitPeriod(), poll_again);
#ifndef SEEDANCE_SERVER_UPSTREAM_POLLING_POLICY_H_
#define SEEDANCE_SERVER_UPSTREAM_POLLING_POLICY_H_

#include <cstdint>
#include <memory>
#include <random>

#include "absl/time/time.h"

namespace seedance::upstream {

// Wait between two successful polls of one task. Not thread-safe: each
// poller owns its clone.
class PollingPolicy {
 public:
  virtual ~PollingPolicy() = default;

  // A fresh policy with the same parameters and its own state.
  virtual std::unique_ptr<PollingPolicy> clone() const = 0;

  // Called after each poll that found the task still running: how long to
  // wait before the next poll.
  virtual absl::Duration WaitPeriod() = 0;
};

// Starts at `initial` and grows by `scaling` per poll up to `maximum`; each
// period is multiplied by a random factor in [1 - jitter, 1] so the polls
// of many tasks spread out instead of arriving together, while no wait is
// longer than the period (nor than `maximum`).
class GrowingPollingPolicy final : public PollingPolicy {
 public:
  // `seed` fixes the jitter sequence for tests; 0 seeds from random_device.
  explicit GrowingPollingPolicy(absl::Duration initial = absl::Seconds(1),
                                absl::Duration maximum = absl::Seconds(5),
                                double scaling = 1.25, double jitter = 0.1,
                                uint64_t seed = 0);

  std::unique_ptr<PollingPolicy> clone() const override;
  absl::Duration WaitPeriod() override;

 private:
  absl::Duration initial_;
  absl::Duration maximum_;
  double scaling_;
  double jitter_;
  uint64_t seed_;
  absl::Duration period_;   // un-jittered period of the next wait
  std::mt19937_64 random_;  // this poller's own generator
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_POLLING_POLICY_H_
