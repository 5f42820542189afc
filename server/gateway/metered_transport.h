// MeteredTransport: an HttpTransport that counts and times every request
// the wrapped transport sends (seedance_upstream_requests_total by
// operation and outcome, seedance_upstream_request_duration_seconds) and
// keeps seedance_upstream_reachable. POST is the create, anything else a
// get. The completion runs on the transport's thread: recording is a few
// atomic updates.
#ifndef SEEDANCE_SERVER_GATEWAY_METERED_TRANSPORT_H_
#define SEEDANCE_SERVER_GATEWAY_METERED_TRANSPORT_H_

#include "server/gateway/gateway_metrics.h"
#include "server/upstream/http_transport.h"

namespace seedance::gateway {

class MeteredTransport final : public upstream::HttpTransport {
 public:
  // Both outlive this object.
  MeteredTransport(upstream::HttpTransport& transport, GatewayMetrics& metrics)
      : transport_(transport), metrics_(metrics) {}

  void Send(upstream::HttpRequest request, Callback done) override;

 private:
  upstream::HttpTransport& transport_;
  GatewayMetrics& metrics_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_METERED_TRANSPORT_H_
