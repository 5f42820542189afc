#include "server/store/schema.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"

namespace seedance::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sqlite;
  const char* postgres;
};

// Append only: a released migration never changes (databases made by it
// exist); a later need gets a new number. Times are Unix microseconds and
// flags are 0/1 integers in both engines, so the queries are the same.
constexpr Migration kMigrations[] = {
    {1, "tasks, transitions and settings",
     R"sql(
CREATE TABLE tasks (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner TEXT NOT NULL,                  -- keyed hash of the TokenHub key
  task_id TEXT,                         -- NULL until the upstream answers
  request_id TEXT,                      -- AIP-155 id; NULL: none
  request_hash TEXT NOT NULL,           -- fingerprint of the create request
  model TEXT NOT NULL,
  create_state INTEGER NOT NULL,        -- store::CreateState
  create_error_code INTEGER NOT NULL DEFAULT 0,
  create_error_message TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,              -- seedance.v1.VideoStatus
  sequence INTEGER NOT NULL,            -- of the latest transition
  video BLOB NOT NULL,                  -- seedance.v1.Video, latest state
  price BLOB,                           -- seedance.v1.Price; NULL: unpriced
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,         -- when `status` was first observed
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
  observed INTEGER NOT NULL,
  PRIMARY KEY (row_id, sequence)
) WITHOUT ROWID;
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
)sql",
     R"sql(
CREATE TABLE tasks (
  row_id BIGSERIAL PRIMARY KEY,
  owner TEXT NOT NULL,
  task_id TEXT,
  request_id TEXT,
  request_hash TEXT NOT NULL,
  model TEXT NOT NULL,
  create_state INTEGER NOT NULL,
  create_error_code INTEGER NOT NULL DEFAULT 0,
  create_error_message TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,
  sequence BIGINT NOT NULL,
  video BYTEA NOT NULL,
  price BYTEA,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  final SMALLINT NOT NULL DEFAULT 0,
  expired SMALLINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX tasks_by_task ON tasks (owner, task_id)
  WHERE task_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_by_request ON tasks (owner, request_id)
  WHERE request_id IS NOT NULL;
CREATE INDEX tasks_by_owner_time ON tasks (owner, create_time DESC, row_id DESC);
CREATE INDEX tasks_unfinished ON tasks (row_id)
  WHERE create_state = 2 AND final = 0 AND expired = 0;
CREATE TABLE transitions (
  row_id BIGINT NOT NULL REFERENCES tasks (row_id),
  sequence BIGINT NOT NULL,
  status INTEGER NOT NULL,
  upstream_status TEXT NOT NULL,
  observed BIGINT NOT NULL,
  PRIMARY KEY (row_id, sequence)
);
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);
)sql"},
    // ListVideos filtered by status (`status = RUNNING`) reads one owner's
    // tasks of that status newest first, without scanning the others.
    {2, "index tasks by owner, status and time",
     "CREATE INDEX tasks_by_owner_status_time ON tasks "
     "(owner, status, create_time DESC, row_id DESC);",
     "CREATE INDEX tasks_by_owner_status_time ON tasks "
     "(owner, status, create_time DESC, row_id DESC);"},
    // Fleet mode: the replica that polls a task holds its lease until
    // `lease_expires` (Unix microseconds); every claim bumps `lease_epoch`,
    // which fences the writes of an earlier holder.
    {3, "task leases",
     R"sql(
ALTER TABLE tasks ADD COLUMN lease_holder TEXT;
ALTER TABLE tasks ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN lease_expires INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_by_lease_holder ON tasks (lease_holder)
  WHERE lease_holder IS NOT NULL;
)sql",
     R"sql(
ALTER TABLE tasks ADD COLUMN lease_holder TEXT;
ALTER TABLE tasks ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN lease_expires BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_by_lease_holder ON tasks (lease_holder)
  WHERE lease_holder IS NOT NULL;
)sql"},
    // Fleet mode: when the lease holder last heard from the upstream about
    // the task (Unix microseconds; 0: never), for every replica's
    // heartbeats.
    {4, "last upstream contact per task",
     "ALTER TABLE tasks ADD COLUMN last_contact INTEGER NOT NULL DEFAULT 0;",
     "ALTER TABLE tasks ADD COLUMN last_contact BIGINT NOT NULL DEFAULT 0;"},
    // Fleet mode: the replicas alive (seen by their lease rounds), so that
    // each takes a fair share of the tasks to poll.
    {5, "replicas",
     "CREATE TABLE replicas (name TEXT PRIMARY KEY, seen INTEGER NOT NULL);",
     "CREATE TABLE replicas (name TEXT PRIMARY KEY, seen BIGINT NOT NULL);"},
    // Tenants (tenant_usage.h): each tenant's spend per UTC day (`day`:
    // days since 1970-01-01), whose row a create locks while it checks the
    // limits and reserves its estimate; a task's unsettled reservation
    // (`usage_day` NULL once settled or released).
    {6, "tenant usage",
     R"sql(
CREATE TABLE tenant_usage (
  owner TEXT NOT NULL,
  day INTEGER NOT NULL,
  reserved_micros INTEGER NOT NULL DEFAULT 0,
  spent_micros INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, day)
);
ALTER TABLE tasks ADD COLUMN usage_day INTEGER;
ALTER TABLE tasks ADD COLUMN reserved_micros INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_tenant_unfinished ON tasks (owner, create_time)
  WHERE final = 0 AND expired = 0 AND create_state IN (1, 2);
)sql",
     R"sql(
CREATE TABLE tenant_usage (
  owner TEXT NOT NULL,
  day BIGINT NOT NULL,
  reserved_micros BIGINT NOT NULL DEFAULT 0,
  spent_micros BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, day)
);
ALTER TABLE tasks ADD COLUMN usage_day BIGINT;
ALTER TABLE tasks ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_tenant_unfinished ON tasks (owner, create_time)
  WHERE final = 0 AND expired = 0 AND create_state IN (1, 2);
)sql"},
    // Cheaper writes, the same reads (docs/PERFORMANCE.md, section 5,
    // "Fewer index pages per create"). Ascending, a new task's entry goes
    // at the end of its owner's range, where the last one went (both
    // engines read an index backwards for newest first). And the status
    // rides at the end of that index instead of leading one of its own:
    // a status change rewrites the entry in place of moving it to another
    // part of a second index, and a status filter is still checked on the
    // index entries, before any row is read.
    {7, "one owner-time index, ascending, with the status",
     R"sql(
DROP INDEX tasks_by_owner_status_time;
DROP INDEX tasks_by_owner_time;
CREATE INDEX tasks_by_owner_time ON tasks (owner, create_time, row_id, status);
)sql",
     R"sql(
DROP INDEX tasks_by_owner_status_time;
DROP INDEX tasks_by_owner_time;
CREATE INDEX tasks_by_owner_time ON tasks (owner, create_time, row_id, status);
)sql"},
};

// Any 64-bit number, the same in every build: the advisory lock that
// serialises migrations across PostgreSQL clients.
constexpr int64_t kMigrationLock = 0x5eedda11ce0001;

}  // namespace

int LatestSchemaVersion() {
  return absl::MakeConstSpan(kMigrations).back().version;
}

absl::StatusOr<int> SchemaVersion(SqlConnection& conn) {
  absl::StatusOr<SqlResult> r =
      conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!r.ok()) return r.status();
  if (r->rows.empty() || r->rows[0].empty()) return 0;
  return static_cast<int>(r->rows[0][0].AsInt());
}

absl::Status Migrate(SqlConnection& conn) {
  return MigrateTo(conn, LatestSchemaVersion());
}

absl::Status MigrateTo(SqlConnection& conn, int version) {
  SqlTransaction tx(conn);
  if (absl::Status s = tx.Begin(); !s.ok()) return s;
  const bool postgres = conn.dialect() == SqlDialect::kPostgres;
  if (postgres) {
    absl::StatusOr<SqlResult> locked = conn.Query(
        "SELECT pg_advisory_xact_lock($1)", {SqlValue::Int(kMigrationLock)});
    if (!locked.ok()) return locked.status();
  }
  if (absl::Status s =
          conn.Script("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                      "applied_at BIGINT NOT NULL)");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int> current = SchemaVersion(conn);
  if (!current.ok()) return current.status();
  if (*current > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the task store's schema is version ", *current,
                     ", newer than this gateway knows (", LatestSchemaVersion(),
                     "): run a newer gateway"));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current || m.version > version) continue;
    if (absl::Status s = conn.Script(postgres ? m.postgres : m.sqlite);
        !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("migration ", m.version, ": ", s.message()));
    }
    absl::StatusOr<SqlResult> recorded = conn.Query(
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES ($1, $2, $3)",
        {SqlValue::Int(m.version), SqlValue::Text(m.name),
         SqlValue::Int(absl::ToUnixMicros(absl::Now()))});
    if (!recorded.ok()) return recorded.status();
  }
  return tx.Commit();
}

}  // namespace seedance::store
