// SqliteCheckpointer; see sqlite_checkpointer.h.
#include "server/store/sqlite_checkpointer.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace seedance::store {

void SqliteCheckpointer::DbCloser::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(
    const std::string& path, const SqliteCheckpointerOptions& options) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat(
        "task store (sqlite): cannot open ", path, " for checkpoints: ",
        db != nullptr ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  // The checkpoint syncs the WAL before copying and the database after,
  // as the writer's own would (synchronous=NORMAL in WAL mode).
  if (sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat(
        "task store (sqlite): checkpoints: ", sqlite3_errmsg(db.get())));
  }
  return std::unique_ptr<SqliteCheckpointer>(
      new SqliteCheckpointer(std::move(db), options));
}

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<sqlite3, DbCloser> db,
                                       const SqliteCheckpointerOptions& options)
    : options_(options), db_(std::move(db)), thread_([this] { Run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

bool SqliteCheckpointer::Committed(int wal_frames) {
  absl::MutexLock lock(&mu_);
  // Fewer pages than at the last commit: the WAL restarted, and everything
  // in it is new.
  if (wal_frames < wal_frames_) {
    copied_ = 0;
    ++restarts_;
  }
  wal_frames_ = wal_frames;
  ++commits_;
  return wal_frames >= options_.writer_frames;
}

void SqliteCheckpointer::Run() {
  // The commit count when the last pass began, and when the last pass for
  // lack of commits began (one per quiet spell: a file that fails is not
  // retried in a loop of the checkpointer's own).
  int64_t seen_commits = -1;
  int64_t quiet_commits = -1;
  for (;;) {
    int64_t restarts = 0;
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        if (stop_) return;
        const bool uncopied =
            wal_frames_ >= options_.start_frames && wal_frames_ > copied_;
        // A pass when pass_frames more pages wait (fewer, larger passes:
        // each costs two fsyncs) and the writer is not due to finish the
        // cycle itself (a pass of ours would only make its PASSIVE
        // checkpoint find the lock taken).
        if (uncopied && commits_ != seen_commits &&
            wal_frames_ - copied_ >= options_.pass_frames &&
            wal_frames_ < options_.writer_frames) {
          break;
        }
        const int64_t commits = commits_;
        auto committed = [this, commits]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
          return stop_ || commits_ != commits;
        };
        if (!uncopied || quiet_commits == commits) {
          mu_.Await(absl::Condition(&committed));
          continue;
        }
        // Pages left uncopied (past writer_frames, for the writer's next
        // commit, or by a pass that failed): if no commit comes within
        // quiet_pass, the writer is idle, and the checkpointer copies them.
        if (!mu_.AwaitWithTimeout(absl::Condition(&committed),
                                  options_.quiet_pass)) {
          quiet_commits = commits;
          break;
        }
      }
      seen_commits = commits_;
      restarts = restarts_;
    }
    int log_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(
        db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
    absl::MutexLock lock(&mu_);
    // On SQLITE_BUSY (the writer checkpointing) or an error, nothing is
    // known copied: the next commit, or the next quiet spell, brings the
    // next try. Nor is anything known of a WAL that restarted meanwhile.
    if (rc == SQLITE_OK && restarts == restarts_) copied_ = copied;
  }
}

}  // namespace seedance::store
