// BenchEnv: see bench_env.h.
#include "bench/bench_env.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace seedance::bench {

absl::StatusOr<std::unique_ptr<BenchEnv>> BenchEnv::Start(
    const BenchEnvOptions& options) {
  // posix_spawn reports a missing log directory as the binary's ENOENT.
  if (access(options.log_dir.c_str(), W_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("log directory ", options.log_dir, " is not writable"));
  }
  // The simulator: one I/O thread (its documented configuration), phases
  // long enough that only prompt markers and advance calls move tasks.
  absl::StatusOr<std::unique_ptr<ChildProcess>> sim = ChildProcess::Start(
      {options.sim_path, "--port", "0", "--seed", "1", "--idle-timeout", "10m"},
      options.server_env, options.log_dir + "/tokenhub-sim.log");
  if (!sim.ok()) return sim.status();
  absl::StatusOr<std::string> sim_url =
      (*sim)->WaitForLine("listening on ", absl::Seconds(20));
  if (!sim_url.ok()) return sim_url.status();

  auto env = std::unique_ptr<BenchEnv>(new BenchEnv(options, *sim_url));
  env->sim_process_ = std::move(*sim);

  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway =
      env->StartGateway(options.store, {}, "seedance-gateway.log");
  if (!gateway.ok()) return gateway.status();
  env->gateway_ = std::move(*gateway);
  return env;
}

absl::StatusOr<std::unique_ptr<GatewayProcess>> BenchEnv::StartGateway(
    const std::string& store, const std::vector<std::string>& extra_args,
    const std::string& log_name) const {
  GatewayLaunch launch;
  launch.path = options_.gateway_path;
  launch.upstream = sim_.api_base();
  launch.api_key = kSimApiKey;
  launch.poll_period = options_.poll_period;
  launch.max_streams = options_.max_streams;
  launch.channels = options_.channels;
  launch.log_path = absl::StrCat(options_.log_dir, "/", log_name);
  launch.env = options_.server_env;
  if (!store.empty()) {
    launch.extra_args.push_back(absl::StrCat("--store=", store));
  }
  launch.extra_args.insert(launch.extra_args.end(), extra_args.begin(),
                           extra_args.end());
  return GatewayProcess::Start(launch);
}

absl::Status BenchEnv::Stop() {
  absl::Status status = gateway_->Stop();
  absl::Status sim_status = sim_process_->Stop();
  return status.ok() ? sim_status : status;
}

}  // namespace seedance::bench
