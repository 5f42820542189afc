// Call log: one line per gRPC call and per upstream failure on stderr, with
// the task id and never an API key, as `key=value` pairs (text, the
// default) or as JSON objects, one per line (--log-format=json), for log
// pipelines. Every line passes whole through upstream::RedactSecrets as a
// last defence: key shapes are caught in any field, also glued to other
// text (`id=th-...`, `codeth-...`). The keys themselves were removed
// earlier, where upstream replies are parsed (server/upstream/task_json.h).
//
//   2026-11-24T13:45:01.123Z call=GetVideo id=cgt-1f2e code=OK ms=3
//   peer=ipv4:127.0.0.1:50312
//
//   {"time":"2026-11-24T13:45:01.123Z","level":"info","message":"call",
//    "method":"GetVideo","id":"cgt-1f2e","code":"OK","ms":3,
//    "peer":"ipv4:127.0.0.1:50312"}
//
// Levels: calls are info (error when the gateway failed: INTERNAL,
// UNKNOWN, DATA_LOSS), upstream failures warn, store failures error,
// notices info; lines below --log-level are dropped.
#ifndef SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_
#define SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace seedance::gateway {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// "text" or "json"; "debug", "info", "warn" or "error". INVALID_ARGUMENT
// naming the accepted values otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);
absl::string_view LogLevelName(LogLevel level);

// Process-wide; set once at start-up (before the threads that log).
void SetLogFormat(LogFormat format);
void SetLogLevel(LogLevel level);

// Turns per-call lines on or off (failures and notices are always logged).
void SetCallLogging(bool enabled);

// One finished call.
void LogCall(absl::string_view method, absl::string_view task_id,
             const absl::Status& status, absl::Duration elapsed,
             absl::string_view peer);

// An upstream request that failed, with what the gateway was doing.
void LogUpstreamFailure(absl::string_view what, absl::string_view task_id,
                        const absl::Status& status);

// A notice (start-up, drain, shutdown).
void LogNotice(absl::string_view message);

// Why the gateway cannot go on (e.g. it cannot listen), before it exits.
void LogError(absl::string_view message);

// A task store call that failed. At most one line per 10 s (with the count
// of lines left out): a store that is down fails every call.
void LogStoreFailure(absl::string_view what, const absl::Status& status);

// A line from a library (gRPC, libprotobuf), already throttled: `text` as
// printed in the text format, or, in JSON, `message` with `source` (the
// library and its file:line).
void LogLibrary(LogLevel level, absl::string_view source,
                absl::string_view message, absl::string_view text);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_
