// ValidateWatchRequest's heartbeat_interval rules, at the edge values that
// once overflowed the nanosecond conversion.
#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/video_service.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::testing::HasSubstr;

struct HeartbeatCase {
  std::string name;
  int64_t seconds;
  int32_t nanos;
  std::string description;  // "" : accepted
};

class HeartbeatIntervalTest : public ::testing::TestWithParam<HeartbeatCase> {};

TEST_P(HeartbeatIntervalTest, IsCheckedBeforeConversion) {
  v1::WatchVideoRequest request;
  request.set_id("cgt-1");
  request.mutable_heartbeat_interval()->set_seconds(GetParam().seconds);
  request.mutable_heartbeat_interval()->set_nanos(GetParam().nanos);
  absl::Status s = ValidateWatchRequest(request);
  if (GetParam().description.empty()) {
    EXPECT_OK(s);
    return;
  }
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("heartbeat_interval"));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "heartbeat_interval");
  EXPECT_THAT(bad->field_violations(0).description(),
              HasSubstr(GetParam().description));
}

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

INSTANTIATE_TEST_SUITE_P(
    EdgeValues, HeartbeatIntervalTest,
    ::testing::Values(
        HeartbeatCase{"Zero", 0, 0, ""}, HeartbeatCase{"OneSecond", 1, 0, ""},
        HeartbeatCase{"OneHour", 3600, 0, ""},
        HeartbeatCase{"JustUnderOneSecond", 0, 999'999'999, "from 1s to 1h"},
        HeartbeatCase{"JustOverOneHour", 3600, 1, "from 1s to 1h"},
        HeartbeatCase{"SecondsInt64Min", kInt64Min, 0, "must not be negative"},
        HeartbeatCase{"SecondsInt64Max", kInt64Max, 0, "at most"},
        HeartbeatCase{"Seconds2Pow55", int64_t{1} << 55, 0, "at most"},
        HeartbeatCase{"NegativeSeconds", -5, 0, "must not be negative"},
        HeartbeatCase{"NegativeNanos", 0, -1, "must not be negative"},
        HeartbeatCase{"Nanos2e9", 0, 2'000'000'000,
                      "nanos must be below 1000000000"},
        HeartbeatCase{"Nanos1e9", 5, 1'000'000'000,
                      "nanos must be below 1000000000"}),
    [](const auto& tc) { return tc.param.name; });

}  // namespace
}  // namespace seedance::gateway
