// MetricsEndpoint: serves Prometheus' text format at GET /metrics on its own
// HTTP listener (prometheus-cpp's exposer, CivetWeb threads), apart from
// the gRPC port so scrapes never compete with callers for stream slots.
//
//   auto endpoint = MetricsEndpoint::Start("0.0.0.0:9090", metrics);
//   if (!endpoint.ok()) ...;   // the message names --metrics-listen
//   (*endpoint)->port();       // the bound port (useful with port 0)
#ifndef SEEDANCE_SERVER_GATEWAY_METRICS_ENDPOINT_H_
#define SEEDANCE_SERVER_GATEWAY_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace seedance::gateway {

class MetricsEndpoint {
 public:
  // Listens on `address` (HOST:PORT; [::]:PORT for IPv6; port 0 picks a
  // free one) and serves `metrics` until destroyed. UNAVAILABLE naming
  // --metrics-listen when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      const std::shared_ptr<prometheus::Collectable>& metrics);

  int port() const { return port_; }

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer, int port)
      : exposer_(std::move(exposer)), port_(port) {}

  std::unique_ptr<prometheus::Exposer> exposer_;
  const int port_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_METRICS_ENDPOINT_H_
