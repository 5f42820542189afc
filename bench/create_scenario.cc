// Create-path scenario; see create_scenario.h.
#include "bench/create_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/process_usage.h"
#include "bench/rest_load.h"

namespace seedance::bench {
namespace {

// CPU used by the bench itself, the gateway and the simulator.
struct CpuSample {
  ProcessUsage bench, gateway, sim;
};

absl::StatusOr<CpuSample> SampleCpu(const BenchEnv& env) {
  absl::StatusOr<ProcessUsage> bench = ReadProcessUsage(getpid());
  absl::StatusOr<ProcessUsage> gateway = ReadProcessUsage(env.gateway_pid());
  absl::StatusOr<ProcessUsage> sim = ReadProcessUsage(env.sim_pid());
  if (!bench.ok()) return bench.status();
  if (!gateway.ok()) return gateway.status();
  if (!sim.ok()) return sim.status();
  return CpuSample{*bench, *gateway, *sim};
}

// Accumulates the rounds of one path.
struct PathTotals {
  std::vector<double> latencies_us;
  int64_t errors = 0;
  absl::Duration elapsed;
  absl::Duration bench_cpu, gateway_cpu, sim_cpu;

  void Add(const ClosedLoopResult& round, const CpuSample& before,
           const CpuSample& after) {
    latencies_us.insert(latencies_us.end(), round.latencies_us.begin(),
                        round.latencies_us.end());
    errors += round.errors;
    elapsed += round.elapsed;
    bench_cpu += after.bench.cpu - before.bench.cpu;
    gateway_cpu += after.gateway.cpu - before.gateway.cpu;
    sim_cpu += after.sim.cpu - before.sim.cpu;
  }

  CreatePathFigures Figures() const {
    CreatePathFigures figures;
    figures.requests = static_cast<int64_t>(latencies_us.size());
    figures.errors = errors;
    figures.per_second =
        static_cast<double>(figures.requests) / absl::ToDoubleSeconds(elapsed);
    figures.latency_ms = SummarizeMillis(latencies_us);
    const double requests =
        std::max<double>(1, static_cast<double>(figures.requests));
    figures.bench_cpu_us = absl::ToDoubleMicroseconds(bench_cpu) / requests;
    figures.gateway_cpu_us = absl::ToDoubleMicroseconds(gateway_cpu) / requests;
    figures.sim_cpu_us = absl::ToDoubleMicroseconds(sim_cpu) / requests;
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
    absl::StatusOr<CpuSample> start = SampleCpu(env);
    if (!start.ok()) return start.status();
    GrpcCreateOptions grpc_options;
    grpc_options.prompt = prompt;
    grpc_options.concurrency = options.concurrency;
    grpc_options.duration = round;
    absl::StatusOr<GrpcCreateResult> via_gateway =
        RunGrpcCreates(env, grpc_options);
    if (!via_gateway.ok()) return via_gateway.status();
    if (via_gateway->loop.latencies_us.empty()) {
      return absl::InternalError(absl::StrCat(
          "no create succeeded via the gateway: ", via_gateway->first_error));
    }
    absl::StatusOr<CpuSample> middle = SampleCpu(env);
    if (!middle.ok()) return middle.status();
    gateway.Add(via_gateway->loop, *start, *middle);

    absl::StatusOr<ClosedLoopResult> via_rest = RunRestCreates(
        env.sim().api_base(), kSimApiKey, prompt, options.concurrency, round);
    if (!via_rest.ok()) return via_rest.status();
    if (via_rest->latencies_us.empty()) {
      return absl::InternalError("no direct REST create succeeded");
    }
    absl::StatusOr<CpuSample> end = SampleCpu(env);
    if (!end.ok()) return end.status();
    direct.Add(*via_rest, *middle, *end);
  }
  CreateResult result;
  result.concurrency = options.concurrency;
  result.gateway = gateway.Figures();
  result.direct = direct.Figures();
  result.throughput_ratio =
      result.direct.per_second > 0
          ? result.gateway.per_second / result.direct.per_second
          : 0;
  return result;
}

}  // namespace seedance::bench
