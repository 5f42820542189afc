#include "server/gateway/call_log.h"

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/gateway/log_throttle.h"
#include "server/upstream/error_mapping.h"

namespace seedance::gateway {
namespace {

std::atomic<bool> call_logging{true};

// Quotes a value when it has spaces, so lines stay parseable.
std::string Value(absl::string_view v) {
  if (v.empty()) return "-";
  if (v.find_first_of(" \t\"=") == absl::string_view::npos) {
    return std::string(v);
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  out.push_back('"');
  return out;
}

void Emit(absl::string_view line) {
  static absl::Mutex mu(absl::kConstInit);
  std::string out =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " ", upstream::RedactSecrets(line), "\n");
  absl::MutexLock lock(&mu);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace

void SetCallLogging(bool enabled) { call_logging = enabled; }

void LogCall(absl::string_view method, absl::string_view task_id,
             const absl::Status& status, absl::Duration elapsed,
             absl::string_view peer) {
  if (!call_logging) return;
  std::string line = absl::StrCat(
      "call=", method, " id=", Value(task_id),
      " code=", absl::StatusCodeToString(status.code()),
      " ms=", absl::ToInt64Milliseconds(elapsed), " peer=", Value(peer));
  if (!status.ok()) absl::StrAppend(&line, " error=", Value(status.message()));
  Emit(line);
}

void LogUpstreamFailure(absl::string_view what, absl::string_view task_id,
                        const absl::Status& status) {
  Emit(absl::StrCat("upstream_failure=", Value(what), " id=", Value(task_id),
                    " code=", absl::StatusCodeToString(status.code()),
                    " error=", Value(status.message())));
}

void LogNotice(absl::string_view message) {
  Emit(absl::StrCat("notice=", Value(message)));
}

void LogStoreFailure(absl::string_view what, const absl::Status& status) {
  // A store that is down fails every call: one line per interval says so
  // without flooding the log.
  static LogThrottle* throttle = new LogThrottle(absl::Seconds(10));
  int64_t suppressed = 0;
  if (!throttle->Admit("store", absl::Now(), &suppressed)) return;
  Emit(absl::StrCat("store_failure=", Value(what),
                    " code=", absl::StatusCodeToString(status.code()),
                    " error=", Value(status.message()),
                    " suppressed=", suppressed));
}

}  // namespace seedance::gateway
