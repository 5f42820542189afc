// The task store when its SQLite file cannot be written. The tests run as
// root, whom permission bits do not stop, so the file is made unwritable
// the way it happens to a running gateway: its filesystem fills up (a
// small tmpfs of the test's own). Writes must fail with a clear
// UNAVAILABLE, reads go on, nothing crashes, and the same store object
// writes again once there is room. And a file the process may not write at
// all (another owner) is refused at open, naming it.
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "server/store/sqlite_connection.h"
#include "server/store/task_store.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/scratch_tmpfs.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::ScratchTmpfs;
using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

NewCreate Create(const std::string& request_id) {
  NewCreate create;
  create.owner = "owner-a";
  create.request_id = request_id;
  create.request_hash = "hash-" + request_id;
  create.model = "doubao-seedance-2.0";
  return create;
}

TEST(SqliteOutageTest, FullDiskFailsWritesUnavailableThenSameStoreRecovers) {
  std::unique_ptr<ScratchTmpfs> fs;
  SEEDANCE_MOUNT_SCRATCH_TMPFS_OR_SKIP(fs);
  const std::string file = fs->dir() + "/tasks.db";
  StoreOptions options;
  options.connections = 2;
  ASSERT_OK_AND_ASSIGN(auto store,
                       OpenTaskStore(absl::StrCat("sqlite:", file), options));
  ASSERT_OK_AND_ASSIGN(BeginResult begun,
                       store->BeginCreate(Create("before"), absl::Now()));
  v1::Video video;
  video.set_id("cgt-1");
  video.set_status(v1::VIDEO_STATUS_QUEUED);
  ASSERT_OK(store->FinishCreate(begun.record.row_id, CreateState::kCreated,
                                video, absl::OkStatus(), absl::Now()));
  {
    // Empty the write-ahead log, so the next write must take new space
    // (a WAL that has room left would take a few writes first).
    ASSERT_OK_AND_ASSIGN(auto conn, SqliteConnection::Open(file, {}));
    ASSERT_OK(conn->Script("PRAGMA wal_checkpoint(TRUNCATE)"));
  }
  ASSERT_OK(fs->Fill());

  Observation seen_running;
  seen_running.video = video;
  seen_running.video.set_status(v1::VIDEO_STATUS_RUNNING);
  seen_running.sequence = 20;
  seen_running.observed = absl::Now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(
        store->BeginCreate(Create(absl::StrCat("full-", i)), absl::Now()),
        StatusIs(absl::StatusCode::kUnavailable,
                 HasSubstr("task store (sqlite)")));
    EXPECT_THAT(store->RecordObservation("owner-a", "cgt-1", seen_running),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr("task store (sqlite)")));
  }
  // What is recorded can still be read.
  ASSERT_OK_AND_ASSIGN(TaskRecord task, store->GetTask("owner-a", "cgt-1"));
  EXPECT_EQ(task.video.status(), v1::VIDEO_STATUS_QUEUED);
  ListQuery query;
  query.owner = "owner-a";
  ASSERT_OK_AND_ASSIGN(ListPage page, store->ListTasks(query));
  EXPECT_EQ(page.tasks.size(), 1u);

  ASSERT_OK(fs->Free());
  // The same store, not reopened.
  ASSERT_OK_AND_ASSIGN(BeginResult after,
                       store->BeginCreate(Create("after"), absl::Now()));
  EXPECT_TRUE(after.send);
  ASSERT_OK(store->RecordObservation("owner-a", "cgt-1", seen_running));
  // The creates refused while full left nothing behind.
  EXPECT_THAT(store->GetByRequestId("owner-a", "full-0"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

// The gateway runs as a user that may not write its configured file (a
// backup restored by root, a volume with the wrong owner). The store must
// say so, naming the file, rather than fail on its first write with
// SQLite's words. Run as root (whom permission bits do not stop), the
// opening thread takes another user's file-system identity (setfsuid: per
// thread, and it drops root's override of permission bits); run as another
// user, the file's write bits are cleared instead.
TEST(SqliteOutageTest, FileThisProcessMayNotWriteIsUnavailableNamingIt) {
  ::seedance::testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string file = dir.path() + "/tasks.db";
  ASSERT_OK(OpenTaskStore("sqlite:" + file).status());
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  constexpr uid_t kNobody = 65534;
  const bool root = geteuid() == 0;
  if (!root) ASSERT_EQ(chmod(file.c_str(), 0444), 0);
  absl::Status opened;
  std::thread opener([&] {
    if (root) {
      setfsuid(kNobody);
      // setfsuid reports the previous id: ask again to be sure it took.
      if (setfsuid(kNobody) != static_cast<int>(kNobody)) {
        opened = absl::InternalError("setfsuid did not take");
        return;
      }
    }
    opened = OpenTaskStore("sqlite:" + file).status();
  });
  opener.join();
  EXPECT_THAT(opened, StatusIs(absl::StatusCode::kUnavailable,
                               ::testing::AllOf(HasSubstr(file),
                                                HasSubstr("not writable"))));
  // Writable again: it opens.
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  EXPECT_OK(OpenTaskStore("sqlite:" + file).status());
}

}  // namespace
}  // namespace seedance::store
