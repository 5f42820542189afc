// PostgresConnection: the PostgreSQL driver of SqlConnection, on libpq.
//
// The connection string is a libpq URI or keyword list
// ("postgresql://gateway@db:5432/seedance?sslmode=verify-full"). Passwords
// come from PGPASSWORD / PGPASSFILE (or a password file the gateway reads),
// never from a log: no message of this driver contains the connection
// string.
//
// A connection that breaks (server restart, network) fails the call in
// hand with UNAVAILABLE and is re-established on the next call, so the
// store recovers without a restart of the gateway.
#ifndef SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_
#define SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "server/store/sql_connection.h"

struct pg_conn;

namespace seedance::store {

struct PostgresOptions {
  // Longest wait for a connection to be established.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longest any statement may run before the server cancels it.
  absl::Duration statement_timeout = absl::Seconds(10);
  // Password when the connection string has none (libpq also reads
  // PGPASSWORD and PGPASSFILE).
  std::string password;
};

class PostgresConnection final : public SqlConnection {
 public:
  // Connects. UNAVAILABLE when the server cannot be reached or refuses.
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(
      const std::string& conninfo, const PostgresOptions& options);
  ~PostgresConnection() override;

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  absl::StatusOr<SqlResult> Query(const std::string& sql,
                                  absl::Span<const SqlValue> params) override;
  absl::Status Script(const std::string& sql) override;
  absl::Status BeginWrite() override;
  absl::Status Commit() override;
  void Rollback() override;

 private:
  struct ConnCloser {
    void operator()(pg_conn* conn) const;
  };
  using ConnPtr = std::unique_ptr<pg_conn, ConnCloser>;

  PostgresConnection(std::string conninfo, const PostgresOptions& options);

  // Connects when there is no usable connection (first use, or after one
  // broke).
  absl::Status EnsureConnected();

  const std::string conninfo_;
  const PostgresOptions options_;
  ConnPtr conn_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_POSTGRES_CONNECTION_H_
