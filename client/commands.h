// The CLI's commands (create, get, watch) on top of VideoClient: what each
// does, in which order, and which exit code it ends with. Output goes
// through an EventRenderer; process plumbing (signals, terminals, stdin)
// stays in main.cc.
#ifndef SEEDANCE_CLIENT_COMMANDS_H_
#define SEEDANCE_CLIENT_COMMANDS_H_

#include <atomic>

#include "client/cli_flags.h"
#include "client/event_renderer.h"
#include "client/exit_codes.h"
#include "client/video_client.h"

namespace seedance::client {

// Runs `command` (not kHelp). `interrupted` is set by the signal handler
// thread, which also calls client.Cancel().
ExitCode RunCommand(const CliCommand& command, VideoClient& client,
                    EventRenderer& renderer,
                    const std::atomic<bool>& interrupted);

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_COMMANDS_H_
