#include "server/gateway/tenant_limits.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/upstream/error_mapping.h"

namespace seedance::gateway {

absl::Status CreateRateLimiter::Admit(const Tenant& tenant, absl::Time now) {
  if (!tenant.creates_per_minute.has_value()) return absl::OkStatus();
  const double capacity = static_cast<double>(*tenant.creates_per_minute);
  const double per_second = capacity / 60.0;
  double wait_seconds = 60;
  {
    absl::MutexLock lock(&mu_);
    auto [it, fresh] = buckets_.try_emplace(tenant.name);
    Bucket& b = it->second;
    if (fresh) {
      b.tokens = capacity;
      b.refilled = now;
    } else if (now > b.refilled) {
      b.tokens = std::min(
          capacity,
          b.tokens + absl::ToDoubleSeconds(now - b.refilled) * per_second);
      b.refilled = now;
    }
    // A limit lowered by a reload applies at once.
    b.tokens = std::min(b.tokens, capacity);
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return absl::OkStatus();
    }
    if (per_second > 0) wait_seconds = (1.0 - b.tokens) / per_second;
  }
  const int64_t retry =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)));
  absl::Status status = upstream::UpstreamError(
      absl::StatusCode::kResourceExhausted, kReasonTenantRateLimited,
      absl::StrCat("tenant ", tenant.name, " is over its creates_per_minute (",
                   *tenant.creates_per_minute, "); retry in ", retry, " s"),
      {{"limit", "creates_per_minute"}});
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(retry);
  AddDetail(status, info);
  return status;
}

absl::Status QuotaRefused(const std::string& tenant,
                          const store::QuotaRefusal& refusal) {
  absl::Status status = upstream::UpstreamError(
      absl::StatusCode::kResourceExhausted, kReasonTenantQuotaExceeded,
      absl::StrCat("tenant ", tenant, " is over its ", refusal.limit, ": ",
                   refusal.description, "; nothing was sent upstream"),
      {{"limit", refusal.limit}});
  google::rpc::QuotaFailure failure;
  auto* v = failure.add_violations();
  v->set_subject(absl::StrCat("tenant:", tenant));
  v->set_description(absl::StrCat(refusal.limit, ": ", refusal.description));
  AddDetail(status, failure);
  return status;
}

}  // namespace seedance::gateway
