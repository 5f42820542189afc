// RSS scenario; see create_rss_scenario.h.
#include "bench/create_rss_scenario.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "bench/grpc_creates.h"
#include "bench/process_usage.h"
#include "bench/scratch_dir.h"
#include "bench/store_create_scenario.h"
#include "bench/store_variants.h"

namespace seedance::bench {
namespace {

// Quiet: no more CPU over a whole window of several polling periods than
// the fresh gateway used before any create (plus 2 % of a core), i.e. no
// follower is polling any more. Sanitizer builds idle higher, hence the
// baseline rather than a fixed share.
constexpr double kQuietMargin = 0.02;

absl::Duration QuietWindow(absl::Duration period) {
  return std::max(absl::Seconds(1), 5 * period);
}

// The CPU share of `pid` over one window.
absl::StatusOr<double> CpuShareOver(pid_t pid, absl::Duration window) {
  absl::StatusOr<ProcessUsage> before = ReadProcessUsage(pid);
  if (!before.ok()) return before.status();
  absl::SleepFor(window);
  absl::StatusOr<ProcessUsage> after = ReadProcessUsage(pid);
  if (!after.ok()) return after.status();
  return CpuShare(*before, *after);
}

// Waits until the gateway is quiet; returns how long that took. The
// window is a measuring interval, not a guess at how long followers need:
// the wait ends on the condition or at `limit`.
absl::StatusOr<absl::Duration> WaitQuiet(pid_t gateway, double idle_share,
                                         absl::Duration period,
                                         absl::Duration limit) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < limit) {
    absl::StatusOr<double> share = CpuShareOver(gateway, QuietWindow(period));
    if (!share.ok()) return share.status();
    if (*share <= idle_share + kQuietMargin) return absl::Now() - start;
  }
  return absl::DeadlineExceededError(absl::StrCat("the gateway was still busy ",
                                                  absl::FormatDuration(limit),
                                                  " after the creates"));
}

absl::StatusOr<CreateRssFigures> MeasureOne(const BenchEnv& env,
                                            const CreateRssOptions& options,
                                            const StoreVariant& variant) {
  absl::StatusOr<std::unique_ptr<GatewayProcess>> gateway = env.StartGateway(
      variant.spec,
      {absl::StrCat("--poll-unwatched=",
                    absl::ToInt64Milliseconds(env.poll_period()), "ms")},
      absl::StrCat("seedance-gateway-rss-", variant.name, ".log"));
  if (!gateway.ok()) return gateway.status();
  absl::StatusOr<double> idle_share =
      CpuShareOver((*gateway)->pid(), QuietWindow(env.poll_period()));
  if (!idle_share.ok()) return idle_share.status();
  absl::StatusOr<ProcessUsage> start = ReadProcessUsage((*gateway)->pid());
  if (!start.ok()) return start.status();

  GrpcCreateOptions loop;
  loop.prompt = kFastTaskPrompt;
  loop.concurrency = options.concurrency;
  loop.max_count = options.creates;
  loop.request_ids = options.request_ids && variant.name != "none";
  absl::StatusOr<GrpcCreateResult> created = RunGrpcCreates(**gateway, loop);
  if (!created.ok()) return created.status();

  CreateRssFigures figures;
  figures.name = variant.name;
  figures.spec = variant.spec;
  figures.creates = static_cast<int64_t>(created->loop.latencies_us.size());
  figures.errors = created->loop.errors;
  figures.first_error = created->first_error;
  figures.create_time = created->loop.elapsed;
  if (figures.creates == 0) {
    return absl::InternalError(
        absl::StrCat("no create succeeded with --store=", variant.name, ": ",
                     created->first_error));
  }
  absl::StatusOr<absl::Duration> settled = WaitQuiet(
      (*gateway)->pid(), *idle_share, env.poll_period(), options.settle_limit);
  if (!settled.ok()) return settled.status();
  figures.settle_time = *settled;
  absl::StatusOr<ProcessUsage> after = ReadProcessUsage((*gateway)->pid());
  if (!after.ok()) return after.status();
  figures.rss_start = start->rss_bytes;
  figures.rss_after = after->rss_bytes;
  figures.rss_peak = after->peak_rss_bytes;
  figures.bytes_per_create =
      static_cast<double>(figures.rss_after - figures.rss_start) /
      static_cast<double>(figures.creates);
  if (absl::Status stopped = (*gateway)->Stop(); !stopped.ok()) {
    return stopped;
  }
  return figures;
}

}  // namespace

absl::StatusOr<CreateRssResult> RunCreateRss(const BenchEnv& env,
                                             const CreateRssOptions& options) {
  absl::StatusOr<std::unique_ptr<ScratchDir>> scratch =
      ScratchDir::Create(options.scratch_parent);
  if (!scratch.ok()) return scratch.status();
  CreateRssResult result;
  result.creates = options.creates;
  for (const StoreVariant& variant :
       StoreVariants((*scratch)->path(), ProcessEnvironment())) {
    // The in-memory baseline and the embedded default; PostgreSQL keeps
    // its data in its own process.
    if (variant.name != "none" && variant.name != "sqlite") continue;
    absl::StatusOr<CreateRssFigures> figures =
        MeasureOne(env, options, variant);
    if (!figures.ok()) {
      return absl::Status(figures.status().code(),
                          absl::StrCat("RSS with --store=", variant.name, ": ",
                                       figures.status().message()));
    }
    result.stores.push_back(*std::move(figures));
  }
  return result;
}

}  // namespace seedance::bench
