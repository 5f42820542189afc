// BenchOptions parsing; see bench_options.h.
#include "bench/bench_options.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace seedance::bench {
namespace {

const char* const kAllScenarios[] = {"fanout", "delay",        "capacity",
                                     "create", "create-store", "create-rss",
                                     "sse",    "fleet"};

std::string SelfDir(const char* argv0) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  std::string self =
      n > 0 ? std::string(path, static_cast<std::size_t>(n)) : argv0;
  std::size_t slash = self.rfind('/');
  return slash == std::string::npos ? "." : self.substr(0, slash);
}

// postgresql://user:secret@host/db or ...?password=secret.
bool HasPassword(const std::string& spec) {
  if (absl::StrContains(spec, "password=")) return true;
  const std::size_t scheme = spec.find("://");
  if (scheme == std::string::npos) return false;
  const std::size_t at = spec.find('@', scheme);
  if (at == std::string::npos) return false;
  return spec.substr(scheme + 3, at - scheme - 3).find(':') !=
         std::string::npos;
}

void ApplyQuickSizes(BenchOptions& options) {
  options.fanout.watchers = 200;
  options.fanout.tasks = 4;
  options.fanout.hold = absl::Seconds(1);
  options.fanout.naive_period = absl::Seconds(1);
  options.fanout.naive_periods = 2;
  options.fanout.naive_clients = 40;
  options.fanout.naive_tasks = 2;
  options.fanout.delay_spread = absl::Milliseconds(200);
  options.capacity.streams = 500;
  options.capacity.tasks = 4;
  options.capacity.idle = absl::Seconds(1);
  options.sse.streams = 500;
  options.sse.tasks = 4;
  options.create.concurrency = 8;
  options.create.duration = absl::Seconds(2);
  options.store_create.duration = absl::Seconds(2);
  options.store_create.rounds = 2;
  options.store_create.warmup = absl::Milliseconds(200);
  options.create_rss.creates = 2000;
  options.env.channels = 2;
  options.fleet.tasks = 6;
  options.fleet.hold = absl::Seconds(2);
  options.fleet.running = absl::Milliseconds(300);
  options.fleet.spread = absl::Milliseconds(200);
  options.fleet.lease_ttl = absl::Seconds(2);
  options.fleet.failover_tasks = 3;
  options.fleet.stats_settle = absl::Seconds(1);  // its counts are not quoted
}

}  // namespace

std::string BenchUsage() {
  return R"(usage: seedance-bench [flags]
Starts tokenhub-sim and seedance-gateway on 127.0.0.1 and measures the
gateway (docs/PERFORMANCE.md). Prints a table; --json prints JSON instead.

  --quick              tiny sizes (a smoke test, seconds)
  --json               JSON on stdout instead of the table
  --scenario NAME      fanout | delay | capacity | create | create-store |
                       create-rss | sse | fleet (repeatable, or
                       comma-separated; default all)
  --watchers N         fan-out watchers (10000)
  --tasks N            fan-out tasks (100)
  --hold DUR           fan-out GET-counting window (3s)
  --naive-clients N    scaled-down naive REST pollers (200)
  --naive-tasks N      tasks they poll (2)
  --naive-period DUR   naive polling period (5s, TokenHub's examples)
  --delay-spread DUR   second event-delay run with the tasks' changes spread
                       evenly over DUR (1s; 0 skips it)
  --streams N          idle streams (10000)
  --sse-streams N      SSE streams on the web face (10000)
  --idle DUR           idle window for CPU (5s)
  --concurrency N      create-path calls in flight (32)
  --duration DUR       create-path time per path (10s)
  --store-duration DUR create-store: time per store over all rounds (10s)
  --store-rounds N     create-store: rounds alternating the stores (5)
  --rss-creates N      create-rss: creates per gateway (100000)
  --no-request-ids     create-store, create-rss: creates without request_id
                       (default: a fresh one on each create)
  --scratch-dir DIR    where the SQLite databases go (default $TMPDIR or /tmp;
                       a directory of its own is made and removed)
  --store SPEC         the other scenarios' gateway --store (none); the store
                       scenarios run their own gateways: none, sqlite and,
                       when PGHOST is set, postgresql://USER@HOST:PORT/DB
                       from PGHOST/PGPORT/PGUSER/PGDATABASE (the password
                       only from PGPASSWORD or PGPASSFILE, never a flag);
                       fleet runs 3 replicas on a database of its own on
                       that server (100 tasks, skipped without PGHOST)
  --poll-period DUR    the gateway's --poll-initial and --poll-max (200ms)
  --channels N         gRPC connections to the gateway (8)
  --sim PATH           tokenhub-sim (default: next to this binary)
  --gateway PATH       seedance-gateway (default: next to this binary)
  --log-dir DIR        the servers' stderr logs (default /tmp)
  --server-env N=V     extra environment for both servers (repeatable)
)";
}

absl::StatusOr<BenchOptions> ParseBenchOptions(int argc,
                                               const char* const* argv) {
  BenchOptions options;
  const std::string dir = SelfDir(argv[0]);
  options.env.sim_path = dir + "/tokenhub-sim";
  options.env.gateway_path = dir + "/seedance-gateway";
  options.env.log_dir = "/tmp";
  // Read before any thread of ours starts.
  const char* tmpdir = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
  const std::string scratch =
      tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  options.store_create.scratch_parent = scratch;
  options.create_rss.scratch_parent = scratch;

  std::vector<std::string> args(argv + 1, argv + argc);
  // --quick first, so explicit sizes override it wherever they appear.
  for (const std::string& arg : args) {
    if (arg == "--quick") {
      options.quick = true;
      ApplyQuickSizes(options);
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    if (std::size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--quick") continue;
    if (name == "--json") {
      options.json = true;
      continue;
    }
    if (name == "--help" || name == "-h") {
      options.help = true;
      continue;
    }
    if (name == "--no-request-ids") {
      options.store_create.request_ids = false;
      options.create_rss.request_ids = false;
      continue;
    }
    if (value.empty() && args[i].find('=') == std::string::npos) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(name + " needs a value");
      }
      value = args[++i];
    }
    auto as_int = [&](int& out) {
      return absl::SimpleAtoi(value, &out) && out > 0;
    };
    auto as_duration = [&](absl::Duration& out) {
      return absl::ParseDuration(value, &out) && out > absl::ZeroDuration();
    };
    bool ok = true;
    if (name == "--scenario") {
      for (absl::string_view item : absl::StrSplit(value, ',')) {
        bool known = false;
        for (const char* scenario : kAllScenarios) known |= item == scenario;
        if (!known) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown scenario ", item));
        }
        options.scenarios.insert(std::string(item));
      }
    } else if (name == "--watchers") {
      ok = as_int(options.fanout.watchers);
    } else if (name == "--tasks") {
      ok = as_int(options.fanout.tasks);
    } else if (name == "--hold") {
      ok = as_duration(options.fanout.hold);
    } else if (name == "--naive-clients") {
      ok = as_int(options.fanout.naive_clients);
    } else if (name == "--naive-tasks") {
      ok = as_int(options.fanout.naive_tasks);
    } else if (name == "--naive-period") {
      ok = as_duration(options.fanout.naive_period);
    } else if (name == "--delay-spread") {
      ok = absl::ParseDuration(value, &options.fanout.delay_spread) &&
           options.fanout.delay_spread >= absl::ZeroDuration();
    } else if (name == "--streams") {
      ok = as_int(options.capacity.streams);
    } else if (name == "--sse-streams") {
      ok = as_int(options.sse.streams);
    } else if (name == "--idle") {
      ok = as_duration(options.capacity.idle);
    } else if (name == "--concurrency") {
      ok = as_int(options.create.concurrency);
    } else if (name == "--duration") {
      ok = as_duration(options.create.duration);
    } else if (name == "--store-duration") {
      ok = as_duration(options.store_create.duration);
    } else if (name == "--store-rounds") {
      ok = as_int(options.store_create.rounds);
    } else if (name == "--rss-creates") {
      ok = absl::SimpleAtoi(value, &options.create_rss.creates) &&
           options.create_rss.creates > 0;
    } else if (name == "--scratch-dir") {
      ok = !value.empty();
      options.store_create.scratch_parent = value;
      options.create_rss.scratch_parent = value;
    } else if (name == "--store") {
      // A password in a flag would sit in `ps` and in the report; the
      // error does not echo the value.
      if (HasPassword(value)) {
        return absl::InvalidArgumentError(
            "--store must not hold a password: set PGPASSWORD or PGPASSFILE");
      }
      ok = !value.empty();
      options.env.store = value;
    } else if (name == "--poll-period") {
      ok = as_duration(options.env.poll_period);
    } else if (name == "--channels") {
      ok = as_int(options.env.channels);
    } else if (name == "--sim") {
      options.env.sim_path = value;
    } else if (name == "--gateway") {
      options.env.gateway_path = value;
    } else if (name == "--log-dir") {
      options.env.log_dir = value;
    } else if (name == "--server-env") {
      ok = value.find('=') != std::string::npos && value[0] != '=';
      if (ok) options.env.server_env.push_back(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value for ", name, ": ", value));
    }
  }
  options.store_create.concurrency = options.create.concurrency;
  options.create_rss.concurrency = options.create.concurrency;
  if (options.scenarios.empty()) {
    for (const char* scenario : kAllScenarios) {
      options.scenarios.insert(scenario);
    }
  }
  return options;
}

}  // namespace seedance::bench
