#include "server/gateway/call_log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace seedance::gateway {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CallLogTest, OneParseableLinePerCall) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-42", absl::NotFoundError("no such task"),
          absl::Milliseconds(12), "ipv4:127.0.0.1:5000");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, AllOf(HasSubstr("call=GetVideo"), HasSubstr("id=cgt-42"),
                         HasSubstr("code=NOT_FOUND"), HasSubstr("ms=12"),
                         HasSubstr("error=\"no such task\"")));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(CallLogTest, AKeyThatSlipsIntoAMessageIsRedacted) {
  ::testing::internal::CaptureStderr();
  LogUpstreamFailure("poll", "cgt-42",
                     absl::UnauthenticatedError(
                         "upstream said: bad key th-abcdefghijklmnop1234"));
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, AllOf(HasSubstr("upstream_failure=poll"),
                         Not(HasSubstr("th-abcdefghijklmnop1234"))));
}

// Keys glued to other text (after `=`, a letter or a digit) and task ids
// that carry a key are redacted in every field of every kind of line.
TEST(CallLogTest, KeysAnywhereInAnyFieldAreRedacted) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "th-0ther5ecretKey99", absl::OkStatus(),
          absl::Milliseconds(1), "ipv4:127.0.0.1:5000");
  LogCall("CreateVideo", "cgt-th-0ther5ecretKey99",
          absl::UnauthenticatedError("code=codeth-0ther5ecretKey99"),
          absl::Milliseconds(1), "peer");
  LogUpstreamFailure("poll", "cgt-1",
                     absl::UnavailableError("status 42th-0ther5ecretKey99"));
  LogUpstreamFailure("poll th-0ther5ecretKey99", "x", absl::OkStatus());
  LogNotice("Authorization:Bearer th-0ther5ecretKey99");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("0ther5ecret"))) << out;
  EXPECT_THAT(out, HasSubstr("[redacted]"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5);
}

TEST(CallLogTest, CallLinesCanBeTurnedOffButFailuresStay) {
  SetCallLogging(false);
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-1", absl::OkStatus(), absl::ZeroDuration(), "p");
  LogUpstreamFailure("poll", "cgt-1", absl::UnavailableError("down"));
  std::string out = ::testing::internal::GetCapturedStderr();
  SetCallLogging(true);
  EXPECT_THAT(out,
              AllOf(Not(HasSubstr("call=")), HasSubstr("upstream_failure")));
}

}  // namespace
}  // namespace seedance::gateway
