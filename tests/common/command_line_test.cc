// ParseFlags (server/common/command_line.h) on flags of its own: the order
// flag > variable > default, the argument forms, repeatable flags, and
// errors naming what the user wrote.
#include "server/common/command_line.h"

#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

ABSL_FLAG(seedance::PositiveInt, cl_count, seedance::PositiveInt{3}, "count");
ABSL_FLAG(bool, cl_switch, true, "a switch on by default");
ABSL_FLAG(seedance::RepeatedText, cl_item, {}, "repeatable");
ABSL_FLAG(seedance::NonNegativeDuration, cl_wait,
          seedance::NonNegativeDuration{absl::Seconds(1)}, "a wait");

namespace seedance {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr FlagDoc kFlags[] = {
    {"cl-count", "CL_COUNT"},
    {"cl-switch", "CL_SWITCH"},
    {"cl-item", "CL_ITEM"},
    {"cl-wait", ""},
};

class CommandLineTest : public ::testing::Test {
 protected:
  absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "prog");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& a : args) argv.push_back(a.c_str());
    return ParseFlags(kFlags, static_cast<int>(argv.size()), argv.data(),
                      [this](const char* name) -> const char* {
                        auto it = env_.find(name);
                        return it == env_.end() ? nullptr : it->second.c_str();
                      });
  }
  std::map<std::string, std::string> env_;
};

TEST_F(CommandLineTest, FlagBeatsVariableBeatsDefault) {
  ASSERT_OK(Parse({}).status());
  EXPECT_EQ(absl::GetFlag(FLAGS_cl_count).value, 3);
  env_["CL_COUNT"] = "5";
  auto args = Parse({});
  ASSERT_OK(args.status());
  EXPECT_EQ(absl::GetFlag(FLAGS_cl_count).value, 5);
  EXPECT_TRUE(args->Given("cl-count"));
  ASSERT_OK(Parse({"--cl-count", "7"}).status());
  EXPECT_EQ(absl::GetFlag(FLAGS_cl_count).value, 7);
}

TEST_F(CommandLineTest, SwitchForms) {
  ASSERT_OK(Parse({"--no-cl-switch"}).status());
  EXPECT_FALSE(absl::GetFlag(FLAGS_cl_switch));
  ASSERT_OK(Parse({"--cl-switch=false"}).status());
  EXPECT_FALSE(absl::GetFlag(FLAGS_cl_switch));
  env_["CL_SWITCH"] = "no";
  ASSERT_OK(Parse({"--cl-switch"}).status());
  EXPECT_TRUE(absl::GetFlag(FLAGS_cl_switch));
  ASSERT_OK(Parse({}).status());
  EXPECT_FALSE(absl::GetFlag(FLAGS_cl_switch));
}

TEST_F(CommandLineTest, PositionalArgumentsAndDoubleDash) {
  auto args = Parse({"get", "--cl-count=2", "id-1", "--", "--cl-count=9"});
  ASSERT_OK(args.status());
  EXPECT_THAT(args->positional, ElementsAre("get", "id-1", "--cl-count=9"));
  EXPECT_EQ(absl::GetFlag(FLAGS_cl_count).value, 2);
}

TEST_F(CommandLineTest, RepeatedFlagsCollectAndReplaceTheirVariable) {
  env_["CL_ITEM"] = "from-env";
  ASSERT_OK(Parse({}).status());
  EXPECT_THAT(absl::GetFlag(FLAGS_cl_item).values, ElementsAre("from-env"));
  ASSERT_OK(Parse({"--cl-item=a,b", "--cl-item", "c"}).status());
  EXPECT_THAT(absl::GetFlag(FLAGS_cl_item).values, ElementsAre("a,b", "c"));
  EXPECT_THAT(Parse({"--cl-item=two\nlines"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cl-item: a value cannot hold a line")));
}

TEST_F(CommandLineTest, ErrorsNameWhatTheUserWrote) {
  EXPECT_THAT(Parse({"--cl-count=0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cl-count: must be a positive integer")));
  EXPECT_THAT(Parse({"--cl-wait=-2s"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cl-wait: must be a duration")));
  EXPECT_THAT(Parse({"--cl-switch=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cl-switch: must be true or false")));
  EXPECT_THAT(Parse({"--no-cl-count"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --no-cl-count")));
  EXPECT_THAT(Parse({"--cl-count"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cl-count needs a value")));
  env_["CL_COUNT"] = "lots";
  EXPECT_THAT(Parse({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("CL_COUNT: must be a positive")));
}

TEST(WrapTextTest, FoldsAtTheWidthWithTheIndent) {
  EXPECT_EQ(WrapText("aa bb cc", 2, 7), "aa bb\n  cc");
  EXPECT_EQ(WrapText("a-very-long-word x", 4, 8), "a-very-long-word\n    x");
}

}  // namespace
}  // namespace seedance
