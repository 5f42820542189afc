#include "server/store/connection_pool.h"

#include <algorithm>
#include <utility>

namespace seedance::store {

ConnectionPool::ConnectionPool(Factory factory, int size)
    : factory_(std::move(factory)), size_(std::max(1, size)) {}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < size_;
    };
    mu_.Await(absl::Condition(&available));
    if (!idle_.empty()) {
      std::unique_ptr<SqlConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // this call makes a new one, outside the lock
  }
  absl::StatusOr<std::unique_ptr<SqlConnection>> conn = factory_();
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> conn) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

}  // namespace seedance::store
