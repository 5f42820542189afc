// MeteredTaskStore: a TaskStore that times every call of the store it wraps
// into GatewayMetrics (seedance_store_operation_duration_seconds, and
// seedance_store_errors_total for the calls that fail). The store's own
// threads make these calls, so the clock read costs nothing anyone waits on.
#ifndef SEEDANCE_SERVER_GATEWAY_METERED_TASK_STORE_H_
#define SEEDANCE_SERVER_GATEWAY_METERED_TASK_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "server/gateway/gateway_metrics.h"
#include "server/store/task_store.h"

namespace seedance::gateway {

class MeteredTaskStore final : public store::TaskStore {
 public:
  // `metrics` outlives this object.
  MeteredTaskStore(std::unique_ptr<store::TaskStore> store,
                   GatewayMetrics& metrics)
      : store_(std::move(store)), metrics_(metrics) {}

  absl::StatusOr<store::BeginResult> BeginCreate(const store::NewCreate& create,
                                                 absl::Time now) override;
  absl::Status FinishCreate(int64_t row_id, store::CreateState outcome,
                            const v1::Video& video, const absl::Status& error,
                            absl::Time now) override;
  absl::StatusOr<store::TaskRecord> RecordObservation(
      const std::string& owner, const std::string& task_id,
      const store::Observation& observation) override;
  absl::StatusOr<store::TaskRecord> GetTask(
      const std::string& owner, const std::string& task_id) override;
  absl::StatusOr<store::TaskRecord> GetByRequestId(
      const std::string& owner, const std::string& request_id) override;
  absl::StatusOr<std::vector<store::TransitionRecord>> Transitions(
      const std::string& owner, const std::string& task_id) override;
  absl::StatusOr<store::ListPage> ListTasks(
      const store::ListQuery& query) override;
  absl::StatusOr<std::vector<store::TaskRecord>> ListUnfinished(
      int64_t after_row, int limit) override;
  absl::StatusOr<int64_t> ExpireBefore(absl::Time cutoff) override;
  absl::StatusOr<std::string> OwnerKey() override;
  // Tenants (issue 17).
  absl::StatusOr<store::TenantUsage> GetTenantUsage(const std::string& owner,
                                                    absl::Time day,
                                                    absl::Time now) override;
  std::vector<store::WriteResult> WriteBatch(
      absl::Span<const store::WriteCall> batch) override;
  absl::StatusOr<std::vector<store::TaskRecord>> ClaimLeases(
      const std::string& holder, absl::Span<const std::string> owners,
      absl::Time now, absl::Duration ttl, int limit) override;
  absl::StatusOr<std::vector<store::HeldLease>> RenewLeases(
      const std::string& holder, absl::Time now, absl::Duration ttl) override;
  absl::Status RecordContacts(
      const std::string& holder,
      absl::Span<const store::TaskContact> contacts) override;
  absl::StatusOr<store::LeaseShare> ShareLeases(
      const std::string& holder, absl::Span<const std::string> owners,
      absl::Time now, absl::Duration ttl) override;
  absl::StatusOr<std::vector<store::HeldLease>> ShedLeases(
      const std::string& holder, int count) override;
  absl::StatusOr<int64_t> ReleaseLeases(const std::string& holder) override;

 private:
  // Runs `call` on the wrapped store and records its duration and outcome.
  template <typename Call>
  auto Timed(StoreOperation operation, Call call) -> decltype(call());

  std::unique_ptr<store::TaskStore> store_;
  GatewayMetrics& metrics_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_METERED_TASK_STORE_H_
