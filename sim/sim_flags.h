// tokenhub-sim's command line: Abseil flags for the SimOptions a process
// starts with, and the --help text made from them.
#ifndef SEEDANCE_SIM_SIM_FLAGS_H_
#define SEEDANCE_SIM_SIM_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "sim/sim_server.h"

namespace tokenhub_sim {

// Parses argv[1..] (`--name value` or `--name=value`) into checked options
// (ValidateSimOptions). Without --seed the seed is random. Errors name the
// flag. `--help` is handled by the caller.
absl::StatusOr<SimOptions> ParseSimFlags(int argc, const char* const* argv);

// `tokenhub-sim --help`.
std::string SimUsage();

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_SIM_FLAGS_H_
