// Mapping of gRPC status codes to the CLI's exit codes.
#include "client/exit_codes.h"

namespace seedance::client {

ExitCode ExitCodeForStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return kExitInvalidRequest;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kExitAuth;
    case absl::StatusCode::kUnavailable:
      return kExitUnavailable;
    case absl::StatusCode::kDeadlineExceeded:
      return kExitDeadline;
    default:
      return kExitOther;
  }
}

const char* ExitCodeHelp() {
  return "Exit codes:\n"
         "    0  success: the task succeeded (and was downloaded), the dry "
         "run\n"
         "       is valid, or get answered\n"
         "    1  the generation failed (task ended FAILED)\n"
         "    2  usage error (bad flags or arguments)\n"
         "    3  invalid request (INVALID_ARGUMENT; every field violation "
         "printed)\n"
         "    4  not found (NOT_FOUND: no such task for this key)\n"
         "    5  authentication (UNAUTHENTICATED or PERMISSION_DENIED)\n"
         "    6  gateway unreachable (UNAVAILABLE, after reconnecting for "
         "watches)\n"
         "    7  deadline exceeded (DEADLINE_EXCEEDED; see --timeout)\n"
         "    8  download failed\n"
         "    9  any other error (RESOURCE_EXHAUSTED, INTERNAL, ...)\n"
         "  130  interrupted (Ctrl-C or SIGTERM)\n";
}

}  // namespace seedance::client
