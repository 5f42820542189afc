// A create is sent to the upstream at most once, whatever the upstream does
// to it: for every simulator fault kind, sequentially on a kept-alive
// connection and concurrently, the simulator's POST count equals the POSTs
// the client handed its transport. (libcurl 7.88 silently resends a request
// whose reused connection dies before any reply byte; see docs/UPSTREAM.md.)
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/sim_fault_kinds.h"
#include "tests/testing/status_matchers.h"
#include "tests/upstream/sim_fixture.h"

namespace seedance::upstream {
namespace {

using ::seedance::upstream::testing::kTestTimeout;
using ::seedance::upstream::testing::MinimalRequest;
using ::seedance::upstream::testing::SimFixture;

using ::seedance::testing::kCreateFaultKinds;

class CreateOnceTest : public SimFixture,
                       public ::testing::WithParamInterface<const char*> {
 protected:
  // Stalls last until the call gives up: keep that short.
  CallOptions Options() const {
    CallOptions options;
    options.deadline = absl::Now() + (absl::StartsWith(GetParam(), "stall")
                                          ? absl::Seconds(1)
                                          : kTestTimeout / 2);
    return options;
  }

  // Starts `n` creates at once and waits for all of their callbacks.
  // Returns how many timed out (those may have timed out before leaving).
  int CreateConcurrently(int n) {
    absl::Mutex mu;
    int done = 0;
    int timed_out = 0;
    for (int i = 0; i < n; ++i) {
      seedance::v1::CreateVideoRequest request = MinimalRequest();
      request.set_prompt(absl::StrCat("concurrent create ", i));
      client_->CreateVideo(
          request, Options(),
          [&](const absl::StatusOr<seedance::v1::Video>& v) {
            absl::MutexLock lock(&mu);
            ++done;
            if (v.status().code() == absl::StatusCode::kDeadlineExceeded) {
              ++timed_out;
            }
          });
    }
    auto all_done = [&]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return done == n; };
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all_done), kTestTimeout))
        << done << " of " << n << " creates answered";
    return timed_out;
  }
};

TEST_P(CreateOnceTest, SequentialCreatesOnAKeptAliveConnectionAreSentOnce) {
  // The 3rd and 5th POSTs meet the fault: by then the connection has carried
  // earlier creates, which is when curl would resend.
  ASSERT_OK(sim_->AddFaults(absl::StrCat(GetParam(), ",method=POST,seq=3+5")));
  for (int i = 0; i < 6; ++i) {
    (void)Create(absl::StrCat("sequential create ", i), Options());
  }
  auto stats = sim_->stats();
  EXPECT_EQ(counting_->posts(), 6);
  EXPECT_EQ(stats.create_requests, counting_->posts());
}

TEST_P(CreateOnceTest, ConcurrentCreatesAreSentOnce) {
  ASSERT_OK(sim_->AddFaults(absl::StrCat(GetParam(), ",method=POST,rate=0.3")));
  int timed_out = CreateConcurrently(12);  // warms several connections
  timed_out += CreateConcurrently(12);     // which these would reuse
  // Never more than once. Exactly once unless some calls timed out: stalls
  // (or a slow build) tie up the simulator's threads, and a create can time
  // out waiting for a connection, before it leaves.
  EXPECT_LE(sim_->stats().create_requests, counting_->posts());
  if (timed_out == 0) {
    EXPECT_EQ(sim_->stats().create_requests, counting_->posts());
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryFaultKind, CreateOnceTest, ::testing::ValuesIn(kCreateFaultKinds),
    [](const ::testing::TestParamInfo<const char*>& p) {
      std::string name;
      for (char c : std::string(p.param)) {
        if (c == ',' || c == '=') break;
        name.push_back(
            absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
      }
      return absl::StrCat("k", name);
    });

}  // namespace
}  // namespace seedance::upstream
