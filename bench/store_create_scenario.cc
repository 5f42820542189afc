// Store scenario; see store_create_scenario.h.
#include "bench/store_create_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/process_usage.h"
#include "bench/scratch_dir.h"
#include "bench/stats.h"
#include "bench/store_variants.h"

namespace seedance::bench {
namespace {

// One store's figures in one round.
struct Round {
  int64_t requests = 0;
  int64_t errors = 0;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double gateway_cpu_us = 0;
  double bench_cpu_us = 0;
  double sim_cpu_us = 0;
};

// A store under test: its gateway and its rounds so far.
struct Contender {
  StoreVariant variant;
  std::unique_ptr<GatewayProcess> gateway;
  std::vector<Round> rounds;
  std::string first_error;
};

struct Cpu {
  absl::Duration bench, gateway, sim;
};

absl::StatusOr<Cpu> SampleCpu(const BenchEnv& env, pid_t gateway) {
  absl::StatusOr<ProcessUsage> bench = ReadProcessUsage(getpid());
  absl::StatusOr<ProcessUsage> gw = ReadProcessUsage(gateway);
  absl::StatusOr<ProcessUsage> sim = ReadProcessUsage(env.sim_pid());
  if (!bench.ok()) return bench.status();
  if (!gw.ok()) return gw.status();
  if (!sim.ok()) return sim.status();
  return Cpu{bench->cpu, gw->cpu, sim->cpu};
}

GrpcCreateOptions LoopOptions(const StoreCreateOptions& options,
                              const StoreVariant& variant,
                              absl::Duration duration) {
  GrpcCreateOptions loop;
  loop.prompt = kFastTaskPrompt;
  loop.concurrency = options.concurrency;
  loop.duration = duration;
  // --store=none refuses request_id: the baseline is today's create.
  loop.request_ids = options.request_ids && variant.name != "none";
  return loop;
}

absl::Status RunRound(const BenchEnv& env, const StoreCreateOptions& options,
                      absl::Duration length, Contender& contender) {
  absl::StatusOr<Cpu> before = SampleCpu(env, contender.gateway->pid());
  if (!before.ok()) return before.status();
  absl::StatusOr<GrpcCreateResult> loop = RunGrpcCreates(
      *contender.gateway, LoopOptions(options, contender.variant, length));
  if (!loop.ok()) return loop.status();
  absl::StatusOr<Cpu> after = SampleCpu(env, contender.gateway->pid());
  if (!after.ok()) return after.status();
  if (contender.first_error.empty()) contender.first_error = loop->first_error;
  if (loop->loop.latencies_us.empty()) {
    return absl::InternalError(absl::StrCat(
        "no create succeeded with --store=", contender.variant.name, ": ",
        loop->first_error));
  }
  Round round;
  round.requests = static_cast<int64_t>(loop->loop.latencies_us.size());
  round.errors = loop->loop.errors;
  round.per_second = static_cast<double>(round.requests) /
                     absl::ToDoubleSeconds(loop->loop.elapsed);
  const Summary latency = SummarizeMillis(loop->loop.latencies_us);
  round.p50_ms = latency.p50;
  round.p99_ms = latency.p99;
  const double creates = static_cast<double>(round.requests);
  round.gateway_cpu_us =
      absl::ToDoubleMicroseconds(after->gateway - before->gateway) / creates;
  round.bench_cpu_us =
      absl::ToDoubleMicroseconds(after->bench - before->bench) / creates;
  round.sim_cpu_us =
      absl::ToDoubleMicroseconds(after->sim - before->sim) / creates;
  contender.rounds.push_back(round);
  return absl::OkStatus();
}

// Median over the rounds of `field`, or of `field` compared with the
// baseline's in the same round.
template <typename F>
double MedianOf(const std::vector<Round>& rounds, F field) {
  std::vector<double> values;
  values.reserve(rounds.size());
  for (const Round& round : rounds) values.push_back(field(round));
  return Median(std::move(values));
}
template <typename F>
double MedianAgainst(const std::vector<Round>& rounds,
                     const std::vector<Round>& baseline, F compare) {
  std::vector<double> values;
  for (std::size_t i = 0; i < rounds.size() && i < baseline.size(); ++i) {
    values.push_back(compare(rounds[i], baseline[i]));
  }
  return Median(std::move(values));
}

StoreCreateFigures Figures(const Contender& contender,
                           const std::vector<Round>& baseline) {
  StoreCreateFigures figures;
  figures.name = contender.variant.name;
  figures.spec = contender.variant.spec;
  figures.first_error = contender.first_error;
  const std::vector<Round>& rounds = contender.rounds;
  for (const Round& round : rounds) {
    figures.requests += round.requests;
    figures.errors += round.errors;
  }
  figures.per_second =
      MedianOf(rounds, [](const Round& r) { return r.per_second; });
  figures.p50_ms = MedianOf(rounds, [](const Round& r) { return r.p50_ms; });
  figures.p99_ms = MedianOf(rounds, [](const Round& r) { return r.p99_ms; });
  figures.gateway_cpu_us =
      MedianOf(rounds, [](const Round& r) { return r.gateway_cpu_us; });
  figures.bench_cpu_us =
      MedianOf(rounds, [](const Round& r) { return r.bench_cpu_us; });
  figures.sim_cpu_us =
      MedianOf(rounds, [](const Round& r) { return r.sim_cpu_us; });
  figures.throughput_ratio =
      MedianAgainst(rounds, baseline, [](const Round& r, const Round& base) {
        return r.per_second / base.per_second;
      });
  figures.p50_added_ms = MedianAgainst(
      rounds, baseline,
      [](const Round& r, const Round& base) { return r.p50_ms - base.p50_ms; });
  figures.p99_added_ms = MedianAgainst(
      rounds, baseline,
      [](const Round& r, const Round& base) { return r.p99_ms - base.p99_ms; });
  figures.gateway_cpu_ratio =
      MedianAgainst(rounds, baseline, [](const Round& r, const Round& base) {
        return base.gateway_cpu_us > 0 ? r.gateway_cpu_us / base.gateway_cpu_us
                                       : 0;
      });
  return figures;
}

}  // namespace

absl::StatusOr<StoreCreateResult> RunStoreCreates(
    const BenchEnv& env, const StoreCreateOptions& options) {
  // Declared before the gateways, so it is removed after they stop.
  absl::StatusOr<std::unique_ptr<ScratchDir>> scratch =
      ScratchDir::Create(options.scratch_parent);
  if (!scratch.ok()) return scratch.status();

  StoreCreateResult result;
  result.concurrency = options.concurrency;
  result.rounds = std::max(1, options.rounds);
  result.round = options.duration / result.rounds;

  std::vector<Contender> contenders;
  std::vector<StoreVariant> skipped;
  // Unwatched tasks are polled at the bench's period, so each follower
  // (one poll: the task is already final) ends within its round.
  const std::vector<std::string> extra = {absl::StrCat(
      "--poll-unwatched=", absl::ToInt64Milliseconds(env.poll_period()), "ms")};
  for (StoreVariant& variant :
       StoreVariants((*scratch)->path(), ProcessEnvironment())) {
    if (!variant.skipped.empty()) {
      skipped.push_back(std::move(variant));
      continue;
    }
    absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = env.StartGateway(
        variant.spec, extra,
        absl::StrCat("seedance-gateway-store-", variant.name, ".log"));
    if (!gateway.ok()) {
      return absl::Status(gateway.status().code(),
                          absl::StrCat("gateway with --store=", variant.name,
                                       ": ", gateway.status().message()));
    }
    contenders.push_back({std::move(variant), std::move(*gateway), {}, ""});
  }
  for (Contender& contender : contenders) {
    absl::StatusOr<GrpcCreateResult> warm =
        RunGrpcCreates(*contender.gateway,
                       LoopOptions(options, contender.variant, options.warmup));
    if (!warm.ok()) return warm.status();
  }
  for (int r = 0; r < result.rounds; ++r) {
    for (std::size_t k = 0; k < contenders.size(); ++k) {
      Contender& contender = contenders[(k + r) % contenders.size()];
      if (absl::Status ran = RunRound(env, options, result.round, contender);
          !ran.ok()) {
        return ran;
      }
    }
  }
  for (Contender& contender : contenders) {
    if (absl::Status stopped = contender.gateway->Stop(); !stopped.ok()) {
      return absl::Status(
          stopped.code(),
          absl::StrCat("gateway with --store=", contender.variant.name, ": ",
                       stopped.message()));
    }
  }
  // contenders[0] is `none`: StoreVariants lists it first, and it never skips.
  for (const Contender& contender : contenders) {
    result.stores.push_back(Figures(contender, contenders.front().rounds));
  }
  // With the gateways stopped, each store's own writes alone, on a fresh
  // SQLite file or the same PostgreSQL database (under an owner of its own).
  const absl::Duration alone_time =
      std::max(absl::Milliseconds(200), options.duration / 5);
  for (StoreCreateFigures& figures : result.stores) {
    if (figures.name == "none") continue;
    const std::string spec =
        figures.name == "sqlite"
            ? absl::StrCat("sqlite:", (*scratch)->path(), "/alone.db")
            : figures.spec;
    for (int batch : {1, kAloneBatch}) {
      absl::StatusOr<StoreAloneFigures> alone =
          MeasureStoreAlone(spec, batch, alone_time);
      if (!alone.ok()) {
        figures.alone_error = std::string(alone.status().message());
        break;
      }
      figures.alone.push_back(*alone);
    }
  }
  for (const StoreVariant& variant : skipped) {
    StoreCreateFigures figures;
    figures.name = variant.name;
    figures.skipped = variant.skipped;
    result.stores.push_back(std::move(figures));
  }
  return result;
}

}  // namespace seedance::bench
