// BenchOptions parsing; see bench_options.h.
#include "bench/bench_options.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/common/command_line.h"

namespace seedance::bench {

// A duration above zero.
struct PositiveDuration {
  absl::Duration value;
};
bool AbslParseFlag(absl::string_view text, PositiveDuration* out,
                   std::string* error) {
  if (!absl::ParseDuration(text, &out->value) ||
      out->value <= absl::ZeroDuration()) {
    *error = "must be a positive duration such as 500ms, 2s or 1m";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(PositiveDuration v) {
  return absl::FormatDuration(v.value);
}

}  // namespace seedance::bench

// Defaults are the full-size ones; --quick changes those of the flags not
// given (ApplyQuickSizes), so each is applied only when given.
namespace {
using ::seedance::NonNegativeDuration;
using ::seedance::PositiveInt;
using ::seedance::RepeatedText;
using ::seedance::bench::PositiveDuration;
using F = ::seedance::bench::FanoutOptions;
}  // namespace

ABSL_FLAG(bool, quick, false, "tiny sizes (a smoke test, seconds)");
ABSL_FLAG(bool, json, false, "JSON on stdout instead of the table");
ABSL_FLAG(RepeatedText, scenario, {},
          "fanout | delay | capacity | create | create-store | create-rss | "
          "sse | fleet (repeatable, or comma-separated; default all)");
ABSL_FLAG(PositiveInt, watchers, PositiveInt{F().watchers},
          "fan-out watchers (10000)");
ABSL_FLAG(PositiveInt, tasks, PositiveInt{F().tasks}, "fan-out tasks (100)");
ABSL_FLAG(PositiveDuration, hold, PositiveDuration{F().hold},
          "fan-out GET-counting window (3s)");
ABSL_FLAG(PositiveInt, naive_clients, PositiveInt{F().naive_clients},
          "scaled-down naive REST pollers (200)");
ABSL_FLAG(PositiveInt, naive_tasks, PositiveInt{F().naive_tasks},
          "tasks they poll (2)");
ABSL_FLAG(PositiveDuration, naive_period, PositiveDuration{F().naive_period},
          "naive polling period (5s, TokenHub's examples)");
ABSL_FLAG(NonNegativeDuration, delay_spread,
          NonNegativeDuration{F().delay_spread},
          "second event-delay run with the tasks' changes spread evenly over "
          "DUR (1s; 0 skips it)");
ABSL_FLAG(PositiveInt, streams,
          PositiveInt{seedance::bench::CapacityOptions().streams},
          "idle streams (10000)");
ABSL_FLAG(PositiveInt, sse_streams,
          PositiveInt{seedance::bench::SseOptions().streams},
          "SSE streams on the web face (10000)");
ABSL_FLAG(PositiveDuration, idle,
          PositiveDuration{seedance::bench::CapacityOptions().idle},
          "idle window for CPU (5s)");
ABSL_FLAG(PositiveInt, concurrency,
          PositiveInt{seedance::bench::CreateOptions().concurrency},
          "create-path calls in flight (32)");
ABSL_FLAG(PositiveDuration, duration,
          PositiveDuration{seedance::bench::CreateOptions().duration},
          "create-path time per path (10s)");
ABSL_FLAG(PositiveDuration, store_duration,
          PositiveDuration{seedance::bench::StoreCreateOptions().duration},
          "create-store: time per store over all rounds (10s)");
ABSL_FLAG(PositiveInt, store_rounds,
          PositiveInt{seedance::bench::StoreCreateOptions().rounds},
          "create-store: rounds alternating the stores (5)");
ABSL_FLAG(int64_t, rss_creates, seedance::bench::CreateRssOptions().creates,
          "create-rss: creates per gateway (100000)");
ABSL_FLAG(bool, request_ids, true,
          "create-store, create-rss: creates without request_id (default: a "
          "fresh one on each create)");
ABSL_FLAG(std::string, scratch_dir, "",
          "where the SQLite databases go (default $TMPDIR or /tmp; a "
          "directory of its own is made and removed)");
ABSL_FLAG(std::string, store, "none",
          "the other scenarios' gateway --store (none); the store scenarios "
          "run their own gateways: none, sqlite and, when PGHOST is set, "
          "postgresql://USER@HOST:PORT/DB from PGHOST/PGPORT/PGUSER/"
          "PGDATABASE (the password only from PGPASSWORD or PGPASSFILE, never "
          "a flag); fleet runs 3 replicas on a database of its own on that "
          "server (100 tasks, skipped without PGHOST)");
ABSL_FLAG(PositiveDuration, poll_period,
          PositiveDuration{seedance::bench::BenchEnvOptions().poll_period},
          "the gateway's --poll-initial and --poll-max (200ms)");
ABSL_FLAG(PositiveInt, channels,
          PositiveInt{seedance::bench::BenchEnvOptions().channels},
          "gRPC connections to the gateway (8)");
ABSL_FLAG(std::string, sim, "", "tokenhub-sim (default: next to this binary)");
ABSL_FLAG(std::string, gateway, "",
          "seedance-gateway (default: next to this binary)");
ABSL_FLAG(std::string, log_dir, "/tmp",
          "the servers' stderr logs (default /tmp)");
ABSL_FLAG(RepeatedText, server_env, {},
          "extra environment for both servers (repeatable)");

namespace seedance::bench {
namespace {

// --help order; value_name "[no]" shows the negative form.
constexpr FlagDoc kBenchFlags[] = {
    {"quick", "", nullptr, ""},
    {"json", "", nullptr, ""},
    {"scenario", "", nullptr, "NAME"},
    {"watchers", "", nullptr, "N"},
    {"tasks", "", nullptr, "N"},
    {"hold", "", nullptr, "DUR"},
    {"naive-clients", "", nullptr, "N"},
    {"naive-tasks", "", nullptr, "N"},
    {"naive-period", "", nullptr, "DUR"},
    {"delay-spread", "", nullptr, "DUR"},
    {"streams", "", nullptr, "N"},
    {"sse-streams", "", nullptr, "N"},
    {"idle", "", nullptr, "DUR"},
    {"concurrency", "", nullptr, "N"},
    {"duration", "", nullptr, "DUR"},
    {"store-duration", "", nullptr, "DUR"},
    {"store-rounds", "", nullptr, "N"},
    {"rss-creates", "", nullptr, "N"},
    {"request-ids", "", nullptr, "[no]"},
    {"scratch-dir", "", nullptr, "DIR"},
    {"store", "", nullptr, "SPEC"},
    {"poll-period", "", nullptr, "DUR"},
    {"channels", "", nullptr, "N"},
    {"sim", "", nullptr, "PATH"},
    {"gateway", "", nullptr, "PATH"},
    {"log-dir", "", nullptr, "DIR"},
    {"server-env", "", nullptr, "N=V"},
};

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
  std::string out =
      "usage: seedance-bench [flags]\n"
      "Starts tokenhub-sim and seedance-gateway on 127.0.0.1 and measures "
      "the\ngateway (docs/PERFORMANCE.md). Prints a table; --json prints "
      "JSON instead.\n\n";
  for (const FlagDoc& doc : kBenchFlags) {
    absl::string_view value_name = doc.value_name;
    std::string left = value_name == "[no]" ? absl::StrCat("--no-", doc.name)
                       : value_name.empty()
                           ? absl::StrCat("--", doc.name)
                           : absl::StrCat("--", doc.name, " ", value_name);
    absl::StrAppend(&out, "  ", left,
                    std::string(left.size() < 21 ? 21 - left.size() : 1, ' '),
                    WrapText(FlagOf(doc).Help(), 23), "\n");
  }
  return out;
}

absl::StatusOr<BenchOptions> ParseBenchOptions(int argc,
                                               const char* const* argv) {
  BenchOptions options;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return options;
    }
  }
  // Only the bench's own settings; the servers' environment is their own.
  absl::StatusOr<ParsedArgs> args =
      ParseFlags(kBenchFlags, argc, argv,
                 [](const char*) -> const char* { return nullptr; });
  if (!args.ok()) return args.status();
  if (!args->positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", args->positional[0], "'"));
  }
  auto given = [&](const char* name) { return args->Given(name); };

  const std::string dir = SelfDir(argv[0]);
  options.env.sim_path =
      given("sim") ? absl::GetFlag(FLAGS_sim) : dir + "/tokenhub-sim";
  options.env.gateway_path = given("gateway") ? absl::GetFlag(FLAGS_gateway)
                                              : dir + "/seedance-gateway";
  options.env.log_dir = absl::GetFlag(FLAGS_log_dir);
  std::string scratch = absl::GetFlag(FLAGS_scratch_dir);
  if (given("scratch-dir") && scratch.empty()) {
    return absl::InvalidArgumentError("--scratch-dir: must not be empty");
  }
  if (scratch.empty()) {
    // Read before any thread of ours starts.
    const char* tmpdir =
        std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
    scratch = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  options.store_create.scratch_parent = scratch;
  options.create_rss.scratch_parent = scratch;

  // --quick first, so explicit sizes override it wherever they appear.
  options.quick = absl::GetFlag(FLAGS_quick);
  if (options.quick) ApplyQuickSizes(options);
  options.json = absl::GetFlag(FLAGS_json);

  for (const std::string& list : absl::GetFlag(FLAGS_scenario).values) {
    for (absl::string_view item : absl::StrSplit(list, ',')) {
      bool known = false;
      for (const char* scenario : kAllScenarios) known |= item == scenario;
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("--scenario: unknown scenario ", item));
      }
      options.scenarios.insert(std::string(item));
    }
  }
  if (options.scenarios.empty()) {
    for (const char* scenario : kAllScenarios) {
      options.scenarios.insert(scenario);
    }
  }

  auto set_int = [&](const char* name, const absl::Flag<PositiveInt>& flag,
                     int& out) {
    if (given(name)) out = absl::GetFlag(flag).value;
  };
  auto set_duration = [&](const char* name,
                          const absl::Flag<PositiveDuration>& flag,
                          absl::Duration& out) {
    if (given(name)) out = absl::GetFlag(flag).value;
  };
  set_int("watchers", FLAGS_watchers, options.fanout.watchers);
  set_int("tasks", FLAGS_tasks, options.fanout.tasks);
  set_duration("hold", FLAGS_hold, options.fanout.hold);
  set_int("naive-clients", FLAGS_naive_clients, options.fanout.naive_clients);
  set_int("naive-tasks", FLAGS_naive_tasks, options.fanout.naive_tasks);
  set_duration("naive-period", FLAGS_naive_period, options.fanout.naive_period);
  if (given("delay-spread")) {
    options.fanout.delay_spread = absl::GetFlag(FLAGS_delay_spread).value;
  }
  set_int("streams", FLAGS_streams, options.capacity.streams);
  set_int("sse-streams", FLAGS_sse_streams, options.sse.streams);
  set_duration("idle", FLAGS_idle, options.capacity.idle);
  set_int("concurrency", FLAGS_concurrency, options.create.concurrency);
  set_duration("duration", FLAGS_duration, options.create.duration);
  set_duration("store-duration", FLAGS_store_duration,
               options.store_create.duration);
  set_int("store-rounds", FLAGS_store_rounds, options.store_create.rounds);
  if (given("rss-creates")) {
    options.create_rss.creates = absl::GetFlag(FLAGS_rss_creates);
    if (options.create_rss.creates <= 0) {
      return absl::InvalidArgumentError(
          "--rss-creates: must be a positive integer");
    }
  }
  options.store_create.request_ids = absl::GetFlag(FLAGS_request_ids);
  options.create_rss.request_ids = absl::GetFlag(FLAGS_request_ids);
  if (given("store")) {
    const std::string store = absl::GetFlag(FLAGS_store);
    // A password in a flag would sit in `ps` and in the report; the
    // error does not echo the value.
    if (HasPassword(store)) {
      return absl::InvalidArgumentError(
          "--store must not hold a password: set PGPASSWORD or PGPASSFILE");
    }
    if (store.empty()) {
      return absl::InvalidArgumentError("--store: must not be empty");
    }
    options.env.store = store;
  }
  set_duration("poll-period", FLAGS_poll_period, options.env.poll_period);
  set_int("channels", FLAGS_channels, options.env.channels);
  for (const std::string& entry : absl::GetFlag(FLAGS_server_env).values) {
    if (entry.find('=') == std::string::npos || entry[0] == '=') {
      return absl::InvalidArgumentError(
          absl::StrCat("--server-env: wants NAME=VALUE, got ", entry));
    }
    options.env.server_env.push_back(entry);
  }
  options.store_create.concurrency = options.create.concurrency;
  options.create_rss.concurrency = options.create.concurrency;
  return options;
}

}  // namespace seedance::bench
