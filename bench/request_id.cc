// Request ids; see request_id.h.
#include "bench/request_id.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace seedance::bench {

std::string NewRequestId(std::mt19937_64& random) {
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};      // version 4
  low = (low & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // variant 10
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48,
                         low & uint64_t{0xFFFFFFFFFFFF});
}

}  // namespace seedance::bench
