// ScratchPostgres: a throwaway PostgreSQL 15 server of a test's own, which
// the test may stop and start again (the shared pg_virtualenv cluster of
// `./dev test` must never be stopped: other tests use it).
//
//   std::unique_ptr<ScratchPostgres> pg;
//   SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg);
//   auto store = OpenTaskStore(pg->uri());
//   ASSERT_OK(pg->Stop());   // the store is down...
//   ASSERT_OK(pg->Start());  // ...and back, on the same port
//
// A fresh cluster (initdb, trust authentication, superuser `postgres`,
// fsync off: a test's data need not survive a power cut) in a new temporary
// folder, listening on 127.0.0.1 on a free ephemeral port and on a unix
// socket in that folder. Run as root (as the tests are), the server runs as
// the `postgres` OS user through runuser, since PostgreSQL refuses root.
// pg_ctl -w waits for start and stop, each with a deadline. The destructor
// stops the server and removes the folder; servers left by a test process
// that died without it (a ctest timeout) are stopped and removed by the
// next ScratchPostgres made on the machine.
#ifndef SEEDANCE_TESTS_TESTING_SCRATCH_POSTGRES_H_
#define SEEDANCE_TESTS_TESTING_SCRATCH_POSTGRES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace seedance::testing {

class ScratchPostgres {
 public:
  // Where the PostgreSQL 15 server programs are looked for.
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

  // Makes the cluster and starts it. NOT_FOUND when PostgreSQL 15 is not
  // installed (or, as root, there is no `postgres` user to run it);
  // another error when it is there but cannot be started.
  static absl::StatusOr<std::unique_ptr<ScratchPostgres>> Create();

  ~ScratchPostgres();
  ScratchPostgres(const ScratchPostgres&) = delete;
  ScratchPostgres& operator=(const ScratchPostgres&) = delete;

  // Stops the server (fast shutdown: sessions are ended), waiting until it
  // is down. Idempotent.
  absl::Status Stop();
  // Starts it again on the same port, waiting until it accepts
  // connections. Idempotent.
  absl::Status Start();

  // Freezes every process of the server (SIGSTOP): connections stay open
  // but nothing answers, as with a hung host or a network cut. Thaw
  // undoes it (the destructor too).
  absl::Status Freeze();
  absl::Status Thaw();

  bool running() const { return running_; }
  int port() const { return port_; }
  // A libpq URI over TCP: postgresql://postgres@127.0.0.1:PORT/postgres
  std::string uri() const;
  // The folder of the unix socket (and of the cluster).
  const std::string& dir() const { return dir_; }
  // The server's log, for a failing test's message.
  std::string LogTail() const;

 private:
  ScratchPostgres(std::string dir, int port)
      : dir_(std::move(dir)), port_(port) {}

  // Runs a PostgreSQL program (as `postgres` when we are root), output
  // appended to the control log; an error names it and its exit.
  absl::Status Run(const std::vector<std::string>& args) const;

  static void ReapOrphans();

  std::string data_dir() const { return dir_ + "/data"; }
  // The postmaster and its children, postmaster first.
  absl::StatusOr<std::vector<int>> ServerPids() const;
  absl::Status SignalAll(int signal, const std::vector<int>& pids) const;

  const std::string dir_;
  const int port_;
  bool running_ = false;
  std::vector<int> frozen_;  // pids stopped by Freeze
};

// ./dev test sets SEEDANCE_REQUIRE_POSTGRES=1: there a missing PostgreSQL
// fails the test instead of skipping it.
bool PostgresRequired();

}  // namespace seedance::testing

// In a gtest body (or SetUp): starts a ScratchPostgres into `pg`; skips the
// test when PostgreSQL 15 is absent (fails instead when it is required);
// fails when it is there but will not start.
#define SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg)                            \
  do {                                                                         \
    auto seedance_started_pg = ::seedance::testing::ScratchPostgres::Create(); \
    if (!seedance_started_pg.ok()) {                                           \
      if (absl::IsNotFound(seedance_started_pg.status()) &&                    \
          !::seedance::testing::PostgresRequired()) {                          \
        GTEST_SKIP() << seedance_started_pg.status().message();                \
      }                                                                        \
      FAIL() << "scratch PostgreSQL: " << seedance_started_pg.status();        \
    }                                                                          \
    (pg) = *std::move(seedance_started_pg);                                    \
  } while (0)

#endif  // SEEDANCE_TESTS_TESTING_SCRATCH_POSTGRES_H_
