// TenantMetrics: each tenant's limits, refused creates and spend in
// Prometheus, labelled by tenant name. Only names from the current tenants
// file are ever labels (a reload drops the series of removed tenants), so
// the cardinality is the file's size.
//
//   seedance_tenant_limit{tenant,limit}                       gauge
//   seedance_tenant_creates_refused_total{tenant,limit}       counter
//   seedance_tenant_creates_total{tenant}                     counter
//   seedance_tenant_spend_estimated_usd_micros_total{tenant}  counter
//   seedance_tenant_spend_actual_usd_micros_total{tenant}     counter
//
// Counters are this replica's; sum them over replicas. The day's figures
// across replicas are GetUsage's (from the store).
#ifndef SEEDANCE_SERVER_GATEWAY_TENANT_METRICS_H_
#define SEEDANCE_SERVER_GATEWAY_TENANT_METRICS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "server/gateway/task_recorder.h"
#include "server/gateway/tenant_config.h"

namespace seedance::gateway {

class TenantMetrics {
 public:
  explicit TenantMetrics(prometheus::Registry& registry);

  // The tenants now, and the store owner of each (the keyed hash of
  // "tenant:<name>"), for Spent. Series of tenants no longer listed go.
  void SetTenants(
      const TenantConfig& config,
      const absl::flat_hash_map<std::string, std::string>& tenant_of_owner);

  void Refused(absl::string_view tenant, absl::string_view limit);
  void Created(absl::string_view tenant, int64_t estimated_micros);
  // A task of `owner` ended costing `actual_micros` (ignored when the owner
  // is no tenant's).
  void Spent(const std::string& owner, int64_t actual_micros);

 private:
  struct Series {
    prometheus::Counter* creates = nullptr;
    prometheus::Counter* estimated = nullptr;
    prometheus::Counter* actual = nullptr;
    absl::flat_hash_map<std::string, prometheus::Counter*> refused;
    absl::flat_hash_map<std::string, prometheus::Gauge*> limits;
  };
  void DropLocked(const std::string& tenant, Series& series)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  prometheus::Family<prometheus::Gauge>& limit_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Family<prometheus::Counter>& creates_;
  prometheus::Family<prometheus::Counter>& estimated_;
  prometheus::Family<prometheus::Counter>& actual_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Series> tenants_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> tenant_of_owner_
      ABSL_GUARDED_BY(mu_);
};

// A TaskRecorder that counts each tenant's actual spend when its tasks end,
// then passes the observation on.
class TenantSpendRecorder final : public TaskRecorder {
 public:
  // Both outlive this object; `next` may be null.
  TenantSpendRecorder(TaskRecorder* next, TenantMetrics& metrics)
      : next_(next), metrics_(metrics) {}

  void Record(const std::string& owner, const std::string& task_id,
              const store::Observation& observation) override;

 private:
  TaskRecorder* const next_;
  TenantMetrics& metrics_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_TENANT_METRICS_H_
