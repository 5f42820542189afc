// The TaskStore contract on a real PostgreSQL, and what is PostgreSQL's
// own: migrations raced by several gateways, a session the server
// ends, a password that never shows in an error.
//
// Needs a server: `./dev test` runs this under pg_virtualenv, which sets
// PGHOST, PGPORT, PGUSER and PGPASSWORD. Run by hand without them, the
// tests skip, unless SEEDANCE_REQUIRE_POSTGRES=1 (set by ./dev test) makes
// a missing server a failure.
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "absl/types/variant.h"
#include "gmock/gmock.h"
#include "server/store/connection_pool.h"
#include "server/store/postgres_connection.h"
#include "server/store/schema.h"
#include "server/store/sql_task_store.h"
#include "server/store/task_rows.h"
#include "server/store/task_store.h"
#include "tests/store/task_store_contract.h"
#include "tests/testing/eventually.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store::testing {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// ./dev test sets SEEDANCE_REQUIRE_POSTGRES: a missing server is a failure.
bool Required() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment, which nothing writes
  return std::getenv("SEEDANCE_REQUIRE_POSTGRES") != nullptr;
}

bool HaveServer() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment, which nothing writes
  return std::getenv("PGHOST") != nullptr;
}

// Runs one statement on the server's maintenance database.
void Admin(const std::string& sql) {
  PGconn* conn = PQconnectdb("dbname=postgres");
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK ||
              PQresultStatus(r) == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
}

// The number in the first cell of `sql`'s answer on the maintenance
// database; -1 when it cannot be read.
int64_t AdminCount(const std::string& sql) {
  PGconn* conn = PQconnectdb("dbname=postgres");
  int64_t n = -1;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      n = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    }
    PQclear(r);
  }
  PQfinish(conn);
  return n;
}

// A database of its own for each test, dropped afterwards.
class PostgresLocation final : public StoreLocation {
 public:
  PostgresLocation() {
    static std::atomic<int> counter{0};
    name_ = absl::StrCat("seedance_test_", getpid(), "_", counter++);
    Admin("CREATE DATABASE " + name_);
  }
  ~PostgresLocation() override {
    Admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  absl::StatusOr<std::unique_ptr<TaskStore>> Open() override {
    return OpenTaskStore(uri());
  }
  // Host, port, user and password come from libpq's environment.
  std::string uri() const { return "postgresql:///" + name_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// nullptr (the contract suite then skips) without a server.
std::unique_ptr<StoreLocation> MakePostgresLocation() {
  if (!HaveServer()) {
    if (Required()) {
      ADD_FAILURE()
          << "no PostgreSQL: run under pg_virtualenv (./dev test does)";
    }
    return nullptr;
  }
  return std::make_unique<PostgresLocation>();
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (HaveServer()) return;
    if (Required()) {
      FAIL() << "no PostgreSQL: run under pg_virtualenv (./dev test does)";
    }
    GTEST_SKIP() << "no PostgreSQL (PGHOST unset); ./dev test starts one";
  }
};

// Named for the engine (the parameter is a function pointer, whose printed
// address would change the test names from run to run).
INSTANTIATE_TEST_SUITE_P(Postgres, TaskStoreContract,
                         ::testing::Values(&MakePostgresLocation),
                         [](const auto&) { return std::string("postgres"); });

// A group-commit batch holding creates of two tenants, on two replicas at
// once in opposite orders: each takes the tenants' usage rows in one
// global order, so neither waits for the other in a cycle. (Taken in each
// batch's own order, PostgreSQL found deadlocks and failed batches after
// deadlock_timeout, which then ran call by call.)
TEST_F(PostgresTest, BatchesCreatingForSeveralTenantsNeverDeadlock) {
  PostgresLocation location;
  constexpr int kReplicas = 2;
  constexpr int kRounds = 40;
  std::vector<std::unique_ptr<TaskStore>> stores;
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_OK_AND_ASSIGN(auto store, location.Open());
    stores.push_back(std::move(store));
  }
  auto create = [](const std::string& owner) {
    NewCreate c;
    c.owner = owner;
    c.request_hash = "h";
    c.model = "doubao-seedance-2.0";
    c.price.set_currency_code("USD");
    c.price.set_estimated_micros(1000);
    c.quota = TenantQuota{int64_t{1000000}, int64_t{1000000000}};
    return c;
  };
  const absl::Time now = absl::FromUnixSeconds(1764579600);
  absl::Barrier start(kReplicas);
  std::vector<std::thread> replicas;
  replicas.reserve(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      // Replica 0 batches a then b, replica 1 b then a.
      const std::string first = i == 0 ? "tenant-a" : "tenant-b";
      const std::string second = i == 0 ? "tenant-b" : "tenant-a";
      start.Block();
      for (int round = 0; round < kRounds; ++round) {
        const WriteCall batch[] = {BeginCreateCall{create(first), now},
                                   BeginCreateCall{create(second), now}};
        for (const WriteResult& r : stores[i]->WriteBatch(batch)) {
          EXPECT_OK(absl::get<0>(r).status());
        }
      }
    });
  }
  for (auto& t : replicas) t.join();
  stores.clear();  // their sessions end and report their statistics
  ASSERT_TRUE(::seedance::testing::Eventually(
      [&] {
        return AdminCount(
                   "SELECT count(*) FROM pg_stat_activity "
                   "WHERE datname = '" +
                   location.name() + "'") == 0;
      },
      absl::Seconds(30)));
  EXPECT_EQ(AdminCount("SELECT deadlocks FROM pg_stat_database "
                       "WHERE datname = '" +
                       location.name() + "'"),
            0);
}

TEST_F(PostgresTest, GatewaysStartingTogetherMigrateOnce) {
  PostgresLocation location;
  constexpr int kOpeners = 6;
  std::vector<absl::Status> results(kOpeners);
  std::vector<std::thread> openers;
  openers.reserve(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([&, i] { results[i] = location.Open().status(); });
  }
  for (auto& t : openers) t.join();
  for (const auto& s : results) EXPECT_OK(s);
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  ASSERT_OK_AND_ASSIGN(
      SqlResult applied,
      conn->Query("SELECT COUNT(*) FROM schema_migrations", {}));
  EXPECT_EQ(applied.rows[0][0].AsInt(), LatestSchemaVersion());
}

TEST_F(PostgresTest, SessionEndedBetweenCallsIsReplacedBeforeTheNextCall) {
  PostgresLocation location;
  ASSERT_OK_AND_ASSIGN(auto store, location.Open());
  NewCreate create;
  create.owner = "owner-a";
  ASSERT_OK(store->BeginCreate(create, absl::Now()).status());
  // The server ends every session of the store (as a restart or a
  // failover does).
  const std::string sessions =
      "FROM pg_stat_activity WHERE datname = '" + location.name() + "'";
  Admin("SELECT pg_terminate_backend(pid) " + sessions);
  // Termination is asynchronous: wait until the sessions are gone.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (AdminCount("SELECT COUNT(*) " + sessions) != 0) {
    ASSERT_LT(absl::Now(), deadline) << "the sessions did not end";
    absl::SleepFor(absl::Milliseconds(10));
  }
  // The ended session is noticed before use: the next call gets a fresh
  // one instead of failing (a server that is down instead still fails it
  // with UNAVAILABLE: tests/store/postgres_outage_test.cc).
  EXPECT_OK(store->BeginCreate(create, absl::Now()).status());
  EXPECT_OK(store->BeginCreate(create, absl::Now()).status());
}

TEST_F(PostgresTest, UnreachableServerIsUnavailableAndNeverShowsThePassword) {
  // A closed port on loopback: nothing listens on port 1.
  EXPECT_THAT(OpenTaskStore("postgresql://gw:hunter2secret@127.0.0.1:1/x"),
              StatusIs(absl::StatusCode::kUnavailable,
                       Not(HasSubstr("hunter2secret"))));
}

TEST_F(PostgresTest, ADatabaseMadeByTheFirstVersionIsMigratedWithItsTasks) {
  PostgresLocation location;
  {
    ASSERT_OK_AND_ASSIGN(auto conn,
                         PostgresConnection::Open(location.uri(), {}));
    ASSERT_OK(MigrateTo(*conn, 1));
    ASSERT_OK(conn->Script(
        "INSERT INTO tasks (owner, task_id, request_hash, model, "
        "create_state, status, sequence, video, create_time, update_time) "
        "VALUES ('owner-1', 'cgt-old', 'h', 'doubao-seedance-2.0', 2, 2, 20, "
        "'', 1700000000000000, 1700000001000000)"));
  }
  ASSERT_OK_AND_ASSIGN(auto store, location.Open());
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store->GetTask("owner-1", "cgt-old"));
  EXPECT_EQ(task.sequence, 20);
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(*conn));
  EXPECT_EQ(version, LatestSchemaVersion());
  // Migration 7 folded the status index into the owner-time one.
  ASSERT_OK_AND_ASSIGN(
      SqlResult index,
      conn->Query("SELECT indexname FROM pg_indexes "
                  "WHERE indexname LIKE 'tasks_by_owner%' ORDER BY indexname",
                  {}));
  ASSERT_EQ(index.rows.size(), 1u);
  EXPECT_EQ(index.rows[0][0].bytes, "tasks_by_owner_time");
}

// ListVideos pages, newest first, with or without filters, can read one
// owner's range of tasks_by_owner_time backwards, with no sort (the index
// is ascending since migration 7, for cheaper writes). The planner is
// told to avoid the alternatives a tiny table would make cheaper.
TEST_F(PostgresTest, ListingNewestFirstReadsTheOwnerTimeIndexBackwards) {
  PostgresLocation location;
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  ASSERT_OK(
      conn->Script("SET enable_seqscan = off; "
                   "SET enable_bitmapscan = off; SET enable_sort = off"));
  for (const ListQuery& query : ListQueriesOfEveryShape("owner-a")) {
    ASSERT_OK_AND_ASSIGN(ListStatement statement, BuildListStatement(query));
    ASSERT_OK_AND_ASSIGN(SqlResult plan, conn->Query("EXPLAIN " + statement.sql,
                                                     statement.params));
    std::string steps;
    for (const SqlRow& row : plan.rows) {
      absl::StrAppend(&steps, row[0].bytes, "\n");
    }
    EXPECT_THAT(steps, HasSubstr("Index Scan Backward using "
                                 "tasks_by_owner_time"))
        << statement.sql;
    EXPECT_THAT(steps, ::testing::Not(HasSubstr("Sort"))) << steps;
  }
}

TEST_F(PostgresTest, DatabaseFromANewerBuildIsRefused) {
  PostgresLocation location;
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  ASSERT_OK(conn->Query("INSERT INTO schema_migrations VALUES "
                        "(999, 'from the future', 0)",
                        {})
                .status());
  EXPECT_THAT(location.Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("newer")));
}

// A statement prepared while its table was a few pages gets a plan of
// sequential scans, which PostgreSQL keeps until the table's statistics
// change again (autovacuum: at most once a minute): on a new deployment
// every outcome then read the whole `tasks` table, more of it with every
// create. The connection prepares each statement again at its 64th,
// 128th... use, and deallocates the old one, so a plan never outlives
// the table's growth for long.
TEST_F(PostgresTest, APlanMadeOnATinyTableIsRemadeAsTheTableGrows) {
  PostgresLocation location;
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  ASSERT_OK(conn->Script(
      "CREATE TABLE t (row_id BIGSERIAL PRIMARY KEY, owner TEXT NOT NULL, "
      "task_id TEXT, create_state INTEGER NOT NULL); "
      "CREATE UNIQUE INDEX t_by_task ON t (owner, task_id) "
      "WHERE task_id IS NOT NULL; "
      "INSERT INTO t (owner, create_state) "
      "SELECT 'o', 1 FROM generate_series(1, 80); ANALYZE t"));
  // The shape of FinishCreate's outcome.
  const std::string outcome =
      "UPDATE t SET task_id = $2, create_state = $3 WHERE row_id = $1 AND "
      "create_state = $4 AND NOT EXISTS (SELECT 1 FROM t s WHERE "
      "s.owner = t.owner AND s.task_id = $2 AND s.create_state = $5)";
  auto finish = [&](int64_t row_id, bool in_transaction) -> absl::Status {
    const std::vector<SqlValue> params = {
        SqlValue::Int(row_id), SqlValue::Text(absl::StrCat("cgt-", row_id)),
        SqlValue::Int(2), SqlValue::Int(1), SqlValue::Int(5)};
    if (!in_transaction) return conn->Query(outcome, params).status();
    if (absl::Status s = conn->BeginWrite(); !s.ok()) return s;
    if (absl::Status s = conn->Query(outcome, params).status(); !s.ok()) {
      conn->Rollback();
      return s;
    }
    return conn->Commit();
  };
  int64_t row_id = 0;
  for (int i = 0; i < 10; ++i) ASSERT_OK(finish(++row_id, false));
  // The table grows past the plan made for it.
  ASSERT_OK(conn->Script(
      "INSERT INTO t (owner, task_id, create_state) "
      "SELECT 'o', 'cgt-x' || g, 2 FROM generate_series(1, 50000) g"));
  for (int i = 0; i < 200; ++i) ASSERT_OK(finish(++row_id, i % 2 == 0));

  ASSERT_OK_AND_ASSIGN(SqlResult names,
                       conn->Query("SELECT name FROM pg_prepared_statements "
                                   "WHERE statement = $1",
                                   {SqlValue::Text(outcome)}));
  ASSERT_EQ(names.rows.size(), 1u) << "the retired names are deallocated";
  ASSERT_OK_AND_ASSIGN(
      SqlResult plan,
      conn->Query(absl::StrCat("EXPLAIN EXECUTE ", names.rows[0][0].bytes,
                               "(1000000, 'cgt-new', 2, 1, 5)"),
                  {}));
  std::string steps;
  for (const SqlRow& row : plan.rows) {
    absl::StrAppend(&steps, row[0].bytes, "\n");
  }
  EXPECT_THAT(steps, HasSubstr("Index Scan using t_by_task")) << steps;
  EXPECT_THAT(steps, ::testing::Not(HasSubstr("Seq Scan"))) << steps;
}

// Group commit on a network: a batch of the usual writes (creates,
// outcomes, observations) costs two round trips whatever its size, one
// for all their statements and one for the commit with what they held
// back (the first transitions, the change notices). An outcome that is
// final already is usual too when no tenant reservation waits on it.
TEST_F(PostgresTest, BatchOfUsualWritesTakesTwoRoundTrips) {
  PostgresLocation location;
  PostgresConnection* conn = nullptr;
  ASSERT_OK_AND_ASSIGN(
      auto store,
      SqlTaskStore::Open(std::make_unique<ConnectionPool>(
          [&]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
            absl::StatusOr<std::unique_ptr<PostgresConnection>> made =
                PostgresConnection::Open(location.uri(), {});
            if (!made.ok()) return made.status();
            conn = made->get();
            return std::unique_ptr<SqlConnection>(*std::move(made));
          },
          1)));
  ASSERT_NE(conn, nullptr);
  const absl::Time t0 = absl::FromUnixSeconds(1764547200);
  auto create = [](const std::string& request_id) {
    NewCreate c;
    c.owner = "owner-a";
    c.request_id = request_id;
    c.request_hash = "hash-1";
    c.model = "doubao-seedance-2.0";
    return c;
  };
  auto video = [](const std::string& id, v1::VideoStatus status) {
    v1::Video v;
    v.set_id(id);
    v.set_status(status);
    return v;
  };
  std::vector<int64_t> pending;
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_OK_AND_ASSIGN(BeginResult begun, store->BeginCreate(create(id), t0));
    pending.push_back(begun.record.row_id);
  }
  ASSERT_OK(store->FinishCreate(pending[2], CreateState::kCreated,
                                video("cgt-3", v1::VIDEO_STATUS_QUEUED),
                                absl::OkStatus(), t0));
  std::vector<WriteCall> batch;
  for (const char* id : {"d", "e", "f"}) {
    batch.push_back(BeginCreateCall{create(id), t0});
  }
  batch.push_back(FinishCreateCall{pending[0], CreateState::kCreated,
                                   video("cgt-1", v1::VIDEO_STATUS_QUEUED),
                                   absl::OkStatus(), t0});
  batch.push_back(FinishCreateCall{pending[1], CreateState::kCreated,
                                   video("cgt-2", v1::VIDEO_STATUS_FAILED),
                                   absl::OkStatus(), t0});
  Observation done;
  done.video = video("cgt-3", v1::VIDEO_STATUS_SUCCEEDED);
  done.sequence = 90;
  done.observed = t0 + absl::Seconds(1);
  batch.push_back(RecordObservationCall{"owner-a", "cgt-3", done});

  const int64_t before = conn->round_trips();
  std::vector<WriteResult> results = store->WriteBatch(batch);
  EXPECT_EQ(conn->round_trips() - before, 2);

  ASSERT_EQ(results.size(), batch.size());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(absl::get<0>(results[i]).status());
    EXPECT_TRUE(absl::get<0>(results[i])->send);
  }
  EXPECT_OK(absl::get<1>(results[3]));
  EXPECT_OK(absl::get<1>(results[4]));
  ASSERT_OK(absl::get<2>(results[5]).status());
  EXPECT_TRUE(absl::get<2>(results[5])->final);
  ASSERT_OK_AND_ASSIGN(auto transitions,
                       store->Transitions("owner-a", "cgt-3"));
  EXPECT_EQ(transitions.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto first, store->Transitions("owner-a", "cgt-1"));
  EXPECT_EQ(first.size(), 1u);
  ASSERT_OK_AND_ASSIGN(TaskRecord failed, store->GetTask("owner-a", "cgt-2"));
  EXPECT_TRUE(failed.final);
  EXPECT_EQ(failed.video.status(), v1::VIDEO_STATUS_FAILED);
}

// The statements of a transaction whose answers nothing waits for (its
// BEGIN, a transition, a notification) go with its next statement or its
// COMMIT: on a network each round trip is a wait of its own.
TEST_F(PostgresTest, HeldBackStatementsTravelWithTheTransactionsNextRoundTrip) {
  PostgresLocation location;
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  const std::string insert =
      "INSERT INTO settings (name, value) VALUES ($1, $2)";
  const std::string count = "SELECT COUNT(*) FROM settings WHERE name >= $1";
  const int64_t before = conn->round_trips();

  ASSERT_OK(conn->BeginWrite());
  ASSERT_OK(conn->Defer(insert, {SqlValue::Text("a"), SqlValue::Blob("1")}));
  ASSERT_OK_AND_ASSIGN(SqlResult seen,
                       conn->Query(count, {SqlValue::Text("a")}));
  ASSERT_OK(conn->Defer(insert, {SqlValue::Text("b"), SqlValue::Blob("2")}));
  ASSERT_OK(conn->Commit());

  // The held-back insert ran first, in order; BEGIN, both inserts (and
  // the preparing of both statements) took no round trip of their own.
  EXPECT_EQ(seen.rows[0][0].AsInt(), 1);
  EXPECT_EQ(conn->round_trips() - before, 2);
  ASSERT_OK_AND_ASSIGN(SqlResult committed,
                       conn->Query(count, {SqlValue::Text("a")}));
  EXPECT_EQ(committed.rows[0][0].AsInt(), 2);
}

TEST_F(PostgresTest, HeldBackStatementThatFailsFailsItsCommitAndUndoesAll) {
  PostgresLocation location;
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  const std::string insert =
      "INSERT INTO settings (name, value) VALUES ($1, $2)";
  const std::string count = "SELECT COUNT(*) FROM settings WHERE name = $1";
  {
    SqlTransaction tx(*conn);
    ASSERT_OK(tx.Begin());
    ASSERT_OK(conn->Query(insert, {SqlValue::Text("x"), SqlValue::Blob("1")})
                  .status());
    // The same name again breaks the unique key, but only at the commit.
    ASSERT_OK(conn->Defer(insert, {SqlValue::Text("x"), SqlValue::Blob("2")}));
    EXPECT_THAT(tx.Commit(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("23505")));
  }
  // Nothing of the transaction stayed, and the session is fit for reuse
  // (no transaction left open on it).
  ASSERT_OK_AND_ASSIGN(SqlResult after,
                       conn->Query(count, {SqlValue::Text("x")}));
  EXPECT_EQ(after.rows[0][0].AsInt(), 0);
  ASSERT_OK(conn->BeginWrite());
  ASSERT_OK(conn->Defer(insert, {SqlValue::Text("x"), SqlValue::Blob("3")}));
  ASSERT_OK(conn->Commit());
  ASSERT_OK_AND_ASSIGN(SqlResult kept,
                       conn->Query(count, {SqlValue::Text("x")}));
  EXPECT_EQ(kept.rows[0][0].AsInt(), 1);
}

TEST_F(PostgresTest, HeldBackStatementThatFailsFailsTheNextQuery) {
  PostgresLocation location;
  ASSERT_OK(location.Open().status());
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(location.uri(), {}));
  {
    SqlTransaction tx(*conn);
    ASSERT_OK(tx.Begin());
    ASSERT_OK(conn->Defer("INSERT INTO no_such_table VALUES ($1)",
                          {SqlValue::Int(1)}));
    EXPECT_THAT(
        conn->Query("SELECT 1 + $1", {SqlValue::Int(1)}),
        StatusIs(absl::StatusCode::kInternal, HasSubstr("no_such_table")));
  }  // rolled back
  ASSERT_OK_AND_ASSIGN(SqlResult two,
                       conn->Query("SELECT 1 + $1", {SqlValue::Int(1)}));
  EXPECT_EQ(two.rows[0][0].AsInt(), 2);
}

}  // namespace
}  // namespace seedance::store::testing
