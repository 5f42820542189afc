// Upstream task/error JSON -> seedance.v1 messages (RapidJSON, iterative
// parsing so nesting depth cannot exhaust the stack).
#include "server/upstream/task_json.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/redaction.h"
#include "server/upstream/request_validator.h"
#include "server/upstream/utf8.h"

namespace seedance::upstream {
namespace {

using ::seedance::v1::Video;
using ::seedance::v1::VideoStatus;

// Iterative (no recursion) and strict about UTF-8, since strings end up in
// proto fields that must be valid UTF-8.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// google.protobuf.Timestamp's valid range, 0001-01-01 to 9999-12-31.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// Output durations above this are nonsense (a day of video).
constexpr double kMaxUsageSeconds = 86400;

absl::Status BadReply(absl::string_view what) {
  return UpstreamError(absl::StatusCode::kInternal, kReasonBadReply,
                       absl::StrCat("upstream reply ", what));
}

// Parses `body` into `doc`; a non-object is an error.
absl::Status ParseObject(absl::string_view body, rapidjson::Document& doc) {
  doc.Parse<kParseFlags>(body.data(), body.size());
  if (doc.HasParseError()) {
    return BadReply(absl::StrCat(
        "is not valid JSON (", rapidjson::GetParseError_En(doc.GetParseError()),
        " at offset ", doc.GetErrorOffset(), ")"));
  }
  if (!doc.IsObject()) return BadReply("is not a JSON object");
  return absl::OkStatus();
}

const rapidjson::Value* Member(const rapidjson::Value& object,
                               const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Keeps printable ASCII and whole UTF-8 text; cuts at the byte limit on a
// character boundary.
std::string Truncate(std::string text) {
  if (text.size() <= kMaxUpstreamMessageBytes) return text;
  size_t cut = kMaxUpstreamMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text + "...";
}

// What an upstream string becomes, which decides how it is redacted and
// whether it may be cut.
enum class TextKind {
  kText,  // messages, codes, statuses: key shapes anywhere; truncated
  kId,    // task ids: key shapes anywhere; never cut (validated instead)
  kUrl,   // URLs: the key and key shapes at word starts; never cut
};

// The only way a string leaves an upstream reply: every accessor below goes
// through String(), which redacts the call's key and any key shape before
// anything else sees the text (redaction first, so a cut cannot leave half a
// key behind).
class ReplyReader {
 public:
  explicit ReplyReader(absl::string_view api_key) : api_key_(api_key) {}

  std::string String(absl::string_view raw,
                     TextKind kind = TextKind::kText) const {
    // Valid UTF-8 first: every result lands in a proto3 string field.
    const std::string text = ToValidUtf8(raw);
    switch (kind) {
      case TextKind::kText:
        return Truncate(RedactSecrets(text, api_key_));
      case TextKind::kId:
        return RedactSecrets(text, api_key_);
      case TextKind::kUrl:
        return RedactSecretsInUrl(text, api_key_);
    }
    return std::string(kRedacted);
  }

  // The string member `name` of `object`, or nullopt when absent or mistyped.
  absl::optional<std::string> StringMember(
      const rapidjson::Value& object, const char* name,
      TextKind kind = TextKind::kText) const {
    const rapidjson::Value* value = Member(object, name);
    if (value == nullptr || !value->IsString()) return absl::nullopt;
    return String(
        absl::string_view(value->GetString(), value->GetStringLength()), kind);
  }

  // A string, or a number printed; "" otherwise.
  std::string Scalar(const rapidjson::Value* value) const {
    if (value == nullptr) return "";
    if (value->IsString()) {
      return String(
          absl::string_view(value->GetString(), value->GetStringLength()));
    }
    if (value->IsInt64()) return absl::StrCat(value->GetInt64());
    if (value->IsNumber()) return absl::StrCat(value->GetDouble());
    return "";
  }

  // A non-JSON body (an HTML error page, say): its printable ASCII start.
  std::string PrintableStart(absl::string_view body) const {
    // Enough bytes that a key starting before the cut is seen whole.
    body = body.substr(0, kMaxUpstreamMessageBytes + api_key_.size() + 64);
    std::string out;
    out.reserve(body.size());
    for (char c : body) {
      unsigned char u = static_cast<unsigned char>(c);
      out.push_back(u >= 0x20 && u < 0x7F ? c : ' ');
    }
    return std::string(absl::StripAsciiWhitespace(String(out)));
  }

 private:
  absl::string_view api_key_;
};

VideoStatus StatusFromString(absl::string_view status) {
  std::string lower = absl::AsciiStrToLower(status);
  if (lower == "queued") return seedance::v1::VIDEO_STATUS_QUEUED;
  if (lower == "running") return seedance::v1::VIDEO_STATUS_RUNNING;
  if (lower == "succeeded") return seedance::v1::VIDEO_STATUS_SUCCEEDED;
  if (lower == "failed") return seedance::v1::VIDEO_STATUS_FAILED;
  return seedance::v1::VIDEO_STATUS_UNKNOWN;
}

void ParseCreated(const rapidjson::Value& doc, Video& video) {
  const rapidjson::Value* created = Member(doc, "created");
  if (created == nullptr || !created->IsNumber()) return;
  double seconds = std::floor(created->GetDouble());
  if (!(seconds >= kMinTimestampSeconds && seconds <= kMaxTimestampSeconds)) {
    return;
  }
  video.mutable_create_time()->set_seconds(static_cast<int64_t>(seconds));
}

void ParseResult(const rapidjson::Value& doc, const ReplyReader& reader,
                 Video& video) {
  const rapidjson::Value* source = &doc;
  const rapidjson::Value* data = Member(doc, "data");
  if (data != nullptr && data->IsArray() && !data->Empty()) {
    source = &(*data)[0];
  }
  for (const rapidjson::Value* from : {source, &doc}) {
    if (auto url = reader.StringMember(*from, "video_url", TextKind::kUrl);
        url && video.video_url().empty()) {
      video.set_video_url(*url);
    }
    if (auto url =
            reader.StringMember(*from, "cover_image_url", TextKind::kUrl);
        url && video.cover_image_url().empty()) {
      video.set_cover_image_url(*url);
    }
  }
}

void ParseUsage(const rapidjson::Value& doc, Video& video) {
  const rapidjson::Value* duration = Member(doc, "usage");
  duration = duration ? Member(*duration, "video_duration") : nullptr;
  if (duration == nullptr || !duration->IsNumber()) return;
  double seconds = duration->GetDouble();
  if (!(seconds >= 0 && seconds <= kMaxUsageSeconds)) return;
  int64_t ms = std::llround(seconds * 1000);
  auto* out = video.mutable_usage()->mutable_video_duration();
  out->set_seconds(ms / 1000);
  out->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
}

UpstreamErrorBody ErrorFromValue(const rapidjson::Value& doc,
                                 const ReplyReader& reader) {
  UpstreamErrorBody out;
  const rapidjson::Value* error = Member(doc, "error");
  if (error != nullptr && error->IsString()) {
    out.message = reader.Scalar(error);
  } else if (error != nullptr && error->IsObject()) {
    out.message = reader.Scalar(Member(*error, "message"));
    out.type = reader.Scalar(Member(*error, "type"));
    out.code = reader.Scalar(Member(*error, "code"));
  }
  if (out.message.empty()) out.message = reader.Scalar(Member(doc, "message"));
  return out;
}

}  // namespace

absl::StatusOr<Video> ParseTaskJson(absl::string_view body,
                                    absl::string_view api_key) {
  rapidjson::Document doc;
  if (absl::Status s = ParseObject(body, doc); !s.ok()) return s;
  const ReplyReader reader(api_key);
  absl::optional<std::string> id =
      reader.StringMember(doc, "id", TextKind::kId);
  if (!id) return BadReply("has no string \"id\"");
  // A redacted id would name no task: a key in it makes the reply unusable.
  if (absl::StrContains(*id, kRedacted)) {
    return BadReply("has a task \"id\" that contains an API key");
  }
  if (!ValidateTaskId(*id).ok()) return BadReply("has a malformed task \"id\"");
  absl::optional<std::string> status = reader.StringMember(doc, "status");
  if (!status) return BadReply("has no string \"status\"");
  Video video;
  video.set_id(*id);
  video.set_model(reader.StringMember(doc, "model").value_or(""));
  video.set_status(StatusFromString(*status));
  video.set_upstream_status(*status);
  ParseCreated(doc, video);
  ParseResult(doc, reader, video);
  ParseUsage(doc, video);
  UpstreamErrorBody error = ErrorFromValue(doc, reader);
  if (!error.message.empty() || !error.code.empty() || !error.type.empty()) {
    video.mutable_error()->set_message(error.message);
    video.mutable_error()->set_code(error.code);
    video.mutable_error()->set_type(error.type);
  }
  return video;
}

UpstreamErrorBody ParseUpstreamError(absl::string_view body,
                                     absl::string_view api_key) {
  const ReplyReader reader(api_key);
  rapidjson::Document doc;
  if (!ParseObject(body, doc).ok()) {
    return {reader.PrintableStart(body), "", ""};
  }
  return ErrorFromValue(doc, reader);
}

std::string ParseUpstreamErrorMessage(absl::string_view body,
                                      absl::string_view api_key) {
  return ParseUpstreamError(body, api_key).message;
}

}  // namespace seedance::upstream
