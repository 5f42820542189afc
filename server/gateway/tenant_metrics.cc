#include "server/gateway/tenant_metrics.h"

#include <vector>

#include "server/common/video_status.h"

namespace seedance::gateway {
namespace {

constexpr absl::string_view kLimits[] = {"creates_per_minute", "max_unfinished",
                                         "daily_budget_micros"};

}  // namespace

TenantMetrics::TenantMetrics(prometheus::Registry& registry)
    : limit_(prometheus::BuildGauge()
                 .Name("seedance_tenant_limit")
                 .Help("A tenant's limit from the tenants file (absent: none).")
                 .Register(registry)),
      refused_(prometheus::BuildCounter()
                   .Name("seedance_tenant_creates_refused_total")
                   .Help("Creates refused by a tenant limit, by limit.")
                   .Register(registry)),
      creates_(prometheus::BuildCounter()
                   .Name("seedance_tenant_creates_total")
                   .Help("Tasks a tenant created through this replica.")
                   .Register(registry)),
      estimated_(prometheus::BuildCounter()
                     .Name("seedance_tenant_spend_estimated_usd_micros_total")
                     .Help("Estimated cost of a tenant's created tasks.")
                     .Register(registry)),
      actual_(prometheus::BuildCounter()
                  .Name("seedance_tenant_spend_actual_usd_micros_total")
                  .Help("Actual cost of a tenant's tasks that ended.")
                  .Register(registry)) {}

void TenantMetrics::DropLocked(const std::string& tenant, Series& series) {
  (void)tenant;
  creates_.Remove(series.creates);
  estimated_.Remove(series.estimated);
  actual_.Remove(series.actual);
  for (auto& [limit, counter] : series.refused) refused_.Remove(counter);
  for (auto& [limit, gauge] : series.limits) limit_.Remove(gauge);
}

void TenantMetrics::SetTenants(
    const TenantConfig& config,
    const absl::flat_hash_map<std::string, std::string>& tenant_of_owner) {
  absl::MutexLock lock(&mu_);
  absl::flat_hash_map<std::string, Series> next;
  for (const Tenant& tenant : config.tenants) {
    Series series;
    if (auto it = tenants_.find(tenant.name); it != tenants_.end()) {
      series = std::move(it->second);
      tenants_.erase(it);
    } else {
      const std::map<std::string, std::string> labels{{"tenant", tenant.name}};
      series.creates = &creates_.Add(labels);
      series.estimated = &estimated_.Add(labels);
      series.actual = &actual_.Add(labels);
      for (absl::string_view limit : kLimits) {
        series.refused[limit] = &refused_.Add(
            {{"tenant", tenant.name}, {"limit", std::string(limit)}});
      }
    }
    // Limits are set afresh: one removed from the file leaves no series.
    for (auto& [limit, gauge] : series.limits) limit_.Remove(gauge);
    series.limits.clear();
    const absl::optional<int64_t> values[] = {tenant.creates_per_minute,
                                              tenant.max_unfinished,
                                              tenant.daily_budget_micros};
    for (int i = 0; i < 3; ++i) {
      if (!values[i].has_value()) continue;
      prometheus::Gauge& g = limit_.Add(
          {{"tenant", tenant.name}, {"limit", std::string(kLimits[i])}});
      g.Set(static_cast<double>(*values[i]));
      series.limits[kLimits[i]] = &g;
    }
    next[tenant.name] = std::move(series);
  }
  for (auto& [name, gone] : tenants_) DropLocked(name, gone);
  tenants_ = std::move(next);
  tenant_of_owner_ = tenant_of_owner;
}

void TenantMetrics::Refused(absl::string_view tenant, absl::string_view limit) {
  absl::MutexLock lock(&mu_);
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  auto counter = it->second.refused.find(limit);
  if (counter != it->second.refused.end()) counter->second->Increment();
}

void TenantMetrics::Created(absl::string_view tenant,
                            int64_t estimated_micros) {
  absl::MutexLock lock(&mu_);
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  it->second.creates->Increment();
  if (estimated_micros > 0) {
    it->second.estimated->Increment(static_cast<double>(estimated_micros));
  }
}

void TenantMetrics::Spent(const std::string& owner, int64_t actual_micros) {
  if (actual_micros < 0) return;
  absl::MutexLock lock(&mu_);
  auto name = tenant_of_owner_.find(owner);
  if (name == tenant_of_owner_.end()) return;
  auto it = tenants_.find(name->second);
  if (it == tenants_.end()) return;
  it->second.actual->Increment(static_cast<double>(actual_micros));
}

void TenantSpendRecorder::Record(const std::string& owner,
                                 const std::string& task_id,
                                 const store::Observation& observation) {
  const v1::Video& video = observation.video;
  if (IsFinal(video.status()) && video.has_price() &&
      video.price().has_actual_micros()) {
    metrics_.Spent(owner, video.price().actual_micros());
  }
  if (next_ != nullptr) next_->Record(owner, task_id, observation);
}

}  // namespace seedance::gateway
