// The upstream half of an end-to-end test: tokenhub-sim in-process on a
// loopback port with two keys, and a gateway configuration pointed at it
// with cadences short enough that tests take milliseconds. Each test starts
// the gateway itself (it may restart it, or tune the config first).
//
//   auto sim = StartTestSim();
//   ASSERT_TRUE(sim.ok()) << sim.status();
//   gateway::GatewayConfig config = FastGatewayConfig(**sim);
#ifndef SEEDANCE_TESTS_TESTING_LOOPBACK_STACK_H_
#define SEEDANCE_TESTS_TESTING_LOOPBACK_STACK_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/gateway/gateway_config.h"
#include "sim/sim_server.h"

namespace seedance::testing {

// The gateway's own key, and a second caller's.
inline constexpr char kAliceKey[] = "th-alice-e2e-key";
inline constexpr char kBobKey[] = "th-bob-e2e-key";

// A simulator accepting both keys, its lifecycle scaled to 1/100.
inline absl::StatusOr<std::unique_ptr<tokenhub_sim::SimServer>> StartTestSim() {
  tokenhub_sim::SimOptions sim;
  sim.keys = {{"alice", kAliceKey}, {"bob", kBobKey}};
  sim.time_scale = 0.01;
  return tokenhub_sim::SimServer::Start(sim);
}

// A gateway on an ephemeral loopback port in front of `sim`, with alice's
// key, caller keys allowed, 10–20 ms polls and 10–50 ms backoff, and no
// task store (tests of the ledger set `store` to a scratch folder's file).
inline gateway::GatewayConfig FastGatewayConfig(
    const tokenhub_sim::SimServer& sim) {
  gateway::GatewayConfig config;
  config.listen = "127.0.0.1:0";
  config.upstream = sim.base_url();
  config.api_key = kAliceKey;
  config.allow_caller_keys = true;
  config.poll_initial = absl::Milliseconds(10);
  config.poll_max = absl::Milliseconds(20);
  config.backoff_initial = absl::Milliseconds(10);
  config.backoff_max = absl::Milliseconds(50);
  config.upstream_timeout = absl::Seconds(5);
  config.shutdown_grace = absl::Seconds(2);
  config.log_calls = false;
  config.store = "none";
  return config;
}

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_LOOPBACK_STACK_H_
