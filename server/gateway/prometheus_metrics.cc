#include "server/gateway/prometheus_metrics.h"

#include <set>

#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace seedance::gateway {
namespace {

constexpr absl::string_view kMethodNames[] = {"CreateVideo", "GetVideo",
                                              "ListVideos", "WatchVideo"};

// gRPC's names for its codes, as grpc-ecosystem's interceptors label them.
constexpr absl::string_view kCodeNames[] = {"OK",
                                            "Canceled",
                                            "Unknown",
                                            "InvalidArgument",
                                            "DeadlineExceeded",
                                            "NotFound",
                                            "AlreadyExists",
                                            "PermissionDenied",
                                            "ResourceExhausted",
                                            "FailedPrecondition",
                                            "Aborted",
                                            "OutOfRange",
                                            "Unimplemented",
                                            "Internal",
                                            "Unavailable",
                                            "DataLoss",
                                            "Unauthenticated"};

// Buckets, in seconds. Calls: most answer in milliseconds; a create or an
// uncached GetVideo waits for the upstream (up to --upstream-timeout).
const prometheus::Histogram::BucketBoundaries& CallBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,  0.5,    1,     2.5,  5,     10,   30};
  return *b;
}

// A poll timer is late by the scheduler's queue: normally well under a
// millisecond; seconds mean the scheduler thread is starved.
const prometheus::Histogram::BucketBoundaries& LatenessBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *b;
}

// A store call: SQLite answers in tens of microseconds, PostgreSQL in
// milliseconds; seconds mean it is struggling.
const prometheus::Histogram::BucketBoundaries& StoreBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     5};
  return *b;
}

std::string ResolutionLabel(v1::Resolution resolution) {
  switch (resolution) {
    case v1::RESOLUTION_480P:
      return "480p";
    case v1::RESOLUTION_720P:
    case v1::RESOLUTION_UNSPECIFIED:  // the upstream's default
      return "720p";
    default:
      return "unknown";
  }
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

}  // namespace

PrometheusMetrics::PrometheusMetrics(const upstream::PriceTable& prices,
                                     const PrometheusMetricsOptions& options)
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name("seedance_build_info")
      .Help("Always 1; the labels say which build is running.")
      .Register(*registry_)
      .Add({{"version", options.version}, {"commit", options.commit}})
      .Set(1);

  auto& handled = prometheus::BuildCounter()
                      .Name("seedance_grpc_server_handled_total")
                      .Help("gRPC calls ended, by method and status code.")
                      .Register(*registry_);
  auto& handling =
      prometheus::BuildHistogram()
          .Name("seedance_grpc_server_handling_seconds")
          .Help(
              "Time to answer a unary call; for WatchVideo, time to its "
              "first message.")
          .Register(*registry_);
  for (int m = 0; m < kMethods; ++m) {
    const std::string method(kMethodNames[m]);
    for (int c = 0; c < kCodes; ++c) {
      handled_[m][c] = &handled.Add(
          {{"grpc_method", method}, {"grpc_code", std::string(kCodeNames[c])}});
    }
    handling_[m] = &handling.Add({{"grpc_method", method}}, CallBuckets());
  }

  streams_open_ = &prometheus::BuildGauge()
                       .Name("seedance_watch_streams_open")
                       .Help("Open WatchVideo streams.")
                       .Register(*registry_)
                       .Add({});
  prometheus::BuildGauge()
      .Name("seedance_watch_streams_limit")
      .Help("Most WatchVideo streams this replica admits (--max-streams).")
      .Register(*registry_)
      .Add({})
      .Set(options.max_streams);
  pollers_active_ = &prometheus::BuildGauge()
                         .Name("seedance_pollers_active")
                         .Help("Tasks being polled (one poller per task).")
                         .Register(*registry_)
                         .Add({});
  poll_lateness_ = &prometheus::BuildHistogram()
                        .Name("seedance_poll_lateness_seconds")
                        .Help("How much later than scheduled a poll timer ran.")
                        .Register(*registry_)
                        .Add({}, LatenessBuckets());

  auto& requests = prometheus::BuildCounter()
                       .Name("seedance_upstream_requests_total")
                       .Help(
                           "HTTP requests to TokenHub (each attempt), by "
                           "operation and outcome.")
                       .Register(*registry_);
  auto& duration = prometheus::BuildHistogram()
                       .Name("seedance_upstream_request_duration_seconds")
                       .Help("Duration of one HTTP request to TokenHub.")
                       .Register(*registry_);
  auto& retries = prometheus::BuildCounter()
                      .Name("seedance_upstream_retries_total")
                      .Help("Upstream calls sent again after a failure.")
                      .Register(*registry_);
  for (int o = 0; o < kOperations; ++o) {
    const std::string op(
        UpstreamOperationName(static_cast<UpstreamOperation>(o)));
    for (int r = 0; r < kOutcomes; ++r) {
      upstream_requests_[o][r] =
          &requests.Add({{"operation", op},
                         {"outcome", std::string(UpstreamOutcomeName(
                                         static_cast<UpstreamOutcome>(r)))}});
    }
    upstream_duration_[o] = &duration.Add({{"operation", op}}, CallBuckets());
    upstream_retries_[o] = &retries.Add({{"operation", op}});
  }
  upstream_reachable_ =
      &prometheus::BuildGauge()
           .Name("seedance_upstream_reachable")
           .Help(
               "1 when the last upstream request got an HTTP answer "
               "below 500, else 0 (5xx, timeout, connection error).")
           .Register(*registry_)
           .Add({});
  upstream_reachable_->Set(1);  // nothing has failed yet

  DefineSpendSeries(prices);

  auto& store_duration =
      prometheus::BuildHistogram()
          .Name("seedance_store_operation_duration_seconds")
          .Help("Duration of one task store call, by operation.")
          .Register(*registry_);
  auto& store_errors = prometheus::BuildCounter()
                           .Name("seedance_store_errors_total")
                           .Help("Task store calls that failed, by operation.")
                           .Register(*registry_);
  for (int s = 0; s < kStoreOperationCount; ++s) {
    const std::string op(StoreOperationName(static_cast<StoreOperation>(s)));
    store_duration_[s] =
        &store_duration.Add({{"operation", op}}, StoreBuckets());
    store_errors_[s] = &store_errors.Add({{"operation", op}});
  }
}

void PrometheusMetrics::DefineSpendSeries(const upstream::PriceTable& prices) {
  auto& creates = prometheus::BuildCounter()
                      .Name("seedance_creates_total")
                      .Help("Tasks created upstream, by model and resolution.")
                      .Register(*registry_);
  auto& estimated =
      prometheus::BuildCounter()
          .Name("seedance_spend_estimated_usd_micros_total")
          .Help("Estimated cost of the tasks created, in micro-USD.")
          .Register(*registry_);
  auto& actual =
      prometheus::BuildCounter()
          .Name("seedance_spend_actual_usd_micros_total")
          .Help("Actual cost of the tasks that finished, in micro-USD.")
          .Register(*registry_);
  // A rate shared by two resolutions of one model cannot tell them apart:
  // such actual costs are labelled resolution="unknown".
  std::map<std::pair<std::string, int64_t>, int> rate_uses;
  for (const upstream::PriceRow& row : prices.rows()) {
    ++rate_uses[{row.model, row.micros_per_second}];
  }
  std::set<std::string> models;
  for (const upstream::PriceRow& row : prices.rows()) {
    const prometheus::Labels labels{
        {"model", row.model}, {"resolution", ResolutionLabel(row.resolution)}};
    SpendSeries series{&creates.Add(labels), &estimated.Add(labels),
                       &actual.Add(labels)};
    by_resolution_[{row.model, row.resolution}] = series;
    if (rate_uses[{row.model, row.micros_per_second}] == 1) {
      by_rate_[{row.model, row.micros_per_second}] = series;
    }
    models.insert(row.model);
  }
  for (const std::string& model : models) {
    by_resolution_[{model, -1}] =
        SpendSeries{nullptr, nullptr,
                    &actual.Add({{"model", model}, {"resolution", "unknown"}})};
  }
}

void PrometheusMetrics::SetLiveSources(LiveSources sources) {
  absl::MutexLock lock(&sources_mu_);
  sources_ = std::move(sources);
}

std::vector<prometheus::MetricFamily> PrometheusMetrics::Collect() const {
  {
    absl::MutexLock lock(&sources_mu_);
    streams_open_->Set(sources_.open_streams
                           ? static_cast<double>(sources_.open_streams())
                           : 0.0);
    pollers_active_->Set(sources_.active_pollers
                             ? static_cast<double>(sources_.active_pollers())
                             : 0.0);
  }
  return registry_->Collect();
}

std::string PrometheusMetrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

int PrometheusMetrics::MethodIndex(absl::string_view method) {
  for (int m = 0; m < kMethods; ++m) {
    if (kMethodNames[m] == method) return m;
  }
  return -1;
}

void PrometheusMetrics::RpcHandled(absl::string_view method,
                                   absl::StatusCode code) {
  const int m = MethodIndex(method);
  const int c = static_cast<int>(code);
  if (m < 0 || c < 0 || c >= kCodes) return;
  handled_[m][c]->Increment();
}

void PrometheusMetrics::RpcLatency(absl::string_view method,
                                   absl::Duration elapsed) {
  const int m = MethodIndex(method);
  if (m >= 0) handling_[m]->Observe(Seconds(elapsed));
}

void PrometheusMetrics::PollLateness(absl::Duration lateness) {
  poll_lateness_->Observe(Seconds(std::max(lateness, absl::ZeroDuration())));
}

void PrometheusMetrics::UpstreamRequest(UpstreamOperation operation,
                                        UpstreamOutcome outcome,
                                        absl::Duration elapsed) {
  const int o = static_cast<int>(operation);
  upstream_requests_[o][static_cast<int>(outcome)]->Increment();
  upstream_duration_[o]->Observe(Seconds(elapsed));
  upstream_reachable_->Set(outcome == UpstreamOutcome::kOk ||
                                   outcome == UpstreamOutcome::kHttp4xx
                               ? 1
                               : 0);
}

void PrometheusMetrics::UpstreamRetry(UpstreamOperation operation) {
  upstream_retries_[static_cast<int>(operation)]->Increment();
}

void PrometheusMetrics::TaskCreated(absl::string_view model,
                                    v1::Resolution resolution,
                                    int64_t estimated_micros) {
  if (resolution == v1::RESOLUTION_UNSPECIFIED) {
    resolution = v1::RESOLUTION_720P;
  }
  auto it = by_resolution_.find({std::string(model), resolution});
  if (it == by_resolution_.end() || it->second.creates == nullptr) return;
  it->second.creates->Increment();
  it->second.estimated->Increment(static_cast<double>(estimated_micros));
}

void PrometheusMetrics::ActualSpend(absl::string_view model,
                                    int64_t rate_micros_per_second,
                                    int64_t actual_micros) {
  if (actual_micros < 0) return;
  const std::string key(model);
  if (auto it = by_rate_.find({key, rate_micros_per_second});
      it != by_rate_.end()) {
    it->second.actual->Increment(static_cast<double>(actual_micros));
  } else if (auto unknown = by_resolution_.find({key, -1});
             unknown != by_resolution_.end()) {
    unknown->second.actual->Increment(static_cast<double>(actual_micros));
  }
}

void PrometheusMetrics::StoreCall(StoreOperation operation,
                                  absl::Duration elapsed, bool ok) {
  const int s = static_cast<int>(operation);
  store_duration_[s]->Observe(Seconds(elapsed));
  if (!ok) store_errors_[s]->Increment();
}

}  // namespace seedance::gateway
