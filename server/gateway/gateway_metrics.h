// GatewayMetrics: what the gateway counts and times, as one narrow
// interface, so the code that records (reactors, the upstream transport,
// the store, the poll timers) knows nothing of Prometheus and tests can
// pass a fake. PrometheusMetrics (prometheus_metrics.h) is the real one;
// GatewayMetrics::Null() records nothing.
//
// Every method may be called from any thread and must stay cheap: they are
// called on gRPC callback threads, the transport's thread and the store's.
//
//   metrics.RpcHandled("GetVideo", absl::StatusCode::kOk);
//   metrics.RpcLatency("GetVideo", absl::Milliseconds(3));
#ifndef SEEDANCE_SERVER_GATEWAY_GATEWAY_METRICS_H_
#define SEEDANCE_SERVER_GATEWAY_GATEWAY_METRICS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::gateway {

// Label values of seedance_upstream_requests_total{operation,outcome}.
enum class UpstreamOperation { kCreate, kGet };
enum class UpstreamOutcome {
  kOk,
  kHttp4xx,
  kHttp5xx,
  kTimeout,
  kTransportError
};

// Label values of seedance_store_operation_duration_seconds{operation}: one
// per TaskStore method.
enum class StoreOperation {
  kBeginCreate,
  kFinishCreate,
  kRecordObservation,
  kGetTask,
  kGetByRequestId,
  kTransitions,
  kListTasks,
  kListUnfinished,
  kExpireBefore,
  kOwnerKey,
  // The group commit and fleet mode's leases (issue 13), for the store
  // interface that has them.
  kWriteBatch,
  kClaimLeases,
  kRenewLeases,
  kReleaseLeases,
  kRecordContacts,
  kShareLeases,
  kShedLeases,
  // Tenants (issue 17).
  kGetTenantUsage,
};
inline constexpr int kStoreOperationCount = 18;

absl::string_view UpstreamOperationName(UpstreamOperation operation);
absl::string_view UpstreamOutcomeName(UpstreamOutcome outcome);
absl::string_view StoreOperationName(StoreOperation operation);

class GatewayMetrics {
 public:
  virtual ~GatewayMetrics() = default;

  // A metrics sink that drops everything (the default everywhere).
  static GatewayMetrics& Null();

  // A gRPC call of `method` (CreateVideo, GetVideo, ListVideos, WatchVideo)
  // ended with `code`.
  virtual void RpcHandled(absl::string_view method, absl::StatusCode code) = 0;
  // How long it took: a unary call until its answer, a watch until its
  // first message.
  virtual void RpcLatency(absl::string_view method, absl::Duration elapsed) = 0;

  // A poll (or retry) timer ran `lateness` after it was due.
  virtual void PollLateness(absl::Duration lateness) = 0;

  // One HTTP request to the upstream (each attempt of a retried call).
  virtual void UpstreamRequest(UpstreamOperation operation,
                               UpstreamOutcome outcome,
                               absl::Duration elapsed) = 0;
  // A call sent again after a failure.
  virtual void UpstreamRetry(UpstreamOperation operation) = 0;

  // A create reached the upstream and made a task, estimated at
  // `estimated_micros`.
  virtual void TaskCreated(absl::string_view model, v1::Resolution resolution,
                           int64_t estimated_micros) = 0;
  // A task finished with its actual cost known. The resolution is not part
  // of a Video: the price's rate tells it (see PrometheusMetrics).
  virtual void ActualSpend(absl::string_view model,
                           int64_t rate_micros_per_second,
                           int64_t actual_micros) = 0;

  // One task store call.
  virtual void StoreCall(StoreOperation operation, absl::Duration elapsed,
                         bool ok) = 0;
};

// The outcome label of one HTTP exchange: a status code (0 if none) or the
// transport's error.
UpstreamOutcome ClassifyUpstream(int http_status, const absl::Status& error);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_GATEWAY_METRICS_H_
