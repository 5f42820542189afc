// Parsing of tokenhub-sim's /_sim/stats as seedance-bench reads it
// (bench/sim_control.h): GETs per task and scripted transition instants.
#include "bench/sim_control.h"
#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

TEST(ParseSimStatsTest, ReadsGetsAndTransitions) {
  absl::StatusOr<SimSnapshot> snapshot = ParseSimStats(R"({
    "requests":12,"creates":2,"create_requests":3,"gets":7,
    "gets_by_task":{"cgt-a":4,"cgt-b":3},
    "tasks":{"cgt-a":{"key":"demo","status":"succeeded",
      "transitions":{"queued":1719900000000000,"running":1719900001000000,
                     "succeeded":1719900005000000}}}})");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->gets, 7);
  EXPECT_EQ(snapshot->create_requests, 3);
  EXPECT_EQ(snapshot->gets_by_task["cgt-a"], 4);
  EXPECT_EQ(snapshot->gets_by_task["cgt-b"], 3);
  EXPECT_EQ(snapshot->transitions["cgt-a"]["running"], 1719900001000000);
  EXPECT_EQ(snapshot->transitions["cgt-a"].size(), 3u);
}

TEST(ParseSimStatsTest, RejectsNonObjects) {
  EXPECT_FALSE(ParseSimStats("[1,2]").ok());
  EXPECT_FALSE(ParseSimStats("not json").ok());
}

}  // namespace
}  // namespace seedance::bench
