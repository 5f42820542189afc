#include "server/gateway/gateway_metrics.h"

namespace seedance::gateway {
namespace {

class NullMetrics final : public GatewayMetrics {
 public:
  void RpcHandled(absl::string_view, absl::StatusCode) override {}
  void RpcLatency(absl::string_view, absl::Duration) override {}
  void PollLateness(absl::Duration) override {}
  void UpstreamRequest(UpstreamOperation, UpstreamOutcome,
                       absl::Duration) override {}
  void UpstreamRetry(UpstreamOperation) override {}
  void TaskCreated(absl::string_view, v1::Resolution, int64_t) override {}
  void ActualSpend(absl::string_view, int64_t, int64_t) override {}
  void StoreCall(StoreOperation, absl::Duration, bool) override {}
};

}  // namespace

GatewayMetrics& GatewayMetrics::Null() {
  static NullMetrics* null = new NullMetrics();
  return *null;
}

absl::string_view UpstreamOperationName(UpstreamOperation operation) {
  return operation == UpstreamOperation::kCreate ? "create" : "get";
}

absl::string_view UpstreamOutcomeName(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kOk:
      return "ok";
    case UpstreamOutcome::kHttp4xx:
      return "http_4xx";
    case UpstreamOutcome::kHttp5xx:
      return "http_5xx";
    case UpstreamOutcome::kTimeout:
      return "timeout";
    case UpstreamOutcome::kTransportError:
      return "transport_error";
  }
  return "transport_error";
}

absl::string_view StoreOperationName(StoreOperation operation) {
  switch (operation) {
    case StoreOperation::kBeginCreate:
      return "begin_create";
    case StoreOperation::kFinishCreate:
      return "finish_create";
    case StoreOperation::kRecordObservation:
      return "record_observation";
    case StoreOperation::kGetTask:
      return "get_task";
    case StoreOperation::kGetByRequestId:
      return "get_by_request_id";
    case StoreOperation::kTransitions:
      return "transitions";
    case StoreOperation::kListTasks:
      return "list_tasks";
    case StoreOperation::kListUnfinished:
      return "list_unfinished";
    case StoreOperation::kExpireBefore:
      return "expire_before";
    case StoreOperation::kOwnerKey:
      return "owner_key";
    case StoreOperation::kWriteBatch:
      return "write_batch";
    case StoreOperation::kClaimLeases:
      return "claim_leases";
    case StoreOperation::kRenewLeases:
      return "renew_leases";
    case StoreOperation::kReleaseLeases:
      return "release_leases";
    case StoreOperation::kRecordContacts:
      return "record_contacts";
    case StoreOperation::kShareLeases:
      return "share_leases";
    case StoreOperation::kShedLeases:
      return "shed_leases";
    case StoreOperation::kGetTenantUsage:
      return "get_tenant_usage";
  }
  return "unknown";
}

UpstreamOutcome ClassifyUpstream(int http_status, const absl::Status& error) {
  if (!error.ok()) {
    return error.code() == absl::StatusCode::kDeadlineExceeded
               ? UpstreamOutcome::kTimeout
               : UpstreamOutcome::kTransportError;
  }
  if (http_status >= 200 && http_status < 300) return UpstreamOutcome::kOk;
  if (http_status >= 400 && http_status < 500) return UpstreamOutcome::kHttp4xx;
  if (http_status >= 500) return UpstreamOutcome::kHttp5xx;
  // 1xx/3xx never end a curl exchange we make; count them as errors.
  return UpstreamOutcome::kTransportError;
}

}  // namespace seedance::gateway
