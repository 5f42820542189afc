// CreateFlow: CreateVideo once the request is valid and priced. Every
// create is recorded before it is sent, sent at most once per request_id,
// its outcome recorded, and the new task followed to its end:
//
//   1. BeginCreate in the store (on the store's threads). The store cannot
//      be written: UNAVAILABLE, and nothing goes upstream (never a bill
//      without a record).
//   2. An earlier create with this request_id answers instead (AIP-155):
//      the same task, ALREADY_EXISTS for a different request, ABORTED while
//      another replica has it in flight, FAILED_PRECONDITION
//      (CREATE_OUTCOME_UNKNOWN) when that earlier create's fate is unknown.
//      Duplicates arriving while this replica has the first in flight wait
//      for it without touching the store.
//   3. POST once (the client never resends a create that may have arrived).
//   4. FinishCreate: CREATED with the task, REJECTED (the upstream refused:
//      a retry may send again), or UNKNOWN (no answer after sending). A
//      CREATED the store refuses (it went down mid-call) is written again
//      in the background with backoff; the caller gets the task at once.
//   5. The registry follows the task; its poller's first state (price,
//      update_time) is the reply, so GetVideo says the same afterwards.
//
// Without a store (--store=none) only steps 3 and 5 run, and a request_id
// is refused with FAILED_PRECONDITION.
//
// Threads: Create runs on a gRPC thread; the rest on store threads and the
// transport thread, none of which it blocks. `done` runs once, on one of
// them.
#ifndef SEEDANCE_SERVER_GATEWAY_CREATE_FLOW_H_
#define SEEDANCE_SERVER_GATEWAY_CREATE_FLOW_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/scheduler.h"
#include "server/gateway/gateway_metrics.h"
#include "server/gateway/poller_registry.h"
#include "server/store/async_task_store.h"
#include "server/store/owner_hasher.h"
#include "server/upstream/backoff_policy.h"
#include "server/upstream/tokenhub_client.h"

namespace seedance::gateway {

// ErrorInfo reasons of the create path (domain seedance.gateway).
inline constexpr absl::string_view kReasonStoreUnavailable =
    "TASK_STORE_UNAVAILABLE";
inline constexpr absl::string_view kReasonRequestIdReused = "REQUEST_ID_REUSED";
inline constexpr absl::string_view kReasonCreateInFlight = "CREATE_IN_FLIGHT";
inline constexpr absl::string_view kReasonOutcomeUnknown =
    "CREATE_OUTCOME_UNKNOWN";
inline constexpr absl::string_view kReasonNoStore = "NO_TASK_STORE";

struct CreateFlowOptions {
  // First poll of a new task, after the create answered.
  absl::Duration first_poll = absl::Seconds(1);
  // A create still pending in the store after this long was cut short (its
  // gateway died mid-call): its outcome is unknown.
  absl::Duration stale_pending = absl::Minutes(2);
  // Counts the tasks created and their estimated spend; null: not counted.
  GatewayMetrics* metrics = nullptr;
  // Fleet mode: a task created with the gateway's own key (`own_api_key`)
  // or for a tenant is created under a lease of this replica
  // (`lease_holder`, `lease_ttl`), which LeaseKeeper renews; another
  // replica takes it over if this one dies (or a restart of this one
  // does). Tasks of callers' own keys can be polled only here: no lease.
  std::string own_api_key;
  std::string lease_holder;
  absl::Duration lease_ttl = absl::Seconds(10);
};

// One validated, priced create.
struct CreateCall {
  v1::CreateVideoRequest request;
  v1::Price price;
  std::string api_key;
  upstream::CallOptions upstream;  // deadline and key of the POST
  // Tenants: the task's owner when that is not api_key (TaskKey::principal),
  // the tenant's name and the limits the store holds the create to.
  std::string principal;
  std::string tenant;
  absl::optional<store::TenantQuota> quota;
};

class CreateFlow {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::Video>) &&>;

  // `store` and `owners` are null without a task store.
  CreateFlow(const CreateFlowOptions& options, upstream::TokenHubClient& client,
             store::AsyncTaskStore* store, const store::OwnerHasher* owners,
             PollerRegistry& registry, Scheduler& scheduler);

  void Create(CreateCall call, Done done);

 private:
  // Callers of one (owner, request_id) waiting for the create in flight.
  struct InFlight {
    std::string request_hash;
    std::vector<Done> waiters;
  };

  void Send(CreateCall call, store::TaskRecord record, std::string flight,
            Done done);
  void OnCreated(const CreateCall& call, const store::TaskRecord& record,
                 v1::Video video, std::string flight, Done done);
  // FinishCreate(CREATED) again after a backoff, while the store refuses
  // it (at most kMaxLateAttempts times, about five minutes).
  void RecordCreatedLater(int64_t row_id, v1::Video video, absl::Time now,
                          std::shared_ptr<upstream::BackoffPolicy> backoff,
                          int attempt);
  static constexpr int kMaxLateAttempts = 12;
  // The answer to a create whose request_id was used before.
  absl::StatusOr<v1::Video> FromEarlier(const CreateCall& call,
                                        const store::TaskRecord& earlier,
                                        const std::string& request_hash);
  // Gives `result` to `done` and to everyone waiting on `flight`.
  void Resolve(const std::string& flight, Done done,
               const absl::StatusOr<v1::Video>& result);

  const CreateFlowOptions options_;
  upstream::TokenHubClient& client_;
  store::AsyncTaskStore* const store_;
  const store::OwnerHasher* const owners_;
  PollerRegistry& registry_;
  Scheduler& scheduler_;

  absl::Mutex mu_;
  // Keyed by owner and request_id.
  absl::flat_hash_map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
};

// The request's fingerprint input: its bytes without request_id and
// validate_only, serialized deterministically.
std::string FingerprintBytes(const v1::CreateVideoRequest& request);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_CREATE_FLOW_H_
