#include "server/store/task_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/store/connection_pool.h"
#include "server/store/postgres_connection.h"
#include "server/store/sql_task_store.h"
#include "server/store/sqlite_connection.h"

namespace seedance::store {

WriteResult WriteFailed(const WriteCall& call, absl::Status status) {
  switch (call.index()) {
    case 0:
      return WriteResult(absl::in_place_index<0>, std::move(status));
    case 1:
      return WriteResult(absl::in_place_index<1>, std::move(status));
    default:
      return WriteResult(absl::in_place_index<2>, std::move(status));
  }
}

std::vector<WriteResult> TaskStore::WriteBatch(
    absl::Span<const WriteCall> batch) {
  std::vector<WriteResult> results;
  results.reserve(batch.size());
  for (const WriteCall& call : batch) {
    results.push_back(RunAlone(call));
  }
  return results;
}

WriteResult TaskStore::RunAlone(const WriteCall& call) {
  struct Visitor {
    TaskStore& store;
    WriteResult operator()(const BeginCreateCall& c) {
      return WriteResult(absl::in_place_index<0>,
                         store.BeginCreate(c.create, c.now));
    }
    WriteResult operator()(const FinishCreateCall& c) {
      return WriteResult(
          absl::in_place_index<1>,
          store.FinishCreate(c.row_id, c.outcome, c.video, c.error, c.now));
    }
    WriteResult operator()(const RecordObservationCall& c) {
      return WriteResult(
          absl::in_place_index<2>,
          store.RecordObservation(c.owner, c.task_id, c.observation));
    }
  };
  return absl::visit(Visitor{*this}, call);
}

absl::StatusOr<TenantUsage> TaskStore::GetTenantUsage(const std::string&,
                                                      absl::Time, absl::Time) {
  return absl::UnimplementedError("this task store does not track tenants");
}

absl::StatusOr<std::unique_ptr<TaskStore>> OpenTaskStore(
    const std::string& spec, const StoreOptions& options) {
  ConnectionPool::Factory factory;
  int connections = options.connections;
  if (absl::StartsWith(spec, "sqlite:")) {
    // SQLite writes one transaction at a time per file. Several
    // connections of one process would contend for its file lock, and a
    // loser sleeps in SQLite's busy handler (1, 2, 5, 10 ms ...): one
    // connection queues the calls in memory instead, at no sleep. The busy
    // timeout still covers another process on the same file.
    connections = 1;
    SqliteOptions sqlite;
    sqlite.busy_timeout = options.sqlite_busy_timeout;
    std::string path = spec.substr(7);
    factory = [path,
               sqlite]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
      auto conn = SqliteConnection::Open(path, sqlite);
      if (!conn.ok()) return conn.status();
      return std::unique_ptr<SqlConnection>(*std::move(conn));
    };
  } else if (absl::StartsWith(spec, "postgresql://") ||
             absl::StartsWith(spec, "postgres://")) {
    PostgresOptions postgres;
    postgres.password = options.postgres_password;
    factory = [spec,
               postgres]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
      auto conn = PostgresConnection::Open(spec, postgres);
      if (!conn.ok()) return conn.status();
      return std::unique_ptr<SqlConnection>(*std::move(conn));
    };
  } else {
    // Not echoed: a mistyped URI may still hold a password.
    return absl::InvalidArgumentError(
        "--store must be sqlite:PATH or a postgresql:// URI");
  }
  auto store = SqlTaskStore::Open(
      std::make_unique<ConnectionPool>(std::move(factory), connections));
  if (!store.ok()) return store.status();
  return std::unique_ptr<TaskStore>(*std::move(store));
}

}  // namespace seedance::store
