// LogThrottle: one line per source per interval, with a count of what was
// dropped; and libprotobuf's per-request UTF-8 line, throttled for real.
#include "server/gateway/log_throttle.h"

#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::gateway {
namespace {

using ::testing::HasSubstr;

TEST(LogThrottleTest, OneLinePerSourcePerIntervalWithTheDroppedCount) {
  LogThrottle throttle(absl::Seconds(10));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  int64_t suppressed = -1;
  EXPECT_TRUE(throttle.Admit("a.cc:1", t0, &suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_FALSE(throttle.Admit("a.cc:1", t0 + absl::Seconds(1), &suppressed));
  EXPECT_FALSE(throttle.Admit("a.cc:1", t0 + absl::Seconds(9), &suppressed));
  // Another source has its own budget.
  EXPECT_TRUE(throttle.Admit("b.cc:2", t0 + absl::Seconds(9), &suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_TRUE(throttle.Admit("a.cc:1", t0 + absl::Seconds(10), &suppressed));
  EXPECT_EQ(suppressed, 2);
  EXPECT_FALSE(throttle.Admit("a.cc:1", t0 + absl::Seconds(11), &suppressed));
  EXPECT_TRUE(throttle.Admit("a.cc:1", t0 + absl::Seconds(30), &suppressed));
  EXPECT_EQ(suppressed, 1);
}

TEST(LibraryLogThrottleTest, InvalidUtf8RequestsLogOneLineNotOneEach) {
  InstallLibraryLogThrottle(absl::Seconds(10));
  const std::string wire = std::string("\x0a\x03", 2) + "a\xff" + "b";
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) {
    v1::GetVideoRequest request;
    EXPECT_FALSE(request.ParseFromString(wire));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(err, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(line, HasSubstr("invalid UTF-8"));
    ++lines;
  }
  EXPECT_EQ(lines, 1) << err;
}

}  // namespace
}  // namespace seedance::gateway
