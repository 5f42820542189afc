#include "server/gateway/create_flow.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/gateway/call_log.h"
#include "server/gateway/sequence.h"
#include "server/gateway/task_records.h"
#include "server/gateway/tenant_limits.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/error_mapping.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status GatewayError(absl::StatusCode code, absl::string_view reason,
                          absl::string_view message,
                          absl::string_view request_id = {}) {
  if (request_id.empty()) {
    return upstream::UpstreamError(code, reason, message);
  }
  return upstream::UpstreamError(code, reason, message,
                                 {{"request_id", request_id}});
}

absl::Status OutcomeUnknown(const std::string& request_id,
                            absl::string_view why) {
  return GatewayError(
      absl::StatusCode::kFailedPrecondition, kReasonOutcomeUnknown,
      absl::StrCat("request_id ", request_id,
                   ": the outcome of the earlier create with this request_id "
                   "is unknown (",
                   why,
                   "); a task may exist upstream and bill. It is not sent "
                   "again: use a new request_id to create anew"),
      request_id);
}

// ABORTED with a RetryInfo: the earlier create is being sent right now.
absl::Status InFlightElsewhere(const std::string& request_id,
                               absl::string_view where) {
  absl::Status status = GatewayError(
      absl::StatusCode::kAborted, kReasonCreateInFlight,
      absl::StrCat("request_id ", request_id,
                   ": the create with this request_id is in flight ", where,
                   "; retry in a second to get its task"),
      request_id);
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  AddDetail(status, retry);
  return status;
}

absl::Status RequestIdReused(const std::string& request_id) {
  return GatewayError(
      absl::StatusCode::kAlreadyExists, kReasonRequestIdReused,
      absl::StrCat("request_id ", request_id,
                   " was already used for a different CreateVideoRequest; "
                   "use a new request_id for a new request"),
      request_id);
}

}  // namespace

std::string FingerprintBytes(const v1::CreateVideoRequest& request) {
  v1::CreateVideoRequest copy = request;
  copy.clear_request_id();
  copy.clear_validate_only();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // Map-free today, but deterministic keeps equal requests equal bytes.
    coded.SetSerializationDeterministic(true);
    copy.ByteSizeLong();  // caches the sizes the next call needs
    copy.SerializeWithCachedSizes(&coded);
  }
  return out;
}

CreateFlow::CreateFlow(const CreateFlowOptions& options,
                       upstream::TokenHubClient& client,
                       store::AsyncTaskStore* store,
                       const store::OwnerHasher* owners,
                       PollerRegistry& registry, Scheduler& scheduler)
    : options_(options),
      client_(client),
      store_(store),
      owners_(owners),
      registry_(registry),
      scheduler_(scheduler) {}

void CreateFlow::Create(CreateCall call, Done done) {
  // AIP-155 ids are UUIDs; their case carries no meaning.
  call.request.set_request_id(absl::AsciiStrToLower(call.request.request_id()));
  const std::string request_id = call.request.request_id();
  if (store_ == nullptr) {
    if (!request_id.empty()) {
      std::move(done)(GatewayError(
          absl::StatusCode::kFailedPrecondition, kReasonNoStore,
          "request_id needs the gateway's task store, and this gateway runs "
          "without one (--store=none); send the create without request_id",
          request_id));
      return;
    }
    store::TaskRecord none;
    Send(std::move(call), std::move(none), "", std::move(done));
    return;
  }
  absl::StatusOr<std::string> owner =
      owners_->Owner(call.principal.empty() ? call.api_key : call.principal);
  absl::StatusOr<std::string> hash =
      owners_->Digest(FingerprintBytes(call.request));
  if (!owner.ok() || !hash.ok()) {
    std::move(done)(owner.ok() ? hash.status() : owner.status());
    return;
  }
  std::string flight;
  if (!request_id.empty()) {
    flight = absl::StrCat(*owner, "/", request_id);
    bool reused = false;
    {
      absl::MutexLock lock(&mu_);
      auto it = in_flight_.find(flight);
      if (it == in_flight_.end()) {
        in_flight_[flight].request_hash = *hash;
      } else if (it->second.request_hash == *hash) {
        // This replica is sending it right now: wait for that answer.
        it->second.waiters.push_back(std::move(done));
        return;
      } else {
        reused = true;
      }
    }
    if (reused) {
      std::move(done)(RequestIdReused(request_id));
      return;
    }
  }
  store::NewCreate create;
  create.owner = *owner;
  create.request_id = request_id;
  create.request_hash = *hash;
  create.price = call.price;
  create.model = call.request.model();
  create.quota = call.quota;
  // Leased: tasks any replica can poll, the gateway's own key's and
  // tenants' (LeaseKeeper knows their keys). A caller's own key is known
  // here only, for this call: its task is polled by this replica alone.
  const bool leased =
      !call.principal.empty() ||
      (!options_.own_api_key.empty() && call.api_key == options_.own_api_key);
  if (!options_.lease_holder.empty() && leased) {
    create.lease_holder = options_.lease_holder;
    create.lease_ttl = options_.lease_ttl;
  }
  store_->BeginCreate(
      std::move(create), store::StoredTime(scheduler_.Now()),
      [this, call = std::move(call), hash = *hash, flight,
       done =
           std::move(done)](absl::StatusOr<store::BeginResult> begun) mutable {
        if (!begun.ok()) {
          LogStoreFailure("recording a create", begun.status());
          Resolve(flight, std::move(done),
                  GatewayError(absl::StatusCode::kUnavailable,
                               kReasonStoreUnavailable,
                               absl::StrCat("the task store cannot record the "
                                            "create, so it was not sent "
                                            "upstream (nothing was created "
                                            "or billed): ",
                                            begun.status().message())));
          return;
        }
        if (begun->refused.has_value()) {
          Resolve(flight, std::move(done),
                  QuotaRefused(call.tenant, *begun->refused));
          return;
        }
        if (!begun->send) {
          Resolve(flight, std::move(done),
                  FromEarlier(call, begun->record, hash));
          return;
        }
        Send(std::move(call), std::move(begun->record), flight,
             std::move(done));
      });
}

void CreateFlow::Send(CreateCall call, store::TaskRecord record,
                      std::string flight, Done done) {
  // Copied out first: the callback below takes `call` over, and argument
  // evaluation order is unspecified.
  const upstream::CallOptions options = call.upstream;
  const v1::CreateVideoRequest request = call.request;
  client_.CreateVideo(
      request, options,
      [this, call = std::move(call), record = std::move(record),
       flight = std::move(flight),
       done = std::move(done)](absl::StatusOr<v1::Video> video) mutable {
        if (video.ok()) {
          OnCreated(call, record, *std::move(video), std::move(flight),
                    std::move(done));
          return;
        }
        if (store_ == nullptr) {
          Resolve(flight, std::move(done), video.status());
          return;
        }
        const store::CreateState outcome =
            upstream::MayHaveCreated(video.status())
                ? store::CreateState::kUnknown
                : store::CreateState::kRejected;
        absl::Status error = video.status();
        store_->FinishCreate(
            record.row_id, outcome, v1::Video(), error,
            store::StoredTime(scheduler_.Now()),
            [this, error, flight = std::move(flight), done = std::move(done),
             task = record.row_id](const absl::Status& recorded) mutable {
              if (!recorded.ok()) {
                LogStoreFailure(
                    absl::StrCat("recording the failure of create row ", task),
                    recorded);
              }
              Resolve(flight, std::move(done), error);
            });
      });
}

void CreateFlow::OnCreated(const CreateCall& call,
                           const store::TaskRecord& record, v1::Video video,
                           std::string flight, Done done) {
  const absl::Time now = store::StoredTime(scheduler_.Now());
  if (options_.metrics != nullptr) {
    options_.metrics->TaskCreated(call.request.model(),
                                  call.request.resolution(),
                                  call.price.estimated_micros());
  }
  *video.mutable_price() = call.price;
  *video.mutable_update_time() =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  video.set_request_id(call.request.request_id());
  TaskSeed seed;
  seed.sequence = NextSequence(0, video.status()).value_or(0);
  seed.price = call.price;
  seed.owner = record.owner;
  seed.follow = true;
  seed.lease = record.lease;
  seed.created = store_ ? record.create_time : now;
  seed.video = video;
  auto follow = [this,
                 call_key = TaskKey{call.api_key, video.id(), call.principal},
                 seed = std::move(seed), flight = std::move(flight),
                 done = std::move(done), video]() mutable {
    absl::optional<v1::Video> state =
        registry_.Follow(call_key, std::move(seed), options_.first_poll);
    Resolve(flight, std::move(done), state ? *std::move(state) : video);
  };
  if (store_ == nullptr) {
    follow();
    return;
  }
  store_->FinishCreate(
      record.row_id, store::CreateState::kCreated, video, absl::OkStatus(), now,
      [this, row = record.row_id, video, now,
       follow = std::move(follow)](const absl::Status& recorded) mutable {
        if (!recorded.ok()) {
          // The task exists and bills: the caller gets it regardless, and
          // the outcome is written once the store is back (taking over
          // what the task's poller recorded meanwhile).
          LogStoreFailure(absl::StrCat("recording created task ", video.id(),
                                       " (will retry)"),
                          recorded);
          RecordCreatedLater(
              row, video, now,
              std::make_shared<upstream::ExponentialBackoffPolicy>(
                  absl::Milliseconds(500), absl::Seconds(30), 2.0),
              1);
        }
        follow();
      });
}

void CreateFlow::RecordCreatedLater(
    int64_t row_id, v1::Video video, absl::Time now,
    std::shared_ptr<upstream::BackoffPolicy> backoff, int attempt) {
  scheduler_.RunAfter(backoff->OnCompletion(), [this, row_id, video, now,
                                                backoff, attempt]() mutable {
    store_->FinishCreate(
        row_id, store::CreateState::kCreated, video, absl::OkStatus(), now,
        [this, row_id, video, now, backoff,
         attempt](const absl::Status& recorded) mutable {
          if (recorded.ok() || absl::IsFailedPrecondition(recorded)) return;
          if (attempt >= kMaxLateAttempts) {
            LogStoreFailure(absl::StrCat("recording created task ", video.id(),
                                         " (gave up; it is resumed as seen)"),
                            recorded);
            return;
          }
          RecordCreatedLater(row_id, std::move(video), now, std::move(backoff),
                             attempt + 1);
        });
  });
}

absl::StatusOr<v1::Video> CreateFlow::FromEarlier(
    const CreateCall& call, const store::TaskRecord& earlier,
    const std::string& request_hash) {
  const std::string& request_id = call.request.request_id();
  if (earlier.request_hash != request_hash) return RequestIdReused(request_id);
  switch (earlier.create_state) {
    case store::CreateState::kCreated: {
      TaskSeed seed = SeedFromRecord(earlier);
      v1::Video video = RecordVideo(earlier);
      if (seed.follow) {
        // Followed here unless it already is (e.g. after a restart, a task
        // created with the caller's own key waits for its owner).
        absl::optional<v1::Video> state = registry_.Follow(
            TaskKey{call.api_key, earlier.task_id, call.principal},
            std::move(seed), absl::ZeroDuration());
        if (state) video = *std::move(state);
      }
      return video;
    }
    case store::CreateState::kPending:
      if (scheduler_.Now() - earlier.create_time > options_.stale_pending) {
        return OutcomeUnknown(request_id,
                              "its gateway stopped before the upstream "
                              "answered");
      }
      return InFlightElsewhere(request_id, "on another gateway replica");
    case store::CreateState::kUnknown:
      return OutcomeUnknown(
          request_id,
          absl::StrCat("no answer came: ", earlier.create_error.message()));
    case store::CreateState::kRejected:
      // Another retry is taking the refused create over right now.
      return InFlightElsewhere(request_id, "again (after a refusal)");
    case store::CreateState::kSeen:
      break;
  }
  return absl::InternalError(
      absl::StrCat("request_id ", request_id, ": unexpected store record"));
}

void CreateFlow::Resolve(const std::string& flight, Done done,
                         const absl::StatusOr<v1::Video>& result) {
  std::vector<Done> waiters;
  if (!flight.empty()) {
    absl::MutexLock lock(&mu_);
    auto it = in_flight_.find(flight);
    if (it != in_flight_.end()) {
      waiters = std::move(it->second.waiters);
      in_flight_.erase(it);
    }
  }
  std::move(done)(result);
  for (Done& w : waiters) std::move(w)(result);
}

}  // namespace seedance::gateway
