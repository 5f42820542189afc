#include "server/upstream/request_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/upstream/test_requests.h"

namespace seedance::upstream {
namespace {

using ::seedance::upstream::testing::AddContent;
using ::seedance::upstream::testing::MinimalRequest;
using ::seedance::upstream::testing::SetMillis;

TEST(CreateRequestToJsonTest, MinimalRequestOmitsEveryUnsetField) {
  EXPECT_EQ(
      CreateRequestToJson(MinimalRequest()),
      R"({"model":"doubao-seedance-2.0","prompt":"Close-up of hands pouring )"
      R"(latte art, warm cafe ambiance"})");
}

TEST(CreateRequestToJsonTest, EveryFieldWithItsUpstreamName) {
  seedance::v1::CreateVideoRequest r = MinimalRequest();
  r.set_prompt("p");
  r.set_duration(10);
  r.set_resolution(seedance::v1::RESOLUTION_480P);
  r.set_aspect_ratio("16:9");
  r.set_image_url("https://i/1.png");
  r.add_image_urls("https://i/2.png");
  r.set_video_url("https://v/1.mp4");
  r.add_video_urls("https://v/2.mp4");
  SetMillis(3000, r.add_video_durations());
  SetMillis(2500, r.add_video_durations());
  SetMillis(5500, r.mutable_input_video_duration());
  r.set_audio_url("https://a/1.mp3");
  r.add_audio_urls("https://a/2.mp3");
  r.set_generate_audio(false);
  r.set_watermark(true);
  r.set_validate_only(true);
  AddContent(r, seedance::v1::MEDIA_TYPE_IMAGE, "https://i/f.png",
             seedance::v1::CONTENT_ROLE_FIRST_FRAME);
  AddContent(r, seedance::v1::MEDIA_TYPE_VIDEO, "https://v/r.mp4",
             seedance::v1::CONTENT_ROLE_UNSPECIFIED);
  AddContent(r, seedance::v1::MEDIA_TYPE_AUDIO, "https://a/r.mp3",
             seedance::v1::CONTENT_ROLE_REFERENCE_AUDIO);
  EXPECT_EQ(
      CreateRequestToJson(r),
      R"({"model":"doubao-seedance-2.0","prompt":"p","duration":10,)"
      R"("resolution":"480p","aspect_ratio":"16:9","image_url":"https://i/1.png",)"
      R"("image_urls":["https://i/2.png"],"video_url":"https://v/1.mp4",)"
      R"("video_urls":["https://v/2.mp4"],"video_durations":[3,2.5],)"
      R"("input_video_duration":5.5,"audio_url":"https://a/1.mp3",)"
      R"("audio_urls":["https://a/2.mp3"],"generate_audio":false,"watermark":true,)"
      R"("content":[{"type":"image_url","image_url":{"url":"https://i/f.png"},)"
      R"("role":"first_frame"},{"type":"video_url","video_url":{"url":"https://v/r.mp4"}},)"
      R"({"type":"audio_url","audio_url":{"url":"https://a/r.mp3"},"role":"reference_audio"}]})");
}

TEST(CreateRequestToJsonTest, ResolutionAndRolesSpelledAsDocumented) {
  seedance::v1::CreateVideoRequest r = MinimalRequest();
  r.set_resolution(seedance::v1::RESOLUTION_720P);
  AddContent(r, seedance::v1::MEDIA_TYPE_IMAGE, "https://i/l.png",
             seedance::v1::CONTENT_ROLE_LAST_FRAME);
  AddContent(r, seedance::v1::MEDIA_TYPE_IMAGE, "https://i/r.png",
             seedance::v1::CONTENT_ROLE_REFERENCE_IMAGE);
  AddContent(r, seedance::v1::MEDIA_TYPE_VIDEO, "https://v/r.mp4",
             seedance::v1::CONTENT_ROLE_REFERENCE_VIDEO);
  std::string json = CreateRequestToJson(r);
  for (const char* s :
       {R"("resolution":"720p")", R"("role":"last_frame")",
        R"("role":"reference_image")", R"("role":"reference_video")"}) {
    EXPECT_THAT(json, ::testing::HasSubstr(s));
  }
}

TEST(CreateRequestToJsonTest, FalseBooleansAndMillisecondsAreExact) {
  seedance::v1::CreateVideoRequest r = MinimalRequest();
  r.set_watermark(false);
  r.set_video_url("https://v/1.mp4");
  SetMillis(125, r.add_video_durations());
  std::string json = CreateRequestToJson(r);
  EXPECT_THAT(json, ::testing::HasSubstr(R"("video_durations":[0.125])"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("watermark":false)"));
  EXPECT_THAT(json, ::testing::Not(::testing::HasSubstr("generate_audio")));
}

TEST(CreateRequestToJsonTest, EscapesAndStaysValidJson) {
  seedance::v1::CreateVideoRequest r = MinimalRequest();
  r.set_prompt("say \"hi\"\n\\ \xe2\x9c\x93 \x01");
  rapidjson::Document doc;
  std::string json = CreateRequestToJson(r);
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(std::string(doc["prompt"].GetString()), r.prompt());
  EXPECT_FALSE(doc.HasMember("validate_only"));
}

}  // namespace
}  // namespace seedance::upstream
