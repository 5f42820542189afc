// GrowingPollingPolicy: geometric growth to a ceiling, with jitter.
#include "server/upstream/polling_policy.h"

#include <algorithm>

#include "server/upstream/policy_seed.h"

namespace seedance::upstream {

GrowingPollingPolicy::GrowingPollingPolicy(absl::Duration initial,
                                           absl::Duration maximum,
                                           double scaling, double jitter,
                                           uint64_t seed)
    : initial_(std::max(initial, absl::Milliseconds(1))),
      maximum_(std::max(maximum, initial_)),
      scaling_(std::max(scaling, 1.0)),
      jitter_(std::clamp(jitter, 0.0, 0.9)),
      seed_(seed),
      period_(initial_),
      random_(SeedOrRandom(seed)) {}

std::unique_ptr<PollingPolicy> GrowingPollingPolicy::clone() const {
  return std::make_unique<GrowingPollingPolicy>(initial_, maximum_, scaling_,
                                                jitter_, seed_);
}

absl::Duration GrowingPollingPolicy::WaitPeriod() {
  // Jitter only shortens a wait: the period is a ceiling, so `maximum` is
  // truly the longest wait and a transition is seen within one period.
  std::uniform_real_distribution<double> factor(1.0 - jitter_, 1.0);
  absl::Duration wait = period_ * factor(random_);
  period_ = std::min(period_ * scaling_, maximum_);
  return wait;
}

}  // namespace seedance::upstream
