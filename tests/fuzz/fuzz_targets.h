// Fuzz targets: each is a function from arbitrary bytes to "no crash, no
// hang, no broken invariant", compiled two ways (tests/fuzz/CMakeLists.txt):
// as a libFuzzer binary in the clang build (build-fuzz/, `./dev fuzz`) and
// inside fuzz_replay_test, which runs every seed and regression input
// through the same function in the ordinary and sanitizer builds.
//
//   create_request  a CreateVideoRequest in protobuf wire format, through
//                   everything CreateVideo does before the upstream call
//   upstream_reply  "<http status>\n<Retry-After>\n<body>" through the
//                   reply parsers and the error mapping
//   sim_http        raw HTTP/1.1 bytes through the simulator's Beast parser
//                   and its request handling (routing, validation, faults)
//   sim_text        one text through the simulator's pure parsers (fault
//                   specs, create bodies, Range headers)
//
// A broken invariant aborts with FUZZ_CHECK's message, so libFuzzer reports
// it as a crash and saves the input.
#ifndef SEEDANCE_TESTS_FUZZ_FUZZ_TARGETS_H_
#define SEEDANCE_TESTS_FUZZ_FUZZ_TARGETS_H_

#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace seedance::fuzz {

struct FuzzTarget {
  // Also the folder name under tests/fuzz/corpus/ and regressions/.
  const char* name;
  void (*run)(absl::string_view input);
};

// Every target, in a fixed order.
absl::Span<const FuzzTarget> AllFuzzTargets();

// The target called `name`, or nullptr.
const FuzzTarget* FindFuzzTarget(absl::string_view name);

void CreateRequestTarget(absl::string_view input);
void UpstreamReplyTarget(absl::string_view input);
void SimHttpTarget(absl::string_view input);
void SimTextTarget(absl::string_view input);

}  // namespace seedance::fuzz

// Aborts (a libFuzzer "crash") when `cond` is false.
#define FUZZ_CHECK(cond, what)                                        \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s (%s)\n", \
                   __FILE__, __LINE__, #cond, what);                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

#endif  // SEEDANCE_TESTS_FUZZ_FUZZ_TARGETS_H_
