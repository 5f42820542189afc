// PostgresConnection: the PostgreSQL driver of SqlConnection, on libpq.
//
// The connection string is a libpq URI or keyword list
// ("postgresql://gateway@db:5432/seedance?sslmode=verify-full"). Passwords
// come from PGPASSWORD / PGPASSFILE (or a password file the gateway reads),
// never from a log: no message of this driver contains the connection
// string.
//
// A connection that breaks (server restart, network), or whose server does
// not answer within `reply_timeout` (frozen, cut off), fails the call in
// hand with UNAVAILABLE and is re-established on the next call, so the
// store recovers without a restart of the gateway; one the server ended
// while it was idle is replaced before use.
#ifndef SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_
#define SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/store/sql_connection.h"

struct pg_conn;
struct pg_result;

namespace seedance::store {

struct PostgresOptions {
  // Longest wait for a connection to be established.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longest any statement may run before the server cancels it.
  absl::Duration statement_timeout = absl::Seconds(10);
  // Longest the client waits for the server's answer to a call. The
  // server's statement_timeout cannot end a wait on a server that is
  // frozen or cut off by the network (the kernel may keep the connection
  // open for many minutes): past this the connection is dropped and the
  // call fails with UNAVAILABLE. Longer than statement_timeout, so a slow
  // statement is cancelled by the server first.
  absl::Duration reply_timeout = absl::Seconds(15);
  // Password when the connection string has none (libpq also reads
  // PGPASSWORD and PGPASSFILE).
  std::string password;
};

struct PgConnCloser {
  void operator()(pg_conn* conn) const;
};
using PgConnPtr = std::unique_ptr<pg_conn, PgConnCloser>;

// A new session with the options' connect timeout and password (the
// connection string's own settings win), libpq's notices silenced.
// UNAVAILABLE when the server cannot be reached or refuses; the message
// never holds the connection string.
absl::StatusOr<PgConnPtr> ConnectPostgres(const std::string& conninfo,
                                          const PostgresOptions& options);

class PostgresConnection final : public SqlConnection {
 public:
  // Connects. UNAVAILABLE when the server cannot be reached or refuses.
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(
      const std::string& conninfo, const PostgresOptions& options);
  ~PostgresConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  absl::StatusOr<SqlResult> Query(const std::string& sql,
                                  absl::Span<const SqlValue> params) override;
  // Inside a transaction: held back and sent with the next Query or the
  // Commit, in one pipeline (one round trip).
  absl::Status Defer(const std::string& sql,
                     std::vector<SqlValue> params) override;
  // One pipeline: one round trip for all (and anything held back).
  absl::StatusOr<std::vector<SqlResult>> QueryAll(
      absl::Span<const SqlStatement> statements) override;
  absl::Status Script(const std::string& sql) override;
  absl::Status BeginWrite() override;
  absl::Status Commit() override;
  void Rollback() override;

  // Round trips to the server so far (each a wait for its answer): what
  // the store's latency on a network is made of.
  int64_t round_trips() const { return round_trips_; }

 private:
  PostgresConnection(std::string conninfo, const PostgresOptions& options);

  // Connects when there is no usable connection (first use, or after one
  // broke).
  absl::Status EnsureConnected();

  // After a query was sent: waits (up to reply_timeout) for its answer and
  // returns it as PQexec would (the first error, else the last result).
  // UNAVAILABLE, with the connection dropped, when none comes in time.
  struct ResultClearer {
    void operator()(pg_result* r) const;
  };
  using ResultPtr = std::unique_ptr<pg_result, ResultClearer>;
  absl::StatusOr<ResultPtr> AwaitResult(absl::string_view what);
  // Waits until the socket is ready for `events` (poll's), up to
  // `deadline`.
  absl::Status WaitSocket(short events, absl::Time deadline,  // NOLINT
                          absl::string_view what);
  // Sends whatever libpq still buffers (non-blocking mode).
  absl::Status FlushOut(absl::Time deadline, absl::string_view what);
  // Sends `sql` (prepared when it has parameters) without waiting for it;
  // `expected` gets what to read back for it, in order.
  struct Expected {
    // Non-empty for a Prepare: the statement it names, forgotten again if
    // the server did not prepare it.
    std::string prepared_sql;
    // A result nobody asked for (a Prepare, a DEALLOCATE).
    bool internal = false;
  };
  absl::Status SendOne(const std::string& sql,
                       absl::Span<const SqlValue> params,
                       std::vector<Expected>& expected);
  // The held-back statements, then `statements`, in one pipeline ending
  // with a sync: one round trip. Returns the results of `statements`, or
  // the first error of any of them.
  absl::StatusOr<std::vector<ResultPtr>> RunPipeline(
      absl::Span<const SqlStatement> statements);
  // Sends `sql` (statements without parameters) on the current connection
  // and awaits it; `what` names it in errors.
  absl::Status Exec(const std::string& sql, absl::string_view what);

  // The name `sql` is prepared under on this session, preparing it on
  // first use: the server then parses and plans each of the store's
  // statements once per connection, not at every call. nullptr: past
  // kMaxPrepared (ListTasks builds a shape per filter), run unprepared.
  absl::StatusOr<const std::string*> Prepared(const std::string& sql,
                                              size_t params);
  static constexpr size_t kMaxPrepared = 64;

  // A statement prepared on this session, and how often it was used.
  //
  // Plans age: PostgreSQL keeps a prepared statement's generic plan until
  // the table's statistics change (autovacuum's ANALYZE, at most once a
  // minute and per 10 % of growth), and a plan made while `tasks` was a
  // few pages (a new deployment) reads it with sequential scans, whose
  // cost then grows with every task created (measured: 20 pages per
  // outcome on the index, 150-250 after three seconds of creates on the
  // stale plan). So each statement is prepared again, and its old name
  // deallocated, at its 64th, 128th, 256th... use: its plan is never made
  // for a table less than about half its size, and re-planning costs one
  // Parse per doubling.
  struct PreparedStatement {
    std::string name;  // empty: to be prepared (again)
    int64_t uses = 0;
  };
  static constexpr int64_t kFirstReplan = 64;
  // The entry of `sql` on this session, counting this use (and retiring
  // its name when a new plan is due); nullptr past kMaxPrepared.
  PreparedStatement* Track(const std::string& sql);
  // Whether names retired on this session wait for their DEALLOCATE and
  // the session is outside a transaction, where one cannot fail.
  bool RetiredToDeallocate() const;

  const std::string conninfo_;
  const PostgresOptions options_;
  PgConnPtr conn_;
  // Counts sessions made, so that statements prepared on a session that
  // broke are never named on the next one.
  int64_t connection_number_ = 0;
  int64_t prepared_connection_ = 0;
  absl::flat_hash_map<std::string, PreparedStatement> prepared_;
  // Names of prepared_connection_'s statements whose plans were retired,
  // deallocated at the head of the next pipeline that starts outside a
  // transaction.
  std::vector<std::string> retired_;
  // Names prepared statements; never reused within a session.
  int64_t prepared_names_ = 0;
  // Statements held back (Defer, the BEGIN) until the next round trip.
  std::vector<SqlStatement> deferred_;
  int64_t round_trips_ = 0;
  // Between a successful BeginWrite and its Commit or Rollback.
  bool in_transaction_ = false;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_
