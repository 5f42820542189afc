// BackoffPolicy: how long to wait after a failed attempt (429, 5xx,
// timeouts), modelled on google-cloud-cpp's backoff_policy.h.
//
//   auto backoff = prototype.clone();            // one per retry loop
//   scheduler.RunAfter(backoff->OnCompletion(), retry);
//
// Poll cadence for a healthy task is a separate policy (polling_policy.h).
#ifndef SEEDANCE_SERVER_UPSTREAM_BACKOFF_POLICY_H_
#define SEEDANCE_SERVER_UPSTREAM_BACKOFF_POLICY_H_

#include <cstdint>
#include <memory>
#include <random>

#include "absl/time/time.h"

namespace seedance::upstream {

// Delays between attempts of one retry loop. Not thread-safe: each loop
// owns its clone.
class BackoffPolicy {
 public:
  virtual ~BackoffPolicy() = default;

  // A fresh policy with the same parameters and its own state (including
  // its own random generator), for a new retry loop.
  virtual std::unique_ptr<BackoffPolicy> clone() const = 0;

  // Called after each failed attempt: how long to wait before the next.
  virtual absl::Duration OnCompletion() = 0;
};

// Full-jitter exponential backoff: each delay is drawn uniformly from
// [window / scaling, window], where the window starts at `initial` and grows
// by `scaling` after every call until it reaches `maximum`. Random per clone,
// so many loops failing together do not retry in lockstep.
class ExponentialBackoffPolicy final : public BackoffPolicy {
 public:
  // `scaling` must be > 1 (values <= 1 are treated as 2). `seed` fixes the
  // sequence for tests; 0 seeds each clone from std::random_device.
  ExponentialBackoffPolicy(absl::Duration initial, absl::Duration maximum,
                           double scaling, uint64_t seed = 0);

  std::unique_ptr<BackoffPolicy> clone() const override;
  absl::Duration OnCompletion() override;

 private:
  absl::Duration initial_;
  absl::Duration maximum_;
  double scaling_;
  uint64_t seed_;
  absl::Duration window_;   // upper end of the next draw
  std::mt19937_64 random_;  // this loop's own generator
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_BACKOFF_POLICY_H_
