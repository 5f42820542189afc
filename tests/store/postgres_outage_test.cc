// The task store when its PostgreSQL goes away and comes back, on a
// server of the test's own (ScratchPostgres; the shared cluster of
// `./dev test` is never stopped): every call fails with UNAVAILABLE, and
// none hangs, while it is down; the same store object works again once it
// is back, without being reopened, and a restart the store slept through
// costs no call. A frozen server (or a network cut: connections open,
// nothing answers) fails calls after the client's reply timeout.
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "server/store/connection_pool.h"
#include "server/store/postgres_connection.h"
#include "server/store/sql_task_store.h"
#include "server/store/task_store.h"
#include "tests/testing/eventually.h"
#include "tests/testing/scratch_postgres.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::ScratchPostgres;
using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

// A store call that has not returned after this long has hung (a refused
// connection fails at once; connect and statement timeouts are seconds).
// A bound against hangs, not a speed check.
constexpr absl::Duration kHangBound = absl::Seconds(60);

// The status of `call`, run on a thread of its own. A call that has not
// returned within kHangBound fails the test; `unstick` (which ends the
// outage) then lets it finish, so that it never outlives the store it uses.
absl::Status Bounded(
    std::function<absl::Status()> call,
    const std::function<void()>& unstick = [] {}) {
  struct Outcome {
    absl::Notification done;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  std::thread([outcome, call = std::move(call)] {
    outcome->status = call();
    outcome->done.Notify();
  }).detach();
  if (outcome->done.WaitForNotificationWithTimeout(kHangBound)) {
    return outcome->status;
  }
  ADD_FAILURE() << "a store call hung";
  unstick();
  if (!outcome->done.WaitForNotificationWithTimeout(kHangBound)) {
    std::abort();  // still stuck on the store: end here, loudly
  }
  return absl::DeadlineExceededError("the call hung");
}

NewCreate Create(const std::string& request_id) {
  NewCreate create;
  create.owner = "owner-a";
  create.request_id = request_id;
  create.request_hash = "hash-" + request_id;
  create.model = "doubao-seedance-2.0";
  return create;
}

// A created task, as the gateway records one.
void RecordCreatedTask(TaskStore& store, const std::string& task_id) {
  ASSERT_OK_AND_ASSIGN(
      BeginResult begun,
      store.BeginCreate(Create("req-" + task_id), absl::Now()));
  ASSERT_TRUE(begun.send);
  v1::Video video;
  video.set_id(task_id);
  video.set_status(v1::VIDEO_STATUS_QUEUED);
  ASSERT_OK(store.FinishCreate(begun.record.row_id, CreateState::kCreated,
                               video, absl::OkStatus(), absl::Now()));
}

// One of every kind of store call, each the status it returned.
std::vector<absl::Status> EveryKindOfCall(TaskStore& store, int round) {
  std::vector<absl::Status> out;
  out.push_back(Bounded([&] {
    return store
        .BeginCreate(Create(absl::StrCat("during-", round)), absl::Now())
        .status();
  }));
  out.push_back(
      Bounded([&] { return store.GetTask("owner-a", "cgt-1").status(); }));
  out.push_back(Bounded([&] {
    ListQuery query;
    query.owner = "owner-a";
    return store.ListTasks(query).status();
  }));
  out.push_back(Bounded([&] {
    Observation seen;
    seen.video.set_id("cgt-1");
    seen.video.set_status(v1::VIDEO_STATUS_RUNNING);
    seen.sequence = 20;
    seen.observed = absl::Now();
    return store.RecordObservation("owner-a", "cgt-1", seen).status();
  }));
  out.push_back(Bounded([&] { return store.ListUnfinished(0, 10).status(); }));
  return out;
}

class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg_);
    StoreOptions options;
    options.connections = 3;
    ASSERT_OK_AND_ASSIGN(store_, OpenTaskStore(pg_->uri(), options));
    RecordCreatedTask(*store_, "cgt-1");
  }

  // Calls from several threads at once, so that every pooled connection
  // is made and used (one caller alone reuses one).
  void UseEveryConnection() {
    constexpr int kCallers = 6;
    std::vector<std::thread> callers;
    callers.reserve(kCallers);
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([this] {
        for (int j = 0; j < 5; ++j) {
          EXPECT_OK(store_->GetTask("owner-a", "cgt-1").status());
        }
      });
    }
    for (auto& t : callers) t.join();
  }

  std::unique_ptr<ScratchPostgres> pg_;
  std::unique_ptr<TaskStore> store_;
};

TEST_F(PostgresOutageTest, CallsFailUnavailableWhileDownAndWorkOnceBack) {
  UseEveryConnection();
  ASSERT_OK(pg_->Stop());
  // More rounds than connections: each pooled connection meets the outage
  // (broken sessions first, then refused reconnects).
  for (int round = 0; round < 4; ++round) {
    for (const absl::Status& s : EveryKindOfCall(*store_, round)) {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable,
                              HasSubstr("task store (postgresql)")))
          << "round " << round;
    }
  }
  ASSERT_OK(pg_->Start());
  // The same store object, not reopened: every call works from the first.
  for (const absl::Status& s : EveryKindOfCall(*store_, 100)) EXPECT_OK(s);
  UseEveryConnection();
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store_->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_RUNNING);
}

// A restart between two calls (a failover, a maintenance restart) ends
// the pooled sessions while nobody uses them: the next calls must get
// fresh ones, not fail on the dead ones.
TEST_F(PostgresOutageTest, RestartBetweenCallsCostsNoCall) {
  UseEveryConnection();
  ASSERT_OK(pg_->Stop());
  ASSERT_OK(pg_->Start());
  for (int round = 0; round < 4; ++round) {
    for (const absl::Status& s : EveryKindOfCall(*store_, round)) {
      EXPECT_OK(s) << "round " << round;
    }
  }
}

TEST_F(PostgresOutageTest, StoreOpenedWhileDownIsUnavailableThenWorks) {
  ASSERT_OK(pg_->Stop());
  EXPECT_THAT(
      Bounded([&] { return OpenTaskStore(pg_->uri()).status(); }),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect")));
  ASSERT_OK(pg_->Start());
  EXPECT_OK(OpenTaskStore(pg_->uri()).status());
}

// A server that stops answering without closing anything (a hung host, a
// network cut): only the client's own deadline can end the wait.
TEST_F(PostgresOutageTest, FrozenServerFailsCallsAfterTheReplyTimeout) {
  PostgresOptions options;
  options.connect_timeout = absl::Seconds(2);
  options.statement_timeout = absl::Milliseconds(500);
  options.reply_timeout = absl::Seconds(1);
  const std::string uri = pg_->uri();
  ASSERT_OK_AND_ASSIGN(
      auto store,
      SqlTaskStore::Open(std::make_unique<ConnectionPool>(
          [uri, options]() -> absl::StatusOr<std::unique_ptr<SqlConnection>> {
            auto conn = PostgresConnection::Open(uri, options);
            if (!conn.ok()) return conn.status();
            return std::unique_ptr<SqlConnection>(*std::move(conn));
          },
          1)));
  ASSERT_OK(store->GetTask("owner-a", "cgt-1").status());
  ASSERT_OK(pg_->Freeze());
  // The open session gets no answer; the next one cannot even connect.
  auto thaw = [this] { EXPECT_OK(pg_->Thaw()); };
  EXPECT_THAT(
      Bounded([&] { return store->GetTask("owner-a", "cgt-1").status(); },
              thaw),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no answer")));
  EXPECT_THAT(
      Bounded(
          [&] {
            return store->BeginCreate(Create("frozen"), absl::Now()).status();
          },
          thaw),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect")));
  ASSERT_OK(pg_->Thaw());
  EXPECT_OK(store->GetTask("owner-a", "cgt-1").status());
  EXPECT_OK(store->BeginCreate(Create("thawed"), absl::Now()).status());
}

// A session ended between two statements of a transaction must fail the
// transaction: a fresh connection there would run the rest of it outside
// any transaction (the replacement of dead sessions is for idle ones only).
TEST_F(PostgresOutageTest, SessionEndedInsideATransactionFailsIt) {
  ASSERT_OK_AND_ASSIGN(auto conn, PostgresConnection::Open(pg_->uri(), {}));
  ASSERT_OK(conn->Script("CREATE TABLE marks (n INTEGER)"));
  ASSERT_OK(conn->BeginWrite());
  ASSERT_OK(conn->Query("INSERT INTO marks VALUES (1)", {}).status());
  {
    // Another session ends this one (as an administrator or a failover
    // does), and waits until it is gone.
    ASSERT_OK_AND_ASSIGN(auto admin, PostgresConnection::Open(pg_->uri(), {}));
    ASSERT_OK(admin
                  ->Query("SELECT pg_terminate_backend(pid) FROM "
                          "pg_stat_activity WHERE pid <> pg_backend_pid() "
                          "AND backend_type = 'client backend'",
                          {})
                  .status());
    ASSERT_TRUE(::seedance::testing::Eventually([&] {
      auto left = admin->Query(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> "
          "pg_backend_pid() AND backend_type = 'client backend'",
          {});
      return left.ok() && left->rows[0][0].AsInt() == 0;
    }));
  }
  EXPECT_THAT(conn->Query("INSERT INTO marks VALUES (2)", {}),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_THAT(conn->Commit(),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  conn->Rollback();
  // Nothing of the transaction was written, and the connection works
  // again for the next one.
  ASSERT_OK_AND_ASSIGN(SqlResult marks,
                       conn->Query("SELECT COUNT(*) FROM marks", {}));
  EXPECT_EQ(marks.rows[0][0].AsInt(), 0);
}

}  // namespace
}  // namespace seedance::store
