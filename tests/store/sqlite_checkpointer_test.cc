// The SQLite store's checkpoints, off the writer's thread: the WAL is
// copied into the database by the checkpointer while commits go on, and
// stays bounded however long they go on.
#include "server/store/sqlite_checkpointer.h"

#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "server/store/sqlite_connection.h"
#include "tests/testing/eventually.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::ScratchDir;

constexpr int kStartFrames = 8;
constexpr int kWriterFrames = 32;

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

class SqliteCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    SqliteOptions options;
    options.checkpoints.start_frames = kStartFrames;
    options.checkpoints.writer_frames = kWriterFrames;
    options.checkpoints.pass_frames = 4;
    auto conn = SqliteConnection::Open(file(), options);
    ASSERT_OK(conn.status());
    conn_ = *std::move(conn);
    ASSERT_OK(conn_->Script(
        "CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"));
  }

  std::string file() const { return dir_.path() + "/t.db"; }

  // One committed transaction that writes a few pages (a row of 3 KiB).
  absl::Status Commit(int64_t id) {
    if (absl::Status s = conn_->BeginWrite(); !s.ok()) return s;
    absl::StatusOr<SqlResult> inserted =
        conn_->Query("INSERT INTO rows (id, body) VALUES ($1, zeroblob(3000))",
                     {SqlValue::Int(id)});
    if (!inserted.ok()) {
      conn_->Rollback();
      return inserted.status();
    }
    return conn_->Commit();
  }

  ScratchDir dir_;
  std::unique_ptr<SqliteConnection> conn_;
};

// Sustained commits, never a pause: the checkpointer alone would never see
// the WAL fully copied at the start of a transaction, so the WAL would only
// grow (3000 commits of about two pages: about 6000 pages). The writer
// finishing each cycle restarts it: it holds writer_frames pages plus what
// was committed during the checkpointer's last pass (its fsyncs), a few
// hundred pages here.
TEST_F(SqliteCheckpointerTest, TheWalStaysBoundedUnderSustainedCommits) {
  constexpr int kCommits = 3000;
  for (int64_t id = 1; id <= kCommits; ++id) ASSERT_OK(Commit(id));
  const int64_t frame = 4096 + 24;
  const int64_t unrestarted = int64_t{2} * kCommits * frame;
  EXPECT_LT(FileSize(file() + "-wal"), unrestarted / 4);
  ASSERT_OK_AND_ASSIGN(SqlResult rows,
                       conn_->Query("SELECT COUNT(*) FROM rows", {}));
  EXPECT_EQ(rows.rows[0][0].AsInt(), kCommits);
}

// A burst of commits, then nothing: what they wrote reaches the database
// file by the checkpointer's passes, including the pages the writer left
// past writer_frames for a next commit that never came (the quiet pass).
TEST_F(SqliteCheckpointerTest, ABurstOfCommitsReachesTheDatabaseFile) {
  // Each row fills a page of its own; before any checkpoint the database
  // file holds none of them.
  constexpr int kRows = 12;
  for (int64_t id = 1; id <= kRows; ++id) ASSERT_OK(Commit(id));
  EXPECT_TRUE(seedance::testing::Eventually([&] {
    return FileSize(file()) >= int64_t{kRows} * 4096;
  })) << "the rows' pages never reached the database file: "
      << FileSize(file()) << " bytes, WAL " << FileSize(file() + "-wal");
}

TEST(SqliteCheckpointerStartTest, AFileThatCannotBeOpenedIsUnavailable) {
  EXPECT_THAT(SqliteCheckpointer::Start("/nonexistent-dir/t.db", {}).status(),
              seedance::testing::StatusIs(absl::StatusCode::kUnavailable,
                                          ::testing::HasSubstr("checkpoints")));
}

}  // namespace
}  // namespace seedance::store
