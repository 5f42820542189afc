#include "server/store/sqlite_connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace seedance::store {
namespace {

// Statements kept prepared. The store uses about twenty; ListTasks builds a
// few shapes more. Past this, statements are prepared per call.
constexpr size_t kMaxCachedStatements = 128;

// What a failed SQLite call means to a caller: the file cannot be used
// right now (busy, full, unwritable, gone: UNAVAILABLE, try again later), it
// is damaged (DATA_LOSS), or the statement is wrong (INTERNAL).
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message =
      absl::StrCat("task store (sqlite): ", what, ": ",
                   db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

// Resets a statement when a query ends, however it ends, so it holds no
// read snapshot or lock between calls.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

SqlCell ReadCell(sqlite3_stmt* stmt, int column) {
  SqlCell cell;
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
      return cell;
    case SQLITE_INTEGER:
      cell.null = false;
      cell.bytes = absl::StrCat(sqlite3_column_int64(stmt, column));
      return cell;
    default: {
      cell.null = false;
      // Text and blobs alike: sqlite3_column_blob gives the bytes as stored.
      const void* data = sqlite3_column_blob(stmt, column);
      int size = sqlite3_column_bytes(stmt, column);
      if (data != nullptr && size > 0) {
        cell.bytes.assign(static_cast<const char*>(data),
                          static_cast<size_t>(size));
      }
      return cell;
    }
  }
}

}  // namespace

int64_t SqlCell::AsInt() const {
  int64_t value = 0;
  if (null || !absl::SimpleAtoi(bytes, &value)) return 0;
  return value;
}

void SqliteConnection::DbCloser::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}
void SqliteConnection::StmtFinalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

SqliteConnection::SqliteConnection(std::unique_ptr<sqlite3, DbCloser> db)
    : db_(std::move(db)) {}

// The hook first (it calls the checkpointer); statements before the
// connection (sqlite3_close_v2 would otherwise linger as a zombie until
// they are finalised).
SqliteConnection::~SqliteConnection() {
  if (checkpointer_ != nullptr) sqlite3_wal_hook(db_.get(), nullptr, nullptr);
  checkpointer_.reset();
  statements_.clear();
}

int SqliteConnection::WalCommitted(void* self, sqlite3* db, const char* schema,
                                   int wal_frames) {
  auto* conn = static_cast<SqliteConnection*>(self);
  if (conn->checkpointer_->Committed(wal_frames)) {
    // The rest of the cycle, so that the next transaction restarts the
    // WAL. SQLITE_BUSY (the checkpointer finishing a pass) is no failure:
    // the next commit tries again. Any other error shows again at the
    // next commit's own I/O, where it fails that write.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }
  return SQLITE_OK;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, const SqliteOptions& options) {
  if (path.empty()) {
    return absl::InvalidArgumentError("--store=sqlite:PATH needs a path");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  // Owned at once: sqlite3_open_v2 hands out a handle even when it fails.
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, absl::StrCat("cannot open ", path));
  }
  // SQLite quietly opens a file it may not write read-only; the store
  // would then fail its first write with "attempt to write a readonly
  // database". Say what is wrong, and where.
  if (sqlite3_db_readonly(db.get(), "main") == 1) {
    return absl::UnavailableError(absl::StrCat(
        "task store (sqlite): ", path,
        " is not writable by this process: check the owner and mode of the "
        "file and of its folder (SQLite also writes ",
        path, "-wal and ", path, "-shm)"));
  }
  const int busy_ms = static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(options.busy_timeout), 0,
                          std::numeric_limits<int>::max()));
  rc = sqlite3_busy_timeout(db.get(), busy_ms);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "busy timeout");
  // WAL: readers never block the writer. Switching a new file to it needs
  // the exclusive lock, and two openers that both read the file first are
  // in a deadlock SQLite breaks by answering SQLITE_BUSY at once, without
  // its busy handler: trying again within the busy timeout is what SQLite
  // asks of the application.
  const absl::Time give_up = absl::Now() + options.busy_timeout;
  absl::Duration pause = absl::Milliseconds(1);
  for (;;) {
    rc = sqlite3_exec(db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr,
                      nullptr);
    if (rc == SQLITE_OK) break;
    if ((rc & 0xff) != SQLITE_BUSY || absl::Now() >= give_up) {
      return SqliteError(db.get(), rc, "journal_mode=WAL");
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(std::move(db)));
  // NORMAL: see the header.
  for (const char* pragma :
       {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (absl::Status s = conn->Script(pragma); !s.ok()) return s;
  }
  if (options.background_checkpoints) {
    absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> checkpointer =
        SqliteCheckpointer::Start(path, options.checkpoints);
    if (!checkpointer.ok()) return checkpointer.status();
    conn->checkpointer_ = *std::move(checkpointer);
    // Replaces SQLite's automatic checkpoint (itself a WAL hook).
    sqlite3_wal_hook(conn->db_.get(), &SqliteConnection::WalCommitted,
                     conn.get());
  }
  return conn;
}

absl::StatusOr<sqlite3_stmt*> SqliteConnection::Prepare(
    const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second.get();
  // `$N` and `?N` number parameters alike; the store's SQL has no other `$`.
  const std::string sqlite_sql = absl::StrReplaceAll(sql, {{"$", "?"}});
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sqlite_sql.c_str(),
                              static_cast<int>(sqlite_sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "prepare");
  if (statements_.size() >= kMaxCachedStatements) statements_.clear();
  return statements_.emplace(sql, std::move(stmt)).first->second.get();
}

absl::Status SqliteConnection::Bind(sqlite3_stmt* stmt,
                                    absl::Span<const SqlValue> params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const SqlValue& p = params[i];
    int rc = SQLITE_OK;
    switch (p.kind()) {
      case SqlValue::Kind::kNull:
        rc = sqlite3_bind_null(stmt, index);
        break;
      case SqlValue::Kind::kInt:
        rc = sqlite3_bind_int64(stmt, index, p.int_value());
        break;
      // The values outlive the statement's run (Query holds `params`):
      // SQLITE_STATIC spares a copy.
      case SqlValue::Kind::kText:
        rc = sqlite3_bind_text(stmt, index, p.bytes().data(),
                               static_cast<int>(p.bytes().size()),
                               SQLITE_STATIC);
        break;
      case SqlValue::Kind::kBlob:
        rc = sqlite3_bind_blob(stmt, index, p.bytes().data(),
                               static_cast<int>(p.bytes().size()),
                               SQLITE_STATIC);
        break;
    }
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "bind");
  }
  return absl::OkStatus();
}

absl::StatusOr<SqlResult> SqliteConnection::Query(
    const std::string& sql, absl::Span<const SqlValue> params) {
  absl::StatusOr<sqlite3_stmt*> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  ResetOnExit reset(*stmt);
  if (absl::Status s = Bind(*stmt, params); !s.ok()) return s;
  SqlResult result;
  const int columns = sqlite3_column_count(*stmt);
  while (true) {
    int rc = sqlite3_step(*stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqliteError(db_.get(), rc, "query");
    SqlRow row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) row.push_back(ReadCell(*stmt, c));
    result.rows.push_back(std::move(row));
  }
  result.affected = sqlite3_changes64(db_.get());
  return result;
}

absl::Status SqliteConnection::Script(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // sqlite3_errmsg says the same
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "script");
  return absl::OkStatus();
}

absl::Status SqliteConnection::BeginWrite() {
  return Script("BEGIN IMMEDIATE");
}

absl::Status SqliteConnection::Commit() {
  absl::Status s = Script("COMMIT");
  // A COMMIT that failed (SQLITE_BUSY) leaves the transaction open: end it,
  // so the connection is usable again.
  if (!s.ok() && !sqlite3_get_autocommit(db_.get())) Rollback();
  return s;
}

void SqliteConnection::Rollback() {
  if (!sqlite3_get_autocommit(db_.get())) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

}  // namespace seedance::store
