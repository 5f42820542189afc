#include "server/gateway/gateway_server.h"

#include <unistd.h>

#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/gateway/call_log.h"
#include "server/gateway/log_throttle.h"
#include "server/gateway/metered_task_store.h"
#include "server/gateway/reflection_v1_service.h"
#include "server/gateway/web_page.h"

#ifndef SEEDANCE_VERSION
#define SEEDANCE_VERSION "dev"
#endif
#ifndef SEEDANCE_COMMIT
#define SEEDANCE_COMMIT "unknown"
#endif

namespace seedance::gateway {
namespace {

// What kind of store a spec names, for the log (never the spec itself: a
// URI may hold a password).
std::string StoreKind(const std::string& spec) {
  return absl::StartsWith(spec, "sqlite:") ? "sqlite" : "postgresql";
}

// The name this process holds task leases under: --replica-id, or
// "<hostname>/<pid>" (the hostname is the pod name on Kubernetes), then
// "#" and a random incarnation. A container restarted in place keeps its
// pod name and, as PID 1, its pid: without the incarnation it would take
// its predecessor's unexpired leases for its own and renew them without
// ever polling their tasks.
std::string ReplicaId(const GatewayConfig& config) {
  std::string name = config.replica_id;
  if (name.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
    name = absl::StrCat(host[0] != '\0' ? host : "gateway", "/", getpid());
  }
  std::random_device random;
  return absl::StrCat(
      name, "#", absl::Hex(static_cast<uint32_t>(random()), absl::kZeroPad8));
}

}  // namespace

GatewayServer::GatewayServer(const GatewayConfig& config) : config_(config) {}

GatewayServer::~GatewayServer() {
  Shutdown();
  StopTenants();  // also when Start failed after opening them
}

void GatewayServer::StopTenants() {
  if (tenants_ == nullptr) return;
  tenants_->Stop();
  // Joins the thread: no check of the file runs after this.
  tenant_scheduler_->Shutdown();
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayConfig& config, GatewayHooks hooks) {
  std::unique_ptr<GatewayServer> g(new GatewayServer(config));
  SetCallLogging(config.log_calls);
  // Bad requests make libprotobuf and gRPC core log a line each: throttle
  // them per source so a hostile client cannot flood the log.
  InstallLibraryLogThrottle(absl::Seconds(10));
  g->replica_id_ = ReplicaId(config);
  g->scheduler_ = std::make_unique<ThreadScheduler>();
  g->fanout_ = std::make_unique<ThreadPool>(config.fanout_threads);

  upstream::CurlTransportOptions transport;
  transport.default_timeout = config.upstream_timeout;
  transport.user_agent = absl::StrCat("seedance-gateway/", SEEDANCE_VERSION);
  g->transport_ = std::make_unique<upstream::CurlTransport>(transport);
  upstream::HttpTransport* upstream_transport = g->transport_.get();

  upstream::TokenHubClientOptions client;
  client.base_url = config.upstream;
  client.api_key = config.api_key;
  if (!config.metrics_listen.empty()) {
    PrometheusMetricsOptions metrics;
    metrics.version = SEEDANCE_VERSION;
    metrics.commit = SEEDANCE_COMMIT;
    metrics.max_streams = config.max_streams;
    g->prometheus_ = std::make_shared<PrometheusMetrics>(
        upstream::PriceTable::Default(), metrics);
    g->metrics_ = g->prometheus_.get();
    g->metered_transport_ =
        std::make_unique<MeteredTransport>(*g->transport_, *g->metrics_);
    upstream_transport = g->metered_transport_.get();
    g->poll_scheduler_ =
        std::make_unique<LatenessScheduler>(*g->scheduler_, *g->metrics_);
    client.on_retry = [metrics = g->metrics_](absl::string_view method) {
      metrics->UpstreamRetry(method == "POST" ? UpstreamOperation::kCreate
                                              : UpstreamOperation::kGet);
    };
  }
  g->client_ = upstream::MakeTokenHubClient(
      client, *upstream_transport, *g->scheduler_,
      std::make_unique<upstream::ExponentialBackoffPolicy>(
          config.backoff_initial, config.backoff_max, 2.0));

  g->polling_ = std::make_unique<upstream::GrowingPollingPolicy>(
      config.poll_initial, config.poll_max, config.poll_scaling);
  // Unwatched tasks: a flat cadence, jittered by a fifth so that tasks
  // resumed together spread out.
  g->unwatched_ = std::make_unique<upstream::GrowingPollingPolicy>(
      config.poll_unwatched, config.poll_unwatched, 1.0, 0.2);
  g->backoff_ = std::make_unique<upstream::ExponentialBackoffPolicy>(
      config.backoff_initial, config.backoff_max, 2.0);
  if (absl::Status s = g->OpenStore(); !s.ok()) {
    std::call_once(g->shutdown_once_, [] {});  // nothing to drain
    return s;
  }
  PollerEnvironment env;
  env.client = g->client_.get();
  env.scheduler = g->scheduler_.get();
  if (g->poll_scheduler_ != nullptr) env.scheduler = g->poll_scheduler_.get();
  env.fanout = g->fanout_.get();
  env.polling = g->polling_.get();
  env.unwatched = g->unwatched_.get();
  env.backoff = g->backoff_.get();
  env.upstream_timeout = config.upstream_timeout;
  env.track_for = config.track_for;
  env.recorder = g->recorder_.get();
  if (g->prometheus_ != nullptr) {
    g->spend_recorder_ =
        std::make_unique<SpendRecorder>(g->recorder_.get(), *g->metrics_);
    env.recorder = g->spend_recorder_.get();
    if (!config.tenants_file.empty()) {
      g->tenant_metrics_ =
          std::make_unique<TenantMetrics>(g->prometheus_->registry());
      g->tenant_spend_recorder_ = std::make_unique<TenantSpendRecorder>(
          env.recorder, *g->tenant_metrics_);
      env.recorder = g->tenant_spend_recorder_.get();
    }
  }
  FleetIdentity fleet;
  if (g->store_ != nullptr &&
      (!config.api_key.empty() || !config.tenants_file.empty())) {
    // Tasks of the gateway's own key and of tenants hold leases: one
    // replica polls each, the others read what it records.
    g->reader_ = std::make_unique<StoreReader>(*g->async_store_);
    env.reader = g->reader_.get();
    fleet.replica_id = g->replica_id_;
    fleet.api_key = config.api_key;
  }
  g->registry_ = std::make_unique<PollerRegistry>(
      env, g->async_store_.get(), g->owners_.get(), std::move(fleet));
  CreateFlowOptions creates;
  creates.first_poll = config.poll_initial;
  // A create's POST ends within upstream_timeout; a row still pending well
  // after that belongs to a gateway that died mid-call.
  creates.stale_pending = config.upstream_timeout + absl::Minutes(1);
  creates.metrics = g->metrics_;
  creates.own_api_key = config.api_key;
  creates.lease_holder = g->replica_id_;
  creates.lease_ttl = config.lease_ttl;
  g->creates_ = std::make_unique<CreateFlow>(
      creates, *g->client_, g->async_store_.get(), g->owners_.get(),
      *g->registry_, *g->scheduler_);

  VideoServiceOptions service;
  service.api_key = config.api_key;
  service.allow_caller_keys = config.allow_caller_keys;
  service.max_streams = config.max_streams;
  service.max_streams_per_peer = config.StreamsPerPeer();
  service.max_streams_per_connection = config.max_streams_per_connection;
  service.write_timeout = config.write_timeout;
  service.fresh_for = config.fresh_for;
  service.upstream_timeout = config.upstream_timeout;
  service.max_watch_time = config.max_watch_time;
  service.metrics = g->metrics_;
  if (absl::Status s = g->OpenTenants(); !s.ok()) {
    std::call_once(g->shutdown_once_, [] {});  // nothing to drain
    return s;
  }
  service.tenants = g->tenants_.get();
  service.tenant_metrics = g->tenant_metrics_.get();
  service.admit = [g = g.get()] {
    if (!g->fd_pressure_.load(std::memory_order_acquire)) {
      return absl::OkStatus();
    }
    return absl::ResourceExhaustedError(
        "this gateway replica is running out of file descriptors; retry "
        "later or on another replica");
  };
  g->service_ = std::make_unique<VideoService>(
      service, *g->creates_, *g->registry_, g->async_store_.get(),
      g->owners_.get(), *g->scheduler_, upstream::PriceTable::Default());

  if (absl::Status s = g->StartMetrics(); !s.ok()) {
    std::call_once(g->shutdown_once_, [] {});  // nothing to drain
    return s;
  }

  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's health service is built on upb; touching our generated health
  // descriptor links it in, so reflection can describe grpc.health.v1 to
  // grpcurl and buf curl.
  grpc::health::v1::HealthCheckResponse::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Reflection v1 beside gRPC's v1alpha: current clients ask v1 first.
  builder.SetOption(ReflectionV1Option());
  const TlsFiles tls = TlsFilesOf(config);
  builder.AddListeningPort(config.listen,
                           tls.enabled() ? MakeServerCredentials(tls)
                                         : grpc::InsecureServerCredentials(),
                           &g->port_);
  builder.RegisterService(g->service_.get());
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  // Identity only: gRPC inflates a compressed message whole before the size
  // limit applies, so a 1 MB gzip request would cost 1 GB. With gzip and
  // deflate disabled, core refuses such a call at its headers, before
  // reading the message (UNIMPLEMENTED "Compression algorithm 'gzip' is
  // disabled.", the code the gRPC spec prescribes for an unsupported
  // encoding). Requests are small; nothing is lost.
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             absl::ToInt64Milliseconds(config.keepalive_time));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      absl::ToInt64Milliseconds(config.keepalive_timeout));
  // Let clients ping every 10 s without being told to calm down.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // One connection must not take every watch slot: its client queues
  // streams beyond this (VideoService also refuses watches beyond it, for
  // clients that open them before acknowledging the setting).
  if (config.max_streams_per_connection > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               config.max_streams_per_connection);
  }
  g->server_ = builder.BuildAndStart();
  if (g->server_ == nullptr || g->port_ == 0) {
    std::call_once(g->shutdown_once_, [] {});  // nothing to drain
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", config.listen, " (address in use or invalid?)"));
  }
  if (absl::Status s = g->StartHttp(hooks.tune_http); !s.ok()) {
    g->Shutdown();
    return s;
  }
  g->server_->GetHealthCheckService()->SetServingStatus(kReadinessService,
                                                        true);
  g->StartFdMonitor(std::move(hooks));
  if (g->store_ != nullptr) {
    LedgerJobsOptions jobs;
    jobs.track_for = config.track_for;
    g->ledger_jobs_ = std::make_unique<LedgerJobs>(
        jobs, *g->store_, *g->store_threads_, *g->registry_, *g->scheduler_);
    g->ledger_jobs_->Start();
    LeaseKeeperOptions leases;
    leases.holder = g->replica_id_;
    leases.owners = [g = g.get()] { return g->LeasedOwners(); };
    leases.ttl = config.lease_ttl;
    leases.first_poll_spread = config.poll_unwatched;
    g->lease_keeper_ = std::make_unique<LeaseKeeper>(
        leases, *g->store_, *g->store_threads_, *g->registry_, *g->scheduler_);
    g->lease_keeper_->Start();
    if (absl::Status s = g->StartChangeFeed(); !s.ok()) {
      g->Shutdown();
      return s;
    }
  }
  LogNotice(absl::StrCat("seedance-gateway ", SEEDANCE_VERSION, " serving ",
                         !tls.enabled() ? "plaintext"
                         : tls.mutual() ? "mutual TLS"
                                        : "TLS",
                         " on ", config.listen, " (port ", g->port_,
                         "), upstream ", config.upstream, ", task store ",
                         g->store_ ? StoreKind(config.store) : "none"));
  return g;
}

std::vector<LeasedOwner> GatewayServer::LeasedOwners() const {
  std::vector<LeasedOwner> out;
  auto add = [&](const std::string& identity, TaskKey key) {
    absl::StatusOr<std::string> owner = owners_->Owner(identity);
    if (owner.ok()) {
      out.push_back(LeasedOwner{*std::move(owner), std::move(key)});
    }
  };
  if (!config_.api_key.empty()) {
    add(config_.api_key, KeyTask(config_.api_key, ""));
  }
  if (tenants_ != nullptr) {
    const std::shared_ptr<const TenantConfig> tenants = tenants_->Current();
    for (const Tenant& t : tenants->tenants) {
      if (t.upstream_key.empty()) continue;
      TaskKey key;
      key.api_key = t.upstream_key;
      key.principal = TenantPrincipal(t.name);
      add(key.principal, key);
    }
  }
  return out;
}

absl::Status GatewayServer::OpenTenants() {
  if (config_.tenants_file.empty()) return absl::OkStatus();
  if (store_ == nullptr) {
    // Only the store says whose a task is when tenants share a key.
    return absl::InvalidArgumentError(
        "--tenants-file needs a task store (--store), not --store=none");
  }
  tenant_scheduler_ = std::make_unique<ThreadScheduler>();
  TenantFileOptions options;
  options.path = config_.tenants_file;
  options.own_key = config_.api_key;
  if (tenant_metrics_ != nullptr) {
    options.on_change = [metrics = tenant_metrics_.get(),
                         owners = owners_.get()](const TenantConfig& config) {
      absl::flat_hash_map<std::string, std::string> tenant_of_owner;
      for (const Tenant& t : config.tenants) {
        absl::StatusOr<std::string> owner =
            owners->Owner(TenantPrincipal(t.name));
        if (owner.ok()) tenant_of_owner[*owner] = t.name;
      }
      metrics->SetTenants(config, tenant_of_owner);
    };
  }
  absl::StatusOr<std::unique_ptr<FileTenantDirectory>> tenants =
      FileTenantDirectory::Open(std::move(options), *tenant_scheduler_);
  if (!tenants.ok()) return tenants.status();
  tenants_ = *std::move(tenants);
  tenants_->Start();
  LogNotice(absl::StrCat("tenants file ", config_.tenants_file, ": ",
                         tenants_->Current()->tenants.size(),
                         " tenant(s); every call needs a caller key"));
  return absl::OkStatus();
}

absl::Status GatewayServer::StartHttp(
    const std::function<void(HttpGatewayOptions&)>& tune) {
  if (config_.http_listen.empty()) return absl::OkStatus();
  HttpGatewayOptions options;
  options.listen = config_.http_listen;
  options.max_body_bytes = static_cast<size_t>(config_.max_message_bytes);
  options.write_timeout = config_.write_timeout;
  options.cors_origins = config_.cors_origins;
  options.page_html = std::string(WebPageHtml());
  if (tune) tune(options);
  absl::StatusOr<std::unique_ptr<HttpGateway>> http =
      HttpGateway::Start(options, service_->calls());
  if (!http.ok()) return http.status();
  http_ = *std::move(http);
  LogNotice(absl::StrCat("web face (REST, SSE, progress page) on ",
                         config_.http_listen, " (port ", http_->port(), ")"));
  return absl::OkStatus();
}

absl::Status GatewayServer::OpenStore() {
  if (config_.store == "none") return absl::OkStatus();
  store::StoreOptions options;
  options.connections = config_.store_connections;
  options.postgres_password = config_.store_password;
  absl::StatusOr<std::unique_ptr<store::TaskStore>> opened =
      store::OpenTaskStore(config_.store, options);
  if (!opened.ok()) {
    // OpenTaskStore's messages never carry the password.
    return absl::Status(opened.status().code(),
                        absl::StrCat("--store: cannot open the task store: ",
                                     opened.status().message()));
  }
  store_ = *std::move(opened);
  if (prometheus_ != nullptr) {
    store_ = std::make_unique<MeteredTaskStore>(std::move(store_), *metrics_);
  }
  absl::StatusOr<std::string> secret = store_->OwnerKey();
  if (!secret.ok()) {
    return absl::Status(secret.status().code(),
                        absl::StrCat("--store: cannot read the owner key: ",
                                     secret.status().message()));
  }
  owners_ = std::make_unique<store::OwnerHasher>(*std::move(secret));
  // As many threads as connections: SQLite has one (it writes one
  // transaction at a time), and more threads would only take turns at it.
  const int threads = absl::StartsWith(config_.store, "sqlite:")
                          ? 1
                          : config_.store_connections;
  store_threads_ = std::make_unique<ThreadPool>(threads);
  // Bounded: a store slower than the traffic refuses the excess at once
  // (creates get UNAVAILABLE) instead of queueing without limit. Writes
  // that wait are committed together, one batch per thread at most.
  async_store_ = std::make_unique<store::AsyncTaskStore>(
      *store_, *store_threads_, 10000, /*write_batches=*/threads);
  recorder_ =
      std::make_unique<StoreRecorder>(*async_store_, *scheduler_, *backoff_);
  return absl::OkStatus();
}

absl::Status GatewayServer::StartChangeFeed() {
  if (reader_ == nullptr) return absl::OkStatus();
  store::StoreOptions options;
  options.postgres_password = config_.store_password;
  absl::StatusOr<std::unique_ptr<store::ChangeFeed>> feed =
      store::OpenChangeFeed(config_.store, options);
  if (!feed.ok()) return feed.status();
  change_feed_ = *std::move(feed);
  if (change_feed_ == nullptr) return absl::OkStatus();  // SQLite: no fleet
  // Logged when the feed goes down and when it is back, not at every
  // reconnection attempt in between. Both handlers run on its one thread.
  auto down = std::make_shared<bool>(false);
  store::ChangeFeed::Handlers handlers;
  handlers.changed = [this](const std::string& task_id) {
    registry_->TaskChanged(task_id);
  };
  handlers.resync = [this, down] {
    if (*down) LogNotice("task change feed reconnected; re-reading tasks");
    *down = false;
    registry_->RefreshRemote();
  };
  handlers.failed = [down](const absl::Status& why) {
    if (!*down) {
      LogStoreFailure(
          "task change feed (watchers here see other replicas' transitions "
          "only every few seconds until it is back)",
          why);
    }
    *down = true;
  };
  change_feed_->Start(std::move(handlers));
  return absl::OkStatus();
}

absl::Status GatewayServer::StartMetrics() {
  if (prometheus_ == nullptr) return absl::OkStatus();
  // Read at each scrape; both objects outlive the endpoint.
  prometheus_->SetLiveSources(LiveSources{
      [this] { return static_cast<int64_t>(service_->open_streams()); },
      [this] { return static_cast<int64_t>(registry_->active_pollers()); }});
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start(config_.metrics_listen, prometheus_);
  if (!endpoint.ok()) return endpoint.status();
  metrics_endpoint_ = *std::move(endpoint);
  LogNotice(absl::StrCat("serving metrics at /metrics on ",
                         config_.metrics_listen, " (port ",
                         metrics_endpoint_->port(), ")"));
  return absl::OkStatus();
}

void GatewayServer::StartFdMonitor(GatewayHooks hooks) {
  FdMonitorOptions options;
  options.reserve = config_.fd_reserve;
  options.check_interval = hooks.fd_check_interval;
  options.self_check_interval = config_.self_check_interval;
  if (hooks.descriptors == nullptr) {
    hooks.descriptors = std::make_unique<ProcDescriptorCounter>();
  }
  const TlsFiles tls = TlsFilesOf(config_);
  if (tls.mutual() && options.self_check_interval > absl::ZeroDuration()) {
    // The self-check connects with the gateway's own certificate: under
    // mutual TLS that works only when the client CA issued it.
    if (absl::Status s = VerifyChainsTo(tls.cert, tls.client_ca); !s.ok()) {
      LogNotice(absl::StrCat(
          "listener self-check off: the gateway's certificate is not issued "
          "by --tls-client-ca (",
          s.message(), ")"));
      options.self_check_interval = absl::ZeroDuration();
    }
  }
  if (hooks.listener_probe == nullptr) {
    hooks.listener_probe = std::make_unique<GrpcListenerProbe>(
        SelfCheckTarget(config_.listen, port_),
        tls.enabled() ? MakeSelfCheckCredentials(tls) : nullptr);
  }
  FdMonitorCallbacks callbacks;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  callbacks.on_pressure = [this, health](bool low) {
    fd_pressure_.store(low, std::memory_order_release);
    health->SetServingStatus(kReadinessService, !low);
  };
  callbacks.on_listener_dead = [this, health,
                                hook = std::move(hooks.on_listener_dead)] {
    listener_dead_.store(true, std::memory_order_release);
    health->SetServingStatus(false);  // liveness and readiness alike
    if (hook) hook();
  };
  fd_monitor_ = std::make_unique<FdMonitor>(
      options, std::move(hooks.descriptors), std::move(hooks.listener_probe),
      std::move(callbacks));
  fd_monitor_->Start();
}

void GatewayServer::Shutdown() {
  std::call_once(shutdown_once_, [this] { ShutdownOnce(); });
}

void GatewayServer::ShutdownOnce() {
  // Before health's own shutdown, so a late "recovered" cannot undo it.
  if (fd_monitor_) fd_monitor_->Stop();
  LogNotice(absl::StrCat("draining: ", service_->open_streams(),
                         " open watch streams"));
  // Probes see NOT_SERVING first, so no new traffic is routed here.
  server_->GetHealthCheckService()->Shutdown();
  if (http_) http_->StopAccepting();
  // Open watches end with UNAVAILABLE: clients reconnect to another replica
  // with after_sequence and miss nothing.
  registry_->Drain(absl::UnavailableError(
      "gateway replica is shutting down; reconnect with after_sequence"));
  const absl::Time deadline = absl::Now() + config_.shutdown_grace;
  // The last states the pollers saw (some already answered to a client,
  // with their update_time) are written under this replica's leases: let
  // the writes queued so far finish before releasing them (not the creates
  // still arriving, which would hold the drain). A fenced write that ran
  // after the release would be refused, and the next holder would record
  // the same state anew, with a later update_time.
  if (lease_keeper_ && async_store_) {
    async_store_->BeginDrain();
    while (async_store_->writes_before_drain() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  // Nothing is polled here any more: the other replicas take the tasks
  // over at their next lease round, not after --lease-ttl.
  if (lease_keeper_) lease_keeper_->Stop();
  if (change_feed_) change_feed_->Stop();
  // Let every watch deliver its UNAVAILABLE before connections close: a
  // stream cut before its status arrives looks CANCELLED to the client. A
  // stream whose client does not read cannot take it: its reactor cancels
  // it after WatchOptions::end_grace (1 s), so it does not hold the drain
  // for the whole grace.
  while (service_->open_streams() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_->Wait();
  if (ledger_jobs_) ledger_jobs_->Stop();
  StopTenants();
  // Stop timers before the transport: its last callbacks may still try to
  // schedule retries, which a stopped scheduler drops.
  scheduler_->Shutdown();
  transport_.reset();
  // Store calls still queued finish (their callbacks find finished calls
  // and a drained registry); nothing new is posted after this.
  if (store_threads_) store_threads_->Shutdown();
  // Last: every watch has ended, so what is left to fan out goes to
  // finished streams, which ignore it.
  fanout_->Shutdown();
  // After everything that answers its calls (create path, pollers, store)
  // has stopped: nothing posts to its threads any more.
  if (http_) http_->Stop();
  LogNotice("stopped");
}

}  // namespace seedance::gateway
