// ProcessUsage: a process's resident memory and CPU time read from /proc,
// so seedance-bench can report what the gateway costs (RSS per stream, CPU
// while streams sit idle) without instrumenting it.
#ifndef SEEDANCE_BENCH_PROCESS_USAGE_H_
#define SEEDANCE_BENCH_PROCESS_USAGE_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace seedance::bench {

struct ProcessUsage {
  int64_t rss_bytes = 0;                      // VmRSS
  int64_t peak_rss_bytes = 0;                 // VmHWM (high-water mark)
  absl::Duration cpu = absl::ZeroDuration();  // utime + stime
  absl::Time taken = absl::InfinitePast();    // when it was read
};

// Reads /proc/PID/status (VmRSS, VmHWM) and /proc/PID/stat (fields 14, 15).
absl::StatusOr<ProcessUsage> ReadProcessUsage(pid_t pid);

// CPU share of one core between two readings (1.0 = one core busy).
double CpuShare(const ProcessUsage& before, const ProcessUsage& after);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_PROCESS_USAGE_H_
