// Create request validation (see request_validator.h).
#include "sim/request_validator.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace tokenhub_sim {
namespace {

using rapidjson::Value;

constexpr int kMaxVideos = 3;
constexpr int kMaxAudios = 3;

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::Status WrongType(absl::string_view field, absl::string_view type) {
  return Invalid(absl::StrCat(field, " must be ", type));
}

// Checks an optional field's type; sets *present.
template <typename Pred>
absl::Status CheckOptional(const Value& obj, const char* field, Pred is_ok,
                           absl::string_view type, bool* present = nullptr) {
  auto it = obj.FindMember(field);
  bool found = it != obj.MemberEnd() && !it->value.IsNull();
  if (present != nullptr) *present = found;
  if (found && !is_ok(it->value)) return WrongType(field, type);
  return absl::OkStatus();
}

bool IsString(const Value& v) { return v.IsString(); }
bool IsNumber(const Value& v) { return v.IsNumber(); }
bool IsBool(const Value& v) { return v.IsBool(); }
bool IsStringArray(const Value& v) {
  if (!v.IsArray()) return false;
  for (const Value& item : v.GetArray()) {
    if (!item.IsString()) return false;
  }
  return true;
}
bool IsNumberArray(const Value& v) {
  if (!v.IsArray()) return false;
  for (const Value& item : v.GetArray()) {
    if (!item.IsNumber()) return false;
  }
  return true;
}

int ArraySize(const Value& obj, const char* field) {
  auto it = obj.FindMember(field);
  return it != obj.MemberEnd() && it->value.IsArray()
             ? static_cast<int>(it->value.Size())
             : 0;
}

absl::Status RequiredString(const Value& obj, const char* field,
                            std::string* out) {
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) {
    return Invalid(absl::StrCat(field, " is required"));
  }
  if (!it->value.IsString()) return WrongType(field, "a string");
  if (it->value.GetStringLength() == 0) {
    return Invalid(absl::StrCat(field, " must not be empty"));
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return absl::OkStatus();
}

struct ContentCounts {
  int videos = 0;
  int audios = 0;
  int first_frames = 0;
  int last_frames = 0;
};

absl::Status CheckContent(const Value& content, ContentCounts* counts) {
  if (!content.IsArray()) return WrongType("content", "an array");
  for (const Value& item : content.GetArray()) {
    if (!item.IsObject()) return WrongType("content items", "objects");
    auto type = item.FindMember("type");
    if (type == item.MemberEnd() || !type->value.IsString()) {
      return Invalid("content[].type is required and must be a string");
    }
    std::string kind = type->value.GetString();
    if (kind == "text") {
      absl::Status s = CheckOptional(item, "text", IsString, "a string");
      if (!s.ok()) return s;
      continue;
    }
    if (kind != "image_url" && kind != "video_url" && kind != "audio_url") {
      return Invalid(absl::StrCat(
          "content[].type must be image_url, video_url, audio_url or text, "
          "not \"",
          kind, "\""));
    }
    auto media = item.FindMember(kind.c_str());
    if (media == item.MemberEnd() || !media->value.IsObject()) {
      return Invalid(absl::StrCat("content[].", kind, " must be an object"));
    }
    auto url = media->value.FindMember("url");
    if (url == media->value.MemberEnd() || !url->value.IsString() ||
        url->value.GetStringLength() == 0) {
      return Invalid(absl::StrCat("content[].", kind, ".url is required"));
    }
    if (kind == "video_url") ++counts->videos;
    if (kind == "audio_url") ++counts->audios;
    auto role = item.FindMember("role");
    if (role == item.MemberEnd() || role->value.IsNull()) continue;
    if (!role->value.IsString()) return WrongType("content[].role", "a string");
    std::string r = role->value.GetString();
    if (r == "first_frame") {
      ++counts->first_frames;
    } else if (r == "last_frame") {
      ++counts->last_frames;
    } else if (r != "reference_image" && r != "reference_video" &&
               r != "reference_audio") {
      return Invalid(absl::StrCat("content[].role \"", r, "\" is not valid"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CreateRequest> ValidateCreateRequest(absl::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError()) {
    return Invalid(
        absl::StrCat("malformed JSON body: ",
                     rapidjson::GetParseError_En(doc.GetParseError()),
                     " at offset ", doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return Invalid("request body must be a JSON object");

  CreateRequest request;
  absl::Status s = RequiredString(doc, "model", &request.model);
  if (!s.ok()) return s;
  bool known = false;
  for (absl::string_view model : kModels) {
    known = known || model == request.model;
  }
  if (!known) {
    return Invalid(absl::StrCat("model \"", request.model,
                                "\" is not supported (use doubao-seedance-2.0 "
                                "or doubao-seedance-2.0-fast)"));
  }
  s = RequiredString(doc, "prompt", &request.prompt);
  if (!s.ok()) return s;

  bool present = false;
  s = CheckOptional(doc, "duration", IsNumber, "a number", &present);
  if (!s.ok()) return s;
  if (present) {
    request.duration_seconds = doc["duration"].GetDouble();
    if (!(request.duration_seconds >= 4 && request.duration_seconds <= 15)) {
      return Invalid("duration must be between 4 and 15");
    }
  }
  s = CheckOptional(doc, "resolution", IsString, "a string", &present);
  if (!s.ok()) return s;
  if (present) {
    request.resolution = doc["resolution"].GetString();
    if (request.resolution != "480p" && request.resolution != "720p") {
      return Invalid("resolution must be \"480p\" or \"720p\"");
    }
  }

  struct Typed {
    const char* field;
    bool (*ok)(const Value&);
    const char* type;
  };
  static constexpr Typed kTyped[] = {
      {"aspect_ratio", IsString, "a string"},
      {"image_url", IsString, "a string"},
      {"image_urls", IsStringArray, "an array of strings"},
      {"video_url", IsString, "a string"},
      {"video_urls", IsStringArray, "an array of strings"},
      {"video_durations", IsNumberArray, "an array of numbers"},
      {"input_video_duration", IsNumber, "a number"},
      {"audio_url", IsString, "a string"},
      {"audio_urls", IsStringArray, "an array of strings"},
      {"generate_audio", IsBool, "a boolean"},
      {"watermark", IsBool, "a boolean"},
  };
  for (const Typed& t : kTyped) {
    s = CheckOptional(doc, t.field, t.ok, t.type);
    if (!s.ok()) return s;
  }

  ContentCounts counts;
  auto content = doc.FindMember("content");
  if (content != doc.MemberEnd() && !content->value.IsNull()) {
    s = CheckContent(content->value, &counts);
    if (!s.ok()) return s;
  }
  counts.videos += (doc.HasMember("video_url") && doc["video_url"].IsString()) +
                   ArraySize(doc, "video_urls");
  counts.audios += (doc.HasMember("audio_url") && doc["audio_url"].IsString()) +
                   ArraySize(doc, "audio_urls");
  if (counts.videos > kMaxVideos) {
    return Invalid(
        "at most 3 reference videos (video_url, video_urls and "
        "content video_url items together)");
  }
  if (counts.audios > kMaxAudios) {
    return Invalid(
        "at most 3 reference audios (audio_url, audio_urls and "
        "content audio_url items together)");
  }
  if (counts.first_frames > 1) {
    return Invalid("content may hold at most one first_frame item");
  }
  if (counts.last_frames > 1) {
    return Invalid("content may hold at most one last_frame item");
  }
  return request;
}

}  // namespace tokenhub_sim
