// Command line of the `seedance` CLI: the verbs (create, get, watch), one
// Abseil flag per CreateVideoRequest field, the connection flags, and the
// --help text made from the same flags so the two never drift apart.
#ifndef SEEDANCE_CLIENT_CLI_FLAGS_H_
#define SEEDANCE_CLIENT_CLI_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/video_client.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/command_line.h"

namespace seedance::client {

struct CliCommand {
  enum class Verb { kHelp, kCreate, kGet, kWatch };
  Verb verb = Verb::kHelp;
  // Task id of get / watch.
  std::string id;
  // create: the request as the flags describe it.
  v1::CreateVideoRequest request;
  // create: read the prompt from stdin (`--prompt -`, or no --prompt and
  // stdin is not a terminal; main decides the latter).
  bool prompt_from_stdin = false;
  bool prompt_given = false;
  // Follow the task to its end (create --watch; implied by --download).
  bool watch = false;
  // Where to save the result once it succeeds; empty: no download.
  std::string download_path;
  // NDJSON events on stdout even on a terminal.
  bool json = false;
  // Requested heartbeat interval; unset: 1 s on a terminal (keeps the
  // elapsed time moving), none otherwise.
  absl::Duration heartbeat = absl::ZeroDuration();
  bool heartbeat_given = false;
  // How long a watch keeps reconnecting to an unreachable gateway.
  absl::Duration reconnect_for = absl::Seconds(60);
  ClientOptions client;
};

using ::seedance::EnvLookup;

// Parses argv (argv[0] is the program). Errors (exit code 2) name the flag.
// Reads the API key from --api-key-file or the --api-key-env variable
// (default SEEDANCE_API_KEY); the key never appears in an error.
absl::StatusOr<CliCommand> ParseCommandLine(int argc, const char* const* argv,
                                            const EnvLookup& env);

// `seedance --help`.
std::string CliUsage();

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_CLI_FLAGS_H_
