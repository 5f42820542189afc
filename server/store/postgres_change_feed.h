// PostgresChangeFeed: ChangeFeed over PostgreSQL's LISTEN/NOTIFY, on one
// session of its own and one thread of its own.
//
// The thread connects, LISTENs on kTaskChangesChannel, calls `resync`,
// then hands each notification's payload to `changed` as it arrives. A
// session that breaks (server restart, failover) or stops answering (a
// ping every `ping_every` of silence must come back within the reply
// timeout) is dropped and made again with backoff, then `resync` runs
// again: nothing is missed for good, only late.
//
// Stop() wakes the thread at once (an eventfd beside the socket in every
// wait); only a connection attempt in progress can hold it, for at most
// the connect timeout.
#ifndef SEEDANCE_SERVER_STORE_POSTGRES_CHANGE_FEED_H_
#define SEEDANCE_SERVER_STORE_POSTGRES_CHANGE_FEED_H_

#include <poll.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/change_feed.h"
#include "server/store/postgres_connection.h"

namespace seedance::store {

struct PostgresChangeFeedOptions {
  PostgresOptions postgres;
  // A silent session is pinged after this long, to find out that a server
  // that vanished without closing the connection is gone.
  absl::Duration ping_every = absl::Seconds(10);
  // Backoff between connection attempts.
  absl::Duration retry_initial = absl::Milliseconds(100);
  absl::Duration retry_max = absl::Seconds(5);
};

class PostgresChangeFeed final : public ChangeFeed {
 public:
  PostgresChangeFeed(std::string conninfo, PostgresChangeFeedOptions options);
  ~PostgresChangeFeed() override;  // Stop()s

  PostgresChangeFeed(const PostgresChangeFeed&) = delete;
  PostgresChangeFeed& operator=(const PostgresChangeFeed&) = delete;

  void Start(Handlers handlers) override;
  void Stop() override;

 private:
  void Run();
  // One session: LISTEN, resync, deliver until it breaks (the error) or
  // Stop (OK).
  absl::Status Session(pg_conn* conn);
  // Sends `sql` and waits (up to the reply timeout) for its results. OK
  // also when Stop interrupts it (the caller checks stopping_).
  absl::Status Exchange(pg_conn* conn, const char* sql);
  // Waits until `fd` is ready for `events`, Stop, or `timeout`. Returns
  // true when `fd` is ready.
  using PollEvents = decltype(pollfd::events);
  bool Wait(int fd, PollEvents events, absl::Duration timeout);
  void DeliverQueued(pg_conn* conn);

  const std::string conninfo_;
  const PostgresChangeFeedOptions options_;
  Handlers handlers_;  // the thread's, once started
  const int wake_fd_;  // eventfd: written by Stop
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_POSTGRES_CHANGE_FEED_H_
