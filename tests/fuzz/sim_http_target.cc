// sim_http: raw bytes as one connection's input to tokenhub-sim, without a
// socket: the Beast parser with the server's limits (ServeBytes), then the
// simulator's routing, validation and fault handling (SimServer::Handle).
// Every input starts from the same state (no tasks, no faults), so a crash
// reproduces from its input alone.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sim/http_server.h"
#include "sim/sim_server.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

namespace {

// Requests served per input: enough for "add a fault, then trip it".
constexpr size_t kMaxRequests = 4;

tokenhub_sim::SimServer& Sim() {
  // Listens on an ephemeral loopback port it never gets a connection on;
  // lives for the process (fuzzers exit without destructors).
  static tokenhub_sim::SimServer* const sim = [] {
    tokenhub_sim::SimOptions options;
    options.keys = {{"demo", "th-sim-demo-key"}};
    options.time_scale = 0.01;
    absl::StatusOr<std::unique_ptr<tokenhub_sim::SimServer>> started =
        tokenhub_sim::SimServer::Start(options);
    FUZZ_CHECK(started.ok(), started.status().ToString().c_str());
    return started->release();
  }();
  return *sim;
}

}  // namespace

void SimHttpTarget(absl::string_view input) {
  tokenhub_sim::SimServer& sim = Sim();
  sim.ClearFaults();
  sim.Reset();
  tokenhub_sim::HttpServerOptions limits;  // the simulator's defaults
  std::vector<tokenhub_sim::HttpReply> replies = tokenhub_sim::ServeBytes(
      input, limits,
      [&sim](const tokenhub_sim::HttpRequest& request,
             tokenhub_sim::HttpReply* reply) { sim.Handle(request, reply); },
      kMaxRequests);
  FUZZ_CHECK(replies.size() <= kMaxRequests, "more replies than requests");
  for (const tokenhub_sim::HttpReply& reply : replies) {
    FUZZ_CHECK(reply.status >= 100 && reply.status <= 599, "HTTP status");
    for (const auto& [name, value] : reply.headers) {
      // Header values built from request bytes must not split the reply.
      FUZZ_CHECK(name.find_first_of("\r\n") == std::string::npos &&
                     value.find_first_of("\r\n") == std::string::npos,
                 "CR/LF in a reply header");
    }
  }
}

}  // namespace seedance::fuzz
