#include "server/gateway/metered_transport.h"

#include <utility>

#include "absl/time/clock.h"

namespace seedance::gateway {

void MeteredTransport::Send(upstream::HttpRequest request, Callback done) {
  const UpstreamOperation operation = request.method == "POST"
                                          ? UpstreamOperation::kCreate
                                          : UpstreamOperation::kGet;
  transport_.Send(
      std::move(request),
      [this, operation, start = absl::Now(), done = std::move(done)](
          absl::StatusOr<upstream::HttpResponse> response) mutable {
        metrics_.UpstreamRequest(
            operation,
            ClassifyUpstream(response.ok() ? response->status_code : 0,
                             response.status()),
            absl::Now() - start);
        std::move(done)(std::move(response));
      });
}

}  // namespace seedance::gateway
