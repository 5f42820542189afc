// The libFuzzer entry point of one target, chosen at compile time by
// SEEDANCE_FUZZ_TARGET (its name), so each fuzzer binary runs one target.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const seedance::fuzz::FuzzTarget* const target = [] {
    const seedance::fuzz::FuzzTarget* found =
        seedance::fuzz::FindFuzzTarget(SEEDANCE_FUZZ_TARGET);
    if (found == nullptr) {
      std::fprintf(stderr, "no fuzz target %s\n", SEEDANCE_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  target->run(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
