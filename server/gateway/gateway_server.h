// GatewayServer: the whole seedance-gateway in one object — scheduler,
// fan-out threads, upstream transport and client, poller registry, the gRPC
// server with VideoService, grpc.health.v1 and reflection — so main() and the
// end-to-end tests start exactly the same thing.
//
//   auto server = GatewayServer::Start(config);  // serving when it returns
//   ... server->port() ...
//   server->Shutdown();                          // drain, then stop
#ifndef SEEDANCE_SERVER_GATEWAY_GATEWAY_SERVER_H_
#define SEEDANCE_SERVER_GATEWAY_GATEWAY_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "server/common/thread_pool.h"
#include "server/common/thread_scheduler.h"
#include "server/gateway/create_flow.h"
#include "server/gateway/fd_monitor.h"
#include "server/gateway/gateway_config.h"
#include "server/gateway/http_gateway.h"
#include "server/gateway/lateness_scheduler.h"
#include "server/gateway/lease_keeper.h"
#include "server/gateway/ledger_jobs.h"
#include "server/gateway/metered_transport.h"
#include "server/gateway/metrics_endpoint.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/prometheus_metrics.h"
#include "server/gateway/spend_recorder.h"
#include "server/gateway/task_reader.h"
#include "server/gateway/task_recorder.h"
#include "server/gateway/tenant_directory.h"
#include "server/gateway/tenant_metrics.h"
#include "server/gateway/video_service.h"
#include "server/store/async_task_store.h"
#include "server/store/change_feed.h"
#include "server/store/owner_hasher.h"
#include "server/store/task_store.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/curl_transport.h"
#include "server/upstream/polling_policy.h"
#include "server/upstream/tokenhub_client.h"

namespace seedance::gateway {

// Seams of the descriptor monitor, for main() and tests.
struct GatewayHooks {
  // Counts descriptors; /proc/self/fd when null.
  std::unique_ptr<DescriptorCounter> descriptors;
  // Checks the listener; a fresh gRPC connection to the bound port when null.
  std::unique_ptr<ListenerProbe> listener_probe;
  // Called once, from the monitor's thread, after health turned NOT_SERVING
  // because the listener stopped accepting. main() signals itself to drain
  // and exit 3. Must not call Shutdown (it joins that thread).
  std::function<void()> on_listener_dead;
  absl::Duration fd_check_interval = absl::Seconds(1);
  // Tunes the web face's options before it starts (tests: SSE buffer caps,
  // comment-line interval, socket buffers).
  std::function<void(HttpGatewayOptions&)> tune_http;
};

class GatewayServer {
 public:
  // grpc.health.v1 service names. Readiness turns NOT_SERVING when
  // descriptors run low and on drain; liveness ("") only on drain or when
  // the listener is dead.
  static constexpr char kReadinessService[] = "seedance.v1.VideoService";
  static constexpr char kLivenessService[] = "";

  // Builds and starts everything; errors name what failed (e.g. the listen
  // address is taken).
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayConfig& config, GatewayHooks hooks = {});

  // Calls Shutdown if it has not been called.
  ~GatewayServer();

  // The bound port (useful with --listen=...:0).
  int port() const { return port_; }
  // The web face's bound port; 0 when it is off.
  int http_port() const { return http_ ? http_->port() : 0; }
  // The metrics port (--metrics-listen), or 0 when metrics are off.
  int metrics_port() const {
    return metrics_endpoint_ ? metrics_endpoint_->port() : 0;
  }

  // Graceful stop: health turns NOT_SERVING, open watches end with
  // UNAVAILABLE (clients reconnect elsewhere), new calls are refused, calls
  // in flight get `config.shutdown_grace`, then everything stops. Safe to
  // call from any thread, once or more.
  void Shutdown();

  int open_streams() const { return service_->open_streams(); }
  std::size_t active_pollers() const { return registry_->active_pollers(); }

  // Whether the listener self-check gave up on the listener (main() then
  // exits 3 so the replica is restarted).
  bool listener_dead() const {
    return listener_dead_.load(std::memory_order_acquire);
  }

 private:
  explicit GatewayServer(const GatewayConfig& config);

  void ShutdownOnce();
  // Opens config_.store (unless "none") and what runs on it.
  absl::Status OpenStore();
  // With --tenants-file: reads it and starts watching it.
  absl::Status OpenTenants();
  // Whose tasks hold leases (LeaseKeeper): the gateway's own key and each
  // tenant's now. Does not block.
  std::vector<LeasedOwner> LeasedOwners() const;
  // Stops re-reading the tenants file; idempotent.
  void StopTenants();
  // Starts the web face when --http-listen is set.
  absl::Status StartHttp(const std::function<void(HttpGatewayOptions&)>& tune);
  void StartFdMonitor(GatewayHooks hooks);
  // With --metrics-listen: the metrics, their decorators and the endpoint.
  absl::Status StartMetrics();
  absl::Status StartChangeFeed();

  const GatewayConfig config_;
  int port_ = 0;
  std::once_flag shutdown_once_;
  // Everything below records into it, so it goes last. Null metrics (and
  // no decorators) without --metrics-listen.
  std::shared_ptr<PrometheusMetrics> prometheus_;
  GatewayMetrics* metrics_ = &GatewayMetrics::Null();
  // Tenants (--tenants-file); null without. Outlive the service. The file
  // is re-read on a scheduler thread of its own (file I/O never waits on
  // the gateway's timers), stopped first
  // (StopTenants).
  std::unique_ptr<ThreadScheduler> tenant_scheduler_;
  std::unique_ptr<FileTenantDirectory> tenants_;
  // With tenants and metrics: their series, and the recorder counting
  // their spend (ahead of spend_recorder_).
  std::unique_ptr<TenantMetrics> tenant_metrics_;
  std::unique_ptr<TenantSpendRecorder> tenant_spend_recorder_;
  // Destroyed bottom-up: the server first, the scheduler last.
  std::unique_ptr<ThreadScheduler> scheduler_;
  // The pollers' view of scheduler_, timing each poll's lateness (metrics
  // only; else the pollers use scheduler_ itself).
  std::unique_ptr<LatenessScheduler> poll_scheduler_;
  // Outlives the registry, whose pollers post their announcements here.
  std::unique_ptr<ThreadPool> fanout_;
  // Counts each upstream request (metrics only); outlives transport_ so its
  // last callbacks still find it.
  std::unique_ptr<MeteredTransport> metered_transport_;
  std::unique_ptr<upstream::CurlTransport> transport_;
  std::unique_ptr<upstream::TokenHubClient> client_;
  std::unique_ptr<upstream::PollingPolicy> polling_;
  std::unique_ptr<upstream::PollingPolicy> unwatched_;
  std::unique_ptr<upstream::BackoffPolicy> backoff_;
  // The task store and what runs on it; all null with --store=none. Its
  // threads make every store call (none on gRPC, transport or scheduler
  // threads).
  std::unique_ptr<store::TaskStore> store_;
  std::unique_ptr<store::OwnerHasher> owners_;
  std::unique_ptr<ThreadPool> store_threads_;
  std::unique_ptr<store::AsyncTaskStore> async_store_;
  std::unique_ptr<StoreRecorder> recorder_;
  // Fleet mode: where remote tasks are read (null without a store or own
  // key).
  std::unique_ptr<StoreReader> reader_;
  // Counts actual spend, then records (metrics only).
  std::unique_ptr<SpendRecorder> spend_recorder_;
  std::unique_ptr<PollerRegistry> registry_;
  std::unique_ptr<CreateFlow> creates_;
  std::unique_ptr<VideoService> service_;
  std::unique_ptr<grpc::Server> server_;
  // The web face (--http-listen), on VideoService's VideoCalls; null: off.
  std::unique_ptr<HttpGateway> http_;
  // Set by the monitor's thread, read by the admission check on gRPC's.
  std::atomic<bool> fd_pressure_{false};
  std::atomic<bool> listener_dead_{false};
  std::unique_ptr<LedgerJobs> ledger_jobs_;
  std::unique_ptr<LeaseKeeper> lease_keeper_;
  // Fleet mode: the PostgreSQL feed that says when to read remote tasks
  // (null on SQLite). Its thread calls the registry until Stop, so it is
  // destroyed before it.
  std::unique_ptr<store::ChangeFeed> change_feed_;
  // This replica's name in the store's task leases (--replica-id).
  std::string replica_id_;
  // Stopped first: its callbacks touch the server's health service.
  std::unique_ptr<FdMonitor> fd_monitor_;
  // Destroyed first: scrapes read the service and the registry.
  std::unique_ptr<MetricsEndpoint> metrics_endpoint_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_GATEWAY_SERVER_H_
