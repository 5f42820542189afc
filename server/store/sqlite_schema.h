// The SQLite task store's schema, as numbered migrations applied in order
// at open. Each runs in the same IMMEDIATE transaction as the check of the
// current version, under SQLite's write lock: two gateways opening one file
// at the same moment apply each migration once.
#ifndef SEEDANCE_SERVER_STORE_SQLITE_SCHEMA_H_
#define SEEDANCE_SERVER_STORE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace seedance::store {

// Brings the database up to the newest schema version. FAILED_PRECONDITION
// when the database is newer than this build (a downgrade).
absl::Status MigrateSqlite(sqlite3* db);

// The highest migration applied (0 for a new file).
absl::StatusOr<int> SqliteSchemaVersion(sqlite3* db);

// The newest version this build knows.
int LatestSqliteSchemaVersion();

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQLITE_SCHEMA_H_
