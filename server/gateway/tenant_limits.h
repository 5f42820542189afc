// Tenant limits at the gateway: the per-replica create rate
// (creates_per_minute, a token bucket per tenant) and the errors a tenant
// gets when a limit refuses its create. Budgets and max_unfinished hold
// across replicas in the store (server/store/tenant_usage.h); the rate is
// per replica: N replicas admit up to N x creates_per_minute in total.
//
//   CreateRateLimiter rates;
//   if (absl::Status s = rates.Admit(*tenant, scheduler.Now()); !s.ok()) ...
#ifndef SEEDANCE_SERVER_GATEWAY_TENANT_LIMITS_H_
#define SEEDANCE_SERVER_GATEWAY_TENANT_LIMITS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/gateway/tenant_config.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

// ErrorInfo reasons (domain seedance.gateway).
inline constexpr absl::string_view kReasonTenantRateLimited =
    "TENANT_RATE_LIMITED";
inline constexpr absl::string_view kReasonTenantQuotaExceeded =
    "TENANT_QUOTA_EXCEEDED";

class CreateRateLimiter {
 public:
  // Takes one create from `tenant`'s bucket (full: creates_per_minute,
  // refilled evenly over a minute). RESOURCE_EXHAUSTED with RetryInfo (when
  // the next create fits) and ErrorInfo TENANT_RATE_LIMITED when empty. No
  // limit: always OK. Thread-safe.
  absl::Status Admit(const Tenant& tenant, absl::Time now);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  absl::Mutex mu_;
  // By tenant name (from the tenants file only: bounded).
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// RESOURCE_EXHAUSTED for a create the store refused for `tenant`'s
// quota: a QuotaFailure naming the limit (subject "tenant:<name>",
// description with the figures) and ErrorInfo TENANT_QUOTA_EXCEEDED with
// the limit in its metadata.
absl::Status QuotaRefused(const std::string& tenant,
                          const store::QuotaRefusal& refusal);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TENANT_LIMITS_H_
