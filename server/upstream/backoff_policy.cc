// ExponentialBackoffPolicy: growing window, uniform draw.
#include "server/upstream/backoff_policy.h"

#include <algorithm>

#include "server/upstream/policy_seed.h"

namespace seedance::upstream {
ExponentialBackoffPolicy::ExponentialBackoffPolicy(absl::Duration initial,
                                                   absl::Duration maximum,
                                                   double scaling,
                                                   uint64_t seed)
    : initial_(std::max(initial, absl::Milliseconds(1))),
      maximum_(std::max(maximum, initial_)),
      scaling_(scaling > 1.0 ? scaling : 2.0),
      seed_(seed),
      window_(initial_),
      random_(SeedOrRandom(seed)) {}

std::unique_ptr<BackoffPolicy> ExponentialBackoffPolicy::clone() const {
  return std::make_unique<ExponentialBackoffPolicy>(initial_, maximum_,
                                                    scaling_, seed_);
}

absl::Duration ExponentialBackoffPolicy::OnCompletion() {
  double high = absl::ToDoubleMicroseconds(window_);
  std::uniform_real_distribution<double> draw(high / scaling_, high);
  absl::Duration delay = absl::Microseconds(draw(random_));
  window_ = std::min(window_ * scaling_, maximum_);
  return delay;
}

}  // namespace seedance::upstream
