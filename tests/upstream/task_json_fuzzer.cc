// libFuzzer target: any bytes into the upstream reply parsers must give a
// definite answer and never crash. Built only with -DSEEDANCE_FUZZ=ON and
// clang:
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DSEEDANCE_FUZZ=ON
//   cmake --build build-fuzz --target task_json_fuzzer
//   build-fuzz/tests/upstream/task_json_fuzzer -max_total_time=60
#include <cstddef>
#include <cstdint>

#include "server/upstream/error_mapping.h"
#include "server/upstream/task_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  (void)seedance::upstream::ParseTaskJson(input);
  (void)seedance::upstream::ParseUpstreamError(input);
  (void)seedance::upstream::ParseRetryAfter(input, absl::UnixEpoch());
  (void)seedance::upstream::RedactSecrets(input);
  return 0;
}
