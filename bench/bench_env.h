// BenchEnv: the system under test as seedance-bench runs it — tokenhub-sim
// and seedance-gateway as child processes on 127.0.0.1 with ephemeral
// ports, and a pool of gRPC channels to the gateway. More gateways (other
// --store settings) can be started against the same simulator. Destroying
// it stops the children (also on every error path).
#ifndef SEEDANCE_BENCH_BENCH_ENV_H_
#define SEEDANCE_BENCH_BENCH_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "bench/gateway_process.h"
#include "bench/sim_control.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::bench {

inline constexpr char kSimApiKey[] = "th-sim-demo-key";

struct BenchEnvOptions {
  std::string sim_path;
  std::string gateway_path;
  absl::Duration poll_period = absl::Milliseconds(200);
  int max_streams = 50000;
  int channels = 8;     // separate HTTP/2 connections to the gateway
  std::string log_dir;  // children's stderr files
  std::vector<std::string> server_env;  // extra NAME=value for both children
  // The main gateway's --store (empty: the flag is not passed).
  std::string store = "none";
};

class BenchEnv {
 public:
  static absl::StatusOr<std::unique_ptr<BenchEnv>> Start(
      const BenchEnvOptions& options);

  // Stops the gateway, then the simulator; reports an unclean exit.
  absl::Status Stop();

  // Another gateway against the same simulator, with the main one's
  // settings but `--store=store` (none passed when empty) plus
  // `extra_args`; its stderr goes to `log_name` in the log directory.
  absl::StatusOr<std::unique_ptr<GatewayProcess>> StartGateway(
      const std::string& store, const std::vector<std::string>& extra_args,
      const std::string& log_name) const;

  const SimControl& sim() const { return sim_; }
  const GatewayProcess& gateway() const { return *gateway_; }
  pid_t gateway_pid() const { return gateway_->pid(); }
  pid_t sim_pid() const { return sim_process_->pid(); }
  absl::Duration poll_period() const { return options_.poll_period; }
  const BenchEnvOptions& options() const { return options_; }
  // Stub i of the main gateway's pool (round robin over the channels).
  v1::VideoService::Stub* stub(std::size_t i) const {
    return gateway_->stub(i);
  }
  std::size_t stub_count() const { return gateway_->stub_count(); }

 private:
  BenchEnv(BenchEnvOptions options, std::string sim_root)
      : options_(std::move(options)), sim_(std::move(sim_root)) {}

  BenchEnvOptions options_;
  SimControl sim_;
  std::unique_ptr<ChildProcess> sim_process_;
  std::unique_ptr<GatewayProcess> gateway_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_BENCH_ENV_H_
