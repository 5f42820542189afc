// BenchEnv: see bench_env.h.
#include "bench/bench_env.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace seedance::bench {
namespace {

std::string Millis(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

}  // namespace

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

  const std::string period = Millis(options.poll_period);
  std::vector<std::string> gateway_env = options.server_env;
  gateway_env.push_back(absl::StrCat("TOKENHUB_API_KEY=", kSimApiKey));
  absl::StatusOr<std::unique_ptr<ChildProcess>> gateway = ChildProcess::Start(
      {options.gateway_path, "--listen", "127.0.0.1:0", "--upstream",
       env->sim_.api_base(), "--poll-initial", period, "--poll-max", period,
       "--max-streams", absl::StrCat(options.max_streams), "--no-log-calls",
       "--shutdown-grace", "2s",
       // Every bench client is 127.0.0.1 on a few connections (10,000
       // streams over 8): the per-peer and per-connection caps would
       // measure admission policy, not capacity.
       "--max-streams-per-peer", "0", "--max-streams-per-connection", "0"},
      gateway_env, options.log_dir + "/seedance-gateway.log");
  if (!gateway.ok()) return gateway.status();
  env->gateway_ = std::move(*gateway);
  absl::StatusOr<std::string> port =
      env->gateway_->WaitForLine("listening on port ", absl::Seconds(20));
  if (!port.ok()) return port.status();

  for (int i = 0; i < std::max(1, options.channels); ++i) {
    grpc::ChannelArguments args;
    // A local subchannel pool and a distinct argument give each channel its
    // own TCP connection, so streams spread over several HTTP/2 connections.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("seedance.bench.channel", i);
    args.SetMaxReceiveMessageSize(4 << 20);
    auto channel =
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", *port),
                                  grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(
            absl::ToChronoTime(absl::Now() + absl::Seconds(20)))) {
      return absl::UnavailableError("cannot connect to the gateway");
    }
    env->stubs_.push_back(v1::VideoService::NewStub(channel));
    env->channels_.push_back(std::move(channel));
  }
  return env;
}

absl::Status BenchEnv::Stop() {
  absl::Status status = gateway_->Stop();
  absl::Status sim_status = sim_process_->Stop();
  return status.ok() ? sim_status : status;
}

}  // namespace seedance::bench
