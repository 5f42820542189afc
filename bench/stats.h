// Latency/delay summaries for seedance-bench: percentiles over a sample set.
// Kept free of I/O so tests/bench/stats_test.cc can check the arithmetic.
#ifndef SEEDANCE_BENCH_STATS_H_
#define SEEDANCE_BENCH_STATS_H_

#include <cstdint>
#include <vector>

namespace seedance::bench {

// Summary of samples in one unit (the caller's: µs for latencies).
struct Summary {
  int64_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  double mean = 0;
};

// Nearest-rank percentile (p in [0, 100]) of `sorted` (ascending): the
// smallest sample with at least p% of the samples at or below it. Nearest
// rank, not interpolation, so a p99 is always a delay someone really saw.
// Returns 0 for an empty set.
double Percentile(const std::vector<double>& sorted, double p);

// Sorts a copy and summarises it; an empty set gives all zeros.
Summary Summarize(std::vector<double> samples);

// The middle value (the mean of the two middle ones for an even count) of
// per-round figures: one disturbed round does not move it. 0 when empty.
double Median(std::vector<double> values);

// Summarize of microsecond samples, in milliseconds.
Summary SummarizeMillis(const std::vector<double>& micros);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_STATS_H_
