// SqliteTaskStore: the embedded TaskStore, one SQLite database file in WAL
// mode (`--store=sqlite:PATH`).
//
//   auto store = SqliteTaskStore::Open("/var/lib/seedance/tasks.db");
//
// One connection, serialised by a mutex: SQLite allows one writer at a time
// anyway, and a gateway's store traffic (a few statements per create and per
// transition) is far below what one connection sustains. Several processes
// may open the same file (they wait up to a busy timeout for each other); migrations run under SQLite's
// write lock, so two gateways starting together do not race.
//
// Durability: synchronous=NORMAL in WAL mode. A crash of the process loses
// nothing committed; a power loss may lose the last transactions since the
// last WAL sync, never corrupts the file. Where that matters more than
// latency, use PostgreSQL.
#ifndef SEEDANCE_SERVER_STORE_SQLITE_TASK_STORE_H_
#define SEEDANCE_SERVER_STORE_SQLITE_TASK_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/task_store.h"

struct sqlite3;

namespace seedance::store {

struct SqliteOptions {
  // How long a statement waits for another process's write lock before it
  // fails with UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
};

class SqliteTaskStore final : public TaskStore {
 public:
  // Opens (creating if needed) the database at `path` and migrates it.
  // UNAVAILABLE when the file cannot be opened or written.
  static absl::StatusOr<std::unique_ptr<SqliteTaskStore>> Open(
      const std::string& path, const SqliteOptions& options = {});
  ~SqliteTaskStore() override;

  SqliteTaskStore(const SqliteTaskStore&) = delete;
  SqliteTaskStore& operator=(const SqliteTaskStore&) = delete;

  // The schema version after migrations.
  int schema_version();

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

 private:
  class Db;  // the connection and its statements, in the .cc

  explicit SqliteTaskStore(std::unique_ptr<Db> db);

  absl::Mutex mu_;
  const std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQLITE_TASK_STORE_H_
