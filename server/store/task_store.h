// TaskStore: what the gateway records about the tasks it creates and sees,
// durably, so that a restart (or another replica) forgets nothing: who owns
// a task, what it costs, every observed transition, its final state.
//
//   std::unique_ptr<TaskStore> store = *OpenTaskStore("sqlite:/var/lib/x.db");
//   auto begun = store->BeginCreate(create, now);   // before the POST
//   ... POST upstream ...
//   store->FinishCreate(begun->record.row_id, outcome, now);
//   store->RecordObservation(owner, task_id, observation);  // each poll
//
// Implementations: SqliteTaskStore (embedded, the default) and
// PostgresTaskStore; both pass tests/store/task_store_contract.h.
//
// Calls block on I/O: run them on the store's own threads, never on a gRPC
// reaction, the transport thread or the scheduler thread. Implementations
// are thread-safe.
//
// Owners are keyed hashes of the caller's TokenHub key, never the key
// itself: the database can leak without leaking a key.
#ifndef SEEDANCE_SERVER_STORE_TASK_STORE_H_
#define SEEDANCE_SERVER_STORE_TASK_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "absl/types/variant.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::store {

// How a create went, as far as the gateway knows.
enum class CreateState {
  // Recorded before the POST; no answer yet.
  kPending = 1,
  // The upstream accepted it: `task_id` is known.
  kCreated = 2,
  // The POST may have reached the upstream but no answer came (timeout,
  // connection reset after sending): never silently sent again.
  kUnknown = 3,
  // The upstream refused it: nothing was created (safe to send again).
  kRejected = 4,
  // Not created through this gateway: first seen through GetVideo or
  // WatchVideo (no price).
  kSeen = 5,
};

absl::string_view CreateStateName(CreateState state);

// Stores keep times to the microsecond: a time recorded and read back is
// `StoredTime(t)`. Whoever shows a time before it is recorded (a poller's
// update_time) uses this too, so the figure is the same after a restart.
inline absl::Time StoredTime(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

// Fleet mode: which replica polls a task. A claim gives a replica the
// lease with a new epoch; a write made under a lease (an Observation with
// `fence`) lands only while that holder and epoch still hold it, so a
// replica that lost its lease (paused, cut off) can never overwrite what
// the next holder recorded.
struct Lease {
  std::string holder;  // "": nobody
  int64_t epoch = 0;
  absl::Time expires = absl::InfinitePast();
};

// A task whose lease a replica holds.
struct HeldLease {
  int64_t row_id = 0;
  std::string task_id;
  std::string owner;
};

// The fleet's work, as one replica's lease round sees it.
struct LeaseShare {
  int64_t live_replicas = 1;  // seen within the TTL, this one included
  int64_t followed = 0;       // the owners' tasks to poll (created,
                              // unfinished, not expired)
  int64_t held = 0;           // of those, leased to this replica now
  // The soonest a lease of another replica on those tasks runs out
  // (InfiniteFuture: none held): a replica that died is taken over then.
  absl::Time next_expiry = absl::InfiniteFuture();

  // What a fair share is: the followed tasks over the live replicas,
  // rounded up.
  int64_t fair() const {
    const int64_t n = live_replicas > 0 ? live_replicas : 1;
    return (followed + n - 1) / n;
  }
};

// When the lease holder last heard from the upstream about a task.
struct TaskContact {
  int64_t row_id = 0;
  absl::Time last_contact;
};

// Tenants (tenant_usage.h). A tenant's limits that hold across replicas:
// checked, and the create's estimate reserved, in the transaction that
// records the create; the reservation is settled to the actual cost when
// the task ends and released when the upstream refuses the create.
struct TenantQuota {
  // Tasks pending or created and not yet final; nullopt: no limit.
  absl::optional<int64_t> max_unfinished;
  // Reserved plus spent in one UTC day; nullopt: no limit.
  absl::optional<int64_t> daily_budget_micros;
};

// Why a create was refused for its tenant's limits.
struct QuotaRefusal {
  std::string limit;  // "max_unfinished" or "daily_budget_micros"
  std::string description;
};

// One tenant's spend on one UTC day, and its unfinished tasks now.
struct TenantUsage {
  absl::Time day;               // 00:00 UTC of the day
  int64_t reserved_micros = 0;  // estimates of tasks not yet ended
  int64_t spent_micros = 0;     // actual costs of tasks that ended
  int64_t unfinished = 0;
};

// A create about to be sent upstream.
struct NewCreate {
  std::string owner;
  // AIP-155 request id; empty: none (every call is a new create).
  std::string request_id;
  // Fingerprint of the request's content: the same request_id with another
  // fingerprint is a different request.
  std::string request_hash;
  // The price estimate (and the create parameters pricing needs, which it
  // carries), kept for the task's whole life.
  v1::Price price;
  std::string model;
  // Fleet mode: the creating replica takes the task's lease (epoch 1)
  // until `now + lease_ttl`. "": no lease.
  std::string lease_holder;
  absl::Duration lease_ttl = absl::ZeroDuration();
  // Tenants: the owner's limits (and its spend is tracked). nullopt: none.
  absl::optional<TenantQuota> quota;
};

// One task as recorded.
struct TaskRecord {
  int64_t row_id = 0;  // the store's own id: stable, never reused
  std::string owner;
  std::string task_id;  // empty until created
  std::string request_id;
  std::string request_hash;
  CreateState create_state = CreateState::kPending;
  // Why the create was rejected or is unknown (code and message).
  absl::Status create_error;
  // The latest state (status, urls, usage, error) with its price; `id`,
  // `price` and `update_time` are filled in.
  v1::Video video;
  // Sequence of the latest announced transition (0 before any).
  int64_t sequence = 0;
  absl::Time create_time;  // when the gateway recorded the task
  absl::Time update_time;  // when the current status was first observed
  bool final = false;
  // No longer followed (past the upstream's retention).
  bool expired = false;
  Lease lease;
  // Fleet mode: when the lease holder last heard from the upstream about
  // the task (as of its last lease round); InfinitePast: never.
  absl::Time last_contact = absl::InfinitePast();
};

// What the upstream said about a task at one moment.
struct Observation {
  v1::Video video;  // the state as parsed (price ignored: the store's wins)
  int64_t sequence = 0;  // the transition's sequence
  absl::Time observed;
  // Made under this lease (holder and epoch): recorded only while it still
  // holds, else FAILED_PRECONDITION ("lease lost"). Empty holder: no fence.
  Lease fence;
};

// One recorded transition.
struct TransitionRecord {
  int64_t sequence = 0;
  v1::VideoStatus status = v1::VIDEO_STATUS_UNSPECIFIED;
  std::string upstream_status;
  absl::Time observed;
};

// Result of BeginCreate.
struct BeginResult {
  TaskRecord record;
  // True: a new row was made (or a rejected one taken over) and the caller
  // must send the create. False: `record` is an earlier create with the
  // same owner and request_id; the caller compares `request_hash`.
  bool send = false;
  // Tenants: set when the quota refused the create (send = false, nothing
  // recorded).
  absl::optional<QuotaRefusal> refused;
};

// `create_time OP time`, one condition of a ListQuery.
struct TimeCondition {
  enum class Op { kLess, kLessOrEqual, kGreater, kGreaterOrEqual };
  Op op = Op::kGreater;
  absl::Time time;
};

// A page of ListTasks.
struct ListQuery {
  std::string owner;
  int page_size = 50;
  // Opaque position from the previous page's `next_page_token`.
  std::string page_token;
  // Conditions, all of which must hold.
  // nullopt: any status; an empty list: none (a filter nothing matches).
  absl::optional<std::vector<v1::VideoStatus>> status_in;
  std::vector<TimeCondition> create_time;
};

struct ListPage {
  std::vector<TaskRecord> tasks;  // newest first
  std::string next_page_token;    // empty: last page
};

// One write call of a batch (TaskStore::WriteBatch), with its arguments.
struct BeginCreateCall {
  NewCreate create;
  absl::Time now;
};
struct FinishCreateCall {
  int64_t row_id = 0;
  CreateState outcome = CreateState::kPending;
  v1::Video video;
  absl::Status error;
  absl::Time now;
};
struct RecordObservationCall {
  std::string owner;
  std::string task_id;
  Observation observation;
};
using WriteCall =
    absl::variant<BeginCreateCall, FinishCreateCall, RecordObservationCall>;
// A write call's result: what the method of the same name returns.
using WriteResult = absl::variant<absl::StatusOr<BeginResult>, absl::Status,
                                  absl::StatusOr<TaskRecord>>;

// The result `call` gets when it fails with `status` (not OK) before it ran.
WriteResult WriteFailed(const WriteCall& call, absl::Status status);

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Group commit: runs the write calls of `batch` in order and returns
  // their results, each what the call would have returned alone. A store
  // may run them in one transaction (one commit, one disk flush, the pages
  // they share written once); if any fails, it runs each alone instead, so
  // one bad call never fails the others. The default runs each alone.
  virtual std::vector<WriteResult> WriteBatch(
      absl::Span<const WriteCall> batch);

  // Records a create before it is sent. With a request_id already used by
  // the owner, returns that record instead (send = false), except a
  // rejected one, which this create takes over (send = true). Atomic: of
  // concurrent callers with one request_id, exactly one gets send = true.
  virtual absl::StatusOr<BeginResult> BeginCreate(const NewCreate& create,
                                                  absl::Time now) = 0;

  // The create's outcome: `video` is the upstream's answer (CREATED; its
  // status is recorded as the task's first transition, with the sequence
  // of StageSequence), or `error` says why it was refused (REJECTED) or is
  // unknown (UNKNOWN).
  // FAILED_PRECONDITION unless the row is pending.
  virtual absl::Status FinishCreate(int64_t row_id, CreateState outcome,
                                    const v1::Video& video,
                                    const absl::Status& error,
                                    absl::Time now) = 0;

  // Records what a poll (or a GetVideo) saw. A new sequence above the
  // recorded one is a transition: stored with its time, the state replaced.
  // The same sequence refreshes the state (e.g. urls) without a new
  // transition; a lower one is ignored. A task unknown to the store is
  // recorded as SEEN (no price). Returns the record as stored.
  virtual absl::StatusOr<TaskRecord> RecordObservation(
      const std::string& owner, const std::string& task_id,
      const Observation& observation) = 0;

  // The task, if recorded. NOT_FOUND otherwise.
  virtual absl::StatusOr<TaskRecord> GetTask(const std::string& owner,
                                             const std::string& task_id) = 0;

  // The earlier create with this request id. NOT_FOUND otherwise.
  virtual absl::StatusOr<TaskRecord> GetByRequestId(
      const std::string& owner, const std::string& request_id) = 0;

  // Transitions of a task, in sequence order.
  virtual absl::StatusOr<std::vector<TransitionRecord>> Transitions(
      const std::string& owner, const std::string& task_id) = 0;

  // The owner's tasks, newest first (by create_time, then row).
  // INVALID_ARGUMENT for a page token this store did not make.
  virtual absl::StatusOr<ListPage> ListTasks(const ListQuery& query) = 0;

  // Created tasks not yet final nor expired, oldest first, after `after_row`
  // (0: from the start): what a restarted gateway resumes following.
  virtual absl::StatusOr<std::vector<TaskRecord>> ListUnfinished(
      int64_t after_row, int limit) = 0;

  // Marks unfinished tasks created before `cutoff` expired (no longer
  // followed); returns how many. Tenants: an expired task's reservation is
  // settled at its estimate (its actual cost can no longer be learnt).
  virtual absl::StatusOr<int64_t> ExpireBefore(absl::Time cutoff) = 0;

  // Fleet mode. Claims up to `limit` of the followed tasks (created,
  // unfinished, not expired) of any of `owners` (the owners whose upstream
  // keys the replica has: the gateway's own, its tenants') whose lease is
  // free or expired at `now`: each gets `holder`, the next epoch, and
  // `now + ttl`. Oldest first; concurrent claimers never get the same task
  // (PostgreSQL: FOR UPDATE SKIP LOCKED, so they do not wait for each other
  // either).
  virtual absl::StatusOr<std::vector<TaskRecord>> ClaimLeases(
      const std::string& holder, absl::Span<const std::string> owners,
      absl::Time now, absl::Duration ttl, int limit) = 0;

  // Extends to `now + ttl` every lease `holder` still holds (not expired)
  // on an unfinished task; returns those tasks, by row id, with their
  // owners. A lease missing
  // from the answer is lost, also an expired one nobody claimed: its
  // holder may have stopped following the task meanwhile (cut off from
  // the store), so it claims it again under a new epoch.
  virtual absl::StatusOr<std::vector<HeldLease>> RenewLeases(
      const std::string& holder, absl::Time now, absl::Duration ttl) = 0;

  // Records when `holder` last heard from the upstream about each of
  // `contacts`' tasks, for the heartbeats of every replica. Only on tasks
  // whose lease it holds; a time never moves backwards.
  virtual absl::Status RecordContacts(
      const std::string& holder, absl::Span<const TaskContact> contacts) = 0;

  // Says `holder` is alive at `now` (it counts as live for `ttl`) and
  // returns the fleet's work for the tasks of `owners`, so that it claims
  // (or gives up) towards a fair share.
  virtual absl::StatusOr<LeaseShare> ShareLeases(
      const std::string& holder, absl::Span<const std::string> owners,
      absl::Time now, absl::Duration ttl) = 0;

  // Gives up `count` of `holder`'s leases (the newest tasks), for the
  // other replicas to claim; returns those tasks.
  virtual absl::StatusOr<std::vector<HeldLease>> ShedLeases(
      const std::string& holder, int count) = 0;

  // Gives up every lease of `holder` (a replica draining), so another
  // replica may claim them at once instead of after the TTL; the replica
  // no longer counts as live.
  virtual absl::StatusOr<int64_t> ReleaseLeases(const std::string& holder) = 0;

  // The secret that keys owner hashes (OwnerHasher): made at random by the
  // first gateway that asks, then the same for every replica on this
  // store.
  virtual absl::StatusOr<std::string> OwnerKey() = 0;

  // Tenants: `owner`'s spend on the UTC day holding `day`, and its
  // unfinished tasks at `now`. UNIMPLEMENTED in stores without tenants.
  virtual absl::StatusOr<TenantUsage> GetTenantUsage(const std::string& owner,
                                                     absl::Time day,
                                                     absl::Time now);

 protected:
  // Runs one write call through the method of its name.
  WriteResult RunAlone(const WriteCall& call);
};

// How OpenTaskStore connects.
struct StoreOptions {
  // PostgreSQL connections in the pool: the most store calls that run at
  // once. SQLite always uses one (see OpenTaskStore).
  int connections = 4;
  // PostgreSQL password (e.g. read from a mounted Secret file); empty: the
  // URI's, or libpq's PGPASSWORD / PGPASSFILE.
  std::string postgres_password;
  // SQLite: how long a write waits for another process's write lock.
  absl::Duration sqlite_busy_timeout = absl::Seconds(5);
};

// Opens the store named by `spec`: "sqlite:PATH" or a PostgreSQL URI
// ("postgresql://..." / "postgres://..."), applying schema migrations.
// INVALID_ARGUMENT for an unknown spec, UNAVAILABLE when it cannot be
// opened. Messages never contain the spec's password.
absl::StatusOr<std::unique_ptr<TaskStore>> OpenTaskStore(
    const std::string& spec, const StoreOptions& options = {});

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_TASK_STORE_H_
