// SqliteCheckpointer: copies a WAL-mode database's committed pages from its
// write-ahead log into the database file on a thread and a connection of
// its own, so that the writer's commits do not wait for that copy and its
// two fsyncs.
//
// SQLite's own automatic checkpoint runs inside the commit that finds the
// WAL past 1,000 pages: the store thread, and with it every create waiting
// for a write, then stops for the copy and both fsyncs (8-10 points of the
// create path's throughput and most of its p99 in docs/PERFORMANCE.md,
// section 5). Here the writer only reports each commit (`Committed`, from
// the connection's WAL hook); the checkpointer's PASSIVE checkpoints never
// block it.
//
// The WAL file restarts from its beginning only when a write transaction
// begins with every frame copied, which a checkpoint on another thread
// never achieves while commits keep coming (each pass ends behind the
// frames committed during it). So past `writer_frames` the checkpointer
// stands aside and `Committed` asks the writer to copy the rest itself: a
// few frames and the two fsyncs, once per WAL cycle instead of the whole
// copy every 1,000 pages. The WAL thus stays under about `writer_frames`
// pages plus what is committed during one pass. When the writer goes idle
// with pages left, the checkpointer copies them after `quiet_pass`.
#ifndef SEEDANCE_SERVER_STORE_SQLITE_CHECKPOINTER_H_
#define SEEDANCE_SERVER_STORE_SQLITE_CHECKPOINTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct sqlite3;

namespace seedance::store {

struct SqliteCheckpointerOptions {
  // The checkpointer starts copying once the WAL holds this many pages,
  // and then copies whenever this many more wait.
  int start_frames = 1000;
  int pass_frames = 256;
  // Past this many pages the writer copies what is left itself, so the WAL
  // restarts (see above).
  int writer_frames = 4000;
  // Pages left uncopied (past writer_frames, or by a pass that failed)
  // are copied by the checkpointer once the writer has been idle this
  // long.
  absl::Duration quiet_pass = absl::Milliseconds(50);
};

class SqliteCheckpointer {
 public:
  // Opens its own connection to `path` (a WAL-mode database) and starts
  // its thread. UNAVAILABLE when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> Start(
      const std::string& path, const SqliteCheckpointerOptions& options);
  // Stops the thread (after the pass in hand) and closes the connection.
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Called by the writer's connection after each commit, on the writer's
  // thread, with the pages now in the WAL. Never waits for a pass: it
  // wakes the checkpointer, or past writer_frames returns true, telling
  // the writer to checkpoint (PASSIVE) itself before its next transaction.
  bool Committed(int wal_frames);

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  SqliteCheckpointer(std::unique_ptr<sqlite3, DbCloser> db,
                     const SqliteCheckpointerOptions& options);
  void Run();

  const SqliteCheckpointerOptions options_;
  // Used on thread_ only (and closed after it ends).
  std::unique_ptr<sqlite3, DbCloser> db_;
  absl::Mutex mu_;
  // The WAL's pages at the last commit, how many of them a pass copied,
  // and how many commits and WAL restarts there were.
  int wal_frames_ ABSL_GUARDED_BY(mu_) = 0;
  int copied_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t restarts_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // The last member: started once the others exist.
  std::thread thread_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQLITE_CHECKPOINTER_H_
