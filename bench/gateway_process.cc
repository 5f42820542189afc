// GatewayProcess: see gateway_process.h.
#include "bench/gateway_process.h"

#include <algorithm>

#include "absl/strings/numbers.h"
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

absl::StatusOr<std::unique_ptr<GatewayProcess>> GatewayProcess::Start(
    const GatewayLaunch& launch) {
  const std::string period = Millis(launch.poll_period);
  std::vector<std::string> env = launch.env;
  env.push_back(absl::StrCat("TOKENHUB_API_KEY=", launch.api_key));
  std::vector<std::string> argv = {
      launch.path, "--listen", "127.0.0.1:0", "--upstream", launch.upstream,
      "--poll-initial", period, "--poll-max", period, "--max-streams",
      absl::StrCat(launch.max_streams), "--no-log-calls", "--shutdown-grace",
      "2s",
      // Every bench client is 127.0.0.1 on a few connections (10,000
      // streams over 8): the per-peer and per-connection caps would
      // measure admission policy, not capacity.
      "--max-streams-per-peer", "0", "--max-streams-per-connection", "0"};
  argv.insert(argv.end(), launch.extra_args.begin(), launch.extra_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start(argv, env, launch.log_path);
  if (!child.ok()) return child.status();
  auto gateway =
      std::unique_ptr<GatewayProcess>(new GatewayProcess(std::move(*child)));
  absl::StatusOr<std::string> port =
      gateway->child_->WaitForLine("listening on port ", absl::Seconds(20));
  if (!port.ok()) {
    return absl::Status(
        port.status().code(),
        absl::StrCat(port.status().message(), " (see ", launch.log_path, ")"));
  }

  if (std::find(launch.extra_args.begin(), launch.extra_args.end(),
                "--http-listen") != launch.extra_args.end()) {
    absl::StatusOr<std::string> http = gateway->child_->WaitForLine(
        "http listening on port ", absl::Seconds(20));
    if (!http.ok()) return http.status();
    if (!absl::SimpleAtoi(*http, &gateway->http_port_)) {
      return absl::InternalError(absl::StrCat("bad http port line: ", *http));
    }
  }

  for (int i = 0; i < std::max(1, launch.channels); ++i) {
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
    gateway->stubs_.push_back(v1::VideoService::NewStub(channel));
    gateway->channels_.push_back(std::move(channel));
  }
  return gateway;
}

}  // namespace seedance::bench
