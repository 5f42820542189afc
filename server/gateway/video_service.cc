#include "server/gateway/video_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/gateway/call_log.h"
#include "server/gateway/caller_key.h"
#include "server/gateway/list_request.h"
#include "server/gateway/request_decoder.h"
#include "server/gateway/unary_reactor.h"
#include "server/gateway/watch_reactor.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/request_validator.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

absl::Time CallDeadline(grpc::CallbackServerContext* context) {
  auto deadline = context->deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() -
                      std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace

absl::Status ValidateWatchRequest(const v1::WatchVideoRequest& request) {
  absl::Status id_status = upstream::ValidateTaskId(request.id(), "id");
  google::rpc::BadRequest bad;
  if (auto details = GetDetail<google::rpc::BadRequest>(id_status)) {
    bad = *details;
  } else if (!id_status.ok()) {
    auto* v = bad.add_field_violations();
    v->set_field("id");
    v->set_description(std::string(id_status.message()));
  }
  if (request.after_sequence() < 0) {
    auto* v = bad.add_field_violations();
    v->set_field("after_sequence");
    v->set_description("must not be negative");
  }
  if (request.has_heartbeat_interval()) {
    // Checked field by field before any conversion: seconds near INT64_MAX
    // overflow a nanosecond count.
    const google::protobuf::Duration& h = request.heartbeat_interval();
    std::string problem = upstream::DurationFormProblem(h);
    const bool zero = h.seconds() == 0 && h.nanos() == 0;
    if (problem.empty() && !zero &&
        (h.seconds() < 1 || h.seconds() > 3600 ||
         (h.seconds() == 3600 && h.nanos() > 0))) {
      problem = "must be zero (no heartbeats) or from 1s to 1h";
    }
    if (!problem.empty()) {
      auto* v = bad.add_field_violations();
      v->set_field("heartbeat_interval");
      v->set_description(problem);
    }
  }
  if (bad.field_violations_size() == 0) return absl::OkStatus();
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("invalid WatchVideoRequest: ", absl::StrJoin(fields, ", "),
                   " (", bad.field_violations(0).description(), ")"));
  AddDetail(status, bad);
  return status;
}

VideoService::VideoService(const VideoServiceOptions& options,
                           CreateFlow& creates, PollerRegistry& registry,
                           store::AsyncTaskStore* store,
                           const store::OwnerHasher* owners,
                           Scheduler& scheduler,
                           const upstream::PriceTable& prices)
    : options_(options),
      creates_(creates),
      registry_(registry),
      store_(store),
      owners_(owners),
      scheduler_(scheduler),
      prices_(prices),
      admission_(AdmissionLimits{options.max_streams,
                                 options.max_streams_per_peer,
                                 options.max_streams_per_connection}) {}

absl::StatusOr<std::string> VideoService::CallerKey(
    grpc::CallbackServerContext* context) const {
  return ResolveApiKey(context->client_metadata(), options_.api_key,
                       options_.allow_caller_keys);
}

upstream::CallOptions VideoService::UpstreamOptions(
    grpc::CallbackServerContext* context, std::string api_key) const {
  upstream::CallOptions call;
  call.deadline = std::min(CallDeadline(context),
                           scheduler_.Now() + options_.upstream_timeout);
  call.api_key = std::move(api_key);
  return call;
}

grpc::ServerUnaryReactor* VideoService::CreateVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto call =
      UnaryReactor::Create(context, "CreateVideo", "", options_.metrics);
  v1::CreateVideoRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    call->Fail(s);
  } else {
    StartCreate(context, parsed, call, response);
  }
  return call->reactor();
}

void VideoService::StartCreate(grpc::CallbackServerContext* context,
                               const v1::CreateVideoRequest& request,
                               const std::shared_ptr<UnaryReactor>& call,
                               grpc::ByteBuffer* response) {
  if (absl::Status s = upstream::ValidateCreateVideoRequest(request, prices_);
      !s.ok()) {
    call->Fail(s);
    return;
  }
  absl::StatusOr<v1::Price> price = upstream::EstimatePrice(request, prices_);
  if (!price.ok()) {
    call->Fail(price.status());
    return;
  }
  if (request.validate_only()) {
    call->Complete([&] {
      v1::CreateVideoResponse out;
      v1::Video* video = out.mutable_video();
      video->set_model(request.model());
      *video->mutable_price() = *price;
      return EncodeResponse(out, *response);
    });
    return;
  }
  if (absl::Status admitted = Admit(); !admitted.ok()) {
    call->Fail(admitted);
    return;
  }
  absl::StatusOr<std::string> key = CallerKey(context);
  if (!key.ok()) {
    call->Fail(key.status());
    return;
  }
  CreateCall create;
  create.request = request;
  create.price = *price;
  create.upstream = UpstreamOptions(context, *key);
  create.api_key = *std::move(key);
  creates_.Create(std::move(create),
                  [call, response](absl::StatusOr<v1::Video> video) {
                    if (video.ok()) call->set_task_id(video->id());
                    bool delivered = call->Complete([&] {
                      if (!video.ok()) return video.status();
                      v1::CreateVideoResponse out;
                      *out.mutable_video() = *video;
                      return EncodeResponse(out, *response);
                    });
                    if (!delivered && video.ok()) {
                      // The task exists (and bills) but its caller is gone: say
                      // so, so an operator can find it (it is followed and
                      // listed).
                      LogNotice(absl::StrCat("created task ", video->id(),
                                             " after its caller went away"));
                    }
                  });
}

grpc::ServerUnaryReactor* VideoService::GetVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  v1::GetVideoRequest parsed;
  absl::Status decoded = DecodeRequest(*request, parsed);
  // A request that did not parse may hold any bytes: keep them out of logs.
  auto call = UnaryReactor::Create(
      context, "GetVideo", decoded.ok() ? parsed.id() : "", options_.metrics);
  if (!decoded.ok()) {
    call->Fail(decoded);
  } else {
    StartGet(context, parsed, call, response);
  }
  return call->reactor();
}

void VideoService::StartGet(grpc::CallbackServerContext* context,
                            const v1::GetVideoRequest& request,
                            const std::shared_ptr<UnaryReactor>& call,
                            grpc::ByteBuffer* response) {
  if (absl::Status s = upstream::ValidateTaskId(request.id(), "id"); !s.ok()) {
    call->Fail(s);
    return;
  }
  absl::StatusOr<std::string> key = CallerKey(context);
  if (!key.ok()) {
    call->Fail(key.status());
    return;
  }
  // The poller answers: from its state when fresh, else after one poll,
  // or the store holds the (final) answer.
  registry_.Get(TaskKey{*std::move(key), request.id()}, options_.fresh_for,
                UpstreamOptions(context, "").deadline,
                [call, response](absl::StatusOr<v1::Video> video) {
                  call->Complete([&] {
                    if (!video.ok()) return video.status();
                    v1::GetVideoResponse out;
                    *out.mutable_video() = *std::move(video);
                    return EncodeResponse(out, *response);
                  });
                });
}

grpc::ServerUnaryReactor* VideoService::ListVideos(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto call = UnaryReactor::Create(context, "ListVideos", "", options_.metrics);
  v1::ListVideosRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    call->Fail(s);
  } else {
    StartList(context, parsed, call, response);
  }
  return call->reactor();
}

void VideoService::StartList(grpc::CallbackServerContext* context,
                             const v1::ListVideosRequest& request,
                             const std::shared_ptr<UnaryReactor>& call,
                             grpc::ByteBuffer* response) {
  if (store_ == nullptr) {
    call->Fail(upstream::UpstreamError(
        absl::StatusCode::kFailedPrecondition, kReasonNoStore,
        "ListVideos needs the gateway's task store, and this gateway runs "
        "without one (--store=none)"));
    return;
  }
  absl::StatusOr<std::string> key = CallerKey(context);
  if (!key.ok()) {
    call->Fail(key.status());
    return;
  }
  absl::StatusOr<std::string> owner = owners_->Owner(*key);
  if (!owner.ok()) {
    call->Fail(owner.status());
    return;
  }
  absl::StatusOr<store::ListQuery> query =
      ListQueryFor(request, *std::move(owner));
  if (!query.ok()) {
    call->Fail(query.status());
    return;
  }
  store_->ListTasks(
      *std::move(query),
      [call, response](absl::StatusOr<store::ListPage> page) {
        call->Complete([&] {
          if (!page.ok()) {
            if (absl::IsInvalidArgument(page.status())) return page.status();
            LogStoreFailure("listing tasks", page.status());
            return upstream::UpstreamError(
                absl::StatusCode::kUnavailable, kReasonStoreUnavailable,
                absl::StrCat("the task store cannot be read: ",
                             page.status().message()));
          }
          return EncodeResponse(ListResponseFor(*page), *response);
        });
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* VideoService::WatchVideo(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  v1::WatchVideoRequest parsed;
  if (absl::Status s = DecodeRequest(*request, parsed); !s.ok()) {
    return WatchReactor::Reject(context, s, options_.metrics);
  }
  return StartWatch(context, parsed);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* VideoService::StartWatch(
    grpc::CallbackServerContext* context,
    const v1::WatchVideoRequest& request) {
  if (absl::Status s = ValidateWatchRequest(request); !s.ok()) {
    return WatchReactor::Reject(context, s, options_.metrics);
  }
  absl::StatusOr<std::string> key = CallerKey(context);
  if (!key.ok()) {
    return WatchReactor::Reject(context, key.status(), options_.metrics);
  }
  if (absl::Status admitted = Admit(); !admitted.ok()) {
    return WatchReactor::Reject(context, admitted, options_.metrics);
  }
  absl::StatusOr<StreamAdmission::Ticket> ticket =
      admission_.Admit(context->peer());
  if (!ticket.ok()) {
    return WatchReactor::Reject(context, ticket.status(), options_.metrics);
  }
  WatchOptions watch;
  watch.after_sequence = request.after_sequence();
  // Safe: ValidateWatchRequest bounded it to at most 1 h.
  watch.heartbeat_interval = absl::Nanoseconds(
      TimeUtil::DurationToNanoseconds(request.heartbeat_interval()));
  watch.max_watch_time = options_.max_watch_time;
  watch.write_timeout = options_.write_timeout;
  watch.metrics = options_.metrics;
  return WatchReactor::Start(context, TaskKey{*std::move(key), request.id()},
                             watch, registry_, scheduler_, *std::move(ticket));
}

}  // namespace seedance::gateway
