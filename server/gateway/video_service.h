// VideoService: seedance.v1.VideoService on gRPC's callback API. No thread
// per call or stream and nothing blocking inside a handler: CreateVideo
// finishes from the create path's callback (create_flow.h), GetVideo and
// WatchVideo are answered by the task's shared poller or the task store
// (poller_registry.h), ListVideos by the store's threads.
//
// The methods are raw (requests and responses are grpc::ByteBuffer): gRPC
// 1.51 answers a request that does not parse with UNIMPLEMENTED and no
// message, so the service parses them itself (request_decoder.h) and
// answers INVALID_ARGUMENT naming the bad field.
#ifndef SEEDANCE_SERVER_GATEWAY_VIDEO_SERVICE_H_
#define SEEDANCE_SERVER_GATEWAY_VIDEO_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "server/common/scheduler.h"
#include "server/gateway/create_flow.h"
#include "server/gateway/gateway_metrics.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/stream_admission.h"
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
};

class UnaryReactor;

using RawVideoService = v1::VideoService::WithRawCallbackMethod_CreateVideo<
    v1::VideoService::WithRawCallbackMethod_GetVideo<
        v1::VideoService::WithRawCallbackMethod_ListVideos<
            v1::VideoService::WithRawCallbackMethod_WatchVideo<
                v1::VideoService::Service>>>>;

class VideoService final : public RawVideoService {
 public:
  // `store` and `owners` are null without a task store (ListVideos then
  // answers FAILED_PRECONDITION).
  VideoService(const VideoServiceOptions& options, CreateFlow& creates,
               PollerRegistry& registry, store::AsyncTaskStore* store,
               const store::OwnerHasher* owners, Scheduler& scheduler,
               const upstream::PriceTable& prices);

  // Each takes a serialized request and answers a serialized response.
  grpc::ServerUnaryReactor* CreateVideo(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* GetVideo(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* ListVideos(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchVideo(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  // Open WatchVideo streams right now.
  int open_streams() const { return admission_.open(); }

 private:
  // The TokenHub key this call uses (see ResolveApiKey).
  absl::StatusOr<std::string> CallerKey(
      grpc::CallbackServerContext* context) const;

  absl::Status Admit() const {
    return options_.admit ? options_.admit() : absl::OkStatus();
  }

  // The methods proper, on parsed requests (after DecodeRequest).
  void StartCreate(grpc::CallbackServerContext* context,
                   const v1::CreateVideoRequest& request,
                   const std::shared_ptr<UnaryReactor>& call,
                   grpc::ByteBuffer* response);
  void StartGet(grpc::CallbackServerContext* context,
                const v1::GetVideoRequest& request,
                const std::shared_ptr<UnaryReactor>& call,
                grpc::ByteBuffer* response);
  void StartList(grpc::CallbackServerContext* context,
                 const v1::ListVideosRequest& request,
                 const std::shared_ptr<UnaryReactor>& call,
                 grpc::ByteBuffer* response);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
      grpc::CallbackServerContext* context,
      const v1::WatchVideoRequest& request);

  // Options for an upstream call made on behalf of `context`.
  upstream::CallOptions UpstreamOptions(grpc::CallbackServerContext* context,
                                        std::string api_key) const;

  const VideoServiceOptions options_;
  CreateFlow& creates_;
  PollerRegistry& registry_;
  store::AsyncTaskStore* const store_;
  const store::OwnerHasher* const owners_;
  Scheduler& scheduler_;
  const upstream::PriceTable& prices_;
  StreamAdmission admission_;
};

// Checks a WatchVideoRequest; INVALID_ARGUMENT with a BadRequest listing
// every violated field.
absl::Status ValidateWatchRequest(const v1::WatchVideoRequest& request);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_VIDEO_SERVICE_H_
