// Create-path scenario; see create_scenario.h.
#include "bench/create_scenario.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/rest_load.h"

namespace seedance::bench {
namespace {

// Accumulates the rounds of one path.
struct PathTotals {
  std::vector<double> latencies_us;
  int64_t errors = 0;
  absl::Duration elapsed;

  void Add(const ClosedLoopResult& round) {
    latencies_us.insert(latencies_us.end(), round.latencies_us.begin(),
                        round.latencies_us.end());
    errors += round.errors;
    elapsed += round.elapsed;
  }

  CreatePathFigures Figures() const {
    CreatePathFigures figures;
    figures.requests = static_cast<int64_t>(latencies_us.size());
    figures.errors = errors;
    figures.per_second =
        static_cast<double>(figures.requests) / absl::ToDoubleSeconds(elapsed);
    std::vector<double> ms;
    ms.reserve(latencies_us.size());
    for (double us : latencies_us) ms.push_back(us / 1000.0);
    figures.latency_ms = Summarize(std::move(ms));
    return figures;
  }
};

}  // namespace

absl::StatusOr<CreateResult> RunCreatePath(const BenchEnv& env,
                                           const CreateOptions& options) {
  // Default timeline: nobody polls these tasks, so the sim only serves creates.
  const std::string prompt = "seedance-bench create: a red fox in snow";
  const absl::Duration round = options.duration / std::max(1, options.rounds);
  PathTotals gateway, direct;
  for (int i = 0; i < std::max(1, options.rounds); ++i) {
    GrpcCreateOptions grpc_options;
    grpc_options.prompt = prompt;
    grpc_options.concurrency = options.concurrency;
    grpc_options.duration = round;
    absl::StatusOr<GrpcCreateResult> via_gateway = RunGrpcCreates(env, grpc_options);
    if (!via_gateway.ok()) return via_gateway.status();
    if (via_gateway->loop.latencies_us.empty()) {
      return absl::InternalError(
          absl::StrCat("no create succeeded via the gateway: ", via_gateway->first_error));
    }
    gateway.Add(via_gateway->loop);

    absl::StatusOr<ClosedLoopResult> via_rest = RunRestCreates(
        env.sim().api_base(), kSimApiKey, prompt, options.concurrency, round);
    if (!via_rest.ok()) return via_rest.status();
    if (via_rest->latencies_us.empty()) {
      return absl::InternalError("no direct REST create succeeded");
    }
    direct.Add(*via_rest);
  }
  CreateResult result;
  result.concurrency = options.concurrency;
  result.gateway = gateway.Figures();
  result.direct = direct.Figures();
  result.throughput_ratio = result.direct.per_second > 0
                                ? result.gateway.per_second / result.direct.per_second
                                : 0;
  return result;
}

}  // namespace seedance::bench
