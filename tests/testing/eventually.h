// Eventually: waits for a condition with a deadline (tests never sleep a
// fixed time to wait for something).
//
//   ASSERT_TRUE(Eventually([&] { return gateway->open_streams() == 0; }));
#ifndef SEEDANCE_TESTS_TESTING_EVENTUALLY_H_
#define SEEDANCE_TESTS_TESTING_EVENTUALLY_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace seedance::testing {

// True once `pred` holds, checking every millisecond; false if it still
// does not after `timeout`.
inline bool Eventually(const std::function<bool()>& pred,
                       absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_EVENTUALLY_H_
