// ScratchDatabase: a PostgreSQL database of the bench's own, made on the
// server libpq's environment names (PGHOST, ..., as `./dev bench`'s
// pg_virtualenv sets them) and dropped when the object goes. A scenario
// that counts the server's work (pg_stat_database) or starts gateways on
// an empty schema uses one, so no other scenario's tasks or queries mix in.
//
//   absl::StatusOr<std::unique_ptr<ScratchDatabase>> db =
//       ScratchDatabase::Create(ProcessEnvironment(), "seedance_fleet");
//   gateway --store=(*db)->uri() ...
//   absl::StatusOr<int64_t> before = (*db)->Transactions();
#ifndef SEEDANCE_BENCH_SCRATCH_DATABASE_H_
#define SEEDANCE_BENCH_SCRATCH_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/store_variants.h"
#include "server/store/postgres_connection.h"

namespace seedance::bench {

class ScratchDatabase {
 public:
  // CREATE DATABASE `prefix`_<pid> on the server `env` names. NotFound
  // without PGHOST (the caller reports the scenario skipped).
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create(
      const EnvLookup& env, const std::string& prefix);

  // Drops the database (ending the sessions still in it).
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // The gateways' --store: the server's URI naming this database (never a
  // password: libpq reads PGPASSWORD from the environment).
  const std::string& uri() const { return uri_; }

  // Transactions committed and rolled back in this database so far
  // (pg_stat_database). Backends report theirs at most once a second while
  // busy, so a count lags by up to that: compare over windows of seconds.
  absl::StatusOr<int64_t> Transactions() const;

 private:
  ScratchDatabase(std::unique_ptr<store::PostgresConnection> admin,
                  std::string name, std::string uri)
      : admin_(std::move(admin)),
        name_(std::move(name)),
        uri_(std::move(uri)) {}

  // A session in the server's own database (PGDATABASE), not in ours.
  std::unique_ptr<store::PostgresConnection> admin_;
  std::string name_;
  std::string uri_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_SCRATCH_DATABASE_H_
