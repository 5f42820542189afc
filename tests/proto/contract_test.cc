// Proves, from the generated descriptors, that the public API can express
// every parameter of TokenHub's documented create request
// (shared/TOKENHUB_API.md), so a later edit of the proto cannot silently
// drop one.

#include <ostream>
#include <string>
#include <vector>

#include "google/api/field_behavior.pb.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::v1 {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

// One documented upstream parameter and the shape its field must have.
struct UpstreamParam {
  const char* name;               // upstream JSON name == proto field name
  FieldDescriptor::CppType type;  // expected field type
  bool repeated;
  bool has_presence;  // an unset value must be distinguishable
};

// Names the parameter in test output instead of dumping its bytes.
void PrintTo(const UpstreamParam& p, std::ostream* os) { *os << p.name; }

class CreateRequestParamTest : public testing::TestWithParam<UpstreamParam> {};

TEST_P(CreateRequestParamTest, HasFieldOfTheDocumentedShape) {
  const UpstreamParam& p = GetParam();
  const FieldDescriptor* f =
      CreateVideoRequest::descriptor()->FindFieldByName(p.name);
  ASSERT_NE(f, nullptr) << "no field for upstream parameter " << p.name;
  EXPECT_EQ(f->cpp_type(), p.type) << p.name;
  EXPECT_EQ(f->is_repeated(), p.repeated) << p.name;
  if (p.has_presence) {
    EXPECT_TRUE(f->has_presence()) << p.name << " must track presence";
  }
}

constexpr auto kString = FieldDescriptor::CPPTYPE_STRING;
constexpr auto kMessage = FieldDescriptor::CPPTYPE_MESSAGE;

INSTANTIATE_TEST_SUITE_P(
    TokenHubCreateBody, CreateRequestParamTest,
    testing::Values(
        UpstreamParam{"model", kString, false, false},
        UpstreamParam{"prompt", kString, false, false},
        UpstreamParam{"duration", FieldDescriptor::CPPTYPE_INT32, false, true},
        UpstreamParam{"resolution", FieldDescriptor::CPPTYPE_ENUM, false,
                      false},
        UpstreamParam{"aspect_ratio", kString, false, false},
        UpstreamParam{"image_url", kString, false, false},
        UpstreamParam{"image_urls", kString, true, false},
        UpstreamParam{"video_url", kString, false, false},
        UpstreamParam{"video_urls", kString, true, false},
        UpstreamParam{"video_durations", kMessage, true, false},
        UpstreamParam{"input_video_duration", kMessage, false, true},
        UpstreamParam{"audio_url", kString, false, false},
        UpstreamParam{"audio_urls", kString, true, false},
        UpstreamParam{"generate_audio", FieldDescriptor::CPPTYPE_BOOL, false,
                      true},
        UpstreamParam{"watermark", FieldDescriptor::CPPTYPE_BOOL, false, true},
        UpstreamParam{"content", kMessage, true, false}),
    [](const testing::TestParamInfo<UpstreamParam>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(ContractTest, DurationsAreWellKnownDurations) {
  for (const char* name : {"video_durations", "input_video_duration"}) {
    const FieldDescriptor* f =
        CreateVideoRequest::descriptor()->FindFieldByName(name);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->message_type()->full_name(), "google.protobuf.Duration");
  }
}

TEST(ContractTest, ResolutionEnumHasBothDocumentedValues) {
  const EnumDescriptor* e = Resolution_descriptor();
  EXPECT_EQ(e->value(0)->name(), "RESOLUTION_UNSPECIFIED");
  EXPECT_NE(e->FindValueByName("RESOLUTION_480P"), nullptr);
  EXPECT_NE(e->FindValueByName("RESOLUTION_720P"), nullptr);
}

TEST(ContractTest, ContentItemCarriesTypeUrlAndEveryDocumentedRole) {
  const Descriptor* item = ContentItem::descriptor();
  EXPECT_NE(item->FindFieldByName("type"), nullptr);
  EXPECT_NE(item->FindFieldByName("url"), nullptr);
  EXPECT_NE(item->FindFieldByName("role"), nullptr);
  const EnumDescriptor* roles = ContentRole_descriptor();
  for (const char* role : {"FIRST_FRAME", "LAST_FRAME", "REFERENCE_IMAGE",
                           "REFERENCE_VIDEO", "REFERENCE_AUDIO"}) {
    EXPECT_NE(roles->FindValueByName(std::string("CONTENT_ROLE_") + role),
              nullptr)
        << role;
  }
  const EnumDescriptor* types = MediaType_descriptor();
  for (const char* type : {"IMAGE", "VIDEO", "AUDIO"}) {
    EXPECT_NE(types->FindValueByName(std::string("MEDIA_TYPE_") + type),
              nullptr)
        << type;
  }
}

TEST(ContractTest, CreateHasValidateOnly) {
  const FieldDescriptor* f =
      CreateVideoRequest::descriptor()->FindFieldByName("validate_only");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_BOOL);
}

TEST(ContractTest, VideoStatusCoversLifecycleAndUnknown) {
  const EnumDescriptor* e = VideoStatus_descriptor();
  EXPECT_EQ(e->value(0)->name(), "VIDEO_STATUS_UNSPECIFIED");
  for (const char* s :
       {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "UNKNOWN"}) {
    EXPECT_NE(e->FindValueByName(std::string("VIDEO_STATUS_") + s), nullptr)
        << s;
  }
}

TEST(ContractTest, VideoCarriesResultUsageErrorAndExactPrice) {
  const Descriptor* v = Video::descriptor();
  for (const char* name : {"id", "model", "status", "upstream_status",
                           "create_time", "update_time", "video_url",
                           "cover_image_url", "usage", "error", "price"}) {
    EXPECT_NE(v->FindFieldByName(name), nullptr) << name;
  }
  EXPECT_EQ(v->FindFieldByName("create_time")->message_type()->full_name(),
            "google.protobuf.Timestamp");
  // Money is never a float.
  const Descriptor* price = Price::descriptor();
  for (int i = 0; i < price->field_count(); ++i) {
    auto t = price->field(i)->cpp_type();
    EXPECT_NE(t, FieldDescriptor::CPPTYPE_FLOAT) << price->field(i)->name();
    EXPECT_NE(t, FieldDescriptor::CPPTYPE_DOUBLE) << price->field(i)->name();
  }
  EXPECT_TRUE(price->FindFieldByName("actual_micros")->has_presence());
}

TEST(ContractTest, WatchMessagesCarrySequenceAndEventTime) {
  const Descriptor* w = WatchVideoResponse::descriptor();
  EXPECT_EQ(w->FindFieldByName("sequence")->cpp_type(),
            FieldDescriptor::CPPTYPE_INT64);
  EXPECT_EQ(w->FindFieldByName("event_time")->message_type()->full_name(),
            "google.protobuf.Timestamp");
  EXPECT_NE(WatchVideoRequest::descriptor()->FindFieldByName("after_sequence"),
            nullptr);
}

// The field_behavior annotations (AIP-203) of a field, as generators and
// linters read them.
std::vector<int> Behaviors(const Descriptor* message, const char* field) {
  const FieldDescriptor* f = message->FindFieldByName(field);
  EXPECT_NE(f, nullptr) << field;
  if (f == nullptr) return {};
  std::vector<int> out;
  for (int b : f->options().GetRepeatedExtension(google::api::field_behavior)) {
    out.push_back(b);
  }
  return out;
}

TEST(ContractTest, RequiredRequestFieldsAreAnnotatedRequired) {
  const std::vector<int> required = {google::api::REQUIRED};
  EXPECT_EQ(Behaviors(CreateVideoRequest::descriptor(), "model"), required);
  EXPECT_EQ(Behaviors(CreateVideoRequest::descriptor(), "prompt"), required);
  EXPECT_EQ(Behaviors(ContentItem::descriptor(), "type"), required);
  EXPECT_EQ(Behaviors(ContentItem::descriptor(), "url"), required);
  EXPECT_EQ(Behaviors(GetVideoRequest::descriptor(), "id"), required);
  EXPECT_EQ(Behaviors(WatchVideoRequest::descriptor(), "id"), required);
  // Optional ones carry nothing.
  EXPECT_TRUE(Behaviors(CreateVideoRequest::descriptor(), "duration").empty());
  EXPECT_TRUE(
      Behaviors(CreateVideoRequest::descriptor(), "request_id").empty());
}

TEST(ContractTest, EveryVideoFieldIsOutputOnly) {
  const Descriptor* v = Video::descriptor();
  for (int i = 0; i < v->field_count(); ++i) {
    EXPECT_EQ(Behaviors(v, v->field(i)->name().c_str()),
              std::vector<int>{google::api::OUTPUT_ONLY})
        << v->field(i)->name();
  }
}

TEST(ContractTest, EveryLanguageHasItsPackageName) {
  const google::protobuf::FileOptions& o =
      Video::descriptor()->file()->options();
  EXPECT_EQ(o.go_package(),
            "github.com/seedance-gateway/seedance-gateway/clients/go/"
            "seedance/v1;seedancev1");
  EXPECT_EQ(o.java_package(), "com.seedance.v1");
  EXPECT_TRUE(o.java_multiple_files());
  EXPECT_EQ(o.csharp_namespace(), "Seedance.V1");
  EXPECT_EQ(o.php_namespace(), "Seedance\\V1");
  EXPECT_EQ(o.ruby_package(), "Seedance::V1");
  EXPECT_EQ(o.objc_class_prefix(), "SDV");
}

TEST(ContractTest, ServiceHasTheThreeMethods) {
  const auto* service = VideoService::service_full_name();
  EXPECT_STREQ(service, "seedance.v1.VideoService");
  const auto* d =
      Video::descriptor()->file()->FindServiceByName("VideoService");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->FindMethodByName("CreateVideo"), nullptr);
  EXPECT_NE(d->FindMethodByName("GetVideo"), nullptr);
  const auto* watch = d->FindMethodByName("WatchVideo");
  ASSERT_NE(watch, nullptr);
  EXPECT_TRUE(watch->server_streaming());
  EXPECT_FALSE(watch->client_streaming());
}

}  // namespace
}  // namespace seedance::v1
