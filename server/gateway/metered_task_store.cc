#include "server/gateway/metered_task_store.h"

#include <type_traits>

#include "absl/time/clock.h"

namespace seedance::gateway {
namespace {

// A lookup that finds nothing is an answer, not a failing store.
bool Failed(const absl::Status& s) {
  return !s.ok() && !absl::IsNotFound(s) && !absl::IsInvalidArgument(s) &&
         !absl::IsFailedPrecondition(s);
}

}  // namespace

template <typename Call>
auto MeteredTaskStore::Timed(StoreOperation operation, Call call)
    -> decltype(call()) {
  const absl::Time start = absl::Now();
  auto result = call();
  bool failed;
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    failed = Failed(result);
  } else {
    failed = Failed(result.status());
  }
  metrics_.StoreCall(operation, absl::Now() - start, !failed);
  return result;
}

absl::StatusOr<store::BeginResult> MeteredTaskStore::BeginCreate(
    const store::NewCreate& create, absl::Time now) {
  return Timed(StoreOperation::kBeginCreate,
               [&] { return store_->BeginCreate(create, now); });
}

absl::Status MeteredTaskStore::FinishCreate(int64_t row_id,
                                            store::CreateState outcome,
                                            const v1::Video& video,
                                            const absl::Status& error,
                                            absl::Time now) {
  return Timed(StoreOperation::kFinishCreate, [&] {
    return store_->FinishCreate(row_id, outcome, video, error, now);
  });
}

absl::StatusOr<store::TaskRecord> MeteredTaskStore::RecordObservation(
    const std::string& owner, const std::string& task_id,
    const store::Observation& observation) {
  return Timed(StoreOperation::kRecordObservation, [&] {
    return store_->RecordObservation(owner, task_id, observation);
  });
}

absl::StatusOr<store::TaskRecord> MeteredTaskStore::GetTask(
    const std::string& owner, const std::string& task_id) {
  return Timed(StoreOperation::kGetTask,
               [&] { return store_->GetTask(owner, task_id); });
}

absl::StatusOr<store::TaskRecord> MeteredTaskStore::GetByRequestId(
    const std::string& owner, const std::string& request_id) {
  return Timed(StoreOperation::kGetByRequestId,
               [&] { return store_->GetByRequestId(owner, request_id); });
}

absl::StatusOr<std::vector<store::TransitionRecord>>
MeteredTaskStore::Transitions(const std::string& owner,
                              const std::string& task_id) {
  return Timed(StoreOperation::kTransitions,
               [&] { return store_->Transitions(owner, task_id); });
}

absl::StatusOr<store::ListPage> MeteredTaskStore::ListTasks(
    const store::ListQuery& query) {
  return Timed(StoreOperation::kListTasks,
               [&] { return store_->ListTasks(query); });
}

absl::StatusOr<std::vector<store::TaskRecord>> MeteredTaskStore::ListUnfinished(
    int64_t after_row, int limit) {
  return Timed(StoreOperation::kListUnfinished,
               [&] { return store_->ListUnfinished(after_row, limit); });
}

absl::StatusOr<int64_t> MeteredTaskStore::ExpireBefore(absl::Time cutoff) {
  return Timed(StoreOperation::kExpireBefore,
               [&] { return store_->ExpireBefore(cutoff); });
}

// One observation per batch (the group commit is one transaction); a
// batch in which any call failed counts as one error.
std::vector<store::WriteResult> MeteredTaskStore::WriteBatch(
    absl::Span<const store::WriteCall> batch) {
  const absl::Time start = absl::Now();
  std::vector<store::WriteResult> results = store_->WriteBatch(batch);
  bool failed = false;
  for (const store::WriteResult& result : results) {
    failed |= absl::visit(
        [](const auto& r) {
          if constexpr (std::is_same_v<std::decay_t<decltype(r)>,
                                       absl::Status>) {
            return Failed(r);
          } else {
            return Failed(r.status());
          }
        },
        result);
  }
  metrics_.StoreCall(StoreOperation::kWriteBatch, absl::Now() - start, !failed);
  return results;
}

absl::StatusOr<std::vector<store::TaskRecord>> MeteredTaskStore::ClaimLeases(
    const std::string& holder, absl::Span<const std::string> owners,
    absl::Time now, absl::Duration ttl, int limit) {
  return Timed(StoreOperation::kClaimLeases, [&] {
    return store_->ClaimLeases(holder, owners, now, ttl, limit);
  });
}

absl::StatusOr<std::vector<store::HeldLease>> MeteredTaskStore::RenewLeases(
    const std::string& holder, absl::Time now, absl::Duration ttl) {
  return Timed(StoreOperation::kRenewLeases,
               [&] { return store_->RenewLeases(holder, now, ttl); });
}

absl::Status MeteredTaskStore::RecordContacts(
    const std::string& holder, absl::Span<const store::TaskContact> contacts) {
  return Timed(StoreOperation::kRecordContacts,
               [&] { return store_->RecordContacts(holder, contacts); });
}

absl::StatusOr<store::LeaseShare> MeteredTaskStore::ShareLeases(
    const std::string& holder, absl::Span<const std::string> owners,
    absl::Time now, absl::Duration ttl) {
  return Timed(StoreOperation::kShareLeases,
               [&] { return store_->ShareLeases(holder, owners, now, ttl); });
}

absl::StatusOr<std::vector<store::HeldLease>> MeteredTaskStore::ShedLeases(
    const std::string& holder, int count) {
  return Timed(StoreOperation::kShedLeases,
               [&] { return store_->ShedLeases(holder, count); });
}

absl::StatusOr<int64_t> MeteredTaskStore::ReleaseLeases(
    const std::string& holder) {
  return Timed(StoreOperation::kReleaseLeases,
               [&] { return store_->ReleaseLeases(holder); });
}

absl::StatusOr<std::string> MeteredTaskStore::OwnerKey() {
  return Timed(StoreOperation::kOwnerKey, [&] { return store_->OwnerKey(); });
}

absl::StatusOr<store::TenantUsage> MeteredTaskStore::GetTenantUsage(
    const std::string& owner, absl::Time day, absl::Time now) {
  return Timed(StoreOperation::kGetTenantUsage,
               [&] { return store_->GetTenantUsage(owner, day, now); });
}

}  // namespace seedance::gateway
