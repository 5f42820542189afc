#include "sim/sim_flags.h"

#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/common/command_line.h"
#include "sim/fault_rule.h"

namespace tokenhub_sim {

// --keys: label=th-key,label2=th-key2; a bare key gets label k0, k1, ...
struct KeyList {
  std::vector<KeyEntry> keys;
};
bool AbslParseFlag(absl::string_view text, KeyList* out, std::string* error) {
  out->keys.clear();
  int bare = 0;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (item.find('=') == absl::string_view::npos) {
      out->keys.push_back({absl::StrCat("k", bare++), std::string(item)});
    } else {
      out->keys.push_back({kv.first, kv.second});
    }
  }
  if (out->keys.empty()) {
    *error = "is empty";
    return false;
  }
  return true;
}
std::string AbslUnparseFlag(const KeyList& v) {
  return absl::StrJoin(v.keys, ",", [](std::string* out, const KeyEntry& k) {
    absl::StrAppend(out, k.label, "=", k.key);
  });
}

}  // namespace tokenhub_sim

namespace {
using ::seedance::NonNegativeDuration;
using ::seedance::RepeatedText;
using ::tokenhub_sim::KeyList;
using ::tokenhub_sim::SimOptions;
}  // namespace

ABSL_FLAG(int, port, SimOptions().port,
          "port to listen on; 0 picks a free one (default 0)");
ABSL_FLAG(std::string, host, SimOptions().host,
          "address to listen on (default 127.0.0.1)");
ABSL_FLAG(KeyList, keys, KeyList{SimOptions().keys},
          "accepted API keys: label=th-key,label2=th-key2; a bare key gets "
          "label k0, k1, ... (default demo=th-sim-demo-key)");
ABSL_FLAG(double, time_scale, SimOptions().time_scale,
          "multiplies the phase durations, e.g. 0.01 (default 1)");
ABSL_FLAG(NonNegativeDuration, queued_for,
          NonNegativeDuration{SimOptions().queued_for},
          "queued phase before scaling (default 1s)");
ABSL_FLAG(NonNegativeDuration, running_for,
          NonNegativeDuration{SimOptions().running_for},
          "running phase before scaling (default 4s)");
ABSL_FLAG(std::optional<uint64_t>, seed, std::nullopt,
          "seeds task ids and rate faults (default: random, printed on "
          "stderr so a run can be replayed)");
ABSL_FLAG(int, threads, SimOptions().threads, "I/O threads (default 1)");
ABSL_FLAG(RepeatedText, fault, {},
          "a fault rule, repeatable, e.g. '503,method=GET,rate=0.1' or "
          "'429,retry_after=2,seq=2-3' (docs/SIMULATOR.md)");
ABSL_FLAG(size_t, max_body_bytes, SimOptions().max_body_bytes,
          "request body cap; larger gets 413 (default 1048576)");
ABSL_FLAG(NonNegativeDuration, idle_timeout,
          NonNegativeDuration{SimOptions().idle_timeout},
          "closes idle keep-alive connections (default 60s)");
ABSL_FLAG(NonNegativeDuration, stall_cap,
          NonNegativeDuration{SimOptions().stall_cap},
          "longest a `stall` fault holds a connection (default 120s)");
ABSL_FLAG(bool, verbose, SimOptions().verbose,
          "one stderr line per request (never the API key)");

namespace tokenhub_sim {
namespace {

using ::seedance::FlagDoc;

constexpr FlagDoc kSimFlags[] = {
    {"port", "", nullptr, "N"},           {"host", "", nullptr, "ADDR"},
    {"keys", "", nullptr, "LIST"},        {"time-scale", "", nullptr, "X"},
    {"queued-for", "", nullptr, "DUR"},   {"running-for", "", nullptr, "DUR"},
    {"seed", "", nullptr, "N"},           {"threads", "", nullptr, "N"},
    {"fault", "", nullptr, "SPEC"},       {"max-body-bytes", "", nullptr, "N"},
    {"idle-timeout", "", nullptr, "DUR"}, {"stall-cap", "", nullptr, "DUR"},
    {"verbose", "", nullptr, ""},
};

void AppendRow(absl::string_view left, absl::string_view help,
               std::string& out) {
  absl::StrAppend(&out, "  ", left,
                  std::string(left.size() < 22 ? 22 - left.size() : 1, ' '),
                  seedance::WrapText(help, 24, 81), "\n");
}

}  // namespace

absl::StatusOr<SimOptions> ParseSimFlags(int argc, const char* const* argv) {
  absl::StatusOr<seedance::ParsedArgs> args =
      seedance::ParseFlags(kSimFlags, argc, argv,
                           [](const char*) -> const char* { return nullptr; });
  if (!args.ok()) return args.status();
  if (!args->positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", args->positional[0], "'"));
  }
  SimOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.host = absl::GetFlag(FLAGS_host);
  options.keys = absl::GetFlag(FLAGS_keys).keys;
  options.time_scale = absl::GetFlag(FLAGS_time_scale);
  options.queued_for = absl::GetFlag(FLAGS_queued_for).value;
  options.running_for = absl::GetFlag(FLAGS_running_for).value;
  std::optional<uint64_t> seed = absl::GetFlag(FLAGS_seed);
  options.seed = seed ? *seed : std::random_device()();
  options.threads = absl::GetFlag(FLAGS_threads);
  for (const std::string& spec : absl::GetFlag(FLAGS_fault).values) {
    absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(spec);
    if (!rules.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--fault: ", rules.status().message()));
    }
    options.faults.insert(options.faults.end(), rules->begin(), rules->end());
  }
  options.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout).value;
  options.stall_cap = absl::GetFlag(FLAGS_stall_cap).value;
  options.verbose = absl::GetFlag(FLAGS_verbose);
  if (absl::Status valid = ValidateSimOptions(options); !valid.ok()) {
    return valid;
  }
  return options;
}

std::string SimUsage() {
  std::string out = R"(usage: tokenhub-sim [flags]

Simulates TokenHub's Seedance 2.0 video API (POST/GET
/api/v1/videos/generations) on HTTP/1.1 for tests, demos and benchmarks.
Prints "listening on http://HOST:PORT" on stdout once ready; logs go to
stderr. SIGINT/SIGTERM stop it (exit 0). See docs/SIMULATOR.md.

)";
  for (const FlagDoc& doc : kSimFlags) {
    AppendRow(*doc.value_name == '\0'
                  ? absl::StrCat("--", doc.name)
                  : absl::StrCat("--", doc.name, " ", doc.value_name),
              seedance::FlagOf(doc).Help(), out);
  }
  AppendRow("--help", "this text", out);
  absl::StrAppend(&out, "DUR is a duration such as 250ms, 2s, 1m.\n");
  return out;
}

}  // namespace tokenhub_sim
