// seedance-bench's command line (bench/bench_options.h): defaults, --quick,
// explicit sizes overriding --quick, and loud errors.
#include "bench/bench_options.h"

#include <utility>
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

TEST(BenchOptionsTest, StoreScenariosRunByDefaultAtFullSize) {
  absl::StatusOr<BenchOptions> options = Parse({});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->Runs("create-store") && options->Runs("create-rss"));
  EXPECT_EQ(options->store_create.duration, absl::Seconds(10));
  EXPECT_EQ(options->store_create.rounds, 5);
  EXPECT_TRUE(options->store_create.request_ids);
  EXPECT_EQ(options->create_rss.creates, 100000);
  // The other scenarios keep measuring the in-memory gateway.
  EXPECT_EQ(options->env.store, "none");
}

TEST(BenchOptionsTest, FleetRunsByDefaultAtFullSizeAndQuickShrinksIt) {
  absl::StatusOr<BenchOptions> full = Parse({});
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->Runs("fleet"));
  EXPECT_EQ(full->fleet.replicas, 3);
  EXPECT_EQ(full->fleet.tasks, 100);
  EXPECT_EQ(full->fleet.lease_ttl, absl::Seconds(10));
  absl::StatusOr<BenchOptions> quick = Parse({"--quick", "--scenario=fleet"});
  ASSERT_TRUE(quick.ok());
  EXPECT_TRUE(quick->Runs("fleet"));
  EXPECT_FALSE(quick->Runs("fanout"));
  EXPECT_LT(quick->fleet.tasks, 10);
  EXPECT_LT(quick->fleet.lease_ttl, absl::Seconds(10));
}

TEST(BenchOptionsTest, StoreFlagsReachTheirScenarios) {
  absl::StatusOr<BenchOptions> options =
      Parse({"--scenario=create-store,create-rss", "--store-duration", "3s",
             "--store-rounds=3", "--rss-creates", "5000", "--concurrency=16",
             "--scratch-dir", "/var/tmp", "--no-request-ids", "--store",
             "sqlite:/var/tmp/main.db"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->Runs("create"));
  EXPECT_TRUE(options->Runs("create-store") && options->Runs("create-rss"));
  EXPECT_EQ(options->store_create.duration, absl::Seconds(3));
  EXPECT_EQ(options->store_create.rounds, 3);
  EXPECT_EQ(options->create_rss.creates, 5000);
  EXPECT_EQ(options->store_create.concurrency, 16);
  EXPECT_EQ(options->create_rss.concurrency, 16);
  EXPECT_EQ(options->store_create.scratch_parent, "/var/tmp");
  EXPECT_EQ(options->create_rss.scratch_parent, "/var/tmp");
  EXPECT_FALSE(options->store_create.request_ids);
  EXPECT_FALSE(options->create_rss.request_ids);
  EXPECT_EQ(options->env.store, "sqlite:/var/tmp/main.db");
}

TEST(BenchOptionsTest, QuickShrinksTheStoreScenarios) {
  absl::StatusOr<BenchOptions> options = Parse({"--quick"});
  ASSERT_TRUE(options.ok());
  EXPECT_LT(options->store_create.duration, absl::Seconds(10));
  EXPECT_LT(options->create_rss.creates, 100000);
  EXPECT_EQ(Parse({"--quick", "--rss-creates=300"})->create_rss.creates, 300);
}

TEST(BenchOptionsTest, StoreWithAPasswordIsRefusedWithoutEchoingIt) {
  for (const char* spec : {"postgresql://bench:hunter2@localhost/db",
                           "postgresql://localhost/db?password=hunter2"}) {
    absl::StatusOr<BenchOptions> options = Parse({"--store", spec});
    ASSERT_FALSE(options.ok()) << spec;
    EXPECT_EQ(options.status().message().find("hunter2"),
              absl::string_view::npos)
        << options.status();
  }
  EXPECT_TRUE(Parse({"--store=postgresql://bench@localhost:5433/db"}).ok());
}

TEST(BenchOptionsTest, BadInputIsAnError) {
  EXPECT_FALSE(Parse({"--scenario", "nope"}).ok());
  EXPECT_FALSE(Parse({"--watchers", "-3"}).ok());
  EXPECT_FALSE(Parse({"--duration", "soon"}).ok());
  EXPECT_FALSE(Parse({"--frobnicate"}).ok());
  EXPECT_FALSE(Parse({"--tasks"}).ok());
  EXPECT_FALSE(Parse({"--server-env", "NOEQUALS"}).ok());
  EXPECT_FALSE(Parse({"--store-rounds", "0"}).ok());
  EXPECT_FALSE(Parse({"--rss-creates", "many"}).ok());
  EXPECT_FALSE(Parse({"--store-duration", "-1s"}).ok());
  EXPECT_FALSE(Parse({"--store="}).ok());
  EXPECT_FALSE(Parse({"--scenario", "create-stores"}).ok());
}

TEST(BenchOptionsTest, ErrorsNameTheFlag) {
  const std::pair<const char*, const char*> cases[] = {
      {"--watchers=-3", "--watchers: must be a positive integer"},
      {"--duration=soon", "--duration: must be a positive duration"},
      {"--store-rounds=0", "--store-rounds: must be a positive integer"},
      {"--rss-creates=many", "--rss-creates: 'many' is not an integer"},
      {"--rss-creates=0", "--rss-creates: must be a positive integer"},
      {"--server-env=NOEQUALS", "--server-env: wants NAME=VALUE"},
      {"--scenario=nope", "--scenario: unknown scenario nope"},
      {"--delay-spread=-1s", "--delay-spread: must be a duration"},
      {"--tasks", "--tasks needs a value"},
      {"--frobnicate", "unknown flag --frobnicate"},
  };
  for (const auto& [arg, message] : cases) {
    absl::StatusOr<BenchOptions> options = Parse({arg});
    ASSERT_FALSE(options.ok()) << arg;
    EXPECT_NE(options.status().message().find(message), absl::string_view::npos)
        << arg << ": " << options.status();
  }
}

TEST(BenchOptionsTest, EachParseStartsFromTheDefaults) {
  ASSERT_TRUE(Parse({"--quick", "--watchers=7", "--scenario=sse",
                     "--server-env=A=1", "--no-request-ids"})
                  .ok());
  absl::StatusOr<BenchOptions> options = Parse({});
  ASSERT_TRUE(options.ok());
  EXPECT_FALSE(options->quick);
  EXPECT_EQ(options->fanout.watchers, 10000);
  EXPECT_TRUE(options->Runs("fanout"));
  EXPECT_TRUE(options->env.server_env.empty());
  EXPECT_TRUE(options->store_create.request_ids);
  EXPECT_TRUE(Parse({"--help"})->help);
}

}  // namespace
}  // namespace seedance::bench
