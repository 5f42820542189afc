#include "server/gateway/video_service.h"

#include <chrono>
#include <utility>

#include "server/common/status_details.h"
#include "server/gateway/request_decoder.h"
#include "server/gateway/unary_reactor.h"
#include "server/gateway/watch_reactor.h"

namespace seedance::gateway {
namespace {

absl::Time CallDeadline(grpc::CallbackServerContext* context) {
  auto deadline = context->deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() -
                      std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

VideoCalls::CallInfo InfoOf(grpc::CallbackServerContext* context) {
  VideoCalls::CallInfo info;
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    info.authorization.emplace(it->second.data(), it->second.size());
  }
  info.deadline = CallDeadline(context);
  info.peer = context->peer();
  return info;
}

}  // namespace

VideoService::VideoService(const VideoServiceOptions& options,
                           CreateFlow& creates, PollerRegistry& registry,
                           store::AsyncTaskStore* store,
                           const store::OwnerHasher* owners,
                           Scheduler& scheduler,
                           const upstream::PriceTable& prices)
    : metrics_(options.metrics),
      calls_(options, creates, registry, store, owners, scheduler, prices) {}

grpc::ServerUnaryReactor* VideoService::CreateVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto call = UnaryReactor::Create(context, "CreateVideo", "", metrics_);
  v1::CreateVideoRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    call->Fail(s);
    return call->reactor();
  }
  calls_.Create(InfoOf(context), parsed,
                [call, response](absl::StatusOr<v1::CreateVideoResponse> out) {
                  if (out.ok() && !out->video().id().empty()) {
                    call->set_task_id(out->video().id());
                  }
                  return call->Complete([&] {
                    if (!out.ok()) return out.status();
                    return EncodeResponse(*out, *response);
                  });
                });
  return call->reactor();
}

grpc::ServerUnaryReactor* VideoService::GetVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  v1::GetVideoRequest parsed;
  absl::Status decoded = DecodeRequest(*request, parsed);
  // A request that did not parse may hold any bytes: keep them out of logs.
  auto call = UnaryReactor::Create(context, "GetVideo",
                                   decoded.ok() ? parsed.id() : "", metrics_);
  if (!decoded.ok()) {
    call->Fail(decoded);
    return call->reactor();
  }
  calls_.Get(InfoOf(context), parsed,
             [call, response](absl::StatusOr<v1::GetVideoResponse> out) {
               call->Complete([&] {
                 if (!out.ok()) return out.status();
                 return EncodeResponse(*out, *response);
               });
             });
  return call->reactor();
}

grpc::ServerUnaryReactor* VideoService::ListVideos(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto call = UnaryReactor::Create(context, "ListVideos", "", metrics_);
  v1::ListVideosRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    call->Fail(s);
    return call->reactor();
  }
  calls_.List(InfoOf(context), parsed,
              [call, response](absl::StatusOr<v1::ListVideosResponse> out) {
                call->Complete([&] {
                  if (!out.ok()) return out.status();
                  return EncodeResponse(*out, *response);
                });
              });
  return call->reactor();
}

grpc::ServerUnaryReactor* VideoService::GetUsage(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto call = UnaryReactor::Create(context, "GetUsage", "", metrics_);
  v1::GetUsageRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    call->Fail(s);
    return call->reactor();
  }
  calls_.Usage(InfoOf(context), parsed,
               [call, response](absl::StatusOr<v1::GetUsageResponse> out) {
                 call->Complete([&] {
                   if (!out.ok()) return out.status();
                   return EncodeResponse(*out, *response);
                 });
               });
  return call->reactor();
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* VideoService::WatchVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  v1::WatchVideoRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    return WatchReactor::Reject(context, s, metrics_);
  }
  absl::StatusOr<VideoCalls::WatchStart> start =
      calls_.StartWatch(InfoOf(context), parsed);
  if (!start.ok()) {
    return WatchReactor::Reject(context, start.status(), metrics_);
  }
  WatchOptions watch;
  watch.after_sequence = start->after_sequence;
  watch.heartbeat_interval = start->heartbeat_interval;
  watch.max_watch_time = start->max_watch_time;
  watch.write_timeout = start->write_timeout;
  watch.metrics = metrics_;
  return WatchReactor::Start(context, std::move(start->key), watch,
                             calls_.registry(), calls_.scheduler(),
                             std::move(start->ticket));
}

}  // namespace seedance::gateway
