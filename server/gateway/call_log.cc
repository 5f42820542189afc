#include "server/gateway/call_log.h"

#include <atomic>
#include <cstdio>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/gateway/log_throttle.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/redaction.h"
#include "server/upstream/utf8.h"

namespace seedance::gateway {
namespace {

std::atomic<bool> call_logging{true};
std::atomic<LogFormat> log_format{LogFormat::kText};
std::atomic<LogLevel> log_level{LogLevel::kInfo};

// One field of a line. Numbers are unquoted in JSON; empty values are left
// out of JSON and shown as "-" in text.
struct Field {
  absl::string_view key;
  std::string value;
  bool number = false;
};

// Quotes a value when it has spaces, so text lines stay parseable.
std::string TextValue(absl::string_view v) {
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

// A JSON string (RFC 8259), quotes included; ill-formed UTF-8 becomes
// U+FFFD so that every line parses.
std::string JsonString(absl::string_view v) {
  const std::string valid = upstream::ToValidUtf8(v);
  std::string out = "\"";
  for (char c : valid) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string Timestamp() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

void Write(const std::string& line) {
  static absl::Mutex mu(absl::kConstInit);
  // The whole line, whatever its format, goes through the redaction: key
  // shapes become "[redacted]", which keeps JSON valid.
  std::string out = absl::StrCat(upstream::RedactSecrets(line), "\n");
  absl::MutexLock lock(&mu);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

// One line: in text, `kind=message` then the fields; in JSON, time, level,
// message and the fields.
void Emit(LogLevel level, absl::string_view kind, absl::string_view message,
          std::initializer_list<Field> fields) {
  if (level < log_level.load(std::memory_order_relaxed)) return;
  if (log_format.load(std::memory_order_relaxed) == LogFormat::kText) {
    std::string line =
        absl::StrCat(Timestamp(), " ", kind, "=", TextValue(message));
    for (const Field& f : fields) {
      absl::StrAppend(&line, " ", f.key, "=", TextValue(f.value));
    }
    Write(line);
    return;
  }
  std::string line =
      absl::StrCat("{\"time\":\"", Timestamp(), "\",\"level\":\"",
                   LogLevelName(level), "\",\"message\":", JsonString(message));
  for (const Field& f : fields) {
    if (f.value.empty()) continue;
    absl::StrAppend(&line, ",", JsonString(f.key), ":",
                    f.number ? f.value : JsonString(f.value));
  }
  line.push_back('}');
  Write(line);
}

std::string CodeName(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError("must be text or json");
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  for (LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LogLevelName(level)) return level;
  }
  return absl::InvalidArgumentError("must be debug, info, warn or error");
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void SetLogFormat(LogFormat format) { log_format = format; }
void SetLogLevel(LogLevel level) { log_level = level; }
void SetCallLogging(bool enabled) { call_logging = enabled; }

void LogCall(absl::string_view method, absl::string_view task_id,
             const absl::Status& status, absl::Duration elapsed,
             absl::string_view peer) {
  if (!call_logging) return;
  // The gateway's own faults stand out; a caller's mistakes do not.
  const absl::StatusCode code = status.code();
  const LogLevel level = code == absl::StatusCode::kInternal ||
                                 code == absl::StatusCode::kUnknown ||
                                 code == absl::StatusCode::kDataLoss
                             ? LogLevel::kError
                             : LogLevel::kInfo;
  const bool json =
      log_format.load(std::memory_order_relaxed) == LogFormat::kJson;
  // Text keeps its historical shape (`call=METHOD id=...`); JSON says
  // "call" and names the method in a field of its own.
  Field id{"id", std::string(task_id)};
  Field code_field{"code", CodeName(status)};
  Field ms{"ms", absl::StrCat(absl::ToInt64Milliseconds(elapsed)), true};
  Field peer_field{"peer", std::string(peer)};
  Field error{"error", status.ok() ? "" : std::string(status.message())};
  if (json) {
    Emit(level, "call", "call",
         {{"method", std::string(method)},
          id,
          code_field,
          ms,
          peer_field,
          error});
  } else if (status.ok()) {
    Emit(level, "call", method, {id, code_field, ms, peer_field});
  } else {
    Emit(level, "call", method, {id, code_field, ms, peer_field, error});
  }
}

void LogUpstreamFailure(absl::string_view what, absl::string_view task_id,
                        const absl::Status& status) {
  const bool json =
      log_format.load(std::memory_order_relaxed) == LogFormat::kJson;
  if (json) {
    Emit(LogLevel::kWarn, "upstream_failure", "upstream request failed",
         {{"what", std::string(what)},
          {"id", std::string(task_id)},
          {"code", CodeName(status)},
          {"error", std::string(status.message())}});
  } else {
    Emit(LogLevel::kWarn, "upstream_failure", what,
         {{"id", std::string(task_id)},
          {"code", CodeName(status)},
          {"error", std::string(status.message())}});
  }
}

void LogNotice(absl::string_view message) {
  Emit(LogLevel::kInfo, "notice", message, {});
}

void LogError(absl::string_view message) {
  Emit(LogLevel::kError, "error", message, {});
}

void LogStoreFailure(absl::string_view what, const absl::Status& status) {
  // A store that is down fails every call: one line per interval says so
  // without flooding the log.
  static LogThrottle* throttle = new LogThrottle(absl::Seconds(10));
  int64_t suppressed = 0;
  if (!throttle->Admit("store", absl::Now(), &suppressed)) return;
  const bool json =
      log_format.load(std::memory_order_relaxed) == LogFormat::kJson;
  Field code{"code", CodeName(status)};
  Field error{"error", std::string(status.message())};
  Field count{"suppressed", absl::StrCat(suppressed), true};
  if (json) {
    Emit(LogLevel::kError, "store_failure", "task store call failed",
         {{"what", std::string(what)}, code, error, count});
  } else {
    Emit(LogLevel::kError, "store_failure", what, {code, error, count});
  }
}

void LogLibrary(LogLevel level, absl::string_view source,
                absl::string_view message, absl::string_view text) {
  if (level < log_level.load(std::memory_order_relaxed)) return;
  if (log_format.load(std::memory_order_relaxed) == LogFormat::kText) {
    // As the library would print it (its own prefix and time).
    Write(std::string(text));
    return;
  }
  Emit(level, "library", message, {{"source", std::string(source)}});
}

}  // namespace seedance::gateway
