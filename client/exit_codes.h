// Exit codes of the `seedance` CLI: the contract scripts branch on, listed
// in `seedance --help` and docs/CLIENT.md. Values never change meaning.
#ifndef SEEDANCE_CLIENT_EXIT_CODES_H_
#define SEEDANCE_CLIENT_EXIT_CODES_H_

#include "absl/status/status.h"

namespace seedance::client {

enum ExitCode : int {
  kExitOk = 0,                // succeeded / dry run valid / get answered
  kExitGenerationFailed = 1,  // the task ended FAILED
  kExitUsage = 2,             // bad command line
  kExitInvalidRequest = 3,    // INVALID_ARGUMENT (field violations printed)
  kExitNotFound = 4,          // NOT_FOUND: no such task (for this key)
  kExitAuth = 5,              // UNAUTHENTICATED / PERMISSION_DENIED
  kExitUnavailable = 6,       // gateway unreachable (after retries)
  kExitDeadline = 7,          // DEADLINE_EXCEEDED
  kExitDownloadFailed = 8,    // the result could not be downloaded
  kExitOther = 9,             // any other error (RESOURCE_EXHAUSTED, ...)
  kExitInterrupted = 130,     // Ctrl-C / SIGTERM
};

// The exit code for a failed call.
ExitCode ExitCodeForStatus(const absl::Status& status);

// The table printed by --help.
const char* ExitCodeHelp();

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_EXIT_CODES_H_
