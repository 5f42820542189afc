// tokenhub-sim: the TokenHub simulator as a program. Parses flags
// (sim_flags.h), starts a SimServer, prints "listening on http://HOST:PORT"
// once ready and runs until SIGINT/SIGTERM. `tokenhub-sim --help` lists the
// flags.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "sim/sim_flags.h"
#include "sim/sim_server.h"

namespace tokenhub_sim {
namespace {

int Usage(const std::string& error) {
  std::fprintf(stderr, "tokenhub-sim: %s\n(see tokenhub-sim --help)\n",
               error.c_str());
  return 2;
}

int Run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 ||
        std::strcmp(argv[i], "-h") == 0) {
      std::fputs(SimUsage().c_str(), stdout);
      return 0;
    }
  }
  absl::StatusOr<SimOptions> parsed = ParseSimFlags(argc, argv);
  if (!parsed.ok()) return Usage(std::string(parsed.status().message()));
  SimOptions options = *std::move(parsed);

  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and sigwait below is the one place they land.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  uint64_t seed = options.seed;
  size_t key_count = options.keys.size();
  absl::StatusOr<std::unique_ptr<SimServer>> sim =
      SimServer::Start(std::move(options));
  if (!sim.ok()) {
    std::fprintf(stderr, "tokenhub-sim: %s\n",
                 std::string(sim.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "tokenhub-sim: seed %llu, %zu key(s)\n",
               static_cast<unsigned long long>(seed), key_count);
  std::printf("listening on %s\n", (*sim)->root_url().c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  // strsignal may share one buffer between threads; only these two arrive.
  std::fprintf(stderr, "tokenhub-sim: %s, stopping\n",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  (*sim)->Stop();
  return 0;
}

}  // namespace
}  // namespace tokenhub_sim

int main(int argc, char** argv) { return tokenhub_sim::Run(argc, argv); }
