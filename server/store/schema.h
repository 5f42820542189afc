// The task store's schema: numbered migrations, applied in order when a
// store opens. Each engine has its own DDL text of the same tables; the
// queries that use them are shared (sql_task_store.cc).
//
// Two gateways starting together against one database apply each
// migration once: the check of the current version and the migrations run
// in one transaction under a lock (SQLite's write lock; a PostgreSQL
// transaction-scoped advisory lock).
#ifndef SEEDANCE_SERVER_STORE_SCHEMA_H_
#define SEEDANCE_SERVER_STORE_SCHEMA_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/sql_connection.h"

namespace seedance::store {

// Brings the database up to LatestSchemaVersion(). FAILED_PRECONDITION when
// the database is newer than this build (a downgrade is refused, never
// guessed at).
absl::Status Migrate(SqlConnection& conn);

// Applies the migrations up to `version` only: how tests make a database
// as an older build left it, to check that the current one migrates it.
absl::Status MigrateTo(SqlConnection& conn, int version);

// The highest migration applied (0 for a new database).
absl::StatusOr<int> SchemaVersion(SqlConnection& conn);

// The newest version this build knows.
int LatestSchemaVersion();

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SCHEMA_H_
