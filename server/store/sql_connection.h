// SqlConnection: the narrow driver interface the task store is written
// against, so that its logic (and SQL) exists once for both engines. The
// model is river's riverdriver: one interface, a driver per engine, one
// test suite for both.
//
//   absl::StatusOr<SqlResult> r = conn.Query(
//       "SELECT row_id FROM tasks WHERE owner = $1", {SqlValue::Text(owner)});
//   for (const SqlRow& row : r->rows) Use(row[0].AsInt());
//
// SQL is written once with PostgreSQL's `$N` placeholders; the SQLite
// driver rewrites them to `?N` (the same numbering). A connection is used by
// one thread at a time (ConnectionPool hands it out).
#ifndef SEEDANCE_SERVER_STORE_SQL_CONNECTION_H_
#define SEEDANCE_SERVER_STORE_SQL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace seedance::store {

// One bound parameter.
class SqlValue {
 public:
  enum class Kind { kNull, kInt, kText, kBlob };

  static SqlValue Null() { return SqlValue(Kind::kNull, 0, {}); }
  static SqlValue Int(int64_t v) { return SqlValue(Kind::kInt, v, {}); }
  static SqlValue Text(std::string v) {
    return SqlValue(Kind::kText, 0, std::move(v));
  }
  // Text, or NULL when empty (columns where "none" is NULL, so that a
  // partial unique index skips them).
  static SqlValue TextOrNull(std::string v) {
    return v.empty() ? Null() : Text(std::move(v));
  }
  static SqlValue Blob(std::string v) {
    return SqlValue(Kind::kBlob, 0, std::move(v));
  }

  Kind kind() const { return kind_; }
  int64_t int_value() const { return int_; }
  const std::string& bytes() const { return bytes_; }

 private:
  SqlValue(Kind kind, int64_t i, std::string bytes)
      : kind_(kind), int_(i), bytes_(std::move(bytes)) {}
  Kind kind_;
  int64_t int_;
  std::string bytes_;
};

// One result cell: NULL, or its value as bytes (integers in decimal, blobs
// raw).
struct SqlCell {
  bool null = true;
  std::string bytes;

  // The integer in the cell; 0 for NULL or a non-number (the schema makes
  // neither happen where it is called).
  int64_t AsInt() const;
};
using SqlRow = std::vector<SqlCell>;

struct SqlResult {
  std::vector<SqlRow> rows;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected = 0;
};

// One statement with its parameters.
struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> params;
};

enum class SqlDialect { kSqlite, kPostgres };

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  virtual SqlDialect dialect() const = 0;

  // Runs one statement. Errors: UNAVAILABLE when the database cannot be
  // used right now (down, locked, full, unwritable: retry later), INTERNAL
  // for a broken statement, DATA_LOSS for a damaged database.
  virtual absl::StatusOr<SqlResult> Query(
      const std::string& sql, absl::Span<const SqlValue> params) = 0;

  // Runs one statement whose rows the caller does not need, inside a
  // transaction. A driver may hold it back and send it with the next Query
  // or the Commit (PostgreSQL: one pipeline, one round trip for all), so
  // its error may surface there instead; the transaction then fails as a
  // whole, as it would have anyway. Outside a transaction, or where the
  // engine gains nothing (SQLite, in-process), it runs at once.
  // By value: a driver that holds the statement back keeps its parameters.
  virtual absl::Status Defer(
      const std::string& sql,
      std::vector<SqlValue>
          params) {  // NOLINT(performance-unnecessary-value-param)
    return Query(sql, params).status();
  }

  // Runs `statements` in order and returns each one's result, or the first
  // error (the statements after it may not have run). PostgreSQL sends them
  // all, with anything held back, in one pipeline: one round trip for all.
  virtual absl::StatusOr<std::vector<SqlResult>> QueryAll(
      absl::Span<const SqlStatement> statements) {
    std::vector<SqlResult> results;
    results.reserve(statements.size());
    for (const SqlStatement& st : statements) {
      absl::StatusOr<SqlResult> r = Query(st.sql, st.params);
      if (!r.ok()) return r.status();
      results.push_back(*std::move(r));
    }
    return results;
  }

  // Runs a script of statements without parameters (migrations).
  virtual absl::Status Script(const std::string& sql) = 0;

  // Starts a transaction that writes: one that takes the write lock at
  // once where the engine has one (SQLite), so a read-then-write never
  // fails half way for another writer. PostgreSQL sends its BEGIN with the
  // transaction's first statement (Defer), so an error of the BEGIN may
  // come from that statement.
  virtual absl::Status BeginWrite() = 0;
  virtual absl::Status Commit() = 0;
  // Never fails: a broken connection has no transaction left to undo.
  virtual void Rollback() = 0;
};

// A transaction on `conn` that rolls back unless committed.
class SqlTransaction {
 public:
  explicit SqlTransaction(SqlConnection& conn) : conn_(conn) {}
  ~SqlTransaction() {
    if (open_) conn_.Rollback();
  }
  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;

  absl::Status Begin() {
    absl::Status s = conn_.BeginWrite();
    open_ = s.ok();
    return s;
  }
  absl::Status Commit() {
    absl::Status s = conn_.Commit();
    open_ = false;  // a failed COMMIT has ended the transaction too
    return s;
  }

 private:
  SqlConnection& conn_;
  bool open_ = false;
};

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_SQL_CONNECTION_H_
