#include "server/store/sqlite_task_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/store/sqlite_schema.h"
#include "server/store/task_rows.h"
#include "server/upstream/request_validator.h"

namespace seedance::store {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// What a failed SQLite call means to a caller: the file cannot be used
// right now (busy, full, unwritable, gone: UNAVAILABLE, try again later) or
// the store is broken (INTERNAL).
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message =
      absl::StrCat("task store (sqlite) ", what, ": ",
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
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

// The connection, its cached statements, and statement helpers. Used under
// SqliteTaskStore::mu_ only.
class SqliteTaskStore::Db {
 public:
  explicit Db(DbPtr db) : db_(std::move(db)) {}

  sqlite3* handle() { return db_.get(); }

  // Runs statements without results (schema, pragmas, BEGIN/COMMIT).
  absl::Status Exec(const char* sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return absl::OkStatus();
    absl::Status s = SqliteError(db_.get(), rc, "exec");
    sqlite3_free(error);
    return s;
  }

  // A prepared statement for `sql` (a string literal: cached by address),
  // reset and with its bindings cleared.
  absl::StatusOr<sqlite3_stmt*> Prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &raw, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "prepare");
      it = statements_.emplace(sql, StmtPtr(raw)).first;
    }
    sqlite3_stmt* stmt = it->second.get();
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
  }

  // A statement built at run time (ListTasks), not cached.
  absl::StatusOr<StmtPtr> PrepareOnce(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(),
                                static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "prepare");
    return StmtPtr(raw);
  }

  absl::Status Bind(sqlite3_stmt* stmt, int index, int64_t value) {
    return Check(sqlite3_bind_int64(stmt, index, value), "bind");
  }
  absl::Status Bind(sqlite3_stmt* stmt, int index, const std::string& value) {
    // SQLITE_TRANSIENT: SQLite copies, so temporaries are fine.
    return Check(sqlite3_bind_text(stmt, index, value.data(),
                                   static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT),
                 "bind");
  }
  absl::Status BindBlob(sqlite3_stmt* stmt, int index,
                        const std::string& value) {
    return Check(sqlite3_bind_blob(stmt, index, value.data(),
                                   static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT),
                 "bind");
  }
  absl::Status BindNullableText(sqlite3_stmt* stmt, int index,
                                const std::string& value) {
    if (value.empty()) return Check(sqlite3_bind_null(stmt, index), "bind");
    return Bind(stmt, index, value);
  }

  // Steps once: true for a row, false when done.
  absl::StatusOr<bool> Step(sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_.get(), rc, "step");
  }

  absl::Status Check(int rc, absl::string_view what) {
    if (rc == SQLITE_OK) return absl::OkStatus();
    return SqliteError(db_.get(), rc, what);
  }

  // A transaction that rolls back unless committed.
  class Transaction {
   public:
    explicit Transaction(Db* db) : db_(db) {}
    ~Transaction() {
      // A failed rollback leaves nothing more to do: SQLite rolls back
      // itself when the connection is used or closed.
      if (open_) db_->Exec("ROLLBACK").IgnoreError();
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // IMMEDIATE: take the write lock now, so a read-then-write cannot fail
    // half way with SQLITE_BUSY when another process writes.
    absl::Status Begin() {
      absl::Status s = db_->Exec("BEGIN IMMEDIATE");
      open_ = s.ok();
      return s;
    }
    absl::Status Commit() {
      absl::Status s = db_->Exec("COMMIT");
      if (s.ok()) open_ = false;
      return s;
    }

   private:
    Db* const db_;
    bool open_ = false;
  };

  int64_t Changes() { return sqlite3_changes64(db_.get()); }
  int64_t LastRowId() { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  DbPtr db_;
  absl::flat_hash_map<const char*, StmtPtr> statements_;
};

namespace {

std::string Text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

std::string Blob(sqlite3_stmt* stmt, int column) {
  const void* data = sqlite3_column_blob(stmt, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

// Reads kTaskColumnList at the statement's current row.
absl::StatusOr<TaskRecord> ReadTask(sqlite3_stmt* stmt) {
  TaskColumns c;
  c.row_id = sqlite3_column_int64(stmt, 0);
  c.owner = Text(stmt, 1);
  c.task_id = Text(stmt, 2);
  c.request_id = Text(stmt, 3);
  c.request_hash = Text(stmt, 4);
  c.create_state = sqlite3_column_int(stmt, 5);
  c.create_error_code = sqlite3_column_int(stmt, 6);
  c.create_error_message = Text(stmt, 7);
  c.sequence = sqlite3_column_int64(stmt, 8);
  c.video = Blob(stmt, 9);
  if (sqlite3_column_type(stmt, 10) != SQLITE_NULL) c.price = Blob(stmt, 10);
  c.create_micros = sqlite3_column_int64(stmt, 11);
  c.update_micros = sqlite3_column_int64(stmt, 12);
  c.final = sqlite3_column_int(stmt, 13) != 0;
  c.expired = sqlite3_column_int(stmt, 14) != 0;
  return RecordFromColumns(c);
}

constexpr char kSelectByTask[] =
    "SELECT row_id, owner, task_id, request_id, request_hash, create_state, "
    "create_error_code, create_error_message, sequence, video, price, "
    "create_time, update_time, final, expired FROM tasks "
    "WHERE owner = ?1 AND task_id = ?2";
constexpr char kSelectByRequest[] =
    "SELECT row_id, owner, task_id, request_id, request_hash, create_state, "
    "create_error_code, create_error_message, sequence, video, price, "
    "create_time, update_time, final, expired FROM tasks "
    "WHERE owner = ?1 AND request_id = ?2";
constexpr char kSelectByRow[] =
    "SELECT row_id, owner, task_id, request_id, request_hash, create_state, "
    "create_error_code, create_error_message, sequence, video, price, "
    "create_time, update_time, final, expired FROM tasks WHERE row_id = ?1";

}  // namespace

SqliteTaskStore::SqliteTaskStore(std::unique_ptr<Db> db)
    : db_(std::move(db)) {}

SqliteTaskStore::~SqliteTaskStore() = default;

absl::StatusOr<std::unique_ptr<SqliteTaskStore>> SqliteTaskStore::Open(
    const std::string& path, const SqliteOptions& options) {
  if (path.empty()) {
    return absl::InvalidArgumentError("--store=sqlite:PATH needs a path");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  DbPtr db(raw);  // closes on every path, also a failed open
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, absl::StrCat("cannot open ", path));
  }
  auto conn = std::make_unique<Db>(std::move(db));
  // Another process on the same file: wait for its write lock, not fail.
  const int busy_ms = static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(options.busy_timeout),
                        std::numeric_limits<int>::max()));
  if (absl::Status s = conn->Check(sqlite3_busy_timeout(conn->handle(), busy_ms),
                                   "busy timeout");
      !s.ok()) {
    return s;
  }
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON"}) {
    if (absl::Status s = conn->Exec(pragma); !s.ok()) return s;
  }
  if (absl::Status s = MigrateSqlite(conn->handle()); !s.ok()) return s;
  return std::unique_ptr<SqliteTaskStore>(new SqliteTaskStore(std::move(conn)));
}

int SqliteTaskStore::schema_version() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int> v = SqliteSchemaVersion(db_->handle());
  return v.ok() ? *v : -1;
}

absl::StatusOr<BeginResult> SqliteTaskStore::BeginCreate(
    const NewCreate& create, absl::Time now) {
  if (create.owner.empty()) return absl::InvalidArgumentError("owner: required");
  absl::MutexLock lock(&mu_);
  Db::Transaction tx(db_.get());
  if (absl::Status s = tx.Begin(); !s.ok()) return s;
  BeginResult result;
  if (!create.request_id.empty()) {
    absl::StatusOr<sqlite3_stmt*> find = db_->Prepare(kSelectByRequest);
    if (!find.ok()) return find.status();
    if (absl::Status s = db_->Bind(*find, 1, create.owner); !s.ok()) return s;
    if (absl::Status s = db_->Bind(*find, 2, create.request_id); !s.ok()) {
      return s;
    }
    absl::StatusOr<bool> row = db_->Step(*find);
    if (!row.ok()) return row.status();
    if (*row) {
      absl::StatusOr<TaskRecord> earlier = ReadTask(*find);
      if (!earlier.ok()) return earlier.status();
      if (earlier->create_state != CreateState::kRejected ||
          earlier->request_hash != create.request_hash) {
        result.record = *std::move(earlier);
        return result;  // send = false; the rollback changes nothing
      }
      // A refused create may be sent again: this call takes the row over.
      absl::StatusOr<sqlite3_stmt*> retake = db_->Prepare(
          "UPDATE tasks SET create_state = 1, create_error_code = 0, "
          "create_error_message = '', create_time = ?2, update_time = ?2 "
          "WHERE row_id = ?1");
      if (!retake.ok()) return retake.status();
      if (absl::Status s = db_->Bind(*retake, 1, earlier->row_id); !s.ok()) {
        return s;
      }
      if (absl::Status s = db_->Bind(*retake, 2, ToMicros(now)); !s.ok()) {
        return s;
      }
      if (absl::StatusOr<bool> done = db_->Step(*retake); !done.ok()) {
        return done.status();
      }
      result.record = *std::move(earlier);
      result.record.create_state = CreateState::kPending;
      result.record.create_error = absl::OkStatus();
      result.record.create_time = result.record.update_time = now;
      result.send = true;
      if (absl::Status s = tx.Commit(); !s.ok()) return s;
      return result;
    }
  }
  absl::StatusOr<sqlite3_stmt*> insert = db_->Prepare(
      "INSERT INTO tasks (owner, request_id, request_hash, model, "
      "create_state, status, sequence, video, price, create_time, "
      "update_time) VALUES (?1, ?2, ?3, ?4, 1, 0, 0, ?5, ?6, ?7, ?7)");
  if (!insert.ok()) return insert.status();
  v1::Video video;
  video.set_model(create.model);
  std::string price = create.price.SerializeAsString();
  for (absl::Status s :
       {db_->Bind(*insert, 1, create.owner),
        db_->BindNullableText(*insert, 2, create.request_id),
        db_->Bind(*insert, 3, create.request_hash),
        db_->Bind(*insert, 4, create.model),
        db_->BindBlob(*insert, 5, StoredVideo(video)),
        db_->BindBlob(*insert, 6, price),
        db_->Bind(*insert, 7, ToMicros(now))}) {
    if (!s.ok()) return s;
  }
  if (absl::StatusOr<bool> done = db_->Step(*insert); !done.ok()) {
    return done.status();
  }
  TaskRecord& r = result.record;
  r.row_id = db_->LastRowId();
  r.owner = create.owner;
  r.request_id = create.request_id;
  r.request_hash = create.request_hash;
  r.create_state = CreateState::kPending;
  r.video = video;
  *r.video.mutable_price() = create.price;
  r.create_time = r.update_time = now;
  result.send = true;
  if (absl::Status s = tx.Commit(); !s.ok()) return s;
  return result;
}

absl::Status SqliteTaskStore::FinishCreate(int64_t row_id, CreateState outcome,
                                           const v1::Video& video,
                                           const absl::Status& error,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> update;
  if (outcome == CreateState::kCreated) {
    if (absl::Status s = upstream::ValidateTaskId(video.id(), "id"); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a created task needs a valid id: ", s.message()));
    }
    update = db_->Prepare(
        "UPDATE tasks SET create_state = 2, task_id = ?2, status = ?3, "
        "video = ?4, update_time = ?5, final = ?6 "
        "WHERE row_id = ?1 AND create_state = 1");
    if (!update.ok()) return update.status();
    const bool final = video.status() == v1::VIDEO_STATUS_SUCCEEDED ||
                       video.status() == v1::VIDEO_STATUS_FAILED;
    for (absl::Status s :
         {db_->Bind(*update, 2, video.id()),
          db_->Bind(*update, 3, static_cast<int64_t>(video.status())),
          db_->BindBlob(*update, 4, StoredVideo(video)),
          db_->Bind(*update, 5, ToMicros(now)),
          db_->Bind(*update, 6, static_cast<int64_t>(final))}) {
      if (!s.ok()) return s;
    }
  } else if (outcome == CreateState::kRejected ||
             outcome == CreateState::kUnknown) {
    update = db_->Prepare(
        "UPDATE tasks SET create_state = ?2, create_error_code = ?3, "
        "create_error_message = ?4, update_time = ?5 "
        "WHERE row_id = ?1 AND create_state = 1");
    if (!update.ok()) return update.status();
    const int code = error.ok() ? static_cast<int>(absl::StatusCode::kUnknown)
                                : static_cast<int>(error.code());
    for (absl::Status s :
         {db_->Bind(*update, 2, static_cast<int64_t>(outcome)),
          db_->Bind(*update, 3, static_cast<int64_t>(code)),
          db_->Bind(*update, 4, std::string(error.message())),
          db_->Bind(*update, 5, ToMicros(now))}) {
      if (!s.ok()) return s;
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("a create cannot finish as ", CreateStateName(outcome)));
  }
  if (absl::Status s = db_->Bind(*update, 1, row_id); !s.ok()) return s;
  if (absl::StatusOr<bool> done = db_->Step(*update); !done.ok()) {
    return done.status();
  }
  if (db_->Changes() != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("task row ", row_id, " is not a pending create"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TaskRecord> SqliteTaskStore::RecordObservation(
    const std::string& owner, const std::string& task_id,
    const Observation& observation) {
  absl::MutexLock lock(&mu_);
  Db::Transaction tx(db_.get());
  if (absl::Status s = tx.Begin(); !s.ok()) return s;
  const bool final =
      observation.video.status() == v1::VIDEO_STATUS_SUCCEEDED ||
      observation.video.status() == v1::VIDEO_STATUS_FAILED;
  const std::string video = StoredVideo(observation.video);
  const int64_t at = ToMicros(observation.observed);
  // First sight of a task created elsewhere: recorded without a price.
  absl::StatusOr<sqlite3_stmt*> seen = db_->Prepare(
      "INSERT INTO tasks (owner, task_id, request_hash, model, create_state, "
      "status, sequence, video, create_time, update_time, final) "
      "VALUES (?1, ?2, '', ?3, 5, ?4, ?5, ?6, ?7, ?7, ?8) "
      "ON CONFLICT (owner, task_id) WHERE task_id IS NOT NULL DO NOTHING");
  if (!seen.ok()) return seen.status();
  for (absl::Status s :
       {db_->Bind(*seen, 1, owner), db_->Bind(*seen, 2, task_id),
        db_->Bind(*seen, 3, observation.video.model()),
        db_->Bind(*seen, 4, static_cast<int64_t>(observation.video.status())),
        db_->Bind(*seen, 5, observation.sequence),
        db_->BindBlob(*seen, 6, video), db_->Bind(*seen, 7, at),
        db_->Bind(*seen, 8, static_cast<int64_t>(final))}) {
    if (!s.ok()) return s;
  }
  if (absl::StatusOr<bool> done = db_->Step(*seen); !done.ok()) {
    return done.status();
  }
  const bool inserted = db_->Changes() == 1;
  int64_t row_id = db_->LastRowId();
  if (!inserted) {
    // A newer sequence is a transition (new state, new update_time); the
    // same sequence refreshes the state only; an older one is stale.
    absl::StatusOr<sqlite3_stmt*> update = db_->Prepare(
        "UPDATE tasks SET video = ?3, status = ?4, final = ?5, "
        "update_time = CASE WHEN sequence < ?6 THEN ?7 ELSE update_time END, "
        "sequence = ?6 "
        "WHERE owner = ?1 AND task_id = ?2 AND sequence <= ?6 "
        "AND create_state IN (2, 5) RETURNING row_id");
    if (!update.ok()) return update.status();
    for (absl::Status s :
         {db_->Bind(*update, 1, owner), db_->Bind(*update, 2, task_id),
          db_->BindBlob(*update, 3, video),
          db_->Bind(*update, 4,
                    static_cast<int64_t>(observation.video.status())),
          db_->Bind(*update, 5, static_cast<int64_t>(final)),
          db_->Bind(*update, 6, observation.sequence),
          db_->Bind(*update, 7, at)}) {
      if (!s.ok()) return s;
    }
    absl::StatusOr<bool> row = db_->Step(*update);
    if (!row.ok()) return row.status();
    row_id = *row ? sqlite3_column_int64(*update, 0) : 0;
    // Finish the statement so its write completes before the next one.
    if (*row) {
      if (absl::StatusOr<bool> more = db_->Step(*update); !more.ok()) {
        return more.status();
      }
    }
  }
  if (row_id != 0 && observation.sequence > 0) {
    absl::StatusOr<sqlite3_stmt*> transition = db_->Prepare(
        "INSERT INTO transitions (row_id, sequence, status, upstream_status, "
        "observed) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (row_id, sequence) DO NOTHING");
    if (!transition.ok()) return transition.status();
    for (absl::Status s :
         {db_->Bind(*transition, 1, row_id),
          db_->Bind(*transition, 2, observation.sequence),
          db_->Bind(*transition, 3,
                    static_cast<int64_t>(observation.video.status())),
          db_->Bind(*transition, 4, observation.video.upstream_status()),
          db_->Bind(*transition, 5, at)}) {
      if (!s.ok()) return s;
    }
    if (absl::StatusOr<bool> done = db_->Step(*transition); !done.ok()) {
      return done.status();
    }
  }
  absl::StatusOr<sqlite3_stmt*> read = db_->Prepare(kSelectByTask);
  if (!read.ok()) return read.status();
  if (absl::Status s = db_->Bind(*read, 1, owner); !s.ok()) return s;
  if (absl::Status s = db_->Bind(*read, 2, task_id); !s.ok()) return s;
  absl::StatusOr<bool> row = db_->Step(*read);
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::FailedPreconditionError(absl::StrCat(
        "task ", task_id, " is recorded but not as a created task"));
  }
  absl::StatusOr<TaskRecord> record = ReadTask(*read);
  sqlite3_reset(*read);
  if (!record.ok()) return record.status();
  if (absl::Status s = tx.Commit(); !s.ok()) return s;
  return record;
}

absl::StatusOr<TaskRecord> SqliteTaskStore::GetTask(
    const std::string& owner, const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> read = db_->Prepare(kSelectByTask);
  if (!read.ok()) return read.status();
  if (absl::Status s = db_->Bind(*read, 1, owner); !s.ok()) return s;
  if (absl::Status s = db_->Bind(*read, 2, task_id); !s.ok()) return s;
  absl::StatusOr<bool> row = db_->Step(*read);
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("task ", task_id));
  absl::StatusOr<TaskRecord> record = ReadTask(*read);
  sqlite3_reset(*read);  // ends the read transaction
  return record;
}

absl::StatusOr<TaskRecord> SqliteTaskStore::GetByRequestId(
    const std::string& owner, const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> read = db_->Prepare(kSelectByRequest);
  if (!read.ok()) return read.status();
  if (absl::Status s = db_->Bind(*read, 1, owner); !s.ok()) return s;
  if (absl::Status s = db_->Bind(*read, 2, request_id); !s.ok()) return s;
  absl::StatusOr<bool> row = db_->Step(*read);
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::NotFoundError(absl::StrCat("request_id ", request_id));
  }
  absl::StatusOr<TaskRecord> record = ReadTask(*read);
  sqlite3_reset(*read);
  return record;
}

absl::StatusOr<std::vector<TransitionRecord>> SqliteTaskStore::Transitions(
    const std::string& owner, const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> read = db_->Prepare(
      "SELECT t.sequence, t.status, t.upstream_status, t.observed "
      "FROM transitions t JOIN tasks k ON k.row_id = t.row_id "
      "WHERE k.owner = ?1 AND k.task_id = ?2 ORDER BY t.sequence");
  if (!read.ok()) return read.status();
  if (absl::Status s = db_->Bind(*read, 1, owner); !s.ok()) return s;
  if (absl::Status s = db_->Bind(*read, 2, task_id); !s.ok()) return s;
  std::vector<TransitionRecord> out;
  while (true) {
    absl::StatusOr<bool> row = db_->Step(*read);
    if (!row.ok()) return row.status();
    if (!*row) break;
    TransitionRecord t;
    t.sequence = sqlite3_column_int64(*read, 0);
    t.status = static_cast<v1::VideoStatus>(sqlite3_column_int(*read, 1));
    t.upstream_status = Text(*read, 2);
    t.observed = FromMicros(sqlite3_column_int64(*read, 3));
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<ListPage> SqliteTaskStore::ListTasks(const ListQuery& query) {
  absl::StatusOr<ListStatement> st =
      BuildListStatement(query, Placeholders::kQuestionNumber);
  if (!st.ok()) return st.status();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<StmtPtr> stmt = db_->PrepareOnce(st->sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < st->is_text.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    absl::Status s = st->is_text[i] ? db_->Bind(stmt->get(), index, st->texts[i])
                                    : db_->Bind(stmt->get(), index, st->ints[i]);
    if (!s.ok()) return s;
  }
  ListPage page;
  while (true) {
    absl::StatusOr<bool> row = db_->Step(stmt->get());
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (static_cast<int>(page.tasks.size()) == query.page_size) {
      const TaskRecord& last = page.tasks.back();
      page.next_page_token =
          EncodePageToken({ToMicros(last.create_time), last.row_id});
      break;
    }
    absl::StatusOr<TaskRecord> record = ReadTask(stmt->get());
    if (!record.ok()) return record.status();
    page.tasks.push_back(*std::move(record));
  }
  return page;
}

absl::StatusOr<std::vector<TaskRecord>> SqliteTaskStore::ListUnfinished(
    int64_t after_row, int limit) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> read = db_->Prepare(
      "SELECT row_id, owner, task_id, request_id, request_hash, create_state, "
      "create_error_code, create_error_message, sequence, video, price, "
      "create_time, update_time, final, expired FROM tasks "
      "WHERE create_state = 2 AND final = 0 AND expired = 0 AND row_id > ?1 "
      "ORDER BY row_id LIMIT ?2");
  if (!read.ok()) return read.status();
  if (absl::Status s = db_->Bind(*read, 1, after_row); !s.ok()) return s;
  if (absl::Status s = db_->Bind(*read, 2, static_cast<int64_t>(limit));
      !s.ok()) {
    return s;
  }
  std::vector<TaskRecord> out;
  while (true) {
    absl::StatusOr<bool> row = db_->Step(*read);
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<TaskRecord> record = ReadTask(*read);
    if (!record.ok()) return record.status();
    out.push_back(*std::move(record));
  }
  return out;
}

absl::StatusOr<int64_t> SqliteTaskStore::ExpireBefore(absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<sqlite3_stmt*> update = db_->Prepare(
      "UPDATE tasks SET expired = 1 WHERE create_state = 2 AND final = 0 "
      "AND expired = 0 AND create_time < ?1");
  if (!update.ok()) return update.status();
  if (absl::Status s = db_->Bind(*update, 1, ToMicros(cutoff)); !s.ok()) {
    return s;
  }
  if (absl::StatusOr<bool> done = db_->Step(*update); !done.ok()) {
    return done.status();
  }
  return db_->Changes();
}

}  // namespace seedance::store
