// seedance-gateway: see GatewayUsage() (or --help) for every setting.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/gateway/call_log.h"
#include "server/gateway/fd_monitor.h"
#include "server/gateway/gateway_flags.h"
#include "server/gateway/gateway_server.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << seedance::gateway::GatewayUsage();
      return 0;
    }
  }
  auto config =
      seedance::gateway::ParseGatewayConfig(argc, argv, [](const char* name) {
        // Read once, before any thread exists (nothing sets the environment).
        return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
      });
  if (!config.ok()) {
    std::cerr << "seedance-gateway: " << config.status().message() << "\n";
    return 2;
  }

  seedance::gateway::SetLogFormat(config->log_format);
  seedance::gateway::SetLogLevel(config->log_level);

  // Debian's Abseil checks every lock for deadlock cycles, a measurable cost
  // on the hot path (docs/PERFORMANCE.md); the tests keep the checks on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the stop signals before any thread starts (gRPC's threads inherit
  // the mask), then wait for them here with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Every accepted connection costs a descriptor, and gRPC 1.51's listener
  // dies at the first EMFILE: take all the room the hard limit allows.
  if (auto limits = seedance::gateway::RaiseDescriptorLimit(); limits.ok()) {
    seedance::gateway::LogNotice(absl::StrCat(
        "file descriptor limit: soft ", limits->soft_before,
        limits->soft_after != limits->soft_before
            ? absl::StrCat(" raised to ", limits->soft_after)
            : std::string(),
        ", hard ", limits->hard, ", reserve ",
        seedance::gateway::EffectiveReserve(
            config->fd_reserve, static_cast<int64_t>(limits->soft_after))));
  } else {
    seedance::gateway::LogNotice(absl::StrCat(
        "file descriptor limit unchanged: ", limits.status().message()));
  }

  seedance::gateway::GatewayHooks hooks;
  // The listener is dead for good: drain like on SIGTERM (main's sigwait
  // gets a process-directed signal), then exit 3 for the supervisor.
  hooks.on_listener_dead = [] {
    if (kill(getpid(), SIGTERM) != 0) std::_Exit(3);  // cannot drain: just go
  };
  auto server =
      seedance::gateway::GatewayServer::Start(*config, std::move(hooks));
  if (!server.ok()) {
    seedance::gateway::LogError(server.status().message());
    return 1;
  }
  // For scripts that start the gateway on port 0.
  std::cout << "listening on port " << (*server)->port() << std::endl;
  if ((*server)->http_port() != 0) {
    std::cout << "http listening on port " << (*server)->http_port()
              << std::endl;
  }
  if ((*server)->metrics_port() != 0) {
    std::cout << "metrics on port " << (*server)->metrics_port() << std::endl;
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!(*server)->listener_dead()) {
    seedance::gateway::LogNotice(absl::StrCat(
        "received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"));
  }
  (*server)->Shutdown();
  if ((*server)->listener_dead()) {
    seedance::gateway::LogNotice(
        "exiting 3: the listener stopped accepting connections");
    return 3;
  }
  return 0;
}
