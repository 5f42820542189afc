// Requests that do not parse: each is refused with the field named and the
// reason said, found by walking the bytes against the message's descriptor.
#include "server/gateway/request_decoder.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/status_details.h"
#include "tests/gateway/wire_bytes.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Len;
using ::seedance::testing::Tag;
using ::seedance::testing::ToByteBuffer;
using ::seedance::testing::Varint;
using ::seedance::testing::VarintField;
using ::testing::HasSubstr;

const std::string kBadUtf8 = "ok\xff";          // 0xff never starts a character
const std::string kOverlong = "\xc0\xaf";       // '/' in two bytes
const std::string kSurrogate = "\xed\xa0\x80";  // U+D800
const std::string kCutShort = "\xe7\x8c";       // 猫 without its last byte
const std::string kElevenByteVarint(11, '\xff');

struct BadBytesCase {
  std::string name;
  const google::protobuf::Descriptor* type;
  std::string wire;
  std::string field;        // "" : no BadRequest (the field is not known)
  std::string description;  // substring of the status message
};

class BadBytesTest : public ::testing::TestWithParam<BadBytesCase> {};

TEST_P(BadBytesTest, InvalidArgumentNamesTheField) {
  const BadBytesCase& c = GetParam();
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(c.type)
          ->New());
  absl::Status s = DecodeRequest(ToByteBuffer(c.wire), *message);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("request is not a valid ",
                                                  c.type->full_name())));
  EXPECT_THAT(s.message(), HasSubstr(c.description));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  if (c.field.empty()) {
    EXPECT_FALSE(bad.has_value());
    return;
  }
  ASSERT_TRUE(bad.has_value()) << s;
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), c.field);
  EXPECT_THAT(bad->field_violations(0).description(), HasSubstr(c.description));
  EXPECT_THAT(s.message(), HasSubstr(c.field + ": "));
}

const google::protobuf::Descriptor* Create() {
  return v1::CreateVideoRequest::descriptor();
}
const google::protobuf::Descriptor* Get() {
  return v1::GetVideoRequest::descriptor();
}
const google::protobuf::Descriptor* Watch() {
  return v1::WatchVideoRequest::descriptor();
}

const std::string kModel = Len(1, "doubao-seedance-2.0");
const std::string kVideoItem =
    Len(16, VarintField(1, 2) + Len(2, "https://v/1"));

INSTANTIATE_TEST_SUITE_P(
    EveryStringField, BadBytesTest,
    ::testing::Values(
        BadBytesCase{"CreateModel", Create(), Len(1, kBadUtf8), "model",
                     "invalid UTF-8 at byte 2"},
        BadBytesCase{"CreatePrompt", Create(), kModel + Len(2, kOverlong),
                     "prompt", "invalid UTF-8 at byte 0"},
        BadBytesCase{"CreateAspectRatio", Create(), Len(5, kSurrogate),
                     "aspect_ratio", "invalid UTF-8"},
        BadBytesCase{"CreateImageUrl", Create(), Len(6, kCutShort), "image_url",
                     "invalid UTF-8"},
        BadBytesCase{
            "CreateImageUrlsRepeated", Create(),
            Len(7, "https://i/1") + Len(7, "https://i/2") + Len(7, kBadUtf8),
            "image_urls[2]", "invalid UTF-8"},
        BadBytesCase{"CreateVideoUrl", Create(), Len(8, kBadUtf8), "video_url",
                     "invalid UTF-8"},
        BadBytesCase{"CreateVideoUrlsRepeated", Create(), Len(9, kBadUtf8),
                     "video_urls[0]", "invalid UTF-8"},
        BadBytesCase{"CreateAudioUrl", Create(), Len(12, kBadUtf8), "audio_url",
                     "invalid UTF-8"},
        BadBytesCase{"CreateAudioUrlsRepeated", Create(),
                     Len(13, "https://a/1") + Len(13, kBadUtf8),
                     "audio_urls[1]", "invalid UTF-8"},
        BadBytesCase{
            "CreateContentUrlNestedInRepeated", Create(),
            kModel + kVideoItem + Len(16, VarintField(1, 2) + Len(2, kBadUtf8)),
            "content[1].url", "invalid UTF-8 at byte 2"},
        BadBytesCase{"GetId", Get(), Len(1, kBadUtf8), "id", "invalid UTF-8"},
        BadBytesCase{"WatchId", Watch(), Len(1, "cgt-" + kBadUtf8), "id",
                     "invalid UTF-8 at byte 6"}),
    [](const auto& tc) { return tc.param.name; });

INSTANTIATE_TEST_SUITE_P(
    MalformedWire, BadBytesTest,
    ::testing::Values(
        BadBytesCase{"VarintLongerThanTenBytes", Watch(),
                     Len(1, "cgt-1") + Tag(2, 0) + kElevenByteVarint,
                     "after_sequence",
                     "malformed: a varint value runs past 10 bytes"},
        BadBytesCase{"VarintCutShort", Watch(),
                     Len(1, "cgt-1") + Tag(2, 0) + "\xff\xff", "after_sequence",
                     "truncated: the message ends inside a varint value"},
        BadBytesCase{"NestedDurationVarintCutShort", Create(),
                     kModel + Len(10, Tag(1, 0) + "\x85"),
                     "video_durations[0].seconds", "truncated"},
        BadBytesCase{"HeartbeatNanosVarintTooLong", Watch(),
                     Len(3, Tag(2, 0) + kElevenByteVarint),
                     "heartbeat_interval.nanos", "malformed"},
        BadBytesCase{"WireTypeSevenDoesNotExist", Get(), Tag(1, 7) + "abc",
                     "id", "wire type 7 does not exist"},
        BadBytesCase{"WireTypeSixDoesNotExist", Create(), kModel + Tag(2, 6),
                     "prompt", "wire type 6 does not exist"},
        BadBytesCase{"EndGroupWithoutStart", Watch(), Tag(1, 4), "id",
                     "end-group tag without its start"},
        BadBytesCase{"GroupNeverEnds", Create(), Tag(99, 3) + VarintField(1, 1),
                     "", "group field 99 never ends"},
        BadBytesCase{"FieldNumberZero", Get(), Tag(0, 0) + Varint(1), "",
                     "field number 0 is out of range"},
        BadBytesCase{"TruncatedString", Create(),
                     kModel + Tag(2, 2) + Varint(100) + "abc", "prompt",
                     "truncated: its length says 100 bytes but only 3 remain"},
        BadBytesCase{"TruncatedNestedMessage", Create(),
                     kModel + Tag(16, 2) + Varint(50) + VarintField(1, 2),
                     "content[0]", "truncated: its length says 50 bytes"},
        BadBytesCase{"TruncatedFixed64", Get(), Tag(1, 1) + "1234", "id",
                     "truncated: a 8-byte value is cut short"},
        BadBytesCase{"UnknownFieldTruncated", Create(),
                     kModel + Tag(99, 2) + Varint(9) + "x", "",
                     "field number 99: truncated"},
        BadBytesCase{"UnknownFieldInNestedMessage", Create(),
                     Len(16, Tag(7, 7)), "content[0]",
                     "field number 7: malformed protobuf: wire type 7"}),
    [](const auto& tc) { return tc.param.name; });

TEST(DecodeRequestTest, ValidBytesParseOnTheFastPath) {
  v1::CreateVideoRequest original;
  original.set_model("doubao-seedance-2.0");
  original.set_prompt("一只猫 in the snow");
  original.add_image_urls("https://i/1");
  original.mutable_input_video_duration()->set_seconds(3);
  v1::CreateVideoRequest parsed;
  ASSERT_OK(DecodeRequest(ToByteBuffer(original.SerializeAsString()), parsed));
  EXPECT_EQ(parsed.SerializeAsString(), original.SerializeAsString());
}

TEST(DecodeRequestTest, UnknownFieldsAndEmptyMessagesAreAccepted) {
  // A newer client's fields are skipped, as protobuf does.
  v1::GetVideoRequest parsed;
  ASSERT_OK(DecodeRequest(
      ToByteBuffer(Len(1, "cgt-1") + Len(42, "\xff") + VarintField(43, 7)),
      parsed));
  EXPECT_EQ(parsed.id(), "cgt-1");
  ASSERT_OK(DecodeRequest(ToByteBuffer(""), parsed));
}

TEST(DecodeRequestTest, NoMessageAtAll) {
  v1::WatchVideoRequest parsed;
  absl::Status s = DecodeRequest(grpc::ByteBuffer(), parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("no complete request message arrived"));
}

TEST(EncodeResponseTest, ReusesTheBuffer) {
  v1::WatchVideoResponse event;
  event.set_sequence(10);
  grpc::ByteBuffer out;
  ASSERT_OK(EncodeResponse(event, out));
  event.set_sequence(20);
  ASSERT_OK(EncodeResponse(event, out));  // a stream's second write
  grpc::Slice slice;
  ASSERT_TRUE(out.DumpToSingleSlice(&slice).ok());
  v1::WatchVideoResponse back;
  ASSERT_TRUE(
      back.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
  EXPECT_EQ(back.sequence(), 20);
}

}  // namespace
}  // namespace seedance::gateway

namespace seedance::gateway {
namespace {

// Every truncation and many single-byte corruptions of a rich request: each
// either parses or is refused with INVALID_ARGUMENT saying what was wrong,
// never the generic "malformed protobuf" fallback.
TEST(DecodeRequestTest, EveryCorruptionOfARichRequestIsDiagnosed) {
  v1::CreateVideoRequest rich;
  rich.set_model("doubao-seedance-2.0");
  rich.set_prompt("一只猫 [sim:hold]");
  rich.add_image_urls("https://i/1.png");
  rich.add_video_urls("https://v/1.mp4");
  rich.add_video_durations()->set_seconds(3);
  rich.mutable_input_video_duration()->set_nanos(500'000'000);
  auto* item = rich.add_content();
  item->set_type(v1::MEDIA_TYPE_IMAGE);
  item->set_url("https://i/2.png");
  rich.set_generate_audio(true);
  const std::string wire = rich.SerializeAsString();
  int refused = 0;
  auto check = [&](const std::string& bytes) {
    v1::CreateVideoRequest parsed;
    absl::Status s = DecodeRequest(ToByteBuffer(bytes), parsed);
    if (s.ok()) return;
    ++refused;
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()),
                ::testing::Not(::testing::EndsWith(": malformed protobuf")))
        << ::testing::PrintToString(bytes);
  };
  for (size_t n = 0; n < wire.size(); ++n) check(wire.substr(0, n));
  for (size_t i = 0; i < wire.size(); ++i) {
    for (char flip : {'\xff', '\x80', '\x07', '\x01'}) {
      std::string bad = wire;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      check(bad);
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace seedance::gateway
