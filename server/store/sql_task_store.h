// SqlTaskStore: the one TaskStore implementation, written once against
// SqlConnection and used with either engine's driver (SQLite, PostgreSQL).
//
//   auto store = SqlTaskStore::Open(std::make_unique<ConnectionPool>(
//       [] { return SqliteConnection::Open(path, {}); }, 4));
//
// Every method borrows one pooled connection for its statements; those
// that read then write do so in one write transaction, so concurrent
// callers (threads or replicas) see each create and transition once.
#ifndef SEEDANCE_SERVER_STORE_SQL_TASK_STORE_H_
#define SEEDANCE_SERVER_STORE_SQL_TASK_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "server/store/connection_pool.h"
#include "server/store/task_store.h"

namespace seedance::store {

class SqlTaskStore final : public TaskStore {
 public:
  // Migrates the database (one pooled connection) and returns the store.
  static absl::StatusOr<std::unique_ptr<SqlTaskStore>> Open(
      std::unique_ptr<ConnectionPool> pool);

  // The schema version after migrations.
  absl::StatusOr<int> schema_version();

  absl::StatusOr<BeginResult> BeginCreate(const NewCreate& create,
                                          absl::Time now) override;
  absl::Status FinishCreate(int64_t row_id, CreateState outcome,
                            const v1::Video& video, const absl::Status& error,
                            absl::Time now) override;
  absl::StatusOr<TaskRecord> RecordObservation(
      const std::string& owner, const std::string& task_id,
      const Observation& observation) override;
  absl::StatusOr<TaskRecord> GetTask(const std::string& owner,
                                     const std::string& task_id) override;
  absl::StatusOr<TaskRecord> GetByRequestId(
      const std::string& owner, const std::string& request_id) override;
  absl::StatusOr<std::vector<TransitionRecord>> Transitions(
      const std::string& owner, const std::string& task_id) override;
  absl::StatusOr<ListPage> ListTasks(const ListQuery& query) override;
  absl::StatusOr<std::vector<TaskRecord>> ListUnfinished(int64_t after_row,
                                                         int limit) override;
  absl::StatusOr<int64_t> ExpireBefore(absl::Time cutoff) override;
  absl::StatusOr<std::vector<TaskRecord>> ClaimLeases(
      const std::string& holder, absl::Span<const std::string> owners,
      absl::Time now, absl::Duration ttl, int limit) override;
  absl::StatusOr<std::vector<HeldLease>> RenewLeases(
      const std::string& holder, absl::Time now, absl::Duration ttl) override;
  absl::Status RecordContacts(const std::string& holder,
                              absl::Span<const TaskContact> contacts) override;
  absl::StatusOr<LeaseShare> ShareLeases(const std::string& holder,
                                         absl::Span<const std::string> owners,
                                         absl::Time now,
                                         absl::Duration ttl) override;
  absl::StatusOr<std::vector<HeldLease>> ShedLeases(const std::string& holder,
                                                    int count) override;
  absl::StatusOr<int64_t> ReleaseLeases(const std::string& holder) override;
  absl::StatusOr<std::string> OwnerKey() override;
  // Group commit: the batch in one transaction on one connection.
  std::vector<WriteResult> WriteBatch(
      absl::Span<const WriteCall> batch) override;
  // Tenants (tenant_usage.h).
  absl::StatusOr<TenantUsage> GetTenantUsage(const std::string& owner,
                                             absl::Time day,
                                             absl::Time now) override;

 private:
  explicit SqlTaskStore(std::unique_ptr<ConnectionPool> pool);

  // Runs `body(conn)` in a write transaction on a pooled connection:
  // committed if it succeeds, rolled back if not.
  template <typename T, typename Body>
  absl::StatusOr<T> InTransaction(Body body);

  // Every call of `batch` in one transaction, each call's one statement
  // sent together (one round trip on PostgreSQL). ABORTED, with nothing
  // written, when a call needs more than that (a used request_id, rows to
  // merge, a stale observation, tenant limits): WriteTogether then.
  absl::StatusOr<std::vector<WriteResult>> WritePipelined(
      absl::Span<const WriteCall> batch);
  // Every call of `batch` in one transaction; the first failure undoes
  // them all and is returned.
  absl::StatusOr<std::vector<WriteResult>> WriteTogether(
      absl::Span<const WriteCall> batch);

  // The write methods' statements, run inside the caller's transaction.
  absl::StatusOr<BeginResult> BeginCreateRowIn(SqlConnection& conn,
                                               const NewCreate& create,
                                               absl::Time now);
  absl::StatusOr<BeginResult> BeginCreateIn(SqlConnection& conn,
                                            const NewCreate& create,
                                            absl::Time now);
  absl::Status FinishCreateIn(SqlConnection& conn, int64_t row_id,
                              CreateState outcome, const v1::Video& video,
                              const absl::Status& error, absl::Time now);
  absl::StatusOr<TaskRecord> RecordObservationIn(
      SqlConnection& conn, const std::string& owner, const std::string& task_id,
      const Observation& observation);

  const std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQL_TASK_STORE_H_
