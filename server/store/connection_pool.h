// ConnectionPool: a fixed number of SqlConnections, each lent to one
// caller at a time. Connections are made on first need, so a database that
// is down at start-up only fails the calls that need it, and the pool
// recovers by itself when it is back.
//
//   absl::StatusOr<ConnectionPool::Lease> conn = pool.Acquire();
//   if (!conn.ok()) return conn.status();
//   (*conn)->Query(...);            // returned to the pool with the lease
#ifndef SEEDANCE_SERVER_STORE_CONNECTION_POOL_H_
#define SEEDANCE_SERVER_STORE_CONNECTION_POOL_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/sql_connection.h"

namespace seedance::store {

class ConnectionPool {
 public:
  using Factory =
      std::function<absl::StatusOr<std::unique_ptr<SqlConnection>>()>;

  // Up to `size` connections, made by `factory` when first needed.
  ConnectionPool(Factory factory, int size);

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // One borrowed connection; back in the pool when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Return(std::move(conn_));
    }
    SqlConnection* operator->() const { return conn_.get(); }
    SqlConnection& operator*() const { return *conn_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> conn_;
  };

  // Waits while every connection is lent out. The factory's error when a
  // new connection cannot be made (the database is down).
  absl::StatusOr<Lease> Acquire();

 private:
  void Return(std::unique_ptr<SqlConnection> conn);

  const Factory factory_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<SqlConnection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections that exist or are being made; at most the pool's size.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  const int size_;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_CONNECTION_POOL_H_
