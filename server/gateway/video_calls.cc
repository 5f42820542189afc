#include "server/gateway/video_calls.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/gateway/call_log.h"
#include "server/gateway/caller_key.h"
#include "server/gateway/list_request.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/request_validator.h"

namespace seedance::gateway {

using google::protobuf::util::TimeUtil;

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

VideoCalls::VideoCalls(const VideoServiceOptions& options, CreateFlow& creates,
                       PollerRegistry& registry, store::AsyncTaskStore* store,
                       const store::OwnerHasher* owners, Scheduler& scheduler,
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

absl::StatusOr<VideoCalls::Caller> VideoCalls::CallerOf(
    const CallInfo& info) const {
  Caller caller;
  if (options_.tenants != nullptr) {
    absl::StatusOr<std::shared_ptr<const Tenant>> tenant =
        options_.tenants->Authenticate(info.authorization);
    if (!tenant.ok()) return tenant.status();
    caller.tenant = *std::move(tenant);
    caller.api_key = caller.tenant->upstream_key;
    caller.principal = TenantPrincipal(caller.tenant->name);
    return caller;
  }
  absl::StatusOr<std::string> key = ResolveApiKey(
      info.authorization, options_.api_key, options_.allow_caller_keys);
  if (!key.ok()) return key.status();
  caller.api_key = *std::move(key);
  return caller;
}

upstream::CallOptions VideoCalls::UpstreamOptions(const CallInfo& info,
                                                  std::string api_key) const {
  upstream::CallOptions call;
  call.deadline =
      std::min(info.deadline, scheduler_.Now() + options_.upstream_timeout);
  call.api_key = std::move(api_key);
  return call;
}

VideoCalls::CreateDone VideoCalls::CountedForTenant(std::string tenant,
                                                    CreateDone done) const {
  TenantMetrics* metrics = options_.tenant_metrics;
  if (metrics == nullptr) return done;
  return [metrics, tenant = std::move(tenant),
          done = std::move(done)](absl::StatusOr<v1::CreateVideoResponse> out) {
    if (out.ok()) {
      metrics->Created(tenant, out->video().price().estimated_micros());
    } else if (auto info = GetDetail<google::rpc::ErrorInfo>(out.status());
               info && (info->reason() == kReasonTenantRateLimited ||
                        info->reason() == kReasonTenantQuotaExceeded)) {
      auto limit = info->metadata().find("limit");
      if (limit != info->metadata().end()) {
        metrics->Refused(tenant, limit->second);
      }
    }
    return done(std::move(out));
  };
}

void VideoCalls::Create(const CallInfo& info,
                        const v1::CreateVideoRequest& request,
                        CreateDone done) {
  // Under tenants nothing is answered to a caller without a key, not even
  // a free price check.
  absl::optional<Caller> tenant_caller;
  if (options_.tenants != nullptr) {
    absl::StatusOr<Caller> caller = CallerOf(info);
    if (!caller.ok()) {
      done(caller.status());
      return;
    }
    tenant_caller = *std::move(caller);
  }
  if (absl::Status s = upstream::ValidateCreateVideoRequest(request, prices_);
      !s.ok()) {
    done(s);
    return;
  }
  absl::StatusOr<v1::Price> price = upstream::EstimatePrice(request, prices_);
  if (!price.ok()) {
    done(price.status());
    return;
  }
  if (request.validate_only()) {
    v1::CreateVideoResponse out;
    v1::Video* video = out.mutable_video();
    video->set_model(request.model());
    *video->mutable_price() = *price;
    done(std::move(out));
    return;
  }
  if (absl::Status admitted = Admit(); !admitted.ok()) {
    done(admitted);
    return;
  }
  absl::StatusOr<Caller> caller =
      tenant_caller ? *std::move(tenant_caller) : CallerOf(info);
  if (!caller.ok()) {
    done(caller.status());
    return;
  }
  CreateCall create;
  create.request = request;
  create.price = *price;
  create.upstream = UpstreamOptions(info, caller->api_key);
  create.api_key = caller->api_key;
  create.principal = caller->principal;
  if (caller->tenant != nullptr) {
    const Tenant& tenant = *caller->tenant;
    done = CountedForTenant(tenant.name, std::move(done));
    if (absl::Status s = create_rates_.Admit(tenant, scheduler_.Now());
        !s.ok()) {
      done(s);
      return;
    }
    create.tenant = tenant.name;
    create.quota =
        store::TenantQuota{tenant.max_unfinished, tenant.daily_budget_micros};
  }
  creates_.Create(std::move(create),
                  [done = std::move(done)](absl::StatusOr<v1::Video> video) {
                    if (!video.ok()) {
                      done(video.status());
                      return;
                    }
                    const std::string id = video->id();
                    v1::CreateVideoResponse out;
                    *out.mutable_video() = *std::move(video);
                    if (!done(std::move(out))) {
                      // The task exists (and bills) but its caller is gone:
                      // say so, so an operator can find it (it is followed
                      // and listed).
                      LogNotice(absl::StrCat("created task ", id,
                                             " after its caller went away"));
                    }
                  });
}

void VideoCalls::Get(const CallInfo& info, const v1::GetVideoRequest& request,
                     GetDone done) {
  if (absl::Status s = upstream::ValidateTaskId(request.id(), "id"); !s.ok()) {
    done(s);
    return;
  }
  absl::StatusOr<Caller> caller = CallerOf(info);
  if (!caller.ok()) {
    done(caller.status());
    return;
  }
  // The poller answers: from its state when fresh, else after one poll,
  // or the store holds the (final) answer.
  registry_.Get(TaskKey{caller->api_key, request.id(), caller->principal},
                options_.fresh_for, UpstreamOptions(info, "").deadline,
                [done = std::move(done)](absl::StatusOr<v1::Video> video) {
                  if (!video.ok()) {
                    done(video.status());
                    return;
                  }
                  v1::GetVideoResponse out;
                  *out.mutable_video() = *std::move(video);
                  done(std::move(out));
                });
}

void VideoCalls::List(const CallInfo& info,
                      const v1::ListVideosRequest& request, ListDone done) {
  if (store_ == nullptr) {
    done(upstream::UpstreamError(
        absl::StatusCode::kFailedPrecondition, kReasonNoStore,
        "ListVideos needs the gateway's task store, and this gateway runs "
        "without one (--store=none)"));
    return;
  }
  absl::StatusOr<Caller> caller = CallerOf(info);
  if (!caller.ok()) {
    done(caller.status());
    return;
  }
  absl::StatusOr<std::string> owner = owners_->Owner(
      caller->principal.empty() ? caller->api_key : caller->principal);
  if (!owner.ok()) {
    done(owner.status());
    return;
  }
  absl::StatusOr<store::ListQuery> query =
      ListQueryFor(request, *std::move(owner));
  if (!query.ok()) {
    done(query.status());
    return;
  }
  store_->ListTasks(
      *std::move(query),
      [done = std::move(done)](absl::StatusOr<store::ListPage> page) {
        if (page.ok()) {
          done(ListResponseFor(*page));
          return;
        }
        if (absl::IsInvalidArgument(page.status())) {
          done(page.status());
          return;
        }
        LogStoreFailure("listing tasks", page.status());
        done(upstream::UpstreamError(
            absl::StatusCode::kUnavailable, kReasonStoreUnavailable,
            absl::StrCat("the task store cannot be read: ",
                         page.status().message())));
      });
}

void VideoCalls::Usage(const CallInfo& info, const v1::GetUsageRequest& request,
                       UsageDone done) {
  if (options_.tenants == nullptr || store_ == nullptr) {
    done(absl::FailedPreconditionError(
        "GetUsage answers only on a gateway with tenants (--tenants-file)"));
    return;
  }
  absl::StatusOr<Caller> caller = CallerOf(info);
  if (!caller.ok()) {
    done(caller.status());
    return;
  }
  const absl::Time now = scheduler_.Now();
  absl::Time day = now;
  if (!request.day().empty()) {
    std::string error;
    if (request.day().size() != 10 ||
        !absl::ParseTime("%Y-%m-%d", request.day(), absl::UTCTimeZone(), &day,
                         &error)) {
      absl::Status status = absl::InvalidArgumentError(
          "day: must be a UTC date YYYY-MM-DD, or empty for today");
      google::rpc::BadRequest bad;
      auto* v = bad.add_field_violations();
      v->set_field("day");
      v->set_description("must be a UTC date YYYY-MM-DD, or empty for today");
      AddDetail(status, bad);
      done(status);
      return;
    }
  }
  absl::StatusOr<std::string> owner = owners_->Owner(caller->principal);
  if (!owner.ok()) {
    done(owner.status());
    return;
  }
  v1::GetUsageResponse out;
  const Tenant& tenant = *caller->tenant;
  out.set_tenant(tenant.name);
  v1::TenantLimits* limits = out.mutable_limits();
  if (tenant.creates_per_minute) {
    limits->set_creates_per_minute(*tenant.creates_per_minute);
  }
  if (tenant.max_unfinished) limits->set_max_unfinished(*tenant.max_unfinished);
  if (tenant.daily_budget_micros) {
    limits->set_daily_budget_micros(*tenant.daily_budget_micros);
  }
  store_->GetTenantUsage(
      *std::move(owner), day, now,
      [out = std::move(out), done = std::move(done)](
          absl::StatusOr<store::TenantUsage> usage) mutable {
        if (!usage.ok()) {
          LogStoreFailure("reading tenant usage", usage.status());
          done(upstream::UpstreamError(
              absl::StatusCode::kUnavailable, kReasonStoreUnavailable,
              absl::StrCat("the task store cannot be read: ",
                           usage.status().message())));
          return;
        }
        out.set_day(
            absl::FormatTime("%Y-%m-%d", usage->day, absl::UTCTimeZone()));
        out.set_reserved_micros(usage->reserved_micros);
        out.set_spent_micros(usage->spent_micros);
        out.set_unfinished(usage->unfinished);
        done(std::move(out));
      });
}

absl::StatusOr<VideoCalls::WatchStart> VideoCalls::StartWatch(
    const CallInfo& info, const v1::WatchVideoRequest& request) {
  if (absl::Status s = ValidateWatchRequest(request); !s.ok()) return s;
  absl::StatusOr<Caller> caller = CallerOf(info);
  if (!caller.ok()) return caller.status();
  if (absl::Status admitted = Admit(); !admitted.ok()) return admitted;
  absl::StatusOr<StreamAdmission::Ticket> ticket = admission_.Admit(info.peer);
  if (!ticket.ok()) return ticket.status();
  WatchStart watch;
  watch.key = TaskKey{caller->api_key, request.id(), caller->principal};
  watch.after_sequence = request.after_sequence();
  // Safe: ValidateWatchRequest bounded it to at most 1 h.
  watch.heartbeat_interval = absl::Nanoseconds(
      TimeUtil::DurationToNanoseconds(request.heartbeat_interval()));
  watch.max_watch_time = options_.max_watch_time;
  watch.write_timeout = options_.write_timeout;
  watch.ticket = *std::move(ticket);
  return watch;
}

}  // namespace seedance::gateway
