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
#include "server/store/postgres_connection.h"
#include "server/store/schema.h"
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
  ASSERT_OK_AND_ASSIGN(
      SqlResult index,
      conn->Query("SELECT COUNT(*) FROM pg_indexes "
                  "WHERE indexname = 'tasks_by_owner_status_time'",
                  {}));
  EXPECT_EQ(index.rows[0][0].AsInt(), 1);
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

}  // namespace
}  // namespace seedance::store::testing
