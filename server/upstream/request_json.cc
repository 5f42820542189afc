// CreateVideoRequest -> upstream JSON (RapidJSON writer).
#include "server/upstream/request_json.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/upstream/pricing.h"

namespace seedance::upstream {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using ::seedance::v1::CreateVideoRequest;

void Key(Writer& w, const char* key) { w.Key(key); }

void String(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void OptionalString(Writer& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  Key(w, key);
  String(w, value);
}

void StringList(Writer& w, const char* key,
                const google::protobuf::RepeatedPtrField<std::string>& list) {
  if (list.empty()) return;
  Key(w, key);
  w.StartArray();
  for (const std::string& s : list) String(w, s);
  w.EndArray();
}

// Seconds with millisecond precision, written exactly: 3, 2.5, 0.125.
void Seconds(Writer& w, const google::protobuf::Duration& d) {
  int64_t ms = CeilMillis(d);
  std::string text = absl::StrCat(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = absl::StrFormat("%03d", static_cast<int>(ms % 1000));
    while (frac.back() == '0') frac.pop_back();
    absl::StrAppend(&text, ".", frac);
  }
  w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

const char* ResolutionName(seedance::v1::Resolution r) {
  return r == seedance::v1::RESOLUTION_480P ? "480p" : "720p";
}

const char* TypeName(seedance::v1::MediaType type) {
  switch (type) {
    case seedance::v1::MEDIA_TYPE_VIDEO:
      return "video_url";
    case seedance::v1::MEDIA_TYPE_AUDIO:
      return "audio_url";
    default:
      return "image_url";
  }
}

const char* RoleName(seedance::v1::ContentRole role) {
  switch (role) {
    case seedance::v1::CONTENT_ROLE_FIRST_FRAME:
      return "first_frame";
    case seedance::v1::CONTENT_ROLE_LAST_FRAME:
      return "last_frame";
    case seedance::v1::CONTENT_ROLE_REFERENCE_IMAGE:
      return "reference_image";
    case seedance::v1::CONTENT_ROLE_REFERENCE_VIDEO:
      return "reference_video";
    case seedance::v1::CONTENT_ROLE_REFERENCE_AUDIO:
      return "reference_audio";
    default:
      return nullptr;
  }
}

void Content(Writer& w, const CreateVideoRequest& r) {
  if (r.content().empty()) return;
  Key(w, "content");
  w.StartArray();
  for (const auto& item : r.content()) {
    w.StartObject();
    const char* type = TypeName(item.type());
    Key(w, "type");
    w.String(type);
    Key(w, type);
    w.StartObject();
    Key(w, "url");
    String(w, item.url());
    w.EndObject();
    if (const char* role = RoleName(item.role())) {
      Key(w, "role");
      w.String(role);
    }
    w.EndObject();
  }
  w.EndArray();
}

void Durations(Writer& w, const CreateVideoRequest& r) {
  if (!r.video_durations().empty()) {
    Key(w, "video_durations");
    w.StartArray();
    for (const auto& d : r.video_durations()) Seconds(w, d);
    w.EndArray();
  }
  if (r.has_input_video_duration()) {
    Key(w, "input_video_duration");
    Seconds(w, r.input_video_duration());
  }
}

}  // namespace

std::string CreateRequestToJson(const CreateVideoRequest& r) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  OptionalString(w, "model", r.model());
  OptionalString(w, "prompt", r.prompt());
  if (r.has_duration()) {
    Key(w, "duration");
    w.Int(r.duration());
  }
  if (r.resolution() != seedance::v1::RESOLUTION_UNSPECIFIED) {
    Key(w, "resolution");
    w.String(ResolutionName(r.resolution()));
  }
  OptionalString(w, "aspect_ratio", r.aspect_ratio());
  OptionalString(w, "image_url", r.image_url());
  StringList(w, "image_urls", r.image_urls());
  OptionalString(w, "video_url", r.video_url());
  StringList(w, "video_urls", r.video_urls());
  Durations(w, r);
  OptionalString(w, "audio_url", r.audio_url());
  StringList(w, "audio_urls", r.audio_urls());
  if (r.has_generate_audio()) {
    Key(w, "generate_audio");
    w.Bool(r.generate_audio());
  }
  if (r.has_watermark()) {
    Key(w, "watermark");
    w.Bool(r.watermark());
  }
  Content(w, r);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace seedance::upstream
