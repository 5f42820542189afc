// sim_http: raw bytes as one connection's input to tokenhub-sim, without a
// socket: the Beast parser with the server's limits (ServeBytes), then the
// simulator's routing, validation and fault handling (SimServer::Handle).
// Every input starts from the same state (no tasks, no faults), so a crash
// reproduces from its input alone.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "sim/fault_rule.h"
#include "sim/http_server.h"
#include "sim/sim_server.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

namespace {

// Requests served per input: enough for "add a fault, then trip it".
constexpr size_t kMaxRequests = 4;

// The `huge` fault may pad replies to 1 GiB by design; the harness refuses
// rules above the default 8 MiB so such a reply is not mistaken for a
// memory bug (it would only hit libFuzzer's RSS limit).
constexpr int64_t kMaxHugeBytes = 8 << 20;

bool AddsHugeFault(const tokenhub_sim::HttpRequest& request) {
  if (request.method != "POST" ||
      !absl::StartsWith(request.target, "/_sim/faults")) {
    return false;
  }
  absl::StatusOr<std::vector<tokenhub_sim::FaultRule>> rules =
      tokenhub_sim::ParseFaultRules(request.body);
  if (!rules.ok()) return false;
  for (const tokenhub_sim::FaultRule& rule : *rules) {
    if (rule.kind == tokenhub_sim::FaultKind::kHuge &&
        rule.huge_bytes > kMaxHugeBytes) {
      return true;
    }
  }
  return false;
}

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
             tokenhub_sim::HttpReply* reply) {
        if (AddsHugeFault(request)) {
          reply->status = 400;
          return;
        }
        sim.Handle(request, reply);
      },
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
