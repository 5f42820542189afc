// The PostgreSQL change feed (fleet mode's cross-replica delivery), on a
// server of the test's own: a transition one replica records reaches the
// others' feeds as the task's id; after the server restarts or freezes,
// the feed says so, reconnects by itself and asks for a re-read (resync),
// so that nothing is missed for good; Stop never hangs, even while the
// server is down.
#include "server/store/postgres_change_feed.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "server/store/change_feed.h"
#include "server/store/task_store.h"
#include "tests/testing/eventually.h"
#include "tests/testing/scratch_postgres.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::Eventually;
using ::seedance::testing::ScratchPostgres;
using ::testing::Contains;

// What the feed told, as the gateway's handlers would see it.
class Heard {
 public:
  ChangeFeed::Handlers Handlers() {
    ChangeFeed::Handlers h;
    h.changed = [this](const std::string& id) {
      absl::MutexLock lock(&mu_);
      changed_.push_back(id);
    };
    h.resync = [this] {
      absl::MutexLock lock(&mu_);
      ++resyncs_;
    };
    h.failed = [this](const absl::Status& why) {
      absl::MutexLock lock(&mu_);
      failures_.push_back(why);
    };
    return h;
  }
  std::vector<std::string> changed() {
    absl::MutexLock lock(&mu_);
    return changed_;
  }
  int resyncs() {
    absl::MutexLock lock(&mu_);
    return resyncs_;
  }
  std::vector<absl::Status> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> changed_ ABSL_GUARDED_BY(mu_);
  int resyncs_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
};

class PostgresChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg_);
    ASSERT_OK_AND_ASSIGN(store_, OpenTaskStore(pg_->uri()));
  }

  // A feed that notices a silent server quickly.
  std::unique_ptr<ChangeFeed> QuickFeed() {
    PostgresChangeFeedOptions options;
    options.ping_every = absl::Milliseconds(200);
    options.postgres.reply_timeout = absl::Milliseconds(500);
    options.postgres.connect_timeout = absl::Seconds(1);
    options.retry_max = absl::Milliseconds(200);
    return std::make_unique<PostgresChangeFeed>(pg_->uri(), options);
  }

  // A task created and then seen in `status` (with its stage's sequence),
  // as the replica polling it records it.
  void Observe(const std::string& task_id, v1::VideoStatus status,
               int64_t sequence) {
    if (!store_->GetTask("owner-a", task_id).ok()) {
      NewCreate create;
      create.owner = "owner-a";
      create.request_hash = "h";
      create.model = "doubao-seedance-2.0";
      ASSERT_OK_AND_ASSIGN(BeginResult begun,
                           store_->BeginCreate(create, absl::Now()));
      v1::Video created;
      created.set_id(task_id);
      created.set_status(v1::VIDEO_STATUS_QUEUED);
      ASSERT_OK(store_->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                     created, absl::OkStatus(), absl::Now()));
    }
    Observation seen;
    seen.video.set_id(task_id);
    seen.video.set_status(status);
    seen.sequence = sequence;
    seen.observed = absl::Now();
    ASSERT_OK(store_->RecordObservation("owner-a", task_id, seen).status());
  }

  std::unique_ptr<ScratchPostgres> pg_;
  std::unique_ptr<TaskStore> store_;
};

TEST_F(PostgresChangeFeedTest, ATransitionRecordedAnywhereIsAnnouncedById) {
  Heard heard;
  std::unique_ptr<ChangeFeed> feed = QuickFeed();
  feed->Start(heard.Handlers());
  // Listening from the first resync on.
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() == 1; }));

  Observe("cgt-a", v1::VIDEO_STATUS_RUNNING, 20);
  Observe("cgt-b", v1::VIDEO_STATUS_RUNNING, 20);
  ASSERT_TRUE(Eventually([&] { return heard.changed().size() >= 2; }));
  EXPECT_THAT(heard.changed(), Contains("cgt-a"));
  EXPECT_THAT(heard.changed(), Contains("cgt-b"));
  feed->Stop();
}

TEST_F(PostgresChangeFeedTest, AWriteThatChangesNothingIsNotAnnounced) {
  Heard heard;
  std::unique_ptr<ChangeFeed> feed = QuickFeed();
  feed->Start(heard.Handlers());
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() == 1; }));
  Observe("cgt-a", v1::VIDEO_STATUS_SUCCEEDED, 30);
  // A stale observation (a lower sequence) is ignored by the store...
  Observe("cgt-a", v1::VIDEO_STATUS_RUNNING, 20);
  // ...so after a later change to another task, cgt-a was told once.
  Observe("cgt-z", v1::VIDEO_STATUS_RUNNING, 20);
  ASSERT_TRUE(Eventually([&] {
    return !heard.changed().empty() && heard.changed().back() == "cgt-z";
  }));
  EXPECT_EQ(heard.changed(), (std::vector<std::string>{"cgt-a", "cgt-z"}));
}

TEST_F(PostgresChangeFeedTest, AfterARestartItReconnectsAndAsksForAReread) {
  Heard heard;
  std::unique_ptr<ChangeFeed> feed = QuickFeed();
  feed->Start(heard.Handlers());
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() == 1; }));

  ASSERT_OK(pg_->Stop());
  ASSERT_TRUE(Eventually([&] { return !heard.failures().empty(); }));
  for (const absl::Status& why : heard.failures()) {
    EXPECT_EQ(why.code(), absl::StatusCode::kUnavailable) << why;
    EXPECT_THAT(std::string(why.message()),
                ::testing::Not(::testing::HasSubstr(pg_->uri())));
  }
  ASSERT_OK(pg_->Start());
  // Whatever changed while it was away: the handler reads everything again.
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() == 2; }));
  Observe("cgt-after", v1::VIDEO_STATUS_RUNNING, 20);
  ASSERT_TRUE(Eventually([&] {
    return !heard.changed().empty() && heard.changed().back() == "cgt-after";
  }));
}

TEST_F(PostgresChangeFeedTest, AFrozenServerIsNoticedByItsPing) {
  Heard heard;
  std::unique_ptr<ChangeFeed> feed = QuickFeed();
  feed->Start(heard.Handlers());
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() == 1; }));
  // Connections stay open, nothing answers: only the ping can tell.
  ASSERT_OK(pg_->Freeze());
  ASSERT_TRUE(Eventually([&] { return !heard.failures().empty(); }));
  ASSERT_OK(pg_->Thaw());
  ASSERT_TRUE(Eventually([&] { return heard.resyncs() >= 2; }));
  Observe("cgt-thawed", v1::VIDEO_STATUS_RUNNING, 20);
  ASSERT_TRUE(Eventually([&] {
    return !heard.changed().empty() && heard.changed().back() == "cgt-thawed";
  }));
}

TEST_F(PostgresChangeFeedTest, StopsAtOnceWhileTheServerIsDown) {
  Heard heard;
  std::unique_ptr<ChangeFeed> feed = QuickFeed();
  ASSERT_OK(pg_->Stop());
  feed->Start(heard.Handlers());
  ASSERT_TRUE(Eventually([&] { return heard.failures().size() >= 2; }));
  feed->Stop();  // returns: the backoff wait is woken
  const size_t failures = heard.failures().size();
  feed->Stop();  // idempotent
  EXPECT_EQ(heard.failures().size(), failures);
  EXPECT_EQ(heard.resyncs(), 0);
}

TEST(ChangeFeedTest, SqliteHasNone) {
  absl::StatusOr<std::unique_ptr<ChangeFeed>> feed =
      OpenChangeFeed("sqlite:/tmp/unused.db", StoreOptions());
  ASSERT_OK(feed.status());
  EXPECT_EQ(*feed, nullptr);
  EXPECT_EQ(OpenChangeFeed("mysql://x", StoreOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace seedance::store
