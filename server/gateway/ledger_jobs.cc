#include "server/gateway/ledger_jobs.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {

LedgerJobs::LedgerJobs(const LedgerJobsOptions& options,
                       store::TaskStore& store, Executor& store_executor,
                       PollerRegistry& registry, Scheduler& scheduler)
    : options_(options),
      store_(store),
      executor_(store_executor),
      registry_(registry),
      scheduler_(scheduler) {}

void LedgerJobs::Start() {
  // First, so that nothing past the window is claimed and followed again.
  executor_.Run([this] { Sweep(); });
  ScheduleSweep();
}

void LedgerJobs::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  if (timer_ != 0) scheduler_.Cancel(timer_);
  timer_ = 0;
}

void LedgerJobs::ScheduleSweep() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  timer_ = scheduler_.RunAfter(options_.sweep_every, [this] {
    executor_.Run([this] { Sweep(); });
    ScheduleSweep();
  });
}

void LedgerJobs::Sweep() {
  absl::StatusOr<int64_t> expired =
      store_.ExpireBefore(scheduler_.Now() - options_.track_for);
  if (!expired.ok()) {
    LogStoreFailure("expiring old tasks", expired.status());
  } else if (*expired > 0) {
    LogNotice(absl::StrCat("marked ", *expired,
                           " unfinished tasks expired (older than "
                           "--track-for)"));
  }
}

}  // namespace seedance::gateway
