// RetryPolicy: whether a failed attempt is tried again, modelled on
// google-cloud-cpp's retry_policy.h. With BackoffPolicy (how long to wait
// first) and PollingPolicy (how often to look at a healthy task), it is the
// third of the policies every retry loop here is made of: the client's
// GET and create loops (tokenhub_client.cc) and the gateway's pollers
// (task_poller.cc) decide with the same one, so a failure is retryable or
// not wherever it happens.
//
//   auto retry = prototype.clone();                 // one per retry loop
//   if (!retry->OnFailure(status)) return Finish(status);
//   scheduler.RunAfter(backoff->OnCompletion(), attempt_again);
#ifndef SEEDANCE_SERVER_UPSTREAM_RETRY_POLICY_H_
#define SEEDANCE_SERVER_UPSTREAM_RETRY_POLICY_H_

#include <memory>

#include "absl/status/status.h"

namespace seedance::upstream {

// Failures of an idempotent read (GET) that another try may cure: the
// transient ones (IsTransient: 408, 429, 5xx but 501, connect failures,
// timeouts, resets), and a garbled or oversized reply (the next one is
// usually fine).
bool RetryableRead(const absl::Status& status);

// Failures of a create that may be sent again: only those that provably
// never reached the upstream (a duplicate create is a duplicate bill).
bool RetryableCreate(const absl::Status& status);

// Not thread-safe: each retry loop owns its clone.
class RetryPolicy {
 public:
  virtual ~RetryPolicy() = default;

  // A fresh policy with the same parameters and no failures counted.
  virtual std::unique_ptr<RetryPolicy> clone() const = 0;

  // Called after each failed attempt: true to try again.
  virtual bool OnFailure(const absl::Status& status) = 0;
};

// Tries again after a failure `retryable` accepts, until `max_failures`
// failures have been retried (a negative value: without limit, as a
// poller does; 0: never).
class LimitedErrorCountRetryPolicy final : public RetryPolicy {
 public:
  using Retryable = bool (*)(const absl::Status&);

  LimitedErrorCountRetryPolicy(Retryable retryable, int max_failures)
      : retryable_(retryable), max_failures_(max_failures) {}

  std::unique_ptr<RetryPolicy> clone() const override {
    return std::make_unique<LimitedErrorCountRetryPolicy>(retryable_,
                                                          max_failures_);
  }

  bool OnFailure(const absl::Status& status) override {
    if (!retryable_(status)) return false;
    if (max_failures_ >= 0 && failures_ >= max_failures_) return false;
    ++failures_;
    return true;
  }

 private:
  Retryable retryable_;
  int max_failures_;
  int failures_ = 0;
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_RETRY_POLICY_H_
