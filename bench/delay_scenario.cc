// Event-delay scenario; see delay_scenario.h.
#include "bench/delay_scenario.h"

#include "absl/strings/str_cat.h"

namespace seedance::bench {

absl::StatusOr<DelayResult> SummarizeDelays(const WatchExperimentResult& run,
                                            absl::Duration period) {
  if (run.delays_us.empty()) {
    return absl::InternalError("event delay: no transition was delivered");
  }
  std::vector<double> ms;
  ms.reserve(run.delays_us.size());
  for (double us : run.delays_us) ms.push_back(us / 1000.0);
  DelayResult result;
  result.delay_ms = Summarize(std::move(ms));
  result.period = period;
  result.target = period + absl::Milliseconds(20);
  result.transitions = static_cast<int64_t>(run.delays_us.size());
  result.gaps = run.gaps;
  return result;
}

}  // namespace seedance::bench
