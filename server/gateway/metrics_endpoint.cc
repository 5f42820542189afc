#include "server/gateway/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace seedance::gateway {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    const std::shared_ptr<prometheus::Collectable>& metrics) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // One CivetWeb worker: scrapes come seconds apart, and each is cheap.
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    // CivetWeb reports a taken port or a bad address by throwing.
    return absl::UnavailableError(absl::StrCat(
        "--metrics-listen: cannot listen on ", address, ": ", e.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("--metrics-listen: cannot listen on ", address));
  }
  exposer->RegisterCollectable(metrics);
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(exposer), ports.front()));
}

}  // namespace seedance::gateway
