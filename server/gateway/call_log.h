// Call log: one line per gRPC call and per upstream failure on stderr, as
// `key=value` pairs that log pipelines parse, with the task id and never an
// API key. Every line passes whole through upstream::RedactSecrets as a last
// defence: key shapes are caught in any field, also glued to other text
// (`id=th-...`, `codeth-...`). The keys themselves were removed earlier, where
// upstream replies are parsed (server/upstream/task_json.h).
//
//   2026-11-24T13:45:01.123Z call=GetVideo id=cgt-1f2e code=OK ms=3
//   peer=ipv4:127.0.0.1:50312
#ifndef SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_
#define SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace seedance::gateway {

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

// A task store call that failed. At most one line per 10 s (with the count
// of lines left out): a store that is down fails every call.
void LogStoreFailure(absl::string_view what, const absl::Status& status);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_CALL_LOG_H_
