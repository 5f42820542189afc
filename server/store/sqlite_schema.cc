#include "server/store/sqlite_schema.h"

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace seedance::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append only: a released migration never changes (databases made by it
// exist); later needs get a new number.
constexpr Migration kMigrations[] = {
    {1, "tasks and transitions", R"sql(
CREATE TABLE tasks (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner TEXT NOT NULL,                 -- keyed hash of the TokenHub key
  task_id TEXT,                        -- NULL until the upstream answers
  request_id TEXT,                     -- AIP-155 id; NULL: none
  request_hash TEXT NOT NULL,          -- fingerprint of the create request
  model TEXT NOT NULL,
  create_state INTEGER NOT NULL,       -- store::CreateState
  create_error_code INTEGER NOT NULL DEFAULT 0,
  create_error_message TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,             -- seedance.v1.VideoStatus
  sequence INTEGER NOT NULL,           -- of the latest transition
  video BLOB NOT NULL,                 -- seedance.v1.Video, latest state
  price BLOB,                          -- seedance.v1.Price; NULL: unpriced
  create_time INTEGER NOT NULL,        -- Unix microseconds
  update_time INTEGER NOT NULL,        -- when `status` was first observed
  final INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX tasks_by_task ON tasks (owner, task_id)
  WHERE task_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_by_request ON tasks (owner, request_id)
  WHERE request_id IS NOT NULL;
CREATE INDEX tasks_by_owner_time ON tasks (owner, create_time DESC, row_id DESC);
CREATE INDEX tasks_unfinished ON tasks (row_id)
  WHERE create_state = 2 AND final = 0 AND expired = 0;
CREATE TABLE transitions (
  row_id INTEGER NOT NULL REFERENCES tasks (row_id),
  sequence INTEGER NOT NULL,
  status INTEGER NOT NULL,
  upstream_status TEXT NOT NULL,
  observed INTEGER NOT NULL,           -- Unix microseconds
  PRIMARY KEY (row_id, sequence)
) WITHOUT ROWID;
)sql"},
};

absl::Status Error(sqlite3* db, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("task store (sqlite) migration: ", what, ": ",
                   sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const std::string& sql,
                  absl::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still says it
  if (rc != SQLITE_OK) return Error(db, what);
  return absl::OkStatus();
}

}  // namespace

int LatestSqliteSchemaVersion() {
  return absl::MakeConstSpan(kMigrations).back().version;
}

absl::StatusOr<int> SqliteSchemaVersion(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(
      db,
      "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &raw,
      nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    // No table yet: a new database.
    if (std::string(sqlite3_errmsg(db)).find("no such table") !=
        std::string::npos) {
      return 0;
    }
    return Error(db, "read version");
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw,
                                                             &sqlite3_finalize);
  rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return Error(db, "read version");
  return sqlite3_column_int(stmt.get(), 0);
}

absl::Status MigrateSqlite(sqlite3* db) {
  if (absl::Status s = Exec(db, "BEGIN IMMEDIATE", "begin"); !s.ok()) return s;
  auto rollback = [db](absl::Status s) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  if (absl::Status s = Exec(db,
                            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                            "applied_at INTEGER NOT NULL)",
                            "create schema_migrations");
      !s.ok()) {
    return rollback(s);
  }
  absl::StatusOr<int> current = SqliteSchemaVersion(db);
  if (!current.ok()) return rollback(current.status());
  if (*current > LatestSqliteSchemaVersion()) {
    return rollback(absl::FailedPreconditionError(absl::StrCat(
        "the task store's schema is version ", *current,
        ", newer than this gateway knows (", LatestSqliteSchemaVersion(),
        "): run a newer gateway")));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (absl::Status s =
            Exec(db, m.sql, absl::StrCat("version ", m.version));
        !s.ok()) {
      return rollback(s);
    }
    if (absl::Status s = Exec(
            db,
            absl::StrCat("INSERT INTO schema_migrations VALUES (", m.version,
                         ", '", m.name, "', strftime('%s','now') * 1000000)"),
            "record version");
        !s.ok()) {
      return rollback(s);
    }
  }
  return Exec(db, "COMMIT", "commit");
}

}  // namespace seedance::store
