// SqliteConnection: the SQLite driver of SqlConnection, one connection to a
// database file in WAL mode.
//
// Several connections (and processes) may use one file: readers run in
// parallel, writers wait for each other up to `busy_timeout` and then fail
// with UNAVAILABLE.
//
// Durability: synchronous=NORMAL in WAL mode. A crash of the process loses
// nothing committed; a power loss may lose the transactions since the last
// WAL sync but never corrupts the file. Where that matters more than
// latency, use PostgreSQL.
#ifndef SEEDANCE_SERVER_STORE_SQLITE_CONNECTION_H_
#define SEEDANCE_SERVER_STORE_SQLITE_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "server/store/sql_connection.h"
#include "server/store/sqlite_checkpointer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace seedance::store {

struct SqliteOptions {
  // How long a write waits for another connection's write lock before it
  // fails with UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Checkpoints on a thread and connection of their own
  // (sqlite_checkpointer.h) instead of inside the commits; false: SQLite's
  // automatic checkpoint, in the commit that finds the WAL past 1,000
  // pages.
  bool background_checkpoints = true;
  SqliteCheckpointerOptions checkpoints;
};

class SqliteConnection final : public SqlConnection {
 public:
  // Opens (creating if needed) the database at `path`. UNAVAILABLE when it
  // cannot be opened; INVALID_ARGUMENT for an empty path.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, const SqliteOptions& options);
  ~SqliteConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  absl::StatusOr<SqlResult> Query(const std::string& sql,
                                  absl::Span<const SqlValue> params) override;
  absl::Status Script(const std::string& sql) override;
  absl::Status BeginWrite() override;
  absl::Status Commit() override;
  void Rollback() override;

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

  explicit SqliteConnection(std::unique_ptr<sqlite3, DbCloser> db);

  // The prepared statement for `sql` (rewritten to SQLite's placeholders),
  // cached: the store's statements are a small fixed set.
  absl::StatusOr<sqlite3_stmt*> Prepare(const std::string& sql);
  absl::Status Bind(sqlite3_stmt* stmt, absl::Span<const SqlValue> params);

  // sqlite3_wal_hook's callback: reports each commit to checkpointer_ and,
  // when it says so, checkpoints what it has left (PASSIVE).
  static int WalCommitted(void* self, sqlite3* db, const char* schema,
                          int wal_frames);

  std::unique_ptr<sqlite3, DbCloser> db_;
  absl::flat_hash_map<std::string, StmtPtr> statements_;
  // Null without background checkpoints. Destroyed first (the last
  // member), once the hook that calls it is removed.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQLITE_CONNECTION_H_
