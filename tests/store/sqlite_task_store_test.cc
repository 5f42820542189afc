// The TaskStore contract on SQLite, and what is SQLite's own: migrations on
// open, a file made by an older (or newer) build, an unwritable file.
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "server/store/connection_pool.h"
#include "server/store/schema.h"
#include "server/store/sql_task_store.h"
#include "server/store/sqlite_connection.h"
#include "server/store/task_rows.h"
#include "tests/store/task_store_contract.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store::testing {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

using ::seedance::testing::ScratchDir;

class SqliteLocation final : public StoreLocation {
 public:
  absl::StatusOr<std::unique_ptr<TaskStore>> Open() override {
    return OpenTaskStore(absl::StrCat("sqlite:", file()));
  }
  std::string file() const { return dir_.path() + "/tasks.db"; }

 private:
  ScratchDir dir_;
};

std::unique_ptr<StoreLocation> MakeSqliteLocation() {
  return std::make_unique<SqliteLocation>();
}

// Named for the engine (the parameter is a function pointer, whose printed
// address would change the test names from run to run).
INSTANTIATE_TEST_SUITE_P(Sqlite, TaskStoreContract,
                         ::testing::Values(&MakeSqliteLocation),
                         [](const auto&) { return std::string("sqlite"); });

// A connection to `file` for looking behind the store's back.
std::unique_ptr<SqliteConnection> Connect(const std::string& file) {
  auto conn = SqliteConnection::Open(file, SqliteOptions());
  EXPECT_OK(conn.status());
  return conn.ok() ? *std::move(conn) : nullptr;
}

// Forwards to a real connection, counting the statements whose answers
// the store waits for (Query) apart from those it holds back (Defer).
class CountingConnection final : public SqlConnection {
 public:
  CountingConnection(std::unique_ptr<SqlConnection> inner, int* queries,
                     int* deferred)
      : inner_(std::move(inner)), queries_(queries), deferred_(deferred) {}
  SqlDialect dialect() const override { return inner_->dialect(); }
  absl::StatusOr<SqlResult> Query(const std::string& sql,
                                  absl::Span<const SqlValue> params) override {
    ++*queries_;
    return inner_->Query(sql, params);
  }
  absl::Status Defer(const std::string& sql,
                     std::vector<SqlValue> params) override {
    ++*deferred_;
    return inner_->Defer(sql, std::move(params));
  }
  absl::Status Script(const std::string& sql) override {
    return inner_->Script(sql);
  }
  absl::Status BeginWrite() override { return inner_->BeginWrite(); }
  absl::Status Commit() override { return inner_->Commit(); }
  void Rollback() override { inner_->Rollback(); }

 private:
  std::unique_ptr<SqlConnection> inner_;
  int* queries_;
  int* deferred_;
};

// A create's outcome and each observation of its task wait for one
// statement each (on PostgreSQL each is a round trip; on SQLite each is a
// statement to plan and step); the transitions they add are held back.
TEST(SqliteTaskStoreTest, EachWriteOfACreatesLifeWaitsForOneStatement) {
  ScratchDir dir;
  const std::string file = dir.path() + "/tasks.db";
  int queries = 0;
  int deferred = 0;
  ASSERT_OK_AND_ASSIGN(
      auto store, SqlTaskStore::Open(std::make_unique<ConnectionPool>(
                      [&]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
                        absl::StatusOr<std::unique_ptr<SqliteConnection>> conn =
                            SqliteConnection::Open(file, SqliteOptions());
                        if (!conn.ok()) return conn.status();
                        return std::make_unique<CountingConnection>(
                            *std::move(conn), &queries, &deferred);
                      },
                      1)));
  const absl::Time t0 = absl::FromUnixSeconds(1764547200);
  NewCreate create;
  create.owner = "owner-a";
  create.request_hash = "hash-1";
  create.model = "doubao-seedance-2.0";
  create.price.set_estimated_micros(1000000);
  ASSERT_OK_AND_ASSIGN(BeginResult begun, store->BeginCreate(create, t0));
  ASSERT_TRUE(begun.send);
  auto video = [](v1::VideoStatus status, const std::string& raw) {
    v1::Video v;
    v.set_id("cgt-1");
    v.set_model("doubao-seedance-2.0");
    v.set_status(status);
    v.set_upstream_status(raw);
    return v;
  };

  queries = deferred = 0;
  ASSERT_OK(store->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                video(v1::VIDEO_STATUS_QUEUED, "queued"),
                                absl::OkStatus(), t0));
  EXPECT_EQ(queries, 1) << "FinishCreate";
  EXPECT_EQ(deferred, 1) << "FinishCreate: its first transition";

  queries = deferred = 0;
  Observation done;
  done.video = video(v1::VIDEO_STATUS_SUCCEEDED, "succeeded");
  done.sequence = 90;
  done.observed = t0 + absl::Seconds(5);
  ASSERT_OK_AND_ASSIGN(TaskRecord record,
                       store->RecordObservation("owner-a", "cgt-1", done));
  EXPECT_EQ(queries, 1) << "RecordObservation";
  EXPECT_EQ(deferred, 1) << "RecordObservation: its transition";

  // What was recorded is unchanged by the fewer statements.
  EXPECT_EQ(record.video.status(), v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_EQ(record.update_time, t0 + absl::Seconds(5));
  EXPECT_TRUE(record.final);
  ASSERT_OK_AND_ASSIGN(std::vector<TransitionRecord> transitions,
                       store->Transitions("owner-a", "cgt-1"));
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[0].status, v1::VIDEO_STATUS_QUEUED);
  EXPECT_EQ(transitions[1].sequence, 90);

  // An answer that is final already (a task failed at once) holds no
  // tenant reservation here, so it has nothing to settle: one statement
  // too, not a read of the row and of its reservation besides.
  ASSERT_OK_AND_ASSIGN(BeginResult second, store->BeginCreate(create, t0));
  v1::Video failed = video(v1::VIDEO_STATUS_FAILED, "failed");
  failed.set_id("cgt-2");
  queries = deferred = 0;
  ASSERT_OK(store->FinishCreate(second.record.row_id, CreateState::kCreated,
                                failed, absl::OkStatus(), t0));
  EXPECT_EQ(queries, 1) << "FinishCreate of a final answer";
  EXPECT_EQ(deferred, 1) << "FinishCreate of a final answer: its transition";
  ASSERT_OK_AND_ASSIGN(TaskRecord ended, store->GetTask("owner-a", "cgt-2"));
  EXPECT_TRUE(ended.final);
  EXPECT_EQ(ended.video.status(), v1::VIDEO_STATUS_FAILED);
}

TEST(SqliteTaskStoreTest, NewFileIsMigratedToTheLatestVersion) {
  SqliteLocation location;
  ASSERT_OK(location.Open().status());
  auto conn = Connect(location.file());
  ASSERT_NE(conn, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(*conn));
  EXPECT_EQ(version, LatestSchemaVersion());
  // Opening again applies nothing twice.
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(
      SqlResult applied,
      conn->Query("SELECT COUNT(*) FROM schema_migrations", {}));
  EXPECT_EQ(applied.rows[0][0].AsInt(), LatestSchemaVersion());
}

TEST(SqliteTaskStoreTest,
     ADatabaseMadeByTheFirstVersionIsMigratedWithItsTasks) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string file = dir.path() + "/v1.db";
  {
    // As the first released gateway left it: schema 1 and one task.
    auto conn = Connect(file);
    ASSERT_NE(conn, nullptr);
    ASSERT_OK(MigrateTo(*conn, 1));
    ASSERT_OK(conn->Script(
        "INSERT INTO tasks (owner, task_id, request_hash, model, "
        "create_state, status, sequence, video, create_time, update_time) "
        "VALUES ('owner-1', 'cgt-old', 'h', 'doubao-seedance-2.0', 2, 2, 20, "
        "x'', 1700000000000000, 1700000001000000)"));
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenTaskStore("sqlite:" + file));
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store->GetTask("owner-1", "cgt-old"));
  EXPECT_EQ(task.sequence, 20);
  ListQuery running;
  running.owner = "owner-1";
  running.status_in = std::vector<v1::VideoStatus>{v1::VIDEO_STATUS_RUNNING};
  ASSERT_OK_AND_ASSIGN(ListPage page, store->ListTasks(running));
  ASSERT_EQ(page.tasks.size(), 1u);
  auto conn = Connect(file);
  ASSERT_NE(conn, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(*conn));
  EXPECT_EQ(version, LatestSchemaVersion());
  // Migration 7 folded the status index into the owner-time one.
  ASSERT_OK_AND_ASSIGN(
      SqlResult index,
      conn->Query("SELECT name FROM sqlite_master WHERE type = 'index' "
                  "AND name LIKE 'tasks_by_owner%' ORDER BY name",
                  {}));
  ASSERT_EQ(index.rows.size(), 1u);
  EXPECT_EQ(index.rows[0][0].bytes, "tasks_by_owner_time");
}

// ListVideos pages, newest first, with or without filters, read one
// owner's range of tasks_by_owner_time backwards: no sort of the owner's
// tasks, whatever their number (the index is ascending since migration 7,
// for cheaper writes).
TEST(SqliteTaskStoreTest, ListingNewestFirstReadsTheOwnerTimeIndexBackwards) {
  SqliteLocation location;
  ASSERT_OK(location.Open().status());
  auto conn = Connect(location.file());
  ASSERT_NE(conn, nullptr);
  for (const ListQuery& query : ListQueriesOfEveryShape("owner-a")) {
    ASSERT_OK_AND_ASSIGN(ListStatement statement, BuildListStatement(query));
    ASSERT_OK_AND_ASSIGN(
        SqlResult plan,
        conn->Query("EXPLAIN QUERY PLAN " + statement.sql, statement.params));
    std::string steps;
    for (const SqlRow& row : plan.rows) {
      absl::StrAppend(&steps, row.back().bytes, "\n");
    }
    EXPECT_THAT(steps, HasSubstr("USING INDEX tasks_by_owner_time (owner=?"))
        << statement.sql;
    EXPECT_THAT(steps, ::testing::Not(HasSubstr("TEMP B-TREE")))
        << statement.sql;
  }
}

TEST(SqliteTaskStoreTest, GatewaysOpeningOneFileTogetherMigrateItOnce) {
  SqliteLocation location;
  constexpr int kOpeners = 8;
  std::vector<absl::Status> results(kOpeners);
  std::vector<std::thread> openers;
  openers.reserve(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([&, i] { results[i] = location.Open().status(); });
  }
  for (auto& t : openers) t.join();
  for (const auto& s : results) EXPECT_OK(s);
  auto conn = Connect(location.file());
  ASSERT_NE(conn, nullptr);
  ASSERT_OK_AND_ASSIGN(
      SqlResult applied,
      conn->Query("SELECT COUNT(*) FROM schema_migrations", {}));
  EXPECT_EQ(applied.rows[0][0].AsInt(), LatestSchemaVersion());
}

TEST(SqliteTaskStoreTest, DatabaseFromANewerBuildIsRefused) {
  SqliteLocation location;
  ASSERT_OK(location.Open().status());
  auto conn = Connect(location.file());
  ASSERT_NE(conn, nullptr);
  ASSERT_OK(conn->Query("INSERT INTO schema_migrations VALUES "
                        "(999, 'from the future', 0)",
                        {})
                .status());
  EXPECT_THAT(location.Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("newer")));
}

TEST(SqliteTaskStoreTest, UnopenableFileIsUnavailableNotACrash) {
  EXPECT_THAT(
      OpenTaskStore("sqlite:/nonexistent-dir/sub/tasks.db"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot open")));
  EXPECT_THAT(OpenTaskStore("sqlite:"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("path")));
  EXPECT_THAT(OpenTaskStore("mysql://user:secret@db/x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::Not(HasSubstr("secret"))));
}

TEST(SqliteTaskStoreTest, LockedFileFailsWithUnavailableThenRecovers) {
  SqliteLocation location;
  StoreOptions options;
  options.sqlite_busy_timeout = absl::Milliseconds(50);
  ASSERT_OK_AND_ASSIGN(
      auto store,
      OpenTaskStore(absl::StrCat("sqlite:", location.file()), options));
  // Another process holds the write lock (a backup, a stuck writer).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(location.file().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  NewCreate create;
  create.owner = "owner-a";
  EXPECT_THAT(store->BeginCreate(create, absl::Now()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("locked")));
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  // The same store works again: no restart needed.
  EXPECT_OK(store->BeginCreate(create, absl::Now()).status());
}

}  // namespace
}  // namespace seedance::store::testing
