#include "server/store/tenant_usage.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/variant.h"

namespace seedance::store {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;
// A create still pending after this long died with its gateway: it no
// longer counts as unfinished (CreateFlow calls it unknown after about
// 90 s).
constexpr absl::Duration kStalePending = absl::Minutes(10);

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

absl::StatusOr<int64_t> Unfinished(SqlConnection& conn,
                                   const std::string& owner, absl::Time now) {
  absl::StatusOr<SqlResult> r = conn.Query(
      "SELECT COUNT(*) FROM tasks WHERE owner = $1 AND final = 0 AND "
      "expired = 0 AND create_state IN (1, 2) AND "
      "(create_state = 2 OR create_time > $2)",
      {SqlValue::Text(owner),
       SqlValue::Int(absl::ToUnixMicros(now - kStalePending))});
  if (!r.ok()) return r.status();
  return r->rows.empty() ? 0 : r->rows[0][0].AsInt();
}

// The `day` of the tenant_usage row a create of a tenant with
// max_unfinished locks before its day's row: unfinished tasks are not per
// day, and creates straddling midnight would lock different day rows. It
// never holds any spend (no day is before 1970).
constexpr int64_t kAcrossDays = -1;

// Locks `owner`'s row of `day` (made if absent) until the transaction
// ends; returns reserved + spent.
absl::StatusOr<int64_t> LockDay(SqlConnection& conn, const std::string& owner,
                                int64_t day) {
  absl::StatusOr<SqlResult> made = conn.Query(
      "INSERT INTO tenant_usage (owner, day) VALUES ($1, $2) "
      "ON CONFLICT (owner, day) DO NOTHING",
      {SqlValue::Text(owner), SqlValue::Int(day)});
  if (!made.ok()) return made.status();
  // SQLite has no row locks: its transactions already write one at a time.
  const char* lock =
      conn.dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : "";
  absl::StatusOr<SqlResult> r = conn.Query(
      absl::StrCat("SELECT reserved_micros + spent_micros FROM tenant_usage "
                   "WHERE owner = $1 AND day = $2",
                   lock),
      {SqlValue::Text(owner), SqlValue::Int(day)});
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::InternalError("tenant_usage row missing");
  return r->rows[0][0].AsInt();
}

// The reservation of `row_id` still open: its owner, day and amount.
struct Reservation {
  std::string owner;
  int64_t day = 0;
  int64_t micros = 0;
};

absl::StatusOr<absl::optional<Reservation>> OpenReservation(SqlConnection& conn,
                                                            int64_t row_id) {
  absl::StatusOr<SqlResult> r = conn.Query(
      "SELECT owner, usage_day, reserved_micros FROM tasks "
      "WHERE row_id = $1 AND usage_day IS NOT NULL",
      {SqlValue::Int(row_id)});
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::optional<Reservation>();
  const SqlRow& row = r->rows[0];
  return absl::optional<Reservation>(
      Reservation{row[0].bytes, row[1].AsInt(), row[2].AsInt()});
}

// Closes the reservation of `row_id`, adding `spent` to its day.
absl::Status CloseReservation(SqlConnection& conn, int64_t row_id,
                              int64_t spent, bool use_estimate) {
  absl::StatusOr<absl::optional<Reservation>> open =
      OpenReservation(conn, row_id);
  if (!open.ok()) return open.status();
  if (!open->has_value()) return absl::OkStatus();
  const Reservation& r = **open;
  if (use_estimate) spent = r.micros;
  // The guard makes a settlement count once, whoever else tries.
  absl::StatusOr<SqlResult> closed = conn.Query(
      "UPDATE tasks SET usage_day = NULL, reserved_micros = 0 "
      "WHERE row_id = $1 AND usage_day IS NOT NULL",
      {SqlValue::Int(row_id)});
  if (!closed.ok()) return closed.status();
  if (closed->affected != 1) return absl::OkStatus();
  absl::StatusOr<SqlResult> moved = conn.Query(
      "UPDATE tenant_usage SET reserved_micros = reserved_micros - $3, "
      "spent_micros = spent_micros + $4 WHERE owner = $1 AND day = $2",
      {SqlValue::Text(r.owner), SqlValue::Int(r.day), SqlValue::Int(r.micros),
       SqlValue::Int(spent)});
  return moved.status();
}

}  // namespace

int64_t UsageDay(absl::Time t) {
  return FloorDiv(absl::ToUnixMicros(t), kMicrosPerDay);
}

absl::StatusOr<BeginResult> BeginWithinQuota(
    SqlConnection& conn, const NewCreate& create, absl::Time now,
    absl::FunctionRef<absl::StatusOr<BeginResult>()> record) {
  if (!create.quota.has_value()) return record();
  const TenantQuota& quota = *create.quota;
  const int64_t day = UsageDay(now);
  if (quota.max_unfinished.has_value()) {
    absl::StatusOr<int64_t> all_days = LockDay(conn, create.owner, kAcrossDays);
    if (!all_days.ok()) return all_days.status();
  }
  absl::StatusOr<int64_t> used = LockDay(conn, create.owner, day);
  if (!used.ok()) return used.status();
  if (!create.request_id.empty()) {
    absl::StatusOr<SqlResult> earlier = conn.Query(
        "SELECT create_state FROM tasks WHERE owner = $1 AND request_id = $2",
        {SqlValue::Text(create.owner), SqlValue::Text(create.request_id)});
    if (!earlier.ok()) return earlier.status();
    if (!earlier->rows.empty() &&
        earlier->rows[0][0].AsInt() !=
            static_cast<int64_t>(CreateState::kRejected)) {
      return record();  // the earlier create answers; nothing new is spent
    }
  }
  if (quota.max_unfinished.has_value()) {
    absl::StatusOr<int64_t> unfinished = Unfinished(conn, create.owner, now);
    if (!unfinished.ok()) return unfinished.status();
    if (*unfinished >= *quota.max_unfinished) {
      BeginResult refused;
      refused.refused = QuotaRefusal{
          "max_unfinished",
          absl::StrCat(*unfinished, " tasks unfinished, the limit is ",
                       *quota.max_unfinished)};
      return refused;
    }
  }
  const int64_t estimate = create.price.estimated_micros();
  if (quota.daily_budget_micros.has_value() &&
      *used + estimate > *quota.daily_budget_micros) {
    BeginResult refused;
    refused.refused = QuotaRefusal{
        "daily_budget_micros",
        absl::StrCat("today (UTC) ", *used, " micros are spent or reserved; ",
                     "this create's estimate of ", estimate,
                     " would pass the budget of ", *quota.daily_budget_micros)};
    return refused;
  }
  absl::StatusOr<BeginResult> begun = record();
  if (!begun.ok() || !begun->send) return begun;
  absl::StatusOr<SqlResult> marked = conn.Query(
      "UPDATE tasks SET usage_day = $2, reserved_micros = $3 "
      "WHERE row_id = $1",
      {SqlValue::Int(begun->record.row_id), SqlValue::Int(day),
       SqlValue::Int(estimate)});
  if (!marked.ok()) return marked.status();
  absl::StatusOr<SqlResult> reserved = conn.Query(
      "UPDATE tenant_usage SET reserved_micros = reserved_micros + $3 "
      "WHERE owner = $1 AND day = $2",
      {SqlValue::Text(create.owner), SqlValue::Int(day),
       SqlValue::Int(estimate)});
  if (!reserved.ok()) return reserved.status();
  return begun;
}

absl::Status LockTenantRows(SqlConnection& conn,
                            absl::Span<const WriteCall> batch) {
  // One order for every transaction (all across-days rows, then all day
  // rows, each by owner), the order BeginWithinQuota takes a create's two.
  std::set<std::string> across_days;
  std::set<std::pair<std::string, int64_t>> days;
  int creates = 0;
  for (const WriteCall& call : batch) {
    const auto* begin = absl::get_if<BeginCreateCall>(&call);
    if (begin == nullptr || !begin->create.quota.has_value()) continue;
    ++creates;
    if (begin->create.quota->max_unfinished.has_value()) {
      across_days.insert(begin->create.owner);
    }
    days.emplace(begin->create.owner, UsageDay(begin->now));
  }
  // One create takes its rows in that order by itself.
  if (creates < 2) return absl::OkStatus();
  for (const std::string& owner : across_days) {
    if (absl::StatusOr<int64_t> s = LockDay(conn, owner, kAcrossDays);
        !s.ok()) {
      return s.status();
    }
  }
  for (const auto& [owner, day] : days) {
    if (absl::StatusOr<int64_t> s = LockDay(conn, owner, day); !s.ok()) {
      return s.status();
    }
  }
  return absl::OkStatus();
}

absl::Status ReleaseReservation(SqlConnection& conn, int64_t row_id) {
  return CloseReservation(conn, row_id, 0, /*use_estimate=*/false);
}

absl::Status SettleReservation(SqlConnection& conn, const TaskRecord& record) {
  if (!record.final) return absl::OkStatus();
  const v1::Price& price = record.video.price();
  if (price.has_actual_micros()) {
    return CloseReservation(conn, record.row_id, price.actual_micros(),
                            /*use_estimate=*/false);
  }
  // No usage reported: a failed generation is not billed; a succeeded one
  // without usage is counted at its estimate.
  const bool succeeded = record.video.status() == v1::VIDEO_STATUS_SUCCEEDED;
  return CloseReservation(conn, record.row_id, 0, /*use_estimate=*/succeeded);
}

absl::Status SettleAtEstimate(SqlConnection& conn, int64_t row_id) {
  return CloseReservation(conn, row_id, 0, /*use_estimate=*/true);
}

absl::StatusOr<TenantUsage> ReadTenantUsage(SqlConnection& conn,
                                            const std::string& owner,
                                            absl::Time day, absl::Time now) {
  TenantUsage usage;
  const int64_t n = UsageDay(day);
  usage.day = absl::FromUnixMicros(n * kMicrosPerDay);
  absl::StatusOr<SqlResult> r = conn.Query(
      "SELECT reserved_micros, spent_micros FROM tenant_usage "
      "WHERE owner = $1 AND day = $2",
      {SqlValue::Text(owner), SqlValue::Int(n)});
  if (!r.ok()) return r.status();
  if (!r->rows.empty()) {
    usage.reserved_micros = r->rows[0][0].AsInt();
    usage.spent_micros = r->rows[0][1].AsInt();
  }
  absl::StatusOr<int64_t> unfinished = Unfinished(conn, owner, now);
  if (!unfinished.ok()) return unfinished.status();
  usage.unfinished = *unfinished;
  return usage;
}

}  // namespace seedance::store
