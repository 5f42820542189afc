// tokenhub-sim's command line: flags to SimOptions, repeatable faults, and
// errors that name the flag.
#include "sim/sim_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace tokenhub_sim {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<SimOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "tokenhub-sim");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseSimFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(SimFlagsTest, DefaultsAreSimOptions) {
  auto o = Parse({});
  ASSERT_OK(o.status());
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 0);
  ASSERT_EQ(o->keys.size(), 1u);
  EXPECT_EQ(o->keys[0].key, SimOptions().keys[0].key);
  EXPECT_EQ(o->queued_for, absl::Seconds(1));
  EXPECT_TRUE(o->faults.empty());
  EXPECT_FALSE(o->verbose);
}

TEST(SimFlagsTest, EveryFlagSetsItsOption) {
  auto o =
      Parse({"--port", "8080", "--host=0.0.0.0", "--keys=ci=th-a,th-b",
             "--time-scale", "0.01", "--queued-for=2s", "--running-for=3s",
             "--seed=42", "--threads=2", "--fault", "503,method=GET,rate=0.1",
             "--fault=429,retry_after=2,seq=2-3", "--max-body-bytes=99",
             "--idle-timeout=5s", "--stall-cap=1s", "--verbose"});
  ASSERT_OK(o.status());
  EXPECT_EQ(o->port, 8080);
  EXPECT_EQ(o->host, "0.0.0.0");
  ASSERT_EQ(o->keys.size(), 2u);
  EXPECT_EQ(o->keys[0].label, "ci");
  EXPECT_EQ(o->keys[1].label, "k0");
  EXPECT_EQ(o->keys[1].key, "th-b");
  EXPECT_EQ(o->time_scale, 0.01);
  EXPECT_EQ(o->running_for, absl::Seconds(3));
  EXPECT_EQ(o->seed, 42u);
  EXPECT_EQ(o->threads, 2);
  EXPECT_EQ(o->faults.size(), 2u);  // one per --fault, commas and all
  EXPECT_EQ(o->max_body_bytes, 99u);
  EXPECT_EQ(o->idle_timeout, absl::Seconds(5));
  EXPECT_EQ(o->stall_cap, absl::Seconds(1));
  EXPECT_TRUE(o->verbose);

  // The next parse starts from the defaults again.
  o = Parse({});
  ASSERT_OK(o.status());
  EXPECT_TRUE(o->faults.empty());
  EXPECT_EQ(o->threads, 1);
}

TEST(SimFlagsTest, BadValuesNameTheFlag) {
  EXPECT_THAT(Parse({"--port", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--port: 'x' is not an integer")));
  EXPECT_THAT(Parse({"--keys", ","}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--keys: is empty")));
  EXPECT_THAT(
      Parse({"--fault", "teapot"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--fault: ")));
  EXPECT_THAT(Parse({"--queued-for=-1s"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--queued-for: must be a duration")));
  EXPECT_THAT(Parse({"--seed=-3"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("--seed")));
  EXPECT_THAT(Parse({"--threads", "0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("threads must be in 1..64")));
  EXPECT_THAT(Parse({"--bogus", "1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --bogus")));
  EXPECT_THAT(Parse({"--port"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("--port needs a value")));
}

TEST(SimFlagsTest, HelpListsEveryFlag) {
  std::string help = SimUsage();
  for (const char* row :
       {"  --port N              port to listen on", "  --keys LIST ",
        "  --fault SPEC ", "  --verbose ", "  --help "}) {
    EXPECT_THAT(help, HasSubstr(row));
  }
}

}  // namespace
}  // namespace tokenhub_sim
