#include "server/gateway/log_throttle.h"

#include <cstdio>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"

namespace seedance::gateway {
namespace {

LogThrottle* g_throttle = nullptr;  // set once, never freed (used at exit)

std::string SuppressedNote(int64_t suppressed) {
  if (suppressed == 0) return "";
  return absl::StrCat(" [", suppressed,
                      " more from this source suppressed since its last line]");
}

void Print(const std::string& line) {
  // One fwrite per line so concurrent lines do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
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
  Print(absl::StrCat("[libprotobuf ", kNames[level], " ", file, ":", line, "] ",
                     message, SuppressedNote(suppressed), "\n"));
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
  Print(absl::StrCat(
      absl::string_view(gpr_log_severity_string(args->severity), 1),
      absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone()),
      " ", args->file, ":", args->line, "] ", args->message,
      SuppressedNote(suppressed), "\n"));
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
