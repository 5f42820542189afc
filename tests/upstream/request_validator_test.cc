#include "server/upstream/request_validator.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "tests/testing/status_matchers.h"
#include "tests/upstream/test_requests.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::seedance::upstream::testing::AddContent;
using ::seedance::upstream::testing::MinimalRequest;
using ::seedance::upstream::testing::SetMillis;
using ::seedance::v1::CreateVideoRequest;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> ViolatedFields(const absl::Status& s) {
  std::vector<std::string> fields;
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  if (!bad) return fields;
  for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  return fields;
}

absl::Status Validate(const CreateVideoRequest& r) {
  return ValidateCreateVideoRequest(r, PriceTable::Default());
}

constexpr auto kImage = seedance::v1::MEDIA_TYPE_IMAGE;
constexpr auto kVideo = seedance::v1::MEDIA_TYPE_VIDEO;
constexpr auto kAudio = seedance::v1::MEDIA_TYPE_AUDIO;
constexpr auto kNoRole = seedance::v1::CONTENT_ROLE_UNSPECIFIED;
constexpr auto kFirst = seedance::v1::CONTENT_ROLE_FIRST_FRAME;
constexpr auto kLast = seedance::v1::CONTENT_ROLE_LAST_FRAME;

TEST(ValidateCreateVideoRequestTest, MinimalRequestIsValid) {
  EXPECT_OK(Validate(MinimalRequest()));
}

TEST(ValidateCreateVideoRequestTest, RequestIdIsAUuidOfEitherCase) {
  CreateVideoRequest r = MinimalRequest();
  r.set_request_id("5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7c");
  EXPECT_OK(Validate(r));
  r.set_request_id("5D8E3B1C-4C1B-4B7E-9F3A-2A6A1D9E0B7C");
  EXPECT_OK(Validate(r));
}

TEST(ValidateCreateVideoRequestTest, RichValidRequest) {
  CreateVideoRequest r = MinimalRequest();
  r.set_model("doubao-seedance-2.0-fast");
  r.set_duration(15);
  r.set_resolution(seedance::v1::RESOLUTION_480P);
  r.set_aspect_ratio("21:9");
  r.set_image_url("https://i/1.png");
  r.add_image_urls("https://i/1.png");  // identical duplicate: fine
  r.set_video_url("http://v/1.mp4");
  AddContent(r, kVideo, "https://v/2.mp4",
             seedance::v1::CONTENT_ROLE_REFERENCE_VIDEO);
  SetMillis(3000, r.add_video_durations());
  SetMillis(2500, r.add_video_durations());
  SetMillis(5500, r.mutable_input_video_duration());
  AddContent(r, kImage, "https://i/f.png", kFirst);
  AddContent(r, kImage, "https://i/l.png", kLast);
  AddContent(r, kAudio, "https://a/1.mp3",
             seedance::v1::CONTENT_ROLE_REFERENCE_AUDIO);
  EXPECT_OK(Validate(r));
}

struct RuleCase {
  const char* name;
  std::function<void(CreateVideoRequest&)> mutate;
  std::vector<std::string> fields;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class ValidationRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidationRuleTest, ReportsTheField) {
  CreateVideoRequest r = MinimalRequest();
  GetParam().mutate(r);
  absl::Status s = Validate(r);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("invalid field")));
  EXPECT_THAT(ViolatedFields(s), ElementsAreArray(GetParam().fields));
}

void AddVideos(CreateVideoRequest& r, int n) {
  for (int i = 0; i < n; ++i) {
    r.add_video_urls(absl::StrCat("https://v/", i, ".mp4"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, ValidationRuleTest,
    ::testing::Values(
        RuleCase{"ModelMissing", [](auto& r) { r.clear_model(); }, {"model"}},
        RuleCase{"RequestIdNotAUuid",
                 [](auto& r) { r.set_request_id("retry-1"); },
                 {"request_id"}},
        RuleCase{"RequestIdDashesMisplaced",
                 [](auto& r) {
                   r.set_request_id("5d8e3b1c4-c1b-4b7e-9f3a-2a6a1d9e0b7c");
                 },
                 {"request_id"}},
        RuleCase{"RequestIdNotHex",
                 [](auto& r) {
                   r.set_request_id("5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7g");
                 },
                 {"request_id"}},
        RuleCase{
            "ModelUnknown", [](auto& r) { r.set_model("sora"); }, {"model"}},
        RuleCase{
            "PromptMissing", [](auto& r) { r.clear_prompt(); }, {"prompt"}},
        RuleCase{"PromptOnlySpace",
                 [](auto& r) { r.set_prompt(" \t\n\xe3\x80\x80"); },
                 {"prompt"}},
        RuleCase{"PromptTooLong",
                 [](auto& r) { r.set_prompt(std::string(4001, 'a')); },
                 {"prompt"}},
        RuleCase{"PromptBadUtf8",
                 [](auto& r) { r.set_prompt("ok \xc0\xaf"); },
                 {"prompt"}},
        RuleCase{"DurationTooShort",
                 [](auto& r) { r.set_duration(3); },
                 {"duration"}},
        RuleCase{"DurationTooLong",
                 [](auto& r) { r.set_duration(16); },
                 {"duration"}},
        RuleCase{"ResolutionUnknown",
                 [](auto& r) {
                   r.set_resolution(static_cast<seedance::v1::Resolution>(9));
                 },
                 {"resolution"}},
        RuleCase{"AspectRatioWords",
                 [](auto& r) { r.set_aspect_ratio("wide"); },
                 {"aspect_ratio"}},
        RuleCase{"AspectRatioZero",
                 [](auto& r) { r.set_aspect_ratio("0:1"); },
                 {"aspect_ratio"}},
        RuleCase{"AspectRatioTooBig",
                 [](auto& r) { r.set_aspect_ratio("65:1"); },
                 {"aspect_ratio"}},
        RuleCase{"AspectRatioSigned",
                 [](auto& r) { r.set_aspect_ratio("+1:1"); },
                 {"aspect_ratio"}},
        RuleCase{"UrlNotHttp",
                 [](auto& r) { r.set_image_url("ftp://i/1.png"); },
                 {"image_url"}},
        RuleCase{"UrlRelative",
                 [](auto& r) { r.set_video_url("/v/1.mp4"); },
                 {"video_url"}},
        RuleCase{"UrlNoHost",
                 [](auto& r) { r.set_audio_url("https:///a.mp3"); },
                 {"audio_url"}},
        RuleCase{"UrlWithSpace",
                 [](auto& r) { r.add_image_urls("https://i/a b.png"); },
                 {"image_urls[0]"}},
        RuleCase{"UrlTooLong",
                 [](auto& r) {
                   r.add_audio_urls("https://a/" + std::string(2040, 'x'));
                 },
                 {"audio_urls[0]"}},
        RuleCase{"UrlEmptyInList",
                 [](auto& r) {
                   r.add_image_urls("https://i/1");
                   r.add_image_urls("");
                 },
                 {"image_urls[1]"}},
        RuleCase{"TooManyImages",
                 [](auto& r) {
                   for (int i = 0; i < 10; ++i) {
                     r.add_image_urls(absl::StrCat("https://i/", i));
                   }
                 },
                 {"image_urls"}},
        RuleCase{"TooManyVideos",
                 [](auto& r) {
                   r.set_video_url("https://v/x.mp4");
                   AddVideos(r, 3);
                 },
                 {"video_urls"}},
        RuleCase{"TooManyAudios",
                 [](auto& r) {
                   r.add_audio_urls("https://a/1");
                   r.add_audio_urls("https://a/2");
                   AddContent(r, kAudio, "https://a/3", kNoRole);
                   AddContent(r, kAudio, "https://a/4", kNoRole);
                 },
                 {"audio_urls"}},
        RuleCase{"ContentTypeMissing",
                 [](auto& r) {
                   AddContent(r, seedance::v1::MEDIA_TYPE_UNSPECIFIED,
                              "https://x", kNoRole);
                 },
                 {"content[0].type"}},
        RuleCase{"ContentUrlMissing",
                 [](auto& r) { AddContent(r, kImage, "", kNoRole); },
                 {"content[0].url"}},
        RuleCase{"RoleDoesNotFitType",
                 [](auto& r) { AddContent(r, kVideo, "https://v", kFirst); },
                 {"content[0].role"}},
        RuleCase{"TwoFirstFrames",
                 [](auto& r) {
                   AddContent(r, kImage, "https://i/1", kFirst);
                   AddContent(r, kImage, "https://i/2", kFirst);
                 },
                 {"content[1].role"}},
        RuleCase{"TwoLastFrames",
                 [](auto& r) {
                   AddContent(r, kImage, "https://i/1", kLast);
                   AddContent(r, kImage, "https://i/2", kLast);
                 },
                 {"content[1].role"}},
        RuleCase{"SameUrlDifferentRoles",
                 [](auto& r) {
                   AddContent(r, kImage, "https://i/1", kFirst);
                   AddContent(r, kImage, "https://i/1", kLast);
                 },
                 {"content[1].url"}},
        RuleCase{"SameUrlImageAndVideo",
                 [](auto& r) {
                   r.set_image_url("https://m/1");
                   r.set_video_url("https://m/1");
                 },
                 {"video_url"}},
        RuleCase{"VideoDurationsCountMismatch",
                 [](auto& r) {
                   AddVideos(r, 2);
                   SetMillis(1000, r.add_video_durations());
                 },
                 {"video_durations"}},
        RuleCase{"VideoDurationZero",
                 [](auto& r) {
                   AddVideos(r, 1);
                   SetMillis(0, r.add_video_durations());
                 },
                 {"video_durations[0]"}},
        RuleCase{"VideoDurationTooLong",
                 [](auto& r) {
                   AddVideos(r, 1);
                   SetMillis(600001, r.add_video_durations());
                 },
                 {"video_durations[0]"}},
        RuleCase{"VideoDurationSubMillisecond",
                 [](auto& r) {
                   AddVideos(r, 1);
                   auto* d = r.add_video_durations();
                   d->set_seconds(1);
                   d->set_nanos(500);
                 },
                 {"video_durations[0]"}},
        RuleCase{
            "InputDurationWithoutVideos",
            [](auto& r) { SetMillis(1000, r.mutable_input_video_duration()); },
            {"input_video_duration"}},
        RuleCase{"InputDurationTooLong",
                 [](auto& r) {
                   AddVideos(r, 1);
                   SetMillis(1800001, r.mutable_input_video_duration());
                 },
                 {"input_video_duration"}},
        RuleCase{"InputDurationNegative",
                 [](auto& r) {
                   AddVideos(r, 1);
                   SetMillis(-5, r.mutable_input_video_duration());
                 },
                 {"input_video_duration"}},
        RuleCase{"InputDurationDisagreesWithSum",
                 [](auto& r) {
                   AddVideos(r, 2);
                   SetMillis(1000, r.add_video_durations());
                   SetMillis(2000, r.add_video_durations());
                   SetMillis(3500, r.mutable_input_video_duration());
                 },
                 {"input_video_duration"}}),
    [](const auto& tc) { return tc.param.name; });

TEST(ValidateCreateVideoRequestTest, ReportsEveryViolationAtOnce) {
  CreateVideoRequest r = MinimalRequest();
  r.set_duration(20);
  AddVideos(r, 1);
  SetMillis(1000, r.add_video_durations());
  SetMillis(1000, r.add_video_durations());
  AddContent(r, kAudio, "https://a/1", kFirst);
  absl::Status s = Validate(r);
  EXPECT_THAT(
      s,
      StatusIs(absl::StatusCode::kInvalidArgument,
               "3 invalid fields: duration, content[0].role, video_durations"));
  EXPECT_THAT(
      ViolatedFields(s),
      ElementsAreArray({"duration", "content[0].role", "video_durations"}));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  EXPECT_THAT(bad->field_violations(0).description(),
              HasSubstr("4 to 15 seconds, got 20"));
}

TEST(ValidateCreateVideoRequestTest, SingleViolationMessageNamesTheProblem) {
  CreateVideoRequest r = MinimalRequest();
  r.set_duration(2);
  EXPECT_THAT(
      Validate(r),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "invalid field duration: must be 4 to 15 seconds, got 2"));
}

TEST(ValidateCreateVideoRequestTest, PromptLimitCountsCodePointsNotBytes) {
  CreateVideoRequest r = MinimalRequest();
  std::string prompt;
  for (int i = 0; i < 4000; ++i) prompt += "\xe7\x8c\xab";  // 猫, 3 bytes
  r.set_prompt(prompt);
  EXPECT_OK(Validate(r));
}

TEST(ValidateCreateVideoRequestTest, ModelWithoutRateAtResolution) {
  auto table = PriceTable::FromRows({{"m", seedance::v1::RESOLUTION_480P, 1}});
  ASSERT_OK(table.status());
  CreateVideoRequest r = MinimalRequest();
  r.set_model("m");
  EXPECT_THAT(ViolatedFields(ValidateCreateVideoRequest(r, *table)),
              ElementsAreArray({"resolution"}));
}

// Edge values of every Duration field: each is refused, before anything
// converts it, with the field named and the reason in its description.
struct DurationCase {
  std::string name;
  int64_t seconds;
  int32_t nanos;
  std::string description;  // substring of the violation's description
};

std::vector<DurationCase> BadDurations() {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return {
      {"SecondsInt64Min", kMin, 0, "must not be negative"},
      {"SecondsInt64Max", kMax, 0, "at most"},
      {"Seconds2Pow55", int64_t{1} << 55, 0, "at most"},
      {"SecondsPastProtoRange", kMaxProtoDurationSeconds + 1, 0, "at most"},
      {"NegativeSeconds", -1, 0, "must not be negative"},
      {"NegativeNanos", 0, -1, "must not be negative"},
      {"MixedSigns", 1, -500'000'000, "must not be negative"},
      {"Nanos1e9", 0, 1'000'000'000, "nanos must be below 1000000000"},
      {"Nanos2e9", 1, 2'000'000'000, "nanos must be below 1000000000"},
      {"NanosInt32Min", 0, std::numeric_limits<int32_t>::min(),
       "must not be negative"},
      {"Zero", 0, 0, "must be positive"},
  };
}

class DurationFieldTest : public ::testing::TestWithParam<DurationCase> {
 protected:
  google::protobuf::Duration Bad() const {
    google::protobuf::Duration d;
    d.set_seconds(GetParam().seconds);
    d.set_nanos(GetParam().nanos);
    return d;
  }
  void ExpectRefused(const CreateVideoRequest& r, const std::string& field) {
    absl::Status s = Validate(r);
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    auto bad = GetDetail<google::rpc::BadRequest>(s);
    ASSERT_TRUE(bad.has_value());
    bool found = false;
    for (const auto& v : bad->field_violations()) {
      if (v.field() != field) continue;
      found = true;
      EXPECT_THAT(v.description(), HasSubstr(GetParam().description));
    }
    EXPECT_TRUE(found) << s;
  }
};

TEST_P(DurationFieldTest, VideoDurationsEntry) {
  CreateVideoRequest r = MinimalRequest();
  AddVideos(r, 3);
  SetMillis(1000, r.add_video_durations());
  SetMillis(1000, r.add_video_durations());
  *r.add_video_durations() = Bad();
  ExpectRefused(r, "video_durations[2]");
}

TEST_P(DurationFieldTest, InputVideoDuration) {
  CreateVideoRequest r = MinimalRequest();
  AddVideos(r, 1);
  *r.mutable_input_video_duration() = Bad();
  ExpectRefused(r, "input_video_duration");
}

TEST_P(DurationFieldTest, FormProblemAloneAllowsZeroOnly) {
  std::string problem = DurationFormProblem(Bad());
  if (GetParam().seconds == 0 && GetParam().nanos == 0) {
    EXPECT_EQ(problem, "");
  } else {
    EXPECT_THAT(problem, HasSubstr(GetParam().description));
  }
}

INSTANTIATE_TEST_SUITE_P(EdgeValues, DurationFieldTest,
                         ::testing::ValuesIn(BadDurations()),
                         [](const auto& tc) { return tc.param.name; });

TEST(DurationFormProblemTest, AcceptsTheDocumentedRange) {
  google::protobuf::Duration d;
  d.set_seconds(kMaxProtoDurationSeconds);
  d.set_nanos(999'999'999);
  EXPECT_EQ(DurationFormProblem(d), "");
  d.set_seconds(0);
  d.set_nanos(1);
  EXPECT_EQ(DurationFormProblem(d), "");
}

TEST(ValidateTaskIdTest, Rules) {
  EXPECT_OK(ValidateTaskId("cgt-2024.07_02:abc-DEF"));
  EXPECT_OK(ValidateTaskId(std::string(256, 'a')));
  EXPECT_THAT(ValidateTaskId(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "invalid field id: is required"));
  EXPECT_THAT(ViolatedFields(ValidateTaskId(std::string(257, 'a'), "task_id")),
              ElementsAreArray({"task_id"}));
  EXPECT_FALSE(ValidateTaskId("a/b").ok());
  EXPECT_FALSE(ValidateTaskId("a b").ok());
  EXPECT_FALSE(ValidateTaskId("a%2F").ok());
}

}  // namespace
}  // namespace seedance::upstream
