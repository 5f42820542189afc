// tokenhub-sim: the TokenHub simulator as a program. Parses flags, starts a
// SimServer, prints "listening on http://HOST:PORT" once ready and runs
// until SIGINT/SIGTERM. `tokenhub-sim --help` lists the flags.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "sim/fault_rule.h"
#include "sim/sim_server.h"

namespace tokenhub_sim {
namespace {

constexpr char kUsage[] = R"(usage: tokenhub-sim [flags]

Simulates TokenHub's Seedance 2.0 video API (POST/GET
/api/v1/videos/generations) on HTTP/1.1 for tests, demos and benchmarks.
Prints "listening on http://HOST:PORT" on stdout once ready; logs go to
stderr. SIGINT/SIGTERM stop it (exit 0). See docs/SIMULATOR.md.

  --port N              port to listen on; 0 picks a free one (default 0)
  --host ADDR           address to listen on (default 127.0.0.1)
  --keys LIST           accepted API keys: label=th-key,label2=th-key2; a bare
                        key gets label k0, k1, ... (default demo=th-sim-demo-key)
  --time-scale X        multiplies the phase durations, e.g. 0.01 (default 1)
  --queued-for DUR      queued phase before scaling (default 1s)
  --running-for DUR     running phase before scaling (default 4s)
  --seed N              seeds task ids and rate faults (default: random,
                        printed on stderr so a run can be replayed)
  --threads N           I/O threads (default 1)
  --fault SPEC          a fault rule, repeatable, e.g. '503,method=GET,rate=0.1'
                        or '429,retry_after=2,seq=2-3' (docs/SIMULATOR.md)
  --max-body-bytes N    request body cap; larger gets 413 (default 1048576)
  --idle-timeout DUR    closes idle keep-alive connections (default 60s)
  --stall-cap DUR       longest a `stall` fault holds a connection (default 120s)
  --verbose             one stderr line per request (never the API key)
  --help                this text
DUR is a duration such as 250ms, 2s, 1m.
)";

int Usage(const std::string& error) {
  std::fprintf(stderr, "tokenhub-sim: %s\n(see tokenhub-sim --help)\n",
               error.c_str());
  return 2;
}

absl::Status ParseKeys(absl::string_view list, std::vector<KeyEntry>* keys) {
  keys->clear();
  int bare = 0;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (item.find('=') == absl::string_view::npos) {
      keys->push_back({absl::StrCat("k", bare++), std::string(item)});
    } else {
      keys->push_back({kv.first, kv.second});
    }
  }
  if (keys->empty()) return absl::InvalidArgumentError("--keys is empty");
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  SimOptions options;
  bool seeded = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline = false;
    if (size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (!has_inline) {
      if (i + 1 >= args.size()) return Usage(flag + " needs a value");
      value = args[++i];
    }
    bool ok = true;
    absl::Duration d;
    if (flag == "--port") {
      ok = absl::SimpleAtoi(value, &options.port);
    } else if (flag == "--host") {
      options.host = value;
    } else if (flag == "--keys") {
      absl::Status s = ParseKeys(value, &options.keys);
      if (!s.ok()) return Usage(std::string(s.message()));
    } else if (flag == "--time-scale") {
      ok = absl::SimpleAtod(value, &options.time_scale);
    } else if (flag == "--queued-for" || flag == "--running-for" ||
               flag == "--idle-timeout" || flag == "--stall-cap") {
      ok = absl::ParseDuration(value, &d) && d >= absl::ZeroDuration();
      if (flag == "--queued-for") options.queued_for = d;
      if (flag == "--running-for") options.running_for = d;
      if (flag == "--idle-timeout") options.idle_timeout = d;
      if (flag == "--stall-cap") options.stall_cap = d;
    } else if (flag == "--seed") {
      ok = absl::SimpleAtoi(value, &options.seed);
      seeded = true;
    } else if (flag == "--threads") {
      ok = absl::SimpleAtoi(value, &options.threads);
    } else if (flag == "--fault") {
      absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(value);
      if (!rules.ok()) return Usage(std::string(rules.status().message()));
      options.faults.insert(options.faults.end(), rules->begin(), rules->end());
    } else if (flag == "--max-body-bytes") {
      ok = absl::SimpleAtoi(value, &options.max_body_bytes);
    } else {
      return Usage("unknown flag " + flag);
    }
    if (!ok) return Usage(absl::StrCat("bad value for ", flag, ": ", value));
  }
  if (!seeded) options.seed = std::random_device()();
  absl::Status valid = ValidateSimOptions(options);
  if (!valid.ok()) return Usage(std::string(valid.message()));

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
