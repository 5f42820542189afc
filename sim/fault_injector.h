// FaultInjector: the active fault rules, deciding for each request whether
// one fires. Rule counters and the RNG are seeded and advance only with the
// requests a rule matches, so a run with the same seed and the same request
// sequence fires the same faults.
#ifndef SEEDANCE_SIM_FAULT_INJECTOR_H_
#define SEEDANCE_SIM_FAULT_INJECTOR_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sim/fault_rule.h"

namespace tokenhub_sim {

class FaultInjector {
 public:
  explicit FaultInjector(uint64_t seed) : rng_(seed) {}

  void Add(FaultRule rule) ABSL_LOCKS_EXCLUDED(mu_);
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

  // Counts the request against every rule that matches it (method is kGet
  // or kPost, path kApi or kMedia) and returns the first rule that fires,
  // if any. Every matching rule advances, not just the first, so adding a
  // rule never shifts the sequence numbers of another.
  std::optional<FaultRule> Evaluate(FaultMethod method, FaultPath path)
      ABSL_LOCKS_EXCLUDED(mu_);

  // [{"spec":"503,rate=0.1","matched":N,"fired":N}, ...]
  std::string ListJson() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct ActiveRule {
    FaultRule rule;
    int64_t matched = 0;
    int64_t fired = 0;
  };

  mutable absl::Mutex mu_;
  std::vector<ActiveRule> rules_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_FAULT_INJECTOR_H_
