#include "server/gateway/log_throttle.h"

#include <cstdio>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {
namespace {

LogThrottle* g_throttle = nullptr;  // set once, never freed (used at exit)

std::string SuppressedNote(int64_t suppressed) {
  if (suppressed == 0) return "";
  return absl::StrCat(" [", suppressed,
                      " more from this source suppressed since its last line]");
}

void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  static const char* const kNames[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  int64_t suppressed = 0;
  if (level != google::protobuf::LOGLEVEL_FATAL &&
      !g_throttle->Admit(absl::StrCat(file, ":", line), absl::Now(),
                         &suppressed)) {
    return;
  }
  const std::string source = absl::StrCat("libprotobuf ", file, ":", line);
  const std::string text = absl::StrCat(message, SuppressedNote(suppressed));
  LogLibrary(level == google::protobuf::LOGLEVEL_INFO      ? LogLevel::kInfo
             : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarn
                                                           : LogLevel::kError,
             source, text,
             absl::StrCat("[libprotobuf ", kNames[level], " ", file, ":", line,
                          "] ", text));
}

void GrpcLog(gpr_log_func_args* args) {
  int64_t suppressed = 0;
  // Only errors are throttled: lower levels print only when an operator
  // asks for them (GRPC_VERBOSITY, GRPC_TRACE) to debug.
  const bool always = args->severity != GPR_LOG_SEVERITY_ERROR ||
                      absl::StartsWith(args->message, "assertion failed");
  if (!always && !g_throttle->Admit(absl::StrCat(args->file, ":", args->line),
                                    absl::Now(), &suppressed)) {
    return;
  }
  const std::string text =
      absl::StrCat(args->message, SuppressedNote(suppressed));
  LogLibrary(
      args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                : LogLevel::kDebug,
      absl::StrCat("grpc ", args->file, ":", args->line), text,
      absl::StrCat(
          absl::string_view(gpr_log_severity_string(args->severity), 1),
          absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone()),
          " ", args->file, ":", args->line, "] ", text));
}

}  // namespace

bool LogThrottle::Admit(absl::string_view site, absl::Time now,
                        int64_t* suppressed) {
  absl::MutexLock lock(&mu_);
  Site& s = sites_[site];
  if (now - s.last_printed < interval_) {
    ++s.suppressed;
    return false;
  }
  *suppressed = s.suppressed;
  s.suppressed = 0;
  s.last_printed = now;
  return true;
}

void InstallLibraryLogThrottle(absl::Duration interval) {
  static std::once_flag once;
  std::call_once(once, [interval] {
    g_throttle = new LogThrottle(interval);
    google::protobuf::SetLogHandler(&ProtobufLog);
    gpr_set_log_function(&GrpcLog);
  });
}

}  // namespace seedance::gateway
