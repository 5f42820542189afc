// GatewayProcess: one seedance-gateway run by seedance-bench as a child on
// 127.0.0.1 (ephemeral port) against a given upstream, with a pool of gRPC
// channels to it. The bench's main gateway is one; the store scenarios
// start more against the same simulator (one per --store variant), so the
// variants share the run's load and clock. Destroying it stops the child.
#ifndef SEEDANCE_BENCH_GATEWAY_PROCESS_H_
#define SEEDANCE_BENCH_GATEWAY_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "grpcpp/channel.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::bench {

struct GatewayLaunch {
  std::string path;
  std::string upstream;  // the simulator's API base (http://…/api/v1)
  std::string api_key;
  absl::Duration poll_period = absl::Milliseconds(200);
  int max_streams = 50000;
  int channels = 8;                     // separate HTTP/2 connections
  std::string log_path;                 // the child's stderr
  std::vector<std::string> env;         // extra NAME=value
  std::vector<std::string> extra_args;  // e.g. --store=sqlite:…
};

class GatewayProcess {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayProcess>> Start(
      const GatewayLaunch& launch);

  // SIGTERM, then SIGKILL after the grace; reports an unclean exit.
  absl::Status Stop() { return child_->Stop(); }

  pid_t pid() const { return child_->pid(); }
  // The web face's port, when started with --http-listen; 0 otherwise.
  int http_port() const { return http_port_; }
  // Stub i of the pool (round robin over the channels).
  v1::VideoService::Stub* stub(std::size_t i) const {
    return stubs_[i % stubs_.size()].get();
  }
  std::size_t stub_count() const { return stubs_.size(); }

 private:
  explicit GatewayProcess(std::unique_ptr<ChildProcess> child)
      : child_(std::move(child)) {}

  std::unique_ptr<ChildProcess> child_;
  int http_port_ = 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::VideoService::Stub>> stubs_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_GATEWAY_PROCESS_H_
