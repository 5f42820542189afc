// VideoCalls: the VideoService methods on parsed requests, for every
// transport. gRPC (video_service.h) and the HTTP face (http_gateway.h) each
// turn their wire form into a request and a CallInfo, and their answer back;
// validation, pricing, API keys, admission, the create path, the shared
// pollers and the task store are reached only through here, so both faces
// behave the same.
//
//   VideoCalls::CallInfo info{authorization, deadline, peer};
//   calls.Get(info, request, [](absl::StatusOr<v1::GetVideoResponse> r) {
//     ... answer the caller (any thread: the poller's or the store's) ...
//   });
//
// Nothing here blocks: answers come from the create path's, the poller's or
// the store's callbacks.
#ifndef SEEDANCE_SERVER_GATEWAY_VIDEO_CALLS_H_
#define SEEDANCE_SERVER_GATEWAY_VIDEO_CALLS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/scheduler.h"
#include "server/gateway/create_flow.h"
#include "server/gateway/gateway_metrics.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/stream_admission.h"
#include "server/gateway/task_key.h"
#include "server/gateway/tenant_directory.h"
#include "server/gateway/tenant_limits.h"
#include "server/gateway/tenant_metrics.h"
#include "server/upstream/pricing.h"
#include "server/upstream/tokenhub_client.h"

namespace seedance::gateway {

struct VideoServiceOptions {
  std::string api_key;  // the gateway's own; may be empty
  bool allow_caller_keys = false;
  int max_streams = 20000;
  int max_streams_per_peer = 0;        // 0: no limit
  int max_streams_per_connection = 0;  // 0: no limit
  absl::Duration write_timeout = absl::Seconds(30);
  absl::Duration fresh_for = absl::Seconds(1);
  absl::Duration upstream_timeout = absl::Seconds(30);
  absl::Duration max_watch_time = absl::Hours(2);
  // Asked before a new watch or create: an error (RESOURCE_EXHAUSTED while
  // file descriptors are low) refuses the call with it. None: all admitted.
  std::function<absl::Status()> admit;
  // Counts calls; null: not counted. Outlives the service.
  GatewayMetrics* metrics = nullptr;
  // Tenants (--tenants-file): every call needs a tenant's caller key, and
  // the tenant (not the key) owns its tasks. Null: no tenants. Outlives the
  // service.
  const TenantDirectory* tenants = nullptr;
  // Counts tenants' creates and refusals; null: not counted.
  TenantMetrics* tenant_metrics = nullptr;
};

// Checks a WatchVideoRequest; INVALID_ARGUMENT with a BadRequest listing
// every violated field.
absl::Status ValidateWatchRequest(const v1::WatchVideoRequest& request);

class VideoCalls {
 public:
  // What a transport knows of one call.
  struct CallInfo {
    // The `authorization` metadata or header, when the call sent one.
    absl::optional<std::string> authorization;
    // The caller's deadline (InfiniteFuture: none).
    absl::Time deadline = absl::InfiniteFuture();
    // Who called, in gRPC's peer form ("ipv4:10.0.0.7:5123"): the stream
    // limits count per address and per connection.
    std::string peer;
  };

  // A watch that passed validation, auth and admission: the transport
  // starts its stream with these and holds `ticket` until it ends.
  struct WatchStart {
    TaskKey key;
    int64_t after_sequence = 0;
    absl::Duration heartbeat_interval = absl::ZeroDuration();  // 0: none
    absl::Duration max_watch_time;
    absl::Duration write_timeout;
    StreamAdmission::Ticket ticket;
  };

  // Create's answer; returns whether the caller got it (false: it left).
  using CreateDone =
      std::function<bool(absl::StatusOr<v1::CreateVideoResponse>)>;
  using GetDone = std::function<void(absl::StatusOr<v1::GetVideoResponse>)>;
  using ListDone = std::function<void(absl::StatusOr<v1::ListVideosResponse>)>;
  using UsageDone = std::function<void(absl::StatusOr<v1::GetUsageResponse>)>;

  // `store` and `owners` are null without a task store (List then answers
  // FAILED_PRECONDITION).
  VideoCalls(const VideoServiceOptions& options, CreateFlow& creates,
             PollerRegistry& registry, store::AsyncTaskStore* store,
             const store::OwnerHasher* owners, Scheduler& scheduler,
             const upstream::PriceTable& prices);

  // `done` runs exactly once, on this thread (bad request, validate_only)
  // or on the create path's.
  void Create(const CallInfo& info, const v1::CreateVideoRequest& request,
              CreateDone done);
  void Get(const CallInfo& info, const v1::GetVideoRequest& request,
           GetDone done);
  void List(const CallInfo& info, const v1::ListVideosRequest& request,
            ListDone done);
  // Tenants: the caller's tenant's usage for a day (GetUsage).
  void Usage(const CallInfo& info, const v1::GetUsageRequest& request,
             UsageDone done);
  // Validation, the caller's key, the descriptor reserve and the stream
  // limits; the transport then registers its WatchSink with registry().
  absl::StatusOr<WatchStart> StartWatch(const CallInfo& info,
                                        const v1::WatchVideoRequest& request);

  PollerRegistry& registry() { return registry_; }
  Scheduler& scheduler() { return scheduler_; }
  const VideoServiceOptions& options() const { return options_; }

  // Open watch streams (every transport's) right now.
  int open_streams() const { return admission_.open(); }

 private:
  // Who calls: the upstream key its calls use and, under tenants, the
  // tenant that owns its tasks.
  struct Caller {
    std::string api_key;
    std::string principal;  // "tenant:<name>"; "": the key owns its tasks
    std::shared_ptr<const Tenant> tenant;
  };
  absl::StatusOr<Caller> CallerOf(const CallInfo& info) const;
  // `done`, counting the tenant's create or refusal in its metrics first.
  CreateDone CountedForTenant(std::string tenant, CreateDone done) const;
  absl::Status Admit() const {
    return options_.admit ? options_.admit() : absl::OkStatus();
  }
  upstream::CallOptions UpstreamOptions(const CallInfo& info,
                                        std::string api_key) const;

  const VideoServiceOptions options_;
  CreateFlow& creates_;
  PollerRegistry& registry_;
  store::AsyncTaskStore* const store_;
  const store::OwnerHasher* const owners_;
  Scheduler& scheduler_;
  const upstream::PriceTable& prices_;
  StreamAdmission admission_;
  // Tenants' creates_per_minute, on this replica.
  CreateRateLimiter create_rates_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_VIDEO_CALLS_H_
