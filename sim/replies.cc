// JSON reply bodies (see replies.h).
#include "sim/replies.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace tokenhub_sim {
namespace {

using rapidjson::Value;

Value Str(absl::string_view s, rapidjson::Document::AllocatorType& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ErrorBody(absl::string_view message, absl::string_view type,
                      absl::string_view code) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  Value error(rapidjson::kObjectType);
  error.AddMember("message", Str(message, a), a);
  error.AddMember("type", Str(type, a), a);
  error.AddMember("code", Str(code, a), a);
  doc.AddMember("error", error, a);
  return ToJson(doc);
}

void BuildTaskDocument(const TaskView& task, absl::string_view media_base,
                       rapidjson::Document* doc) {
  doc->SetObject();
  auto& a = doc->GetAllocator();
  doc->AddMember("id", Str(task.id, a), a);
  doc->AddMember("object", "video.generation.task", a);
  doc->AddMember("model", Str(task.model, a), a);
  doc->AddMember("status", Str(task.status, a), a);
  doc->AddMember("created", task.created_unix_seconds, a);
  if (task.terminal && task.status == kSucceeded) {
    std::string base = absl::StrCat(media_base, "/media/", task.id);
    Value item(rapidjson::kObjectType);
    item.AddMember("video_url", Str(absl::StrCat(base, "/video.mp4"), a), a);
    item.AddMember("cover_image_url", Str(absl::StrCat(base, "/cover.jpg"), a),
                   a);
    Value data(rapidjson::kArrayType);
    data.PushBack(item, a);
    doc->AddMember("data", data, a);
    Value usage(rapidjson::kObjectType);
    double d = task.duration_seconds;
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      usage.AddMember("video_duration", static_cast<int64_t>(d), a);
    } else {
      usage.AddMember("video_duration", d, a);
    }
    doc->AddMember("usage", usage, a);
  } else if (task.terminal && task.status == kFailed) {
    Value error(rapidjson::kObjectType);
    error.AddMember("message", Str(task.error_message, a), a);
    error.AddMember("code", "generation_failed", a);
    doc->AddMember("error", error, a);
  }
}

void ApplyContentFault(const FaultRule& rule, rapidjson::Document* doc) {
  if (!doc->IsObject()) return;
  auto& a = doc->GetAllocator();
  switch (rule.kind) {
    case FaultKind::kUnknownStatus:
      doc->RemoveMember("status");
      doc->AddMember("status", Str(rule.text, a), a);
      break;
    case FaultKind::kMissingFields:
      for (const std::string& field : rule.fields) {
        doc->RemoveMember(field.c_str());
      }
      break;
    case FaultKind::kExtraFields: {
      // Unknown fields at the top level, nested, and inside data[0]: a
      // tolerant client ignores all of them.
      doc->AddMember("sim_extra", "clients must ignore unknown fields", a);
      Value nested(rapidjson::kObjectType);
      nested.AddMember("list", Value(rapidjson::kArrayType).PushBack(1, a), a);
      nested.AddMember("flag", true, a);
      doc->AddMember("sim_extra_object", nested, a);
      doc->AddMember("progress", 0.5, a);
      auto data = doc->FindMember("data");
      if (data != doc->MemberEnd() && data->value.IsArray() &&
          !data->value.Empty() && data->value[0].IsObject()) {
        data->value[0].AddMember("resolution", "720p", a);
      }
      break;
    }
    case FaultKind::kHuge:
      doc->AddMember(
          "padding",
          Str(std::string(static_cast<size_t>(rule.huge_bytes), 'x'), a), a);
      break;
    default:
      break;
  }
}

std::string EchoKeyErrorBody(absl::string_view key) {
  return ErrorBody(absl::StrCat("invalid key ", key, " (Bearer ", key, ")"),
                   absl::StrCat("42", key), absl::StrCat("code", key));
}

void ApplyEchoKey(absl::string_view where, absl::string_view key,
                  rapidjson::Document* doc) {
  if (!doc->IsObject()) return;
  auto& a = doc->GetAllocator();
  auto append = [&](rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString()) return;
    std::string value = absl::StrCat(it->value.GetString(), key);
    it->value = Str(value, a);
  };
  if (where == "status") {
    append(*doc, "status");
  } else if (where == "id") {
    append(*doc, "id");
  } else if (where == "task") {
    doc->RemoveMember("error");
    Value error(rapidjson::kObjectType);
    error.AddMember("message", Str(absl::StrCat("quota of ", key, " spent"), a),
                    a);
    error.AddMember("code", Str(absl::StrCat("code", key), a), a);
    error.AddMember("type", Str(absl::StrCat("42", key), a), a);
    doc->AddMember("error", error, a);
    append(*doc, "model");
    auto data = doc->FindMember("data");
    if (data != doc->MemberEnd() && data->value.IsArray() &&
        !data->value.Empty() && data->value[0].IsObject()) {
      append(data->value[0], "video_url");
      append(data->value[0], "cover_image_url");
    }
  }
}

std::string ImfFixdate(absl::Time t) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu",
                                          "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  absl::CivilSecond cs = absl::ToCivilSecond(t, absl::UTCTimeZone());
  int weekday = static_cast<int>(absl::GetWeekday(cs));  // Monday == 0
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[weekday],
                         cs.day(), kMonths[cs.month() - 1], cs.year(),
                         cs.hour(), cs.minute(), cs.second());
}

}  // namespace tokenhub_sim
