// seedance-gateway's command line: one Abseil flag per GatewayConfig
// setting, each with an environment variable (a flag beats its variable,
// which beats the default), and the --help text made from the same table.
//
//   absl::StatusOr<GatewayConfig> config = ParseGatewayConfig(argc, argv, env);
//   if (!config.ok()) { std::cerr << config.status().message(); return 2; }
//
// To add a setting: a GatewayConfig member, then in gateway_flags.cc an
// ABSL_FLAG, a kGatewayFlags row and a line in ConfigFromFlags.
#ifndef SEEDANCE_SERVER_GATEWAY_GATEWAY_FLAGS_H_
#define SEEDANCE_SERVER_GATEWAY_GATEWAY_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/common/command_line.h"
#include "server/gateway/gateway_config.h"

namespace seedance::gateway {

using ::seedance::EnvLookup;

// The documented flags, in --help order.
absl::Span<const FlagDoc> GatewayFlags();

// Text for `seedance-gateway --help`.
std::string GatewayUsage();

// Parses flags over environment variables over defaults, reads the key
// files, and checks the result (FinishGatewayConfig). Errors name the flag
// or variable. `--help` is handled by the caller.
absl::StatusOr<GatewayConfig> ParseGatewayConfig(int argc,
                                                 const char* const* argv,
                                                 const EnvLookup& env);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_GATEWAY_FLAGS_H_
