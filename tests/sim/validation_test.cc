// Every 400 the simulator sends for a bad create request, and the bodies it
// accepts.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/request_validator.h"
#include "tests/sim/sim_fixture.h"

namespace tokenhub_sim::testing {
namespace {

using ::testing::HasSubstr;

struct BadCase {
  const char* name;
  const char* body;
  const char* message;  // a substring of error.message
};

constexpr char kVideo[] = R"({"type":"video_url","video_url":{"url":"v"}})";

const BadCase kBadCases[] = {
    {"MalformedJson", R"({"model":)", "malformed JSON"},
    {"NotAnObject", R"(["model"])", "JSON object"},
    {"MissingModel", R"({"prompt":"p"})", "model is required"},
    {"EmptyModel", R"({"model":"","prompt":"p"})", "model must not be empty"},
    {"ModelNotString", R"({"model":7,"prompt":"p"})", "model must be a string"},
    {"UnknownModel", R"({"model":"sora","prompt":"p"})", "not supported"},
    {"MissingPrompt", R"({"model":"doubao-seedance-2.0"})",
     "prompt is required"},
    {"EmptyPrompt", R"({"model":"doubao-seedance-2.0","prompt":""})",
     "prompt must not be empty"},
    {"DurationTooShort",
     R"({"model":"doubao-seedance-2.0","prompt":"p","duration":3})",
     "duration must be between 4 and 15"},
    {"DurationTooLong",
     R"({"model":"doubao-seedance-2.0","prompt":"p","duration":16})",
     "duration must be between 4 and 15"},
    {"DurationNotNumber",
     R"({"model":"doubao-seedance-2.0","prompt":"p","duration":"5"})",
     "duration must be a number"},
    {"BadResolution",
     R"({"model":"doubao-seedance-2.0","prompt":"p","resolution":"1080p"})",
     "resolution"},
    {"AspectRatioNotString",
     R"({"model":"doubao-seedance-2.0","prompt":"p","aspect_ratio":1})",
     "aspect_ratio must be a string"},
    {"VideoUrlsNotStrings",
     R"({"model":"doubao-seedance-2.0","prompt":"p","video_urls":[1]})",
     "video_urls must be an array of strings"},
    {"GenerateAudioNotBool",
     R"({"model":"doubao-seedance-2.0","prompt":"p","generate_audio":"yes"})",
     "generate_audio must be a boolean"},
    {"FourVideos",
     R"({"model":"doubao-seedance-2.0","prompt":"p","video_url":"a",)"
     R"("video_urls":["b","c","d"]})",
     "at most 3 reference videos"},
    {"FourVideosWithContent",
     R"({"model":"doubao-seedance-2.0","prompt":"p","video_urls":["b","c"],)"
     R"("content":[{"type":"video_url","video_url":{"url":"v"}},)"
     R"({"type":"video_url","video_url":{"url":"w"}}]})",
     "at most 3 reference videos"},
    {"FourAudios",
     R"({"model":"doubao-seedance-2.0","prompt":"p","audio_url":"a",)"
     R"("audio_urls":["b","c","d"]})",
     "at most 3 reference audios"},
    {"TwoFirstFrames",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":[)"
     R"({"type":"image_url","image_url":{"url":"a"},"role":"first_frame"},)"
     R"({"type":"image_url","image_url":{"url":"b"},"role":"first_frame"}]})",
     "first_frame"},
    {"TwoLastFrames",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":[)"
     R"({"type":"image_url","image_url":{"url":"a"},"role":"last_frame"},)"
     R"({"type":"image_url","image_url":{"url":"b"},"role":"last_frame"}]})",
     "last_frame"},
    {"ContentNotArray",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":{}})",
     "content must be an array"},
    {"ContentUnknownType",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":[{"type":"x"}]})",
     "content[].type"},
    {"ContentMissingUrl",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":[)"
     R"({"type":"image_url","image_url":{}}]})",
     "url is required"},
    {"ContentBadRole",
     R"({"model":"doubao-seedance-2.0","prompt":"p","content":[)"
     R"({"type":"image_url","image_url":{"url":"a"},"role":"hero"}]})",
     "role"},
};

class BadRequestTest : public SimTest,
                       public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadRequestTest, IsRejectedWith400) {
  HttpResult r = Create(GetParam().body);
  EXPECT_EQ(r.status, 400) << r.body;
  rapidjson::Document doc = Json(r.body);
  ASSERT_TRUE(doc.IsObject()) << r.body;
  EXPECT_THAT(doc["error"]["message"].GetString(),
              HasSubstr(GetParam().message));
  EXPECT_STREQ(doc["error"]["type"].GetString(), "invalid_request_error");
  EXPECT_EQ(sim_->stats().creates, 0);
  EXPECT_EQ(sim_->stats().errors_by_kind["400"], 1);
}

std::string CaseName(const ::testing::TestParamInfo<BadCase>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Validation, BadRequestTest,
                         ::testing::ValuesIn(kBadCases), CaseName);

TEST(RequestValidatorTest, AcceptsEveryDocumentedField) {
  std::string body =
      std::string(R"({"model":"doubao-seedance-2.0-fast",)") +
      R"("prompt":"p","duration":15,"resolution":"480p",)"
      R"("aspect_ratio":"9:16","image_url":"i","image_urls":["j"],)"
      R"("video_url":"v","video_urls":["w"],"video_durations":[3,5],)"
      R"("input_video_duration":8,"audio_url":"a",)"
      R"("audio_urls":["b","c"],"generate_audio":false,)"
      R"("watermark":true,"unknown_field":{"ignored":1},)"
      R"("content":[)" +
      kVideo +
      R"(,{"type":"image_url","image_url":{"url":"f"},)"
      R"("role":"first_frame"},{"type":"image_url",)"
      R"("image_url":{"url":"l"},"role":"last_frame"},)"
      R"({"type":"text","text":"hello"}]})";
  absl::StatusOr<CreateRequest> r = ValidateCreateRequest(body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model, "doubao-seedance-2.0-fast");
  EXPECT_EQ(r->duration_seconds, 15);
  EXPECT_EQ(r->resolution, "480p");
}

TEST(RequestValidatorTest, DeepNestingDoesNotCrash) {
  std::string body(200000, '[');
  EXPECT_FALSE(ValidateCreateRequest(body).ok());
}

}  // namespace
}  // namespace tokenhub_sim::testing
