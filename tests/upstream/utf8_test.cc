// Upstream text is made valid UTF-8 before it reaches a proto3 string: what
// is valid stays as it is, each bad byte becomes U+FFFD, and an error whose
// body carries a lone surrogate still gives callers readable details (the
// case the upstream_reply fuzzer found).
#include "server/upstream/utf8.h"

#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/upstream/error_mapping.h"

namespace seedance::upstream {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

struct Case {
  const char* name;
  std::string in;
  std::string out;
};

class ToValidUtf8Test : public ::testing::TestWithParam<Case> {};

TEST_P(ToValidUtf8Test, RepairsOnlyWhatIsIllFormed) {
  EXPECT_EQ(ToValidUtf8(GetParam().in), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ToValidUtf8Test,
    ::testing::Values(
        Case{"Ascii", "queued", "queued"}, Case{"Empty", "", ""},
        Case{"TwoThreeFourBytes", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xAC",
             "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xAC"},
        Case{"LoneLowSurrogateAsRapidJsonWritesIt", "a\xED\xB8\x80z",
             "a" + kFffd + kFffd + kFffd + "z"},
        Case{"HighSurrogate", "\xED\xA0\x80", kFffd + kFffd + kFffd},
        Case{"StrayContinuation", "ok\x80", "ok" + kFffd},
        Case{"OverlongSlash", "\xC0\xAF", kFffd + kFffd},
        Case{"OverlongThreeBytes", "\xE0\x80\xAF", kFffd + kFffd + kFffd},
        Case{"PastU10FFFF", "\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},
        Case{"CutShortAtTheEnd", "ab\xE2\x82", "ab" + kFffd + kFffd},
        Case{"InvalidByteFF", "\xFF", kFffd}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ToValidUtf8Test, ErrorWithALoneSurrogateKeepsReadableDetails) {
  // JSON "\ude00" is a lone low surrogate; the parser makes it ED B8 80.
  absl::Status status = MapHttpError(
      401, R"({"error":{"message":"bad \ude00 key","code":"in\ude00 y"}})",
      /*response_for_headers=*/nullptr, absl::Now());
  std::string reason = ErrorReason(status);
  EXPECT_EQ(reason, "UPSTREAM_HTTP_401");
  auto info = GetDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("upstream_code"),
            "in" + kFffd + kFffd + kFffd + " y");
  EXPECT_EQ(ToValidUtf8(status.message()), std::string(status.message()));
}

}  // namespace
}  // namespace seedance::upstream
