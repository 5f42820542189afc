// PrometheusMetrics: GatewayMetrics on a prometheus-cpp registry, with every
// `seedance_*` metric the gateway exports defined here and nowhere else
// (docs/OPERATING.md lists them; alerts and dashboards use these names).
//
// Recording is cheap: every labelled child is made in the constructor (the
// methods, codes, operations and outcomes are fixed; models and resolutions
// come from the price table), so a call only indexes an array or an
// immutable map and bumps an atomic; no lock of ours on any hot path.
// Gauges of live state (open streams, active pollers) are read when
// scraped, through the sources given to SetLiveSources.
//
//   PrometheusMetrics metrics(upstream::PriceTable::Default(), options);
//   metrics.SetLiveSources({...});
//   std::string text = metrics.Scrape();  // or serve it: metrics_endpoint.h
#ifndef SEEDANCE_SERVER_GATEWAY_PROMETHEUS_METRICS_H_
#define SEEDANCE_SERVER_GATEWAY_PROMETHEUS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/gateway/gateway_metrics.h"
#include "server/upstream/pricing.h"

namespace seedance::gateway {

struct PrometheusMetricsOptions {
  std::string version = "dev";
  std::string commit = "unknown";
  // --max-streams, exported as seedance_watch_streams_limit.
  int max_streams = 0;
};

// Live values read at each scrape; any may be empty (exported as 0).
struct LiveSources {
  std::function<int64_t()> open_streams;
  std::function<int64_t()> active_pollers;
};

class PrometheusMetrics final : public GatewayMetrics,
                                public prometheus::Collectable {
 public:
  PrometheusMetrics(const upstream::PriceTable& prices,
                    const PrometheusMetricsOptions& options);

  // Set once the objects they read exist; cleared (with {}) before those
  // objects go away.
  void SetLiveSources(LiveSources sources);

  // Where further families register (tenant_metrics.h).
  prometheus::Registry& registry() { return *registry_; }

  // The text exposition format (what /metrics answers).
  std::string Scrape() const;

  // prometheus::Collectable: refreshes the live gauges, then collects.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // GatewayMetrics.
  void RpcHandled(absl::string_view method, absl::StatusCode code) override;
  void RpcLatency(absl::string_view method, absl::Duration elapsed) override;
  void PollLateness(absl::Duration lateness) override;
  void UpstreamRequest(UpstreamOperation operation, UpstreamOutcome outcome,
                       absl::Duration elapsed) override;
  void UpstreamRetry(UpstreamOperation operation) override;
  void TaskCreated(absl::string_view model, v1::Resolution resolution,
                   int64_t estimated_micros) override;
  void ActualSpend(absl::string_view model, int64_t rate_micros_per_second,
                   int64_t actual_micros) override;
  void StoreCall(StoreOperation operation, absl::Duration elapsed,
                 bool ok) override;

 private:
  static constexpr int kMethods = 4;
  static constexpr int kCodes = 17;
  static constexpr int kOperations = 2;
  static constexpr int kOutcomes = 5;

  // Counters of one (model, resolution).
  struct SpendSeries {
    prometheus::Counter* creates = nullptr;
    prometheus::Counter* estimated = nullptr;
    prometheus::Counter* actual = nullptr;
  };

  // Index of a method name, or -1.
  static int MethodIndex(absl::string_view method);
  void DefineSpendSeries(const upstream::PriceTable& prices);

  std::shared_ptr<prometheus::Registry> registry_;
  std::array<std::array<prometheus::Counter*, kCodes>, kMethods> handled_{};
  std::array<prometheus::Histogram*, kMethods> handling_{};
  prometheus::Gauge* streams_open_ = nullptr;
  prometheus::Gauge* pollers_active_ = nullptr;
  prometheus::Histogram* poll_lateness_ = nullptr;
  std::array<std::array<prometheus::Counter*, kOutcomes>, kOperations>
      upstream_requests_{};
  std::array<prometheus::Histogram*, kOperations> upstream_duration_{};
  std::array<prometheus::Counter*, kOperations> upstream_retries_{};
  prometheus::Gauge* upstream_reachable_ = nullptr;
  // Immutable after the constructor, so read without a lock. Keyed by
  // (model, resolution) and, for actual costs, by (model, rate): a Video
  // carries its rate, not its resolution.
  std::map<std::pair<std::string, int>, SpendSeries> by_resolution_;
  std::map<std::pair<std::string, int64_t>, SpendSeries> by_rate_;
  std::array<prometheus::Histogram*, kStoreOperationCount> store_duration_{};
  std::array<prometheus::Counter*, kStoreOperationCount> store_errors_{};

  mutable absl::Mutex sources_mu_;
  LiveSources sources_ ABSL_GUARDED_BY(sources_mu_);
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_PROMETHEUS_METRICS_H_
