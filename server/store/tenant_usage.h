// Tenant usage in the SQL task store: the limits of TenantQuota checked,
// and a create's estimate reserved, in the transaction that records the
// create; reservations settled to the actual cost when a task ends and
// released when the upstream refuses the create. Schema: migration 4.
//
// Concurrent creates of one tenant serialise on its tenant_usage row for
// the day (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one writer at a
// time), so ten replicas racing against a budget for two videos make
// exactly two. With max_unfinished, a create first locks the tenant's
// across-days row (day -1), so the count read after it holds also for two
// creates straddling midnight. A group-commit batch with creates of
// several tenants (or several creates) locks their rows up front in one order
// (LockTenantRows), so batches of several replicas never deadlock on
// them; settlements in a batch still lock rows in the batch's order, and a
// deadlock among those is broken by PostgreSQL failing one batch, whose
// writes then run one by one (TaskStore::WriteBatch).
//
// Called only by SqlTaskStore, inside its transactions.
#ifndef SEEDANCE_SERVER_STORE_TENANT_USAGE_H_
#define SEEDANCE_SERVER_STORE_TENANT_USAGE_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/store/sql_connection.h"
#include "server/store/task_store.h"

namespace seedance::store {

// Days since 1970-01-01 (UTC) of `t`.
int64_t UsageDay(absl::Time t);

// With `create.quota`: checks its limits for `create.owner` (refused: a
// result with `refused` set and nothing recorded), runs `record` (which
// inserts or takes over the create's row), and reserves the estimate on the
// row it made. An earlier create with the same request_id (not a rejected
// one) is answered by `record` without a check or a charge. Without a
// quota: `record` alone.
absl::StatusOr<BeginResult> BeginWithinQuota(
    SqlConnection& conn, const NewCreate& create, absl::Time now,
    absl::FunctionRef<absl::StatusOr<BeginResult>()> record);

// Before a group-commit batch with several creates under quotas (of one
// tenant or several): locks their usage rows in one global order, whatever
// order the creates came in, so that two replicas' batches never wait for
// each other in a cycle (PostgreSQL would break the deadlock only after
// deadlock_timeout, failing one batch). Nothing for fewer than two.
absl::Status LockTenantRows(SqlConnection& conn,
                            absl::Span<const WriteCall> batch);

// The create of `row_id` was refused upstream: its reservation, if any,
// is given back.
absl::Status ReleaseReservation(SqlConnection& conn, int64_t row_id);

// `record` is final: its reservation, if any, becomes its actual cost
// (the estimate when a succeeded task reports no usage; 0 when it failed).
absl::Status SettleReservation(SqlConnection& conn, const TaskRecord& record);

// The task of `row_id` will never be followed again (expired): its
// reservation, if any, is counted as spent at the estimate.
absl::Status SettleAtEstimate(SqlConnection& conn, int64_t row_id);

// `owner`'s figures for the UTC day holding `day`, unfinished at `now`.
absl::StatusOr<TenantUsage> ReadTenantUsage(SqlConnection& conn,
                                            const std::string& owner,
                                            absl::Time day, absl::Time now);

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_TENANT_USAGE_H_
