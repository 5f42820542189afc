#include "server/gateway/ledger_jobs.h"

#include <cstdint>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/gateway/call_log.h"
#include "server/gateway/task_records.h"

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
  executor_.Run([this] {
    Sweep();  // first, so nothing past the window is resumed
    Resume();
  });
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

void LedgerJobs::Resume() {
  std::mt19937_64 random{std::random_device{}()};
  const int64_t spread_ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.resume_spread));
  std::uniform_int_distribution<int64_t> delay_ms(0, spread_ms);
  int64_t resumed = 0;
  int64_t waiting_for_owner = 0;
  int64_t after_row = 0;
  for (;;) {
    absl::StatusOr<std::vector<store::TaskRecord>> page =
        store_.ListUnfinished(after_row, 500);
    if (!page.ok()) {
      // Tasks not resumed now are resumed by their owners' next calls, or
      // by the next start.
      LogStoreFailure("resuming unfinished tasks", page.status());
      break;
    }
    if (page->empty()) break;
    for (const store::TaskRecord& record : *page) {
      after_row = record.row_id;
      if (options_.api_key.empty() || record.owner != options_.own_owner) {
        ++waiting_for_owner;
        continue;
      }
      registry_.Follow(TaskKey{options_.api_key, record.task_id},
                       SeedFromRecord(record),
                       absl::Milliseconds(delay_ms(random)));
      ++resumed;
    }
  }
  if (resumed > 0 || waiting_for_owner > 0) {
    LogNotice(absl::StrCat("resumed following ", resumed, " unfinished tasks; ",
                           waiting_for_owner,
                           " created with callers' own keys resume when "
                           "their owners call"));
  }
}

}  // namespace seedance::gateway
