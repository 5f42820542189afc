// Seeds for the jittered policies. Every poller and every call clones a
// policy, so seeding must be cheap: std::random_device is read once per
// process, and each clone takes the next value of a splitmix64 sequence from
// there (distinct clones never jitter in lockstep). A non-zero seed is
// used as given, so tests can replay a sequence.
#ifndef SEEDANCE_SERVER_UPSTREAM_POLICY_SEED_H_
#define SEEDANCE_SERVER_UPSTREAM_POLICY_SEED_H_

#include <atomic>
#include <cstdint>
#include <random>

namespace seedance::upstream {

inline uint64_t SeedOrRandom(uint64_t seed) {
  if (seed != 0) return seed;
  static const uint64_t base = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<uint64_t> counter{0};
  // splitmix64 of (base + n * golden ratio).
  uint64_t z = base + (counter.fetch_add(1, std::memory_order_relaxed) + 1) *
                          0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_POLICY_SEED_H_
