#include "server/store/sql_task_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/common/video_status.h"
#include "server/store/change_feed.h"
#include "server/store/owner_hasher.h"
#include "server/store/schema.h"
#include "server/store/task_rows.h"
#include "server/store/tenant_usage.h"
#include "server/upstream/request_validator.h"

namespace seedance::store {
namespace {

// The record in a row that selected kTaskColumnList.
absl::StatusOr<TaskRecord> ReadTask(const SqlRow& row) {
  if (row.size() != 19) {
    return absl::InternalError("task store: unexpected task row shape");
  }
  TaskColumns c;
  c.row_id = row[0].AsInt();
  c.owner = row[1].bytes;
  c.task_id = row[2].bytes;
  c.request_id = row[3].bytes;
  c.request_hash = row[4].bytes;
  c.create_state = static_cast<int>(row[5].AsInt());
  c.create_error_code = static_cast<int>(row[6].AsInt());
  c.create_error_message = row[7].bytes;
  c.sequence = row[8].AsInt();
  c.video = row[9].bytes;
  if (!row[10].null) c.price = row[10].bytes;
  c.create_micros = row[11].AsInt();
  c.update_micros = row[12].AsInt();
  c.final = row[13].AsInt() != 0;
  c.expired = row[14].AsInt() != 0;
  c.lease_holder = row[15].bytes;
  c.lease_epoch = row[16].AsInt();
  c.lease_expires_micros = row[17].AsInt();
  c.last_contact_micros = row[18].AsInt();
  return RecordFromColumns(c);
}

absl::StatusOr<std::vector<TaskRecord>> ReadTasks(const SqlResult& result) {
  std::vector<TaskRecord> out;
  out.reserve(result.rows.size());
  for (const SqlRow& row : result.rows) {
    absl::StatusOr<TaskRecord> record = ReadTask(row);
    if (!record.ok()) return record.status();
    out.push_back(*std::move(record));
  }
  return out;
}

// The one task a query selected; NOT_FOUND naming `what` when none.
absl::StatusOr<TaskRecord> OneTask(absl::StatusOr<SqlResult> result,
                                   const std::string& what) {
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return absl::NotFoundError(what);
  return ReadTask(result->rows.front());
}

// BeginCreate's new row: its first state and the lease of its creator.
struct BeginPlan {
  v1::Video video;
  Lease lease;
};

BeginPlan PlanBegin(const NewCreate& create, absl::Time now) {
  BeginPlan plan;
  plan.video.set_model(create.model);
  // The creating replica polls the task it creates (epoch 1 of its lease).
  plan.lease.expires = FromMicros(0);
  if (!create.lease_holder.empty()) {
    plan.lease.holder = create.lease_holder;
    plan.lease.epoch = 1;
    plan.lease.expires = now + create.lease_ttl;
  }
  return plan;
}

// The insert of a new create; no row returned: its request_id was used.
SqlStatement BeginInsert(const NewCreate& create, absl::Time now,
                         const BeginPlan& plan) {
  return SqlStatement{
      "INSERT INTO tasks (owner, request_id, request_hash, model, "
      "create_state, status, sequence, video, price, create_time, "
      "update_time, lease_holder, lease_epoch, lease_expires) "
      "VALUES ($1, $2, $3, $4, 1, 0, 0, $5, $6, $7, $7, $8, $9, $10) "
      "ON CONFLICT (owner, request_id) WHERE request_id IS NOT NULL "
      "DO NOTHING RETURNING row_id",
      {SqlValue::Text(create.owner), SqlValue::TextOrNull(create.request_id),
       SqlValue::Text(create.request_hash), SqlValue::Text(create.model),
       SqlValue::Blob(StoredVideo(plan.video)),
       SqlValue::Blob(create.price.SerializeAsString()),
       SqlValue::Int(ToMicros(now)), SqlValue::TextOrNull(plan.lease.holder),
       SqlValue::Int(plan.lease.epoch),
       SqlValue::Int(ToMicros(plan.lease.expires))}};
}

// The answer to a create whose row BeginInsert made.
BeginResult Begun(const NewCreate& create, absl::Time now,
                  const BeginPlan& plan, int64_t row_id) {
  BeginResult result;
  TaskRecord& r = result.record;
  r.row_id = row_id;
  r.owner = create.owner;
  r.request_id = create.request_id;
  r.request_hash = create.request_hash;
  r.create_state = CreateState::kPending;
  r.video = plan.video;
  *r.video.mutable_price() = create.price;
  r.create_time = r.update_time = now;
  r.lease = plan.lease;
  result.send = true;
  return result;
}

// FinishCreate's usual case: the pending create `row_id` becomes the
// created task, unless a poll recorded the task first (then it changes
// nothing, returns no row, and the rows are merged). The row it returns
// says whether a tenant reservation is open (CreatedUpdateReserved): only
// then does an answer that is already final have anything to settle, so
// the usual final answer (a task failed at once, or the bench's tasks)
// costs this one statement too.
SqlStatement CreatedUpdate(int64_t row_id, const v1::Video& video,
                           absl::Time now) {
  return SqlStatement{
      "UPDATE tasks SET create_state = 2, task_id = $2, status = $3, "
      "video = $4, update_time = $5, final = $6, sequence = $7 "
      "WHERE row_id = $1 AND create_state = 1 AND NOT EXISTS ("
      "SELECT 1 FROM tasks s WHERE s.owner = tasks.owner "
      "AND s.task_id = $2 AND s.create_state = 5) "
      "RETURNING CASE WHEN usage_day IS NULL THEN 0 ELSE 1 END",
      {SqlValue::Int(row_id), SqlValue::Text(video.id()),
       SqlValue::Int(video.status()), SqlValue::Blob(StoredVideo(video)),
       SqlValue::Int(ToMicros(now)),
       SqlValue::Int(IsFinal(video.status()) ? 1 : 0),
       SqlValue::Int(StageSequence(video.status()))}};
}

// Whether the row CreatedUpdate changed holds an open tenant reservation.
// `result` has the row: the update changed it.
bool CreatedUpdateReserved(const SqlResult& result) {
  const SqlRow& row = result.rows.front();
  return row.empty() || row.front().AsInt() != 0;  // unknown: settle
}

// The create's answer is the task's first observed state: its transition
// is recorded with the outcome, in the same transaction (held back, on
// PostgreSQL, to travel with the commit).
absl::Status RecordFirstTransition(SqlConnection& conn, int64_t row_id,
                                   const v1::Video& video, absl::Time now) {
  if (StageSequence(video.status()) <= 0) return absl::OkStatus();
  return conn.Defer(
      "INSERT INTO transitions (row_id, sequence, status, "
      "upstream_status, observed) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (row_id, sequence) DO NOTHING",
      {SqlValue::Int(row_id), SqlValue::Int(StageSequence(video.status())),
       SqlValue::Int(video.status()), SqlValue::Text(video.upstream_status()),
       SqlValue::Int(ToMicros(now))});
}

std::string RecordObservationSql(bool fenced);

// RecordObservation's one statement: records the observation and returns
// the row. The first sight of a task created elsewhere is inserted
// (without a price); otherwise a newer sequence is a transition (new
// state, new update_time), the same sequence refreshes the state only, and
// an older one is stale (no row returned). Under a lease, only while its
// holder and epoch still hold it (else no row). The last column says
// whether a tenant's reservation is still open on the row.
SqlStatement ObservationUpsert(const std::string& owner,
                               const std::string& task_id,
                               const Observation& observation) {
  static const std::string* const kUpsert[2] = {
      new std::string(RecordObservationSql(/*fenced=*/false)),
      new std::string(RecordObservationSql(/*fenced=*/true))};
  const v1::Video& v = observation.video;
  const Lease& fence = observation.fence;
  SqlStatement st{
      *kUpsert[fence.holder.empty() ? 0 : 1],
      {SqlValue::Text(owner), SqlValue::Text(task_id),
       SqlValue::Text(v.model()), SqlValue::Int(v.status()),
       SqlValue::Int(observation.sequence), SqlValue::Blob(StoredVideo(v)),
       SqlValue::Int(ToMicros(observation.observed)),
       SqlValue::Int(IsFinal(v.status()) ? 1 : 0)}};
  if (!fence.holder.empty()) {
    st.params.push_back(SqlValue::Text(fence.holder));
    st.params.push_back(SqlValue::Int(fence.epoch));
  }
  return st;
}

// After ObservationUpsert: the record it returned, with its transition and
// change notice held back; nullopt when it returned none.
// `reservation_open` is set from the row.
absl::StatusOr<absl::optional<TaskRecord>> UpsertedRow(
    SqlConnection& conn, const std::string& task_id,
    const Observation& observation, SqlResult& written,
    bool* reservation_open) {
  if (written.rows.empty()) return absl::optional<TaskRecord>();
  SqlRow& row = written.rows.front();
  if (row.size() != 20) {
    return absl::InternalError("task store: unexpected task row shape");
  }
  *reservation_open = row.back().AsInt() != 0;
  row.pop_back();
  absl::StatusOr<TaskRecord> record = ReadTask(row);
  if (!record.ok()) return record.status();
  const v1::Video& v = observation.video;
  if (observation.sequence > 0) {
    if (absl::Status s = conn.Defer(
            "INSERT INTO transitions (row_id, sequence, status, "
            "upstream_status, observed) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (row_id, sequence) DO NOTHING",
            {SqlValue::Int(record->row_id), SqlValue::Int(observation.sequence),
             SqlValue::Int(v.status()), SqlValue::Text(v.upstream_status()),
             SqlValue::Int(ToMicros(observation.observed))});
        !s.ok()) {
      return s;
    }
  }
  if (conn.dialect() == SqlDialect::kPostgres) {
    // Fleet mode: the other replicas' watchers of this task read it again
    // (ChangeFeed). Sent at commit, so they read what was written; only
    // the id travels, never the state.
    if (absl::Status s = conn.Defer(
            "SELECT pg_notify($1, $2)",
            {SqlValue::Text(kTaskChangesChannel), SqlValue::Text(task_id)});
        !s.ok()) {
      return s;
    }
  }
  return absl::optional<TaskRecord>(*std::move(record));
}

// FAILED_PRECONDITION when `record` is no longer under `fence` (the lease
// this replica wrote under moved on).
absl::Status FenceHolds(const TaskRecord& record, const std::string& task_id,
                        const Lease& fence) {
  if (fence.holder.empty() || (record.lease.holder == fence.holder &&
                               record.lease.epoch == fence.epoch)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("task ", task_id, ": lease lost (epoch ", fence.epoch,
                   " of this replica, now ", record.lease.epoch, ")"));
}

// RecordObservation's upsert (see there); `fenced` adds the lease
// condition on $9 (holder) and $10 (epoch).
std::string RecordObservationSql(bool fenced) {
  return absl::StrCat(
      "INSERT INTO tasks (owner, task_id, request_hash, model, create_state, "
      "status, sequence, video, create_time, update_time, final) "
      "VALUES ($1, $2, '', $3, 5, $4, $5, $6, $7, $7, $8) "
      "ON CONFLICT (owner, task_id) WHERE task_id IS NOT NULL DO UPDATE SET "
      "video = excluded.video, status = excluded.status, "
      "final = excluded.final, update_time = CASE WHEN tasks.sequence < "
      "excluded.sequence THEN excluded.update_time ELSE tasks.update_time "
      "END, sequence = excluded.sequence "
      "WHERE tasks.sequence <= excluded.sequence",
      fenced ? " AND tasks.lease_holder = $9 AND tasks.lease_epoch = $10" : "",
      " RETURNING ", kTaskColumnList,
      ", CASE WHEN usage_day IS NULL THEN 0 ELSE 1 END");
}

const std::string& SelectTasks() {
  static const std::string* sql =
      new std::string(absl::StrCat("SELECT ", kTaskColumnList, " FROM tasks "));
  return *sql;
}

// `owners` as one JSON array of strings, the one parameter a statement
// unpacks with OwnersIn(). Owners are the store's hex digests; anything a
// JSON string would need escaped is refused rather than escaped.
absl::StatusOr<std::string> OwnersJson(absl::Span<const std::string> owners) {
  std::string json = "[";
  for (const std::string& owner : owners) {
    for (const char c : owner) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\' || u < 0x20 || u >= 0x7f) {
        return absl::InvalidArgumentError(
            "owners: an owner holds a character owners never have");
      }
    }
    if (json.size() > 1) json += ",";
    absl::StrAppend(&json, "\"", owner, "\"");
  }
  json += "]";
  return json;
}

// "owner IN (...)" over the JSON array of parameter `param`.
std::string OwnersIn(SqlDialect dialect, absl::string_view param) {
  return dialect == SqlDialect::kPostgres
             ? absl::StrCat("owner IN (SELECT jsonb_array_elements_text(",
                            param, "::jsonb))")
             : absl::StrCat("owner IN (SELECT value FROM json_each(", param,
                            "))");
}

}  // namespace

SqlTaskStore::SqlTaskStore(std::unique_ptr<ConnectionPool> pool)
    : pool_(std::move(pool)) {}

absl::StatusOr<std::unique_ptr<SqlTaskStore>> SqlTaskStore::Open(
    std::unique_ptr<ConnectionPool> pool) {
  std::unique_ptr<SqlTaskStore> store(new SqlTaskStore(std::move(pool)));
  absl::StatusOr<ConnectionPool::Lease> conn = store->pool_->Acquire();
  if (!conn.ok()) return conn.status();
  if (absl::Status s = Migrate(**conn); !s.ok()) return s;
  return store;
}

absl::StatusOr<int> SqlTaskStore::schema_version() {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return SchemaVersion(**conn);
}

template <typename T, typename Body>
absl::StatusOr<T> SqlTaskStore::InTransaction(Body body) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  SqlTransaction tx(**conn);
  if (absl::Status s = tx.Begin(); !s.ok()) return s;
  absl::StatusOr<T> result = body(**conn);
  if (!result.ok()) return result;  // rolled back
  if (absl::Status s = tx.Commit(); !s.ok()) return s;
  return result;
}

std::vector<WriteResult> SqlTaskStore::WriteBatch(
    absl::Span<const WriteCall> batch) {
  if (batch.size() > 1) {
    absl::StatusOr<std::vector<WriteResult>> together = WritePipelined(batch);
    // ABORTED: some call needs more than its usual one statement.
    if (absl::IsAborted(together.status())) together = WriteTogether(batch);
    if (together.ok()) return *std::move(together);
  }
  // One call, or a batch that failed somewhere: each call alone, so that
  // each gets its own answer and a bad one fails only itself.
  return TaskStore::WriteBatch(batch);
}

namespace {

// What WritePipelined does with a call's one statement.
struct PipelinedCall {
  const WriteCall* call;
  BeginPlan plan;  // BeginCreate's
};

absl::Status NotPipelined() {
  return absl::AbortedError("a write of the batch needs its own statements");
}

}  // namespace

absl::StatusOr<std::vector<WriteResult>> SqlTaskStore::WritePipelined(
    absl::Span<const WriteCall> batch) {
  // Only the usual cases, each one statement: a new create without tenant
  // limits, a created task's outcome, an observation.
  std::vector<PipelinedCall> calls;
  std::vector<SqlStatement> statements;
  calls.reserve(batch.size());
  statements.reserve(batch.size());
  for (const WriteCall& call : batch) {
    PipelinedCall c{&call, {}};
    if (const auto* begin = absl::get_if<BeginCreateCall>(&call)) {
      if (begin->create.quota.has_value() || begin->create.owner.empty()) {
        return NotPipelined();
      }
      c.plan = PlanBegin(begin->create, begin->now);
      statements.push_back(BeginInsert(begin->create, begin->now, c.plan));
    } else if (const auto* finish = absl::get_if<FinishCreateCall>(&call)) {
      if (finish->outcome != CreateState::kCreated ||
          !upstream::ValidateTaskId(finish->video.id(), "id").ok()) {
        return NotPipelined();
      }
      statements.push_back(
          CreatedUpdate(finish->row_id, finish->video, finish->now));
    } else if (const auto* seen = absl::get_if<RecordObservationCall>(&call)) {
      statements.push_back(
          ObservationUpsert(seen->owner, seen->task_id, seen->observation));
    } else {
      return NotPipelined();
    }
    calls.push_back(std::move(c));
  }
  return InTransaction<std::vector<WriteResult>>(
      [&](SqlConnection& conn) -> absl::StatusOr<std::vector<WriteResult>> {
        // On PostgreSQL one round trip for the whole batch, in the order
        // the calls came (as if each ran alone, in turn: no call's
        // statement reads what a later one writes, and what each adds
        // after its statement is held back to the commit).
        absl::StatusOr<std::vector<SqlResult>> done = conn.QueryAll(statements);
        if (!done.ok()) return done.status();
        if (done->size() != calls.size()) {
          return absl::InternalError("task store: a pipelined result missing");
        }
        std::vector<WriteResult> results;
        results.reserve(calls.size());
        for (size_t i = 0; i < calls.size(); ++i) {
          const WriteCall& call = *calls[i].call;
          SqlResult& r = (*done)[i];
          if (const auto* begin = absl::get_if<BeginCreateCall>(&call)) {
            if (r.rows.empty()) return NotPipelined();  // a used request_id
            results.emplace_back(absl::in_place_index<0>,
                                 Begun(begin->create, begin->now, calls[i].plan,
                                       r.rows[0][0].AsInt()));
          } else if (const auto* finish =
                         absl::get_if<FinishCreateCall>(&call)) {
            if (r.rows.size() != 1) return NotPipelined();  // rows to merge
            // An answer already final with a reservation to settle.
            if (IsFinal(finish->video.status()) && CreatedUpdateReserved(r)) {
              return NotPipelined();
            }
            if (absl::Status s = RecordFirstTransition(
                    conn, finish->row_id, finish->video, finish->now);
                !s.ok()) {
              return s;
            }
            results.emplace_back(absl::in_place_index<1>, absl::OkStatus());
          } else if (const auto* seen =
                         absl::get_if<RecordObservationCall>(&call)) {
            bool reservation_open = true;
            absl::StatusOr<absl::optional<TaskRecord>> row = UpsertedRow(
                conn, seen->task_id, seen->observation, r, &reservation_open);
            if (!row.ok()) return row.status();
            // Stale, a lost lease, or a reservation to settle.
            if (!row->has_value() ||
                !FenceHolds(**row, seen->task_id, seen->observation.fence)
                     .ok() ||
                (reservation_open && (*row)->final)) {
              return NotPipelined();
            }
            results.emplace_back(absl::in_place_index<2>, **std::move(row));
          }
        }
        return results;
      });
}

absl::StatusOr<std::vector<WriteResult>> SqlTaskStore::WriteTogether(
    absl::Span<const WriteCall> batch) {
  return InTransaction<std::vector<WriteResult>>(
      [&](SqlConnection& conn) -> absl::StatusOr<std::vector<WriteResult>> {
        if (absl::Status s = LockTenantRows(conn, batch); !s.ok()) return s;
        std::vector<WriteResult> results;
        results.reserve(batch.size());
        for (const WriteCall& call : batch) {
          absl::Status status = absl::OkStatus();
          if (const auto* begin = absl::get_if<BeginCreateCall>(&call)) {
            absl::StatusOr<BeginResult> r =
                BeginCreateIn(conn, begin->create, begin->now);
            status = r.status();
            results.emplace_back(absl::in_place_index<0>, std::move(r));
          } else if (const auto* finish =
                         absl::get_if<FinishCreateCall>(&call)) {
            status = FinishCreateIn(conn, finish->row_id, finish->outcome,
                                    finish->video, finish->error, finish->now);
            results.emplace_back(absl::in_place_index<1>, status);
          } else if (const auto* seen =
                         absl::get_if<RecordObservationCall>(&call)) {
            absl::StatusOr<TaskRecord> r = RecordObservationIn(
                conn, seen->owner, seen->task_id, seen->observation);
            status = r.status();
            results.emplace_back(absl::in_place_index<2>, std::move(r));
          }
          // The whole batch is undone; WriteBatch runs each call alone.
          if (!status.ok()) return status;
        }
        return results;
      });
}

absl::StatusOr<BeginResult> SqlTaskStore::BeginCreate(const NewCreate& create,
                                                      absl::Time now) {
  return InTransaction<BeginResult>(
      [&](SqlConnection& conn) { return BeginCreateIn(conn, create, now); });
}

absl::StatusOr<BeginResult> SqlTaskStore::BeginCreateIn(SqlConnection& conn,
                                                        const NewCreate& create,
                                                        absl::Time now) {
  // Tenants: limits checked and the estimate reserved around the record.
  return BeginWithinQuota(conn, create, now,
                          [&] { return BeginCreateRowIn(conn, create, now); });
}

absl::StatusOr<BeginResult> SqlTaskStore::BeginCreateRowIn(
    SqlConnection& conn, const NewCreate& create, absl::Time now) {
  if (create.owner.empty()) {
    return absl::InvalidArgumentError("owner: required");
  }
  const BeginPlan plan = PlanBegin(create, now);
  const Lease& lease = plan.lease;
  // A request_id already used by this owner makes nothing new: the unique
  // index turns the insert into a no-op (also against a concurrent insert,
  // which it waits for), and the earlier row is read instead.
  const SqlStatement insert = BeginInsert(create, now, plan);
  absl::StatusOr<SqlResult> inserted = conn.Query(insert.sql, insert.params);
  if (!inserted.ok()) return inserted.status();
  if (!inserted->rows.empty()) {
    return Begun(create, now, plan, inserted->rows[0][0].AsInt());
  }
  BeginResult result;
  absl::StatusOr<TaskRecord> earlier = OneTask(
      conn.Query(
          SelectTasks() + "WHERE owner = $1 AND request_id = $2",
          {SqlValue::Text(create.owner), SqlValue::Text(create.request_id)}),
      absl::StrCat("request_id ", create.request_id));
  if (!earlier.ok()) return earlier.status();
  result.record = *std::move(earlier);
  if (result.record.create_state != CreateState::kRejected ||
      result.record.request_hash != create.request_hash) {
    return result;  // send = false; nothing written
  }
  // A refused create may be sent again. The state check makes the takeover
  // atomic: of concurrent retries, one changes the row.
  absl::StatusOr<SqlResult> retaken = conn.Query(
      "UPDATE tasks SET create_state = 1, create_error_code = 0, "
      "create_error_message = '', create_time = $2, update_time = $2, "
      "lease_holder = $3, lease_epoch = lease_epoch + 1, lease_expires = $4 "
      "WHERE row_id = $1 AND create_state = 4 RETURNING lease_epoch",
      {SqlValue::Int(result.record.row_id), SqlValue::Int(ToMicros(now)),
       SqlValue::TextOrNull(lease.holder),
       SqlValue::Int(ToMicros(lease.expires))});
  if (!retaken.ok()) return retaken.status();
  if (!retaken->rows.empty()) {
    result.record.create_state = CreateState::kPending;
    result.record.create_error = absl::OkStatus();
    result.record.create_time = result.record.update_time = now;
    result.record.lease = lease;
    result.record.lease.epoch = retaken->rows[0][0].AsInt();
    result.send = true;
  }
  return result;
}

absl::Status SqlTaskStore::FinishCreate(int64_t row_id, CreateState outcome,
                                        const v1::Video& video,
                                        const absl::Status& error,
                                        absl::Time now) {
  return InTransaction<absl::monostate>(
             [&](SqlConnection& conn) -> absl::StatusOr<absl::monostate> {
               absl::Status s =
                   FinishCreateIn(conn, row_id, outcome, video, error, now);
               if (!s.ok()) return s;
               return absl::monostate();
             })
      .status();
}

absl::Status SqlTaskStore::FinishCreateIn(SqlConnection& conn, int64_t row_id,
                                          CreateState outcome,
                                          const v1::Video& video,
                                          const absl::Status& error,
                                          absl::Time now) {
  absl::StatusOr<SqlResult> updated;
  if (outcome == CreateState::kCreated) {
    if (absl::Status s = upstream::ValidateTaskId(video.id(), "id"); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a created task needs a valid id: ", s.message()));
    }
    auto record_first_transition = [&]() {
      return RecordFirstTransition(conn, row_id, video, now);
    };
    // Tenants: a task ended already (failed at once, or a poll saw its end
    // first) gets no observation that would settle its reservation, so
    // its outcome does.
    auto settle_if_ended = [&](bool ended) -> absl::Status {
      if (!ended) return absl::OkStatus();
      absl::StatusOr<TaskRecord> record =
          OneTask(conn.Query(SelectTasks() + "WHERE row_id = $1",
                             {SqlValue::Int(row_id)}),
                  absl::StrCat("task row ", row_id));
      if (!record.ok()) return record.status();
      return SettleReservation(conn, *record);
    };
    // Usually no poll has recorded the task yet: one statement, which
    // changes nothing when one has (then the row is merged below).
    const SqlStatement direct_update = CreatedUpdate(row_id, video, now);
    absl::StatusOr<SqlResult> direct =
        conn.Query(direct_update.sql, direct_update.params);
    if (!direct.ok()) return direct.status();
    if (direct->rows.size() == 1) {
      if (absl::Status s = record_first_transition(); !s.ok()) return s;
      return settle_if_ended(IsFinal(video.status()) &&
                             CreatedUpdateReserved(*direct));
    }
    // A poll may have recorded the task (as seen elsewhere) before this
    // outcome could be written (the store was down in between): the row
    // of the create takes that row's transitions and newer state over.
    absl::StatusOr<SqlResult> seen = conn.Query(
        "SELECT s.row_id, s.status, s.sequence, s.video, s.update_time, "
        "s.final FROM tasks s JOIN tasks p ON p.owner = s.owner "
        "WHERE p.row_id = $1 AND p.create_state = 1 AND s.task_id = $2 "
        "AND s.create_state = 5",
        {SqlValue::Int(row_id), SqlValue::Text(video.id())});
    if (!seen.ok()) return seen.status();
    SqlValue status = SqlValue::Int(video.status());
    SqlValue sequence = SqlValue::Int(StageSequence(video.status()));
    SqlValue stored = SqlValue::Blob(StoredVideo(video));
    SqlValue at = SqlValue::Int(ToMicros(now));
    bool ended = IsFinal(video.status());
    SqlValue final = SqlValue::Int(ended ? 1 : 0);
    bool took_over_newer = false;
    if (!seen->rows.empty()) {
      const SqlRow& row = seen->rows[0];
      const int64_t seen_row = row[0].AsInt();
      if (row[2].AsInt() > 0) {
        took_over_newer = true;
        status = SqlValue::Int(row[1].AsInt());
        sequence = SqlValue::Int(row[2].AsInt());
        stored = SqlValue::Blob(row[3].bytes);
        at = SqlValue::Int(row[4].AsInt());
        ended = row[5].AsInt() != 0;
        final = SqlValue::Int(ended ? 1 : 0);
      }
      absl::StatusOr<SqlResult> moved =
          conn.Query("UPDATE transitions SET row_id = $1 WHERE row_id = $2",
                     {SqlValue::Int(row_id), SqlValue::Int(seen_row)});
      if (!moved.ok()) return moved.status();
      absl::StatusOr<SqlResult> dropped = conn.Query(
          "DELETE FROM tasks WHERE row_id = $1", {SqlValue::Int(seen_row)});
      if (!dropped.ok()) return dropped.status();
    }
    updated = conn.Query(
        "UPDATE tasks SET create_state = 2, task_id = $2, status = $3, "
        "video = $4, update_time = $5, final = $6, sequence = $7 "
        "WHERE row_id = $1 AND create_state = 1",
        {SqlValue::Int(row_id), SqlValue::Text(video.id()), status, stored, at,
         final, sequence});
    if (!updated.ok()) return updated.status();
    if (updated->affected != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("task row ", row_id, " is not a pending create"));
    }
    if (!took_over_newer) {
      if (absl::Status s = record_first_transition(); !s.ok()) return s;
    }
    return settle_if_ended(ended);
  } else if (outcome == CreateState::kRejected ||
             outcome == CreateState::kUnknown) {
    // An error-less failure still needs a code: UNKNOWN says "no answer".
    const absl::StatusCode code =
        error.ok() ? absl::StatusCode::kUnknown : error.code();
    updated = conn.Query(
        "UPDATE tasks SET create_state = $2, create_error_code = $3, "
        "create_error_message = $4, update_time = $5 "
        "WHERE row_id = $1 AND create_state = 1",
        {SqlValue::Int(row_id), SqlValue::Int(static_cast<int>(outcome)),
         SqlValue::Int(static_cast<int>(code)),
         SqlValue::Text(std::string(error.message())),
         SqlValue::Int(ToMicros(now))});
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("a create cannot finish as ", CreateStateName(outcome)));
  }
  if (!updated.ok()) return updated.status();
  if (updated->affected != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("task row ", row_id, " is not a pending create"));
  }
  // Tenants: nothing was created, so nothing stays reserved.
  if (outcome == CreateState::kRejected) {
    return ReleaseReservation(conn, row_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<TaskRecord> SqlTaskStore::RecordObservation(
    const std::string& owner, const std::string& task_id,
    const Observation& observation) {
  return InTransaction<TaskRecord>([&](SqlConnection& conn) {
    return RecordObservationIn(conn, owner, task_id, observation);
  });
}

absl::StatusOr<TaskRecord> SqlTaskStore::RecordObservationIn(
    SqlConnection& conn, const std::string& owner, const std::string& task_id,
    const Observation& observation) {
  const SqlStatement upsert = ObservationUpsert(owner, task_id, observation);
  absl::StatusOr<SqlResult> written = conn.Query(upsert.sql, upsert.params);
  if (!written.ok()) return written.status();
  bool reservation_open = true;  // unknown: SettleReservation looks
  absl::StatusOr<absl::optional<TaskRecord>> upserted =
      UpsertedRow(conn, task_id, observation, *written, &reservation_open);
  if (!upserted.ok()) return upserted.status();
  absl::StatusOr<TaskRecord> record =
      upserted->has_value()
          ? absl::StatusOr<TaskRecord>(**std::move(upserted))
          // Stale, or the lease is no longer this replica's: the row as
          // it is.
          : OneTask(
                conn.Query(SelectTasks() + "WHERE owner = $1 AND task_id = $2",
                           {SqlValue::Text(owner), SqlValue::Text(task_id)}),
                absl::StrCat("task ", task_id));
  if (record.ok()) {
    if (absl::Status s = FenceHolds(*record, task_id, observation.fence);
        !s.ok()) {
      return s;
    }
  }
  // Tenants: a task that ended turns its reservation into its cost.
  if (record.ok() && reservation_open) {
    if (absl::Status s = SettleReservation(conn, *record); !s.ok()) return s;
  }
  return record;
}

absl::StatusOr<TaskRecord> SqlTaskStore::GetTask(const std::string& owner,
                                                 const std::string& task_id) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return OneTask(
      (*conn)->Query(SelectTasks() + "WHERE owner = $1 AND task_id = $2",
                     {SqlValue::Text(owner), SqlValue::Text(task_id)}),
      absl::StrCat("task ", task_id));
}

absl::StatusOr<TaskRecord> SqlTaskStore::GetByRequestId(
    const std::string& owner, const std::string& request_id) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return OneTask(
      (*conn)->Query(SelectTasks() + "WHERE owner = $1 AND request_id = $2",
                     {SqlValue::Text(owner), SqlValue::Text(request_id)}),
      absl::StrCat("request_id ", request_id));
}

absl::StatusOr<std::vector<TransitionRecord>> SqlTaskStore::Transitions(
    const std::string& owner, const std::string& task_id) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<SqlResult> result = (*conn)->Query(
      "SELECT t.sequence, t.status, t.upstream_status, t.observed "
      "FROM transitions t JOIN tasks k ON k.row_id = t.row_id "
      "WHERE k.owner = $1 AND k.task_id = $2 ORDER BY t.sequence",
      {SqlValue::Text(owner), SqlValue::Text(task_id)});
  if (!result.ok()) return result.status();
  std::vector<TransitionRecord> out;
  out.reserve(result->rows.size());
  for (const SqlRow& row : result->rows) {
    TransitionRecord t;
    t.sequence = row[0].AsInt();
    t.status = static_cast<v1::VideoStatus>(row[1].AsInt());
    t.upstream_status = row[2].bytes;
    t.observed = FromMicros(row[3].AsInt());
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<ListPage> SqlTaskStore::ListTasks(const ListQuery& query) {
  absl::StatusOr<ListStatement> st = BuildListStatement(query);
  if (!st.ok()) return st.status();
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<SqlResult> result = (*conn)->Query(st->sql, st->params);
  if (!result.ok()) return result.status();
  // The statement asks for one row more than a page: its presence says
  // another page follows.
  const bool more = static_cast<int>(result->rows.size()) > query.page_size;
  if (more) result->rows.resize(static_cast<size_t>(query.page_size));
  absl::StatusOr<std::vector<TaskRecord>> tasks = ReadTasks(*result);
  if (!tasks.ok()) return tasks.status();
  ListPage page;
  page.tasks = *std::move(tasks);
  if (more) {
    const TaskRecord& last = page.tasks.back();
    page.next_page_token =
        EncodePageToken({ToMicros(last.create_time), last.row_id});
  }
  return page;
}

absl::StatusOr<std::vector<TaskRecord>> SqlTaskStore::ListUnfinished(
    int64_t after_row, int limit) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<SqlResult> result =
      (*conn)->Query(SelectTasks() +
                         "WHERE create_state = 2 AND final = 0 AND expired = 0 "
                         "AND row_id > $1 ORDER BY row_id LIMIT $2",
                     {SqlValue::Int(after_row), SqlValue::Int(limit)});
  if (!result.ok()) return result.status();
  return ReadTasks(*result);
}

absl::StatusOr<int64_t> SqlTaskStore::ExpireBefore(absl::Time cutoff) {
  return InTransaction<int64_t>(
      [&](SqlConnection& conn) -> absl::StatusOr<int64_t> {
        absl::StatusOr<SqlResult> expired = conn.Query(
            "UPDATE tasks SET expired = 1 WHERE create_state = 2 AND "
            "final = 0 AND expired = 0 AND create_time < $1 "
            "RETURNING row_id, "
            "CASE WHEN usage_day IS NULL THEN 0 ELSE 1 END",
            {SqlValue::Int(ToMicros(cutoff))});
        if (!expired.ok()) return expired.status();
        // Tenants: nobody will learn what these cost; a reservation left
        // open would read as spend still to come forever.
        for (const SqlRow& row : expired->rows) {
          if (row[1].AsInt() == 0) continue;
          if (absl::Status s = SettleAtEstimate(conn, row[0].AsInt());
              !s.ok()) {
            return s;
          }
        }
        return static_cast<int64_t>(expired->rows.size());
      });
}

absl::StatusOr<std::vector<TaskRecord>> SqlTaskStore::ClaimLeases(
    const std::string& holder, absl::Span<const std::string> owners,
    absl::Time now, absl::Duration ttl, int limit) {
  if (holder.empty()) return absl::InvalidArgumentError("holder: required");
  if (owners.empty()) return std::vector<TaskRecord>();
  absl::StatusOr<std::string> owner_list = OwnersJson(owners);
  if (!owner_list.ok()) return owner_list.status();
  return InTransaction<std::vector<TaskRecord>>(
      [&](SqlConnection& conn) -> absl::StatusOr<std::vector<TaskRecord>> {
        // PostgreSQL: rows another claimer is taking are skipped, not
        // waited for. SQLite's write transaction already serializes.
        const char* skip = conn.dialect() == SqlDialect::kPostgres
                               ? " FOR UPDATE SKIP LOCKED"
                               : "";
        absl::StatusOr<SqlResult> claimed = conn.Query(
            absl::StrCat("UPDATE tasks SET lease_holder = $1, "
                         "lease_epoch = lease_epoch + 1, lease_expires = $3 "
                         "WHERE row_id IN (SELECT row_id FROM tasks "
                         "WHERE create_state = 2 AND final = 0 AND expired = 0 "
                         "AND ",
                         OwnersIn(conn.dialect(), "$2"),
                         " AND (lease_holder IS NULL OR "
                         "lease_expires < $4) ORDER BY row_id LIMIT $5",
                         skip, ") RETURNING ", kTaskColumnList),
            {SqlValue::Text(holder), SqlValue::Text(*owner_list),
             SqlValue::Int(ToMicros(now + ttl)), SqlValue::Int(ToMicros(now)),
             SqlValue::Int(limit)});
        if (!claimed.ok()) return claimed.status();
        absl::StatusOr<std::vector<TaskRecord>> tasks = ReadTasks(*claimed);
        if (!tasks.ok()) return tasks.status();
        std::sort(tasks->begin(), tasks->end(),
                  [](const TaskRecord& a, const TaskRecord& b) {
                    return a.row_id < b.row_id;
                  });
        return tasks;
      });
}

absl::StatusOr<std::vector<HeldLease>> SqlTaskStore::RenewLeases(
    const std::string& holder, absl::Time now, absl::Duration ttl) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<SqlResult> renewed = (*conn)->Query(
      "UPDATE tasks SET lease_expires = $2 WHERE lease_holder = $1 "
      "AND lease_expires >= $3 AND final = 0 AND expired = 0 "
      "RETURNING row_id, task_id, owner",
      {SqlValue::Text(holder), SqlValue::Int(ToMicros(now + ttl)),
       SqlValue::Int(ToMicros(now))});
  if (!renewed.ok()) return renewed.status();
  std::vector<HeldLease> held;
  held.reserve(renewed->rows.size());
  for (const SqlRow& row : renewed->rows) {
    held.push_back(HeldLease{row[0].AsInt(), row[1].bytes, row[2].bytes});
  }
  std::sort(held.begin(), held.end(),
            [](const HeldLease& a, const HeldLease& b) {
              return a.row_id < b.row_id;
            });
  return held;
}

absl::Status SqlTaskStore::RecordContacts(
    const std::string& holder, absl::Span<const TaskContact> contacts) {
  if (contacts.empty()) return absl::OkStatus();
  // One statement for the whole round: the pairs travel as one JSON array
  // of [row_id, micros], which each engine unpacks itself.
  std::string pairs = "[";
  for (const TaskContact& c : contacts) {
    if (pairs.size() > 1) pairs += ",";
    absl::StrAppend(&pairs, "[", c.row_id, ",", ToMicros(c.last_contact), "]");
  }
  pairs += "]";
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  const char* unpacked =
      (*conn)->dialect() == SqlDialect::kPostgres
          ? "SELECT (e->>0)::bigint AS row_id, (e->>1)::bigint AS at "
            "FROM jsonb_array_elements($2::jsonb) AS e"
          : "SELECT value ->> 0 AS row_id, value ->> 1 AS at "
            "FROM json_each($2)";
  // Only the holder's own leases, and never backwards (a late round of a
  // replica that lost the lease cannot undo the new holder's figure).
  absl::StatusOr<SqlResult> updated = (*conn)->Query(
      absl::StrCat("UPDATE tasks SET last_contact = c.at FROM (", unpacked,
                   ") AS c WHERE tasks.row_id = c.row_id "
                   "AND tasks.lease_holder = $1 AND tasks.last_contact < c.at"),
      {SqlValue::Text(holder), SqlValue::Text(pairs)});
  return updated.status();
}

absl::StatusOr<LeaseShare> SqlTaskStore::ShareLeases(
    const std::string& holder, absl::Span<const std::string> owners,
    absl::Time now, absl::Duration ttl) {
  if (holder.empty()) return absl::InvalidArgumentError("holder: required");
  absl::StatusOr<std::string> owner_list = OwnersJson(owners);
  if (!owner_list.ok()) return owner_list.status();
  return InTransaction<LeaseShare>(
      [&](SqlConnection& conn) -> absl::StatusOr<LeaseShare> {
        absl::StatusOr<SqlResult> seen = conn.Query(
            "INSERT INTO replicas (name, seen) VALUES ($1, $2) "
            "ON CONFLICT (name) DO UPDATE SET seen = excluded.seen",
            {SqlValue::Text(holder), SqlValue::Int(ToMicros(now))});
        if (!seen.ok()) return seen.status();
        absl::StatusOr<SqlResult> live =
            conn.Query("SELECT count(*) FROM replicas WHERE seen >= $1",
                       {SqlValue::Int(ToMicros(now - ttl))});
        if (!live.ok()) return live.status();
        absl::StatusOr<SqlResult> work = conn.Query(
            absl::StrCat(
                "SELECT count(*), coalesce(sum(CASE WHEN lease_holder = $2 "
                "AND lease_expires >= $3 THEN 1 ELSE 0 END), 0), "
                "min(CASE WHEN lease_holder <> $2 AND lease_expires >= $3 "
                "THEN lease_expires END) FROM tasks "
                "WHERE create_state = 2 AND final = 0 AND expired = 0 AND ",
                OwnersIn(conn.dialect(), "$1")),
            {SqlValue::Text(*owner_list), SqlValue::Text(holder),
             SqlValue::Int(ToMicros(now))});
        if (!work.ok()) return work.status();
        if (live->rows.size() != 1 || work->rows.size() != 1) {
          return absl::InternalError("task store: unexpected count shape");
        }
        LeaseShare share;
        share.live_replicas = std::max<int64_t>(1, live->rows[0][0].AsInt());
        share.followed = work->rows[0][0].AsInt();
        share.held = work->rows[0][1].AsInt();
        if (!work->rows[0][2].null) {
          share.next_expiry = FromMicros(work->rows[0][2].AsInt());
        }
        return share;
      });
}

absl::StatusOr<std::vector<HeldLease>> SqlTaskStore::ShedLeases(
    const std::string& holder, int count) {
  if (count <= 0) return std::vector<HeldLease>();
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  absl::StatusOr<SqlResult> shed = (*conn)->Query(
      "UPDATE tasks SET lease_holder = NULL, lease_expires = 0 "
      "WHERE row_id IN (SELECT row_id FROM tasks WHERE lease_holder = $1 "
      "AND final = 0 AND expired = 0 ORDER BY row_id DESC LIMIT $2) "
      "RETURNING row_id, task_id, owner",
      {SqlValue::Text(holder), SqlValue::Int(count)});
  if (!shed.ok()) return shed.status();
  std::vector<HeldLease> out;
  out.reserve(shed->rows.size());
  for (const SqlRow& row : shed->rows) {
    out.push_back(HeldLease{row[0].AsInt(), row[1].bytes, row[2].bytes});
  }
  return out;
}

absl::StatusOr<int64_t> SqlTaskStore::ReleaseLeases(const std::string& holder) {
  return InTransaction<int64_t>(
      [&](SqlConnection& conn) -> absl::StatusOr<int64_t> {
        absl::StatusOr<SqlResult> released = conn.Query(
            "UPDATE tasks SET lease_holder = NULL, lease_expires = 0 "
            "WHERE lease_holder = $1",
            {SqlValue::Text(holder)});
        if (!released.ok()) return released.status();
        // Gone: the others' fair shares no longer count it.
        absl::StatusOr<SqlResult> gone = conn.Query(
            "DELETE FROM replicas WHERE name = $1", {SqlValue::Text(holder)});
        if (!gone.ok()) return gone.status();
        return released->affected;
      });
}

absl::StatusOr<std::string> SqlTaskStore::OwnerKey() {
  absl::StatusOr<std::string> fresh = RandomBytes(32);
  if (!fresh.ok()) return fresh.status();
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  // The first replica's key wins; every later one reads it.
  absl::StatusOr<SqlResult> inserted = (*conn)->Query(
      "INSERT INTO settings (name, value) VALUES ('owner_key', $1) "
      "ON CONFLICT (name) DO NOTHING",
      {SqlValue::Blob(*std::move(fresh))});
  if (!inserted.ok()) return inserted.status();
  absl::StatusOr<SqlResult> read =
      (*conn)->Query("SELECT value FROM settings WHERE name = 'owner_key'", {});
  if (!read.ok()) return read.status();
  if (read->rows.empty() || read->rows[0][0].bytes.size() != 32) {
    return absl::DataLossError("task store: the owner key is damaged");
  }
  return read->rows[0][0].bytes;
}

absl::StatusOr<TenantUsage> SqlTaskStore::GetTenantUsage(
    const std::string& owner, absl::Time day, absl::Time now) {
  absl::StatusOr<ConnectionPool::Lease> conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return ReadTenantUsage(**conn, owner, day, now);
}

}  // namespace seedance::store
