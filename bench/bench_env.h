// BenchEnv: the system under test as seedance-bench runs it — tokenhub-sim
// and seedance-gateway as child processes on 127.0.0.1 with ephemeral
// ports, and a pool of gRPC channels to the gateway. Destroying it stops
// both children (also on every error path).
#ifndef SEEDANCE_BENCH_BENCH_ENV_H_
#define SEEDANCE_BENCH_BENCH_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "bench/sim_control.h"
#include "grpcpp/channel.h"
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
};

class BenchEnv {
 public:
  static absl::StatusOr<std::unique_ptr<BenchEnv>> Start(
      const BenchEnvOptions& options);

  // Stops the gateway, then the simulator; reports an unclean exit.
  absl::Status Stop();

  const SimControl& sim() const { return sim_; }
  pid_t gateway_pid() const { return gateway_->pid(); }
  pid_t sim_pid() const { return sim_process_->pid(); }
  absl::Duration poll_period() const { return options_.poll_period; }
  // Stub i of the pool (round robin over the channels).
  v1::VideoService::Stub* stub(std::size_t i) const {
    return stubs_[i % stubs_.size()].get();
  }
  std::size_t stub_count() const { return stubs_.size(); }

 private:
  BenchEnv(BenchEnvOptions options, std::string sim_root)
      : options_(std::move(options)), sim_(std::move(sim_root)) {}

  BenchEnvOptions options_;
  SimControl sim_;
  std::unique_ptr<ChildProcess> sim_process_;
  std::unique_ptr<ChildProcess> gateway_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::VideoService::Stub>> stubs_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_BENCH_ENV_H_
