// TakeCapturedStderr: ends ::testing::internal::CaptureStderr() and returns
// what was written, like GetCapturedStderr(), but first copies it to the real
// stderr when a sanitizer wrote into it.
//
// A sanitizer writes its report to stderr when the bad access happens. In a
// test that captures stderr for the gateway's whole life that report lands in
// the capture and is thrown away with it; the process still exits non-zero
// ("ThreadSanitizer: reported 1 warnings"), and nobody can see why.
//
//   ::testing::internal::CaptureStderr();
//   ... run the gateway ...
//   const std::string log = TakeCapturedStderr();
#ifndef SEEDANCE_TESTS_TESTING_CAPTURED_STDERR_H_
#define SEEDANCE_TESTS_TESTING_CAPTURED_STDERR_H_

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace seedance::testing {

inline std::string TakeCapturedStderr() {
  std::string text = ::testing::internal::GetCapturedStderr();
  if (absl::StrContains(text, "Sanitizer") ||
      absl::StrContains(text, "runtime error:")) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }
  return text;
}

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_CAPTURED_STDERR_H_
