// ScratchDatabase; see scratch_database.h.
#include "bench/scratch_database.h"

#include <unistd.h>

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace seedance::bench {

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create(
    const EnvLookup& env, const std::string& prefix) {
  absl::StatusOr<std::string> server = PostgresUriFromEnv(env);
  if (!server.ok()) return server.status();
  absl::StatusOr<std::unique_ptr<store::PostgresConnection>> admin =
      store::PostgresConnection::Open(*server, store::PostgresOptions{});
  if (!admin.ok()) return admin.status();
  // A name of letters, digits and underscores: safe to splice into SQL.
  const std::string name = absl::StrCat(prefix, "_", getpid());
  // Left over by a bench that died: start clean.
  absl::StatusOr<store::SqlResult> dropped = (*admin)->Query(
      absl::StrCat("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)"), {});
  if (!dropped.ok()) return dropped.status();
  absl::StatusOr<store::SqlResult> created =
      (*admin)->Query(absl::StrCat("CREATE DATABASE ", name), {});
  if (!created.ok()) return created.status();
  // Used only below, while `name` lives.
  EnvLookup ours = [&env, &name](const char* variable) -> const char* {
    if (std::string(variable) == "PGDATABASE") return name.c_str();
    return env(variable);
  };
  absl::StatusOr<std::string> uri = PostgresUriFromEnv(ours);
  if (!uri.ok()) return uri.status();
  return std::unique_ptr<ScratchDatabase>(
      new ScratchDatabase(*std::move(admin), name, *std::move(uri)));
}

ScratchDatabase::~ScratchDatabase() {
  absl::StatusOr<store::SqlResult> dropped = admin_->Query(
      absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"), {});
  if (!dropped.ok()) {
    std::cerr << "[bench] could not drop database " << name_ << ": "
              << dropped.status().message() << std::endl;
  }
}

absl::StatusOr<int64_t> ScratchDatabase::Transactions() const {
  absl::StatusOr<store::SqlResult> result = admin_->Query(
      "SELECT xact_commit + xact_rollback FROM pg_stat_database "
      "WHERE datname = $1",
      {store::SqlValue::Text(name_)});
  if (!result.ok()) return result.status();
  if (result->rows.empty() || result->rows[0].empty()) {
    return absl::NotFoundError(
        absl::StrCat("pg_stat_database has no row for ", name_));
  }
  return result->rows[0][0].AsInt();
}

}  // namespace seedance::bench
