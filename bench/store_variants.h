// The gateway --store settings the store scenarios compare: `none` (the
// in-memory baseline), SQLite in a scratch directory, and PostgreSQL on
// the server libpq's environment names (PGHOST, ...), which `./dev bench`
// provides with pg_virtualenv. Kept free of I/O (the environment is
// injected) so tests/bench/ can check the URIs.
#ifndef SEEDANCE_BENCH_STORE_VARIANTS_H_
#define SEEDANCE_BENCH_STORE_VARIANTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace seedance::bench {

struct StoreVariant {
  std::string name;     // none | sqlite | postgresql
  std::string spec;     // the gateway's --store value; never holds a password
  std::string skipped;  // why this variant cannot run here (empty: it runs)
};

// getenv, or a fake in tests.
using EnvLookup = std::function<const char*(const char*)>;

// The process's environment (getenv).
EnvLookup ProcessEnvironment();

// postgresql://USER@HOST:PORT/DATABASE from PGHOST, PGPORT, PGUSER and
// PGDATABASE (each optional but PGHOST; components percent-encoded, so a
// socket directory works too). The password is left out on purpose: libpq
// reads PGPASSWORD (or PGPASSFILE) from the gateway's environment, and the
// URI is printed. NotFound without PGHOST.
absl::StatusOr<std::string> PostgresUriFromEnv(const EnvLookup& env);

// none, sqlite:<sqlite_dir>/tasks.db, and postgresql://… (skipped, with
// the reason, when PGHOST is unset).
std::vector<StoreVariant> StoreVariants(const std::string& sqlite_dir,
                                        const EnvLookup& env);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_STORE_VARIANTS_H_
