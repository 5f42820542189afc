#include "server/upstream/task_json.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/upstream/error_mapping.h"
#include "tests/testing/status_matchers.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::seedance::v1::Video;
using ::testing::HasSubstr;

constexpr char kSucceeded[] =
    R"({"id": "task-123", "object": "video.generation.task",
  "model": "doubao-seedance-2.0", "status": "succeeded", "created": 1719900000,
  "data": [{"video_url": "https://x.volces.com/out.mp4",
            "cover_image_url": "https://x.volces.com/cover.jpg"}],
  "usage": {"video_duration": 5.0004}, "brand_new_field": {"nested": [1, 2]}})";

TEST(ParseTaskJsonTest, SucceededFillsEveryField) {
  ASSERT_OK_AND_ASSIGN(Video v, ParseTaskJson(kSucceeded));
  EXPECT_EQ(v.id(), "task-123");
  EXPECT_EQ(v.model(), "doubao-seedance-2.0");
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_EQ(v.upstream_status(), "succeeded");
  EXPECT_EQ(v.create_time().seconds(), 1719900000);
  EXPECT_EQ(v.video_url(), "https://x.volces.com/out.mp4");
  EXPECT_EQ(v.cover_image_url(), "https://x.volces.com/cover.jpg");
  EXPECT_EQ(v.usage().video_duration().seconds(), 5);
  EXPECT_EQ(v.usage().video_duration().nanos(), 0);  // rounded to ms
  EXPECT_FALSE(v.has_error());
  EXPECT_FALSE(v.has_price());
  EXPECT_FALSE(v.has_update_time());
}

TEST(ParseTaskJsonTest, QueuedCreateReply) {
  ASSERT_OK_AND_ASSIGN(
      Video v,
      ParseTaskJson(
          R"({"id":"t1","object":"video.generation.task","model":"m","status":"queued","created":1})"));
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_QUEUED);
  EXPECT_TRUE(v.video_url().empty());
  EXPECT_FALSE(v.has_usage());
}

TEST(ParseTaskJsonTest, RunningAndUsageMilliseconds) {
  ASSERT_OK_AND_ASSIGN(
      Video v,
      ParseTaskJson(
          R"({"id":"t1","status":"running","usage":{"video_duration":4.2506}})"));
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_RUNNING);
  EXPECT_EQ(v.usage().video_duration().seconds(), 4);
  EXPECT_EQ(v.usage().video_duration().nanos(), 251'000'000);
}

TEST(ParseTaskJsonTest, FailedCarriesError) {
  ASSERT_OK_AND_ASSIGN(
      Video v,
      ParseTaskJson(
          R"({"id":"t1","status":"failed","error":{"message":"content policy","code":1301,"type":"policy"}})"));
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_FAILED);
  EXPECT_EQ(v.error().message(), "content policy");
  EXPECT_EQ(v.error().code(), "1301");
  EXPECT_EQ(v.error().type(), "policy");
}

TEST(ParseTaskJsonTest, UnknownStatusIsKeptRaw) {
  ASSERT_OK_AND_ASSIGN(Video v,
                       ParseTaskJson(R"({"id":"t1","status":"cancelling"})"));
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_UNKNOWN);
  EXPECT_EQ(v.upstream_status(), "cancelling");
}

TEST(ParseTaskJsonTest, MistypedOptionalFieldsAreIgnored) {
  ASSERT_OK_AND_ASSIGN(
      Video v,
      ParseTaskJson(
          R"({"id":"t1","status":"succeeded","model":7,"created":"yesterday",
          "data":"nope","usage":{"video_duration":"5"},"error":[1]})"));
  EXPECT_EQ(v.model(), "");
  EXPECT_FALSE(v.has_create_time());
  EXPECT_FALSE(v.has_usage());
  EXPECT_FALSE(v.has_error());
}

struct BadReplyCase {
  const char* name;
  const char* body;
  const char* message;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadReplyCase& c, std::ostream* os) { *os << c.name; }

class ParseTaskJsonBadReplyTest
    : public ::testing::TestWithParam<BadReplyCase> {};

TEST_P(ParseTaskJsonBadReplyTest, IsInternalBadReply) {
  absl::StatusOr<Video> v = ParseTaskJson(GetParam().body);
  EXPECT_THAT(
      v, StatusIs(absl::StatusCode::kInternal, HasSubstr(GetParam().message)));
  EXPECT_EQ(ErrorReason(v.status()), kReasonBadReply);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseTaskJsonBadReplyTest,
    ::testing::Values(
        BadReplyCase{"Empty", "", "not valid JSON"},
        BadReplyCase{"Truncated", R"({"id":"t1","sta)", "not valid JSON"},
        BadReplyCase{"Array", "[1,2]", "not a JSON object"},
        BadReplyCase{"MissingId", R"({"status":"queued"})", "no string \"id\""},
        BadReplyCase{"NumericId", R"({"id":12,"status":"queued"})",
                     "no string \"id\""},
        BadReplyCase{"PathInId", R"({"id":"../admin","status":"queued"})",
                     "malformed task"},
        BadReplyCase{"MissingStatus", R"({"id":"t1"})", "no string \"status\""},
        BadReplyCase{"NullStatus", R"({"id":"t1","status":null})",
                     "no string \"status\""},
        BadReplyCase{"InvalidUtf8", "{\"id\":\"t1\",\"status\":\"\xff\"}",
                     "not valid JSON"},
        BadReplyCase{"TrailingGarbage", R"({"id":"t1","status":"queued"} x)",
                     "not valid JSON"}),
    [](const auto& tc) { return tc.param.name; });

TEST(ParseTaskJsonTest, DeepNestingDoesNotOverflowTheStack) {
  std::string deep =
      "{\"id\":\"t\",\"status\":\"queued\",\"x\":" + std::string(200000, '[') +
      std::string(200000, ']') + "}";
  EXPECT_OK(ParseTaskJson(deep));
  EXPECT_THAT(
      ParseTaskJson(std::string(100000, '[')),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("not valid JSON")));
}

TEST(ParseUpstreamErrorTest, OpenAiStyle) {
  UpstreamErrorBody e = ParseUpstreamError(
      R"({"error":{"message":"Rate limit","type":"rate_limit","code":"too_many"}})");
  EXPECT_EQ(e.message, "Rate limit");
  EXPECT_EQ(e.type, "rate_limit");
  EXPECT_EQ(e.code, "too_many");
}

TEST(ParseUpstreamErrorTest, OtherShapes) {
  EXPECT_EQ(ParseUpstreamErrorMessage(R"({"error":"plain"})"), "plain");
  EXPECT_EQ(ParseUpstreamErrorMessage(R"({"message":"top"})"), "top");
  EXPECT_EQ(ParseUpstreamErrorMessage(R"({"error":{"code":5}})"), "");
  EXPECT_EQ(ParseUpstreamErrorMessage("Service Unavailable"),
            "Service Unavailable");
  EXPECT_EQ(ParseUpstreamErrorMessage(""), "");
}

TEST(ParseUpstreamErrorTest, HugeMessageIsTruncatedOnACharacterBoundary) {
  std::string big(10000, 'a');
  big[kMaxUpstreamMessageBytes - 1] = '\xc3';  // "é" straddling the cut
  big[kMaxUpstreamMessageBytes] = '\xa9';
  std::string m =
      ParseUpstreamErrorMessage(R"({"error":{"message":")" + big + "\"}}");
  EXPECT_LE(m.size(), kMaxUpstreamMessageBytes + 3);
  EXPECT_EQ(m.substr(m.size() - 4), "a...");
}

// Robustness: thousands of random and mutated inputs never crash and
// always give a definite answer.
TEST(ParseTaskJsonRobustnessTest, RandomAndMutatedBytesNeverCrash) {
  std::mt19937_64 random(42);
  const std::string seeds[] = {
      kSucceeded, R"({"id":"t","status":"failed","error":{"message":"m"}})",
      R"({"error":{"message":"x","type":"y","code":3}})"};
  constexpr char kAlphabet[] = "{}[]\":,0123456789.eE+-truefalsnul \\u\xff\x00";
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string input = seeds[i % 3];
    int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      size_t at = random() % input.size();
      char c = kAlphabet[random() % (sizeof(kAlphabet) - 1)];
      switch (random() % 3) {
        case 0:
          input[at] = c;
          break;
        case 1:
          input.insert(at, 1, c);
          break;
        default:
          input.erase(at, 1 + random() % 4);
          break;
      }
    }
    if (i % 10 == 0) {  // pure noise too
      input.resize(random() % 64);
      for (char& c : input) c = static_cast<char>(random());
    }
    parsed += ParseTaskJson(input).ok();
    ParseUpstreamErrorMessage(input);
  }
  EXPECT_GT(parsed, 0);  // mutations that keep the JSON valid still parse
}

}  // namespace
}  // namespace seedance::upstream
