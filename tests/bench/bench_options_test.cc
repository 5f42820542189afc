// seedance-bench's command line (bench/bench_options.h): defaults, --quick,
// explicit sizes overriding --quick, and loud errors.
#include "bench/bench_options.h"

#include <vector>

#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

absl::StatusOr<BenchOptions> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "seedance-bench");
  return ParseBenchOptions(static_cast<int>(args.size()), args.data());
}

TEST(BenchOptionsTest, DefaultsRunEveryScenarioAtFullSize) {
  absl::StatusOr<BenchOptions> options = Parse({});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->Runs("fanout") && options->Runs("delay") &&
              options->Runs("capacity") && options->Runs("create"));
  EXPECT_EQ(options->fanout.watchers, 10000);
  EXPECT_EQ(options->capacity.streams, 10000);
}

TEST(BenchOptionsTest, ExplicitSizesBeatQuickWhereverTheyAre) {
  absl::StatusOr<BenchOptions> options = Parse(
      {"--streams=700", "--quick", "--scenario", "capacity,create", "--json"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->quick);
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->capacity.streams, 700);
  EXPECT_EQ(options->fanout.watchers, 200);
  EXPECT_FALSE(options->Runs("fanout"));
  EXPECT_TRUE(options->Runs("create"));
}

TEST(BenchOptionsTest, DelaySpreadRunIsOnByDefaultAndZeroSkipsIt) {
  EXPECT_EQ(Parse({})->fanout.delay_spread, absl::Seconds(1));
  EXPECT_EQ(Parse({"--delay-spread=2s"})->fanout.delay_spread,
            absl::Seconds(2));
  EXPECT_EQ(Parse({"--delay-spread", "0"})->fanout.delay_spread,
            absl::ZeroDuration());
  EXPECT_FALSE(Parse({"--delay-spread=-1s"}).ok());
}

TEST(BenchOptionsTest, BadInputIsAnError) {
  EXPECT_FALSE(Parse({"--scenario", "nope"}).ok());
  EXPECT_FALSE(Parse({"--watchers", "-3"}).ok());
  EXPECT_FALSE(Parse({"--duration", "soon"}).ok());
  EXPECT_FALSE(Parse({"--frobnicate"}).ok());
  EXPECT_FALSE(Parse({"--tasks"}).ok());
  EXPECT_FALSE(Parse({"--server-env", "NOEQUALS"}).ok());
}

}  // namespace
}  // namespace seedance::bench
