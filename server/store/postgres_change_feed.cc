#include "server/store/postgres_change_feed.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace seedance::store {
namespace {

absl::Status SessionError(pg_conn* conn, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("task store (postgresql) change feed: ", what, ": ",
                   absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
}

}  // namespace

PostgresChangeFeed::PostgresChangeFeed(std::string conninfo,
                                       PostgresChangeFeedOptions options)
    : conninfo_(std::move(conninfo)),
      options_(std::move(options)),
      // Without one (fd exhaustion), waits fall back to short slices.
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

PostgresChangeFeed::~PostgresChangeFeed() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void PostgresChangeFeed::Start(Handlers handlers) {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_.load()) return;
  handlers_ = std::move(handlers);
  thread_ = std::thread([this] { Run(); });
}

void PostgresChangeFeed::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true);
    thread.swap(thread_);
  }
  if (!thread.joinable()) return;
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    // Cannot fail short of a counter overflow; a lost wake-up would still
    // end the wait at its timeout.
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }
  thread.join();
}

bool PostgresChangeFeed::Wait(int fd, PollEvents events,
                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!stopping_.load()) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    if (wake_fd_ < 0) left = std::min(left, absl::Milliseconds(100));
    pollfd fds[2] = {{fd, events, 0}, {wake_fd_, POLLIN, 0}};
    const int ready =
        poll(fds, wake_fd_ >= 0 ? 2 : 1,
             static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) return false;
    if (ready > 0 && fds[0].revents != 0) return true;
  }
  return false;
}

absl::Status PostgresChangeFeed::Exchange(pg_conn* conn, const char* sql) {
  if (PQsendQuery(conn, sql) == 0) return SessionError(conn, sql);
  const absl::Time deadline = absl::Now() + options_.postgres.reply_timeout;
  auto timed_out = [&] {
    return absl::UnavailableError(
        absl::StrCat("task store (postgresql) change feed: ", sql,
                     ": no answer from the server in ",
                     absl::FormatDuration(options_.postgres.reply_timeout)));
  };
  for (;;) {
    const int flushed = PQflush(conn);
    if (flushed == 0) break;
    if (flushed < 0) return SessionError(conn, sql);
    if (!Wait(PQsocket(conn), POLLOUT | POLLIN, deadline - absl::Now())) {
      return stopping_.load() ? absl::OkStatus() : timed_out();
    }
    if (PQconsumeInput(conn) == 0) return SessionError(conn, sql);
  }
  absl::Status status;
  for (;;) {
    while (PQisBusy(conn) != 0) {
      if (!Wait(PQsocket(conn), POLLIN, deadline - absl::Now())) {
        return stopping_.load() ? absl::OkStatus() : timed_out();
      }
      if (PQconsumeInput(conn) == 0) return SessionError(conn, sql);
    }
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) break;
    const ExecStatusType state = PQresultStatus(result);
    if (status.ok() && state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK) {
      status = absl::UnavailableError(absl::StrCat(
          "task store (postgresql) change feed: ", sql, ": ",
          absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result))));
    }
    PQclear(result);
  }
  return status;
}

void PostgresChangeFeed::DeliverQueued(pg_conn* conn) {
  while (PGnotify* n = PQnotifies(conn)) {
    std::string payload = n->extra != nullptr ? n->extra : "";
    PQfreemem(n);
    if (!payload.empty() && handlers_.changed) handlers_.changed(payload);
  }
}

absl::Status PostgresChangeFeed::Session(pg_conn* conn) {
  if (PQsetnonblocking(conn, 1) != 0) {
    return SessionError(conn, "non-blocking mode");
  }
  // The channel name is ours and constant: nothing to quote.
  const std::string listen = absl::StrCat("LISTEN ", kTaskChangesChannel);
  if (absl::Status s = Exchange(conn, listen.c_str()); !s.ok()) return s;
  if (stopping_.load()) return absl::OkStatus();
  // Whatever changed while no session listened was not announced.
  if (handlers_.resync) handlers_.resync();
  absl::Time last_heard = absl::Now();
  while (!stopping_.load()) {
    DeliverQueued(conn);
    const absl::Duration quiet = absl::Now() - last_heard;
    if (quiet >= options_.ping_every) {
      // Silence may be a server that vanished without a word (a frozen
      // host, a cut network): only an answer proves the session alive.
      if (absl::Status s = Exchange(conn, "SELECT 1"); !s.ok()) return s;
      last_heard = absl::Now();
      continue;
    }
    if (Wait(PQsocket(conn), POLLIN, options_.ping_every - quiet)) {
      if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
        return SessionError(conn, "connection lost");
      }
      last_heard = absl::Now();
    }
  }
  return absl::OkStatus();
}

void PostgresChangeFeed::Run() {
  absl::Duration retry = options_.retry_initial;
  while (!stopping_.load()) {
    absl::StatusOr<PgConnPtr> conn =
        ConnectPostgres(conninfo_, options_.postgres);
    absl::Status why = conn.status();
    if (conn.ok()) {
      const absl::Time began = absl::Now();
      why = Session(conn->get());
      // A session that lasted starts the backoff afresh.
      if (absl::Now() - began > options_.retry_max) {
        retry = options_.retry_initial;
      }
    }
    if (stopping_.load()) break;
    if (handlers_.failed) handlers_.failed(why);
    Wait(-1, 0, retry);  // returns early on Stop
    retry = std::min(retry * 2, options_.retry_max);
  }
}

absl::StatusOr<std::unique_ptr<ChangeFeed>> OpenChangeFeed(
    const std::string& spec, const StoreOptions& options) {
  if (absl::StartsWith(spec, "sqlite:")) return nullptr;
  if (!absl::StartsWith(spec, "postgresql://") &&
      !absl::StartsWith(spec, "postgres://")) {
    return absl::InvalidArgumentError(
        "--store must be sqlite:PATH or a postgresql:// URI");
  }
  PostgresChangeFeedOptions feed;
  feed.postgres.password = options.postgres_password;
  return std::unique_ptr<ChangeFeed>(
      std::make_unique<PostgresChangeFeed>(spec, std::move(feed)));
}

}  // namespace seedance::store
