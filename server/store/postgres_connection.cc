#include "server/store/postgres_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/errno_text.h"

namespace seedance::store {
namespace {

constexpr Oid kByteaOid = 17;  // pg_type.h: BYTEAOID

std::string Trimmed(const char* message) {
  return std::string(
      absl::StripTrailingAsciiWhitespace(message != nullptr ? message : ""));
}

// What a failed statement means to a caller, from its SQLSTATE class: the
// server cannot serve now (connection, shutdown, resources, a conflict
// that a retry resolves, a timeout): UNAVAILABLE; damage: DATA_LOSS;
// anything else is a bug in our SQL: INTERNAL.
bool Failed(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
         status != PGRES_EMPTY_QUERY;
}

absl::Status StatementError(const PGresult* result, pg_conn* conn,
                            absl::string_view what) {
  const char* state = result != nullptr
                          ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                          : nullptr;
  std::string message =
      absl::StrCat("task store (postgresql): ", what, ": ",
                   Trimmed(result != nullptr ? PQresultErrorMessage(result)
                                             : PQerrorMessage(conn)));
  absl::string_view code = state != nullptr ? state : "";
  if (PQstatus(conn) != CONNECTION_OK || code.empty() ||
      absl::StartsWith(code, "08") || absl::StartsWith(code, "57") ||
      absl::StartsWith(code, "53") || absl::StartsWith(code, "40")) {
    return absl::UnavailableError(message);
  }
  if (code == "XX001" || code == "XX002") return absl::DataLossError(message);
  return absl::InternalError(absl::StrCat(message, " (SQLSTATE ", code, ")"));
}

SqlCell ReadCell(const PGresult* result, int row, int column) {
  SqlCell cell;
  if (PQgetisnull(result, row, column)) return cell;
  cell.null = false;
  const char* text = PQgetvalue(result, row, column);
  if (PQftype(result, column) == kByteaOid) {
    size_t size = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
    if (bytes != nullptr) {
      cell.bytes.assign(reinterpret_cast<const char*>(bytes), size);
      PQfreemem(bytes);
    }
    return cell;
  }
  cell.bytes.assign(text,
                    static_cast<size_t>(PQgetlength(result, row, column)));
  return cell;
}

// True when the server ended this idle session since its last use (a
// restart, a failover, an administrator): it then sent its goodbye
// (ErrorResponse, then EOF), which an idle session never otherwise
// receives. Checked before each use, so a restart that happened between
// two calls costs no call an UNAVAILABLE. Never blocks: libpq's socket is
// non-blocking, and only what has already arrived is read. (A session that
// breaks during a call still fails that call.)
bool ClosedWhileIdle(pg_conn* conn) {
  const int fd = PQsocket(conn);
  if (fd < 0) return true;
  // The goodbye and the EOF may come in separate reads: a few rounds.
  for (int round = 0; round < 4; ++round) {
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, /*timeout=*/0);
    if (ready == 0) return false;  // nothing arrived: alive as far as we know
    if (ready < 0) return errno != EINTR;
    if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
      return true;
    }
  }
  // Data keeps arriving at an idle session: not ours to interpret, so
  // start afresh rather than guess.
  return true;
}

// A statement's parameters as libpq takes them: text, except blobs in
// binary (bytes as they are, no escaping). Points into `params`, which
// outlives it.
class ParamValues {
 public:
  explicit ParamValues(absl::Span<const SqlValue> params)
      : ints_(params.size()),
        values_(params.size(), nullptr),
        lengths_(params.size(), 0),
        formats_(params.size(), 0) {
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& p = params[i];
      switch (p.kind()) {
        case SqlValue::Kind::kNull:
          break;
        case SqlValue::Kind::kInt:
          ints_[i] = absl::StrCat(p.int_value());
          values_[i] = ints_[i].c_str();
          break;
        case SqlValue::Kind::kText:
          values_[i] = p.bytes().c_str();
          break;
        case SqlValue::Kind::kBlob:
          values_[i] = p.bytes().data();
          lengths_[i] = static_cast<int>(p.bytes().size());
          formats_[i] = 1;
          break;
      }
    }
  }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::string> ints_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The rows and count of a successful statement's result.
SqlResult ToSqlResult(const PGresult* result) {
  SqlResult out;
  const int rows = PQntuples(result);
  const int columns = PQnfields(result);
  out.rows.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    SqlRow row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) row.push_back(ReadCell(result, r, c));
    out.rows.push_back(std::move(row));
  }
  int64_t affected = 0;
  if (absl::SimpleAtoi(PQcmdTuples(const_cast<PGresult*>(result)), &affected)) {
    out.affected = affected;
  }
  return out;
}

}  // namespace

void PgConnCloser::operator()(pg_conn* conn) const { PQfinish(conn); }

absl::StatusOr<PgConnPtr> ConnectPostgres(const std::string& conninfo,
                                          const PostgresOptions& options) {
  const std::string timeout = absl::StrCat(
      std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout)));
  // Our defaults first: `dbname` is expanded last, so what the operator's
  // URI says wins.
  std::vector<const char*> keys = {"connect_timeout", "application_name"};
  std::vector<const char*> values = {timeout.c_str(), "seedance-gateway"};
  if (!options.password.empty()) {
    keys.push_back("password");
    values.push_back(options.password.c_str());
  }
  keys.push_back("dbname");
  values.push_back(conninfo.c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConnPtr conn(
      PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
  if (conn == nullptr) {
    return absl::UnavailableError(
        "task store (postgresql): cannot allocate a connection");
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("task store (postgresql): cannot connect: ",
                     Trimmed(PQerrorMessage(conn.get()))));
  }
  // libpq prints server notices on stderr by default ("relation
  // schema_migrations already exists, skipping" at every start, a session's
  // goodbye): none is an error of ours, and the gateway's log is its own.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}
void PostgresConnection::ResultClearer::operator()(PGresult* r) const {
  PQclear(r);
}

PostgresConnection::PostgresConnection(std::string conninfo,
                                       const PostgresOptions& options)
    : conninfo_(std::move(conninfo)), options_(options) {}

PostgresConnection::~PostgresConnection() = default;

absl::StatusOr<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    const std::string& conninfo, const PostgresOptions& options) {
  std::unique_ptr<PostgresConnection> conn(
      new PostgresConnection(conninfo, options));
  if (absl::Status s = conn->EnsureConnected(); !s.ok()) return s;
  return conn;
}

absl::Status PostgresConnection::EnsureConnected() {
  if (in_transaction_) {
    // Never a fresh connection in the middle of a transaction: the rest of
    // it would run outside the transaction, one statement at a time. (The
    // session is checked before BEGIN, not between its statements.)
    if (conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK) {
      return absl::OkStatus();
    }
    return absl::UnavailableError(
        "task store (postgresql): the connection broke inside a transaction");
  }
  if (conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK &&
      !ClosedWhileIdle(conn_.get())) {
    return absl::OkStatus();
  }
  conn_.reset();
  absl::StatusOr<PgConnPtr> conn = ConnectPostgres(conninfo_, options_);
  if (!conn.ok()) return conn.status();
  const std::string settings =
      absl::StrCat("SET statement_timeout = ",
                   absl::ToInt64Milliseconds(options_.statement_timeout));
  conn_ = *std::move(conn);
  ++connection_number_;
  if (PQsetnonblocking(conn_.get(), 1) != 0) {
    absl::Status error =
        StatementError(nullptr, conn_.get(), "non-blocking mode");
    conn_.reset();
    return error;
  }
  if (absl::Status s = Exec(settings, "session settings"); !s.ok()) {
    conn_.reset();
    return s;
  }
  return absl::OkStatus();
}

absl::Status PostgresConnection::WaitSocket(short events,  // NOLINT
                                            absl::Time deadline,
                                            absl::string_view what) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::UnavailableError(absl::StrCat(
          "task store (postgresql): ", what, ": no answer from the server in ",
          absl::FormatDuration(options_.reply_timeout)));
    }
    pollfd pfd{PQsocket(conn_.get()), events, 0};
    const int ready =
        poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat(
          "task store (postgresql): ", what, ": poll: ", ErrnoText(errno)));
    }
  }
}

absl::Status PostgresConnection::FlushOut(absl::Time deadline,
                                          absl::string_view what) {
  pg_conn* conn = conn_.get();
  while (true) {
    const int flushed = PQflush(conn);
    if (flushed == 0) return absl::OkStatus();
    if (flushed < 0) return StatementError(nullptr, conn, what);
    if (absl::Status s = WaitSocket(POLLOUT | POLLIN, deadline, what);
        !s.ok()) {
      return s;
    }
    // The server may answer while we still send: read it, so that
    // neither side waits for the other's buffer.
    if (PQconsumeInput(conn) == 0) return StatementError(nullptr, conn, what);
  }
}

absl::StatusOr<PostgresConnection::ResultPtr> PostgresConnection::AwaitResult(
    absl::string_view what) {
  pg_conn* conn = conn_.get();
  const absl::Time deadline = absl::Now() + options_.reply_timeout;
  auto fail = [&](absl::Status error) {
    conn_.reset();  // in an unknown state: never reused
    return error;
  };
  ++round_trips_;
  // Non-blocking mode: the query may still sit in libpq's buffer.
  if (absl::Status s = FlushOut(deadline, what); !s.ok()) return fail(s);
  ResultPtr kept;
  while (true) {
    while (PQisBusy(conn) != 0) {
      if (absl::Status s = WaitSocket(POLLIN, deadline, what); !s.ok()) {
        return fail(s);
      }
      if (PQconsumeInput(conn) == 0) {
        return fail(StatementError(nullptr, conn, what));
      }
    }
    ResultPtr result(PQgetResult(conn));
    if (result == nullptr) break;
    // As PQexec: the first error wins, else the last result.
    if (kept == nullptr || !Failed(kept.get())) kept = std::move(result);
  }
  if (kept == nullptr) return fail(StatementError(nullptr, conn, what));
  return kept;
}

absl::Status PostgresConnection::SendOne(const std::string& sql,
                                         absl::Span<const SqlValue> params,
                                         std::vector<Expected>& expected) {
  ParamValues p(params);
  // Statements without parameters (BEGIN, COMMIT) gain nothing from being
  // prepared.
  std::string name;  // empty: unprepared
  if (!params.empty()) {
    if (PreparedStatement* entry = Track(sql); entry != nullptr) {
      if (entry->name.empty()) {
        std::string fresh = absl::StrCat("seedance_", ++prepared_names_);
        if (PQsendPrepare(conn_.get(), fresh.c_str(), sql.c_str(),
                          static_cast<int>(params.size()),
                          /*paramTypes=*/nullptr) == 0) {
          return StatementError(nullptr, conn_.get(), "prepare");
        }
        // Named at once, so that the same statement later in this
        // pipeline uses it; forgotten again if the server refuses it.
        entry->name = std::move(fresh);
        expected.push_back(Expected{sql, /*internal=*/true});
      }
      name = entry->name;
    }
  }
  const int n = static_cast<int>(params.size());
  const int sent =
      !name.empty()
          ? PQsendQueryPrepared(conn_.get(), name.c_str(), n, p.values(),
                                p.lengths(), p.formats(), /*resultFormat=*/0)
          : PQsendQueryParams(conn_.get(), sql.c_str(), n,
                              /*paramTypes=*/nullptr, p.values(), p.lengths(),
                              p.formats(), /*resultFormat=*/0);
  if (sent == 0) return StatementError(nullptr, conn_.get(), "query");
  expected.push_back(Expected{});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PostgresConnection::ResultPtr>>
PostgresConnection::RunPipeline(absl::Span<const SqlStatement> statements) {
  std::vector<SqlStatement> held = std::move(deferred_);
  deferred_.clear();
  pg_conn* conn = conn_.get();
  const absl::Time deadline = absl::Now() + options_.reply_timeout;
  auto fail = [&](absl::Status error) {
    conn_.reset();  // mid-pipeline: in an unknown state, never reused
    return error;
  };
  // Checked before the pipeline begins: the session's state is known then.
  const bool deallocate = RetiredToDeallocate();
  if (PQenterPipelineMode(conn) == 0) {
    return fail(StatementError(nullptr, conn, "pipeline"));
  }
  std::vector<Expected> expected;
  expected.reserve(2 * (held.size() + statements.size()) + retired_.size());
  // First, outside any transaction (RetiredToDeallocate), the names whose
  // plans were retired: a DEALLOCATE of this session's own name cannot fail
  // there, so it never aborts the statements after it.
  if (deallocate) {
    for (const std::string& old : retired_) {
      const std::string statement = absl::StrCat("DEALLOCATE ", old);
      if (PQsendQueryParams(conn, statement.c_str(), 0, nullptr, nullptr,
                            nullptr, nullptr, /*resultFormat=*/0) == 0) {
        return fail(StatementError(nullptr, conn, "deallocate"));
      }
      expected.push_back(Expected{"", /*internal=*/true});
    }
    retired_.clear();
  }
  for (const SqlStatement& d : held) {
    if (absl::Status s = SendOne(d.sql, d.params, expected); !s.ok()) {
      return fail(s);
    }
  }
  // Where the results of `statements` begin among all expected.
  const size_t first_asked = expected.size();
  for (const SqlStatement& st : statements) {
    if (absl::Status s = SendOne(st.sql, st.params, expected); !s.ok()) {
      return fail(s);
    }
  }
  if (PQpipelineSync(conn) == 0) {
    return fail(StatementError(nullptr, conn, "pipeline"));
  }
  ++round_trips_;
  if (absl::Status s = FlushOut(deadline, "query"); !s.ok()) return fail(s);
  // The next result of the pipeline, waiting for it to arrive.
  auto next = [&]() -> absl::StatusOr<ResultPtr> {
    while (PQisBusy(conn) != 0) {
      if (absl::Status s = WaitSocket(POLLIN, deadline, "query"); !s.ok()) {
        return s;
      }
      if (PQconsumeInput(conn) == 0) {
        return StatementError(nullptr, conn, "query");
      }
    }
    return ResultPtr(PQgetResult(conn));
  };
  absl::Status first_error = absl::OkStatus();
  std::vector<ResultPtr> asked;
  asked.reserve(statements.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    absl::StatusOr<ResultPtr> result = next();
    if (!result.ok()) return fail(result.status());
    if (*result == nullptr) {
      return fail(StatementError(nullptr, conn, "pipeline: a result missing"));
    }
    const ExecStatusType status = PQresultStatus(result->get());
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok && !expected[i].prepared_sql.empty()) {
      prepared_.erase(expected[i].prepared_sql);
    }
    // Statements after a failure are skipped (PGRES_PIPELINE_ABORTED): the
    // failure itself is the error.
    if (!ok && first_error.ok() && status != PGRES_PIPELINE_ABORTED) {
      first_error = StatementError(result->get(), conn, "query");
    }
    if (i >= first_asked && !expected[i].internal) {
      asked.push_back(*std::move(result));
    }
    // Each statement's results end with a null.
    absl::StatusOr<ResultPtr> end = next();
    if (!end.ok()) return fail(end.status());
    if (*end != nullptr) {
      return fail(StatementError(nullptr, conn, "pipeline: an extra result"));
    }
  }
  absl::StatusOr<ResultPtr> sync = next();
  if (!sync.ok()) return fail(sync.status());
  if (*sync == nullptr || PQresultStatus(sync->get()) != PGRES_PIPELINE_SYNC) {
    return fail(StatementError(nullptr, conn, "pipeline: no sync"));
  }
  if (PQexitPipelineMode(conn) == 0) {
    return fail(StatementError(nullptr, conn, "pipeline"));
  }
  if (!first_error.ok()) {
    if (PQstatus(conn) != CONNECTION_OK) conn_.reset();
    return first_error;
  }
  return asked;
}

PostgresConnection::PreparedStatement* PostgresConnection::Track(
    const std::string& sql) {
  if (prepared_connection_ != connection_number_) {
    prepared_.clear();  // a new session knows none of them
    retired_.clear();
    prepared_connection_ = connection_number_;
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    it = prepared_.emplace(sql, PreparedStatement{}).first;
  }
  PreparedStatement& entry = it->second;
  ++entry.uses;
  // At 64, 128, 256... uses (a power of two): a new plan (see the header).
  if (!entry.name.empty() && entry.uses >= kFirstReplan &&
      (entry.uses & (entry.uses - 1)) == 0) {
    retired_.push_back(std::exchange(entry.name, std::string()));
  }
  return &entry;
}

bool PostgresConnection::RetiredToDeallocate() const {
  return !retired_.empty() && prepared_connection_ == connection_number_ &&
         conn_ != nullptr && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

absl::StatusOr<const std::string*> PostgresConnection::Prepared(
    const std::string& sql, size_t params) {
  PreparedStatement* entry = Track(sql);
  if (entry == nullptr) return nullptr;
  if (!entry->name.empty()) return &entry->name;
  std::string name = absl::StrCat("seedance_", ++prepared_names_);
  if (PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(),
                    static_cast<int>(params), /*paramTypes=*/nullptr) == 0) {
    absl::Status error = StatementError(nullptr, conn_.get(), "prepare");
    conn_.reset();
    return error;
  }
  absl::StatusOr<ResultPtr> awaited = AwaitResult("prepare");
  if (!awaited.ok()) return awaited.status();
  if (PQresultStatus(awaited->get()) != PGRES_COMMAND_OK) {
    absl::Status error = StatementError(awaited->get(), conn_.get(), "prepare");
    if (PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    prepared_.erase(sql);
    return error;
  }
  entry->name = std::move(name);
  return &entry->name;
}

absl::StatusOr<SqlResult> PostgresConnection::Query(
    const std::string& sql, absl::Span<const SqlValue> params) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  ResultPtr result;
  if (!deferred_.empty() || RetiredToDeallocate()) {
    // Statements held back (the BEGIN, Defer) go with this one.
    SqlStatement st{sql, std::vector<SqlValue>(params.begin(), params.end())};
    absl::StatusOr<std::vector<ResultPtr>> piped =
        RunPipeline(absl::MakeConstSpan(&st, 1));
    if (!piped.ok()) return piped.status();
    result = std::move(piped->front());
  } else {
    ParamValues p(params);
    absl::StatusOr<const std::string*> prepared = Prepared(sql, params.size());
    if (!prepared.ok()) return prepared.status();
    const int n = static_cast<int>(params.size());
    const int sent =
        *prepared != nullptr
            ? PQsendQueryPrepared(conn_.get(), (*prepared)->c_str(), n,
                                  p.values(), p.lengths(), p.formats(),
                                  /*resultFormat=*/0)
            : PQsendQueryParams(conn_.get(), sql.c_str(), n,
                                /*paramTypes=*/nullptr, p.values(), p.lengths(),
                                p.formats(), /*resultFormat=*/0);
    if (sent == 0) {
      absl::Status error = StatementError(nullptr, conn_.get(), "query");
      conn_.reset();
      return error;
    }
    absl::StatusOr<ResultPtr> awaited = AwaitResult("query");
    if (!awaited.ok()) return awaited.status();
    result = *std::move(awaited);
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      absl::Status error = StatementError(result.get(), conn_.get(), "query");
      if (PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
      return error;
    }
  }
  return ToSqlResult(result.get());
}

absl::StatusOr<std::vector<SqlResult>> PostgresConnection::QueryAll(
    absl::Span<const SqlStatement> statements) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  absl::StatusOr<std::vector<ResultPtr>> piped = RunPipeline(statements);
  if (!piped.ok()) return piped.status();
  std::vector<SqlResult> out;
  out.reserve(piped->size());
  for (const ResultPtr& r : *piped) out.push_back(ToSqlResult(r.get()));
  return out;
}

absl::Status PostgresConnection::Script(const std::string& sql) {
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  return Exec(sql, "script");
}

absl::Status PostgresConnection::Exec(const std::string& sql,
                                      absl::string_view what) {
  if (PQsendQuery(conn_.get(), sql.c_str()) == 0) {
    absl::Status error = StatementError(nullptr, conn_.get(), what);
    conn_.reset();
    return error;
  }
  absl::StatusOr<ResultPtr> result = AwaitResult(what);
  if (!result.ok()) return result.status();
  if (Failed(result->get())) {
    absl::Status error = StatementError(result->get(), conn_.get(), what);
    if (PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    return error;
  }
  return absl::OkStatus();
}

absl::Status PostgresConnection::Defer(const std::string& sql,
                                       std::vector<SqlValue> params) {
  if (!in_transaction_) return Query(sql, params).status();
  deferred_.push_back(SqlStatement{sql, std::move(params)});
  return absl::OkStatus();
}

absl::Status PostgresConnection::BeginWrite() {
  // The session is checked (and renewed if the server ended it) now; its
  // BEGIN travels with the transaction's first statement.
  if (absl::Status s = EnsureConnected(); !s.ok()) return s;
  deferred_.clear();
  deferred_.push_back(SqlStatement{"BEGIN", {}});
  in_transaction_ = true;
  return absl::OkStatus();
}

absl::Status PostgresConnection::Commit() {
  absl::Status s = absl::OkStatus();
  if (deferred_.empty()) {
    s = Script("COMMIT");
  } else if (s = EnsureConnected(); s.ok()) {
    const SqlStatement commit{"COMMIT", {}};
    s = RunPipeline(absl::MakeConstSpan(&commit, 1)).status();
  }
  deferred_.clear();
  in_transaction_ = false;
  // A held-back statement that failed made the server skip the COMMIT:
  // the transaction is still open (aborted) and must not stay so on a
  // pooled connection.
  if (!s.ok() && conn_ != nullptr &&
      PQtransactionStatus(conn_.get()) != PQTRANS_IDLE &&
      !Exec("ROLLBACK", "rollback").ok()) {
    conn_.reset();
  }
  return s;
}

void PostgresConnection::Rollback() {
  in_transaction_ = false;
  deferred_.clear();  // never sent: nothing of them to undo
  if (conn_ == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) return;
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  // A failed ROLLBACK means the connection is unusable: start afresh.
  if (!Exec("ROLLBACK", "rollback").ok()) conn_.reset();
}

}  // namespace seedance::store
