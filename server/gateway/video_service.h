// VideoService: seedance.v1.VideoService on gRPC's callback API. No thread
// per call or stream and nothing blocking inside a handler: CreateVideo
// finishes from the create path's callback (create_flow.h), GetVideo and
// WatchVideo are answered by the task's shared poller or the task store
// (poller_registry.h), ListVideos by the store's threads.
// The methods proper are VideoCalls' (video_calls.h), which the HTTP face
// shares; this class only speaks gRPC.
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
#include "server/gateway/poller_registry.h"
#include "server/gateway/video_calls.h"
#include "server/upstream/pricing.h"

namespace seedance::gateway {

class UnaryReactor;

using RawVideoService = v1::VideoService::WithRawCallbackMethod_CreateVideo<
    v1::VideoService::WithRawCallbackMethod_GetVideo<
        v1::VideoService::WithRawCallbackMethod_ListVideos<
            v1::VideoService::WithRawCallbackMethod_WatchVideo<
                v1::VideoService::WithRawCallbackMethod_GetUsage<
                    v1::VideoService::Service>>>>>;

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

  grpc::ServerUnaryReactor* GetUsage(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchVideo(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  // Open WatchVideo streams right now (gRPC's and every other face's).
  int open_streams() const { return calls_.open_streams(); }

  // The transport-neutral service, for the gateway's other faces.
  VideoCalls& calls() { return calls_; }

 private:
  GatewayMetrics* const metrics_;  // may be null
  VideoCalls calls_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_VIDEO_SERVICE_H_
