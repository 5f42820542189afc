// CreateVideoRequest / task id validation, collecting every violation.
#include "server/upstream/request_validator.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "server/common/status_details.h"
#include "server/upstream/media_inputs.h"

namespace seedance::upstream {
namespace {

using ::seedance::v1::ContentRole;
using ::seedance::v1::CreateVideoRequest;
using ::seedance::v1::MediaType;

constexpr int64_t kMaxVideoSeconds = 600;
constexpr int64_t kMaxInputVideoSeconds = 1800;

// Collects field violations, then turns them into one status.
class Violations {
 public:
  void Add(absl::string_view field, absl::string_view description) {
    auto* v = bad_.add_field_violations();
    v->set_field(std::string(field));
    v->set_description(std::string(description));
  }

  absl::Status ToStatus() const {
    int n = bad_.field_violations_size();
    if (n == 0) return absl::OkStatus();
    std::vector<std::string> fields;
    for (const auto& v : bad_.field_violations()) {
      if (std::find(fields.begin(), fields.end(), v.field()) == fields.end()) {
        fields.push_back(v.field());
      }
    }
    std::string message =
        fields.size() == 1
            ? absl::StrCat("invalid field ", fields[0], ": ",
                           bad_.field_violations(0).description())
            : absl::StrCat(fields.size(),
                           " invalid fields: ", absl::StrJoin(fields, ", "));
    absl::Status status = absl::InvalidArgumentError(message);
    AddDetail(status, bad_);
    return status;
  }

 private:
  google::rpc::BadRequest bad_;
};

// Decodes one UTF-8 code point at `i`, advancing it; -1 when malformed
// (overlong, surrogate, beyond U+10FFFF, truncated).
int32_t NextCodePoint(absl::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
  if (extra < 0 || c > 0xF4) return -1;
  int32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size()) return -1;
    unsigned char cont = static_cast<unsigned char>(s[i++]);
    if ((cont & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cont & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  return cp;
}

bool IsUnicodeSpace(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
         cp == 0xFEFF;
}

void CheckPrompt(absl::string_view prompt, Violations& out) {
  if (prompt.empty()) return out.Add("prompt", "is required");
  int64_t count = 0;
  bool only_space = true;
  for (size_t i = 0; i < prompt.size();) {
    int32_t cp = NextCodePoint(prompt, i);
    if (cp < 0) return out.Add("prompt", "is not valid UTF-8");
    ++count;
    only_space = only_space && IsUnicodeSpace(cp);
  }
  if (only_space) out.Add("prompt", "must not be only white space");
  if (count > kMaxPromptCodePoints) {
    out.Add("prompt", absl::StrCat("must be at most ", kMaxPromptCodePoints,
                                   " characters, got ", count));
  }
}

void CheckModelAndResolution(const CreateVideoRequest& r,
                             const PriceTable& prices, Violations& out) {
  if (r.model().empty()) {
    out.Add("model", "is required");
  } else if (!prices.HasModel(r.model())) {
    std::vector<std::string> known;
    for (const PriceRow& row : prices.rows()) {
      if (std::find(known.begin(), known.end(), row.model) == known.end()) {
        known.push_back(row.model);
      }
    }
    out.Add("model", absl::StrCat("unknown model \"",
                                  absl::CHexEscape(r.model().substr(0, 64)),
                                  "\"; known: ", absl::StrJoin(known, ", ")));
  }
  if (!seedance::v1::Resolution_IsValid(r.resolution())) {
    out.Add("resolution", absl::StrCat("unknown value ", r.resolution()));
  } else if (prices.HasModel(r.model()) &&
             !prices.RateMicrosPerSecond(r.model(), r.resolution())) {
    out.Add("resolution", "not offered for this model");
  }
}

bool IsRatioTerm(absl::string_view term) {
  int value = 0;
  return !term.empty() && term.size() <= 2 && absl::ascii_isdigit(term[0]) &&
         absl::SimpleAtoi(term, &value) && value >= 1 && value <= 64 &&
         std::all_of(term.begin(), term.end(),
                     [](char c) { return absl::ascii_isdigit(c); });
}

void CheckAspectRatio(absl::string_view ratio, Violations& out) {
  if (ratio.empty() || ratio == "adaptive") return;
  std::vector<absl::string_view> parts = absl::StrSplit(ratio, ':');
  if (parts.size() == 2 && IsRatioTerm(parts[0]) && IsRatioTerm(parts[1])) {
    return;
  }
  out.Add("aspect_ratio",
          "must be \"adaptive\" or W:H with integers 1 to 64 (e.g. \"16:9\")");
}

// Why `url` is not an acceptable media URL, or "" when it is.
std::string UrlProblem(absl::string_view url) {
  if (url.empty()) return "is required";
  if (url.size() > kMaxUrlBytes) {
    return absl::StrCat("must be at most ", kMaxUrlBytes, " bytes, got ",
                        url.size());
  }
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
      return "must not contain white space or control characters";
    }
  }
  size_t scheme = absl::StartsWithIgnoreCase(url, "https://")  ? 8
                  : absl::StartsWithIgnoreCase(url, "http://") ? 7
                                                               : 0;
  if (scheme == 0) return "must be an absolute http:// or https:// URL";
  absl::string_view rest = url.substr(scheme);
  if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') {
    return "must name a host";
  }
  return "";
}

bool RoleFitsType(ContentRole role, MediaType type) {
  switch (role) {
    case seedance::v1::CONTENT_ROLE_UNSPECIFIED:
      return true;
    case seedance::v1::CONTENT_ROLE_FIRST_FRAME:
    case seedance::v1::CONTENT_ROLE_LAST_FRAME:
    case seedance::v1::CONTENT_ROLE_REFERENCE_IMAGE:
      return type == seedance::v1::MEDIA_TYPE_IMAGE;
    case seedance::v1::CONTENT_ROLE_REFERENCE_VIDEO:
      return type == seedance::v1::MEDIA_TYPE_VIDEO;
    case seedance::v1::CONTENT_ROLE_REFERENCE_AUDIO:
      return type == seedance::v1::MEDIA_TYPE_AUDIO;
    default:
      return false;
  }
}

void CheckContentItems(const CreateVideoRequest& r, Violations& out) {
  int frames[2] = {0, 0};  // first, last
  for (int i = 0; i < r.content_size(); ++i) {
    const auto& item = r.content(i);
    std::string path = absl::StrCat("content[", i, "]");
    bool known_type = item.type() != seedance::v1::MEDIA_TYPE_UNSPECIFIED &&
                      seedance::v1::MediaType_IsValid(item.type());
    if (!known_type) out.Add(path + ".type", "must be IMAGE, VIDEO or AUDIO");
    if (!seedance::v1::ContentRole_IsValid(item.role())) {
      out.Add(path + ".role", absl::StrCat("unknown value ", item.role()));
    } else if (known_type && !RoleFitsType(item.role(), item.type())) {
      out.Add(path + ".role",
              absl::StrCat(ContentRole_Name(item.role()), " does not fit ",
                           MediaType_Name(item.type())));
    }
    for (int f = 0; f < 2; ++f) {
      ContentRole frame = f == 0 ? seedance::v1::CONTENT_ROLE_FIRST_FRAME
                                 : seedance::v1::CONTENT_ROLE_LAST_FRAME;
      if (item.role() == frame && ++frames[f] == 2) {
        out.Add(path + ".role",
                absl::StrCat("at most one ", ContentRole_Name(frame)));
      }
    }
  }
}

void CheckMedia(const CreateVideoRequest& r, Violations& out) {
  struct Seen {
    MediaType type;
    ContentRole role;
    std::string field;
  };
  absl::flat_hash_map<std::string, Seen> seen;
  int counts[4] = {0, 0, 0, 0};
  for (const MediaInput& m : ListMediaInputs(r)) {
    ++counts[m.type];
    if (std::string problem = UrlProblem(m.url); !problem.empty()) {
      out.Add(m.field, problem);
      continue;
    }
    auto [it, inserted] =
        seen.try_emplace(m.url, Seen{m.type, m.role, m.field});
    if (!inserted && (it->second.type != m.type || it->second.role != m.role)) {
      out.Add(m.field, absl::StrCat("same URL as ", it->second.field,
                                    " with a different type or role"));
    }
  }
  struct Limit {
    MediaType type;
    int max;
    const char* field;
    const char* noun;
  };
  for (const Limit& l : {Limit{seedance::v1::MEDIA_TYPE_IMAGE, kMaxImages,
                               "image_urls", "images"},
                         Limit{seedance::v1::MEDIA_TYPE_VIDEO, kMaxVideos,
                               "video_urls", "videos"},
                         Limit{seedance::v1::MEDIA_TYPE_AUDIO, kMaxAudios,
                               "audio_urls", "audios"}}) {
    if (counts[l.type] > l.max) {
      out.Add(l.field,
              absl::StrCat("at most ", l.max, " ", l.noun,
                           " in all (single field, list and content), got ",
                           counts[l.type]));
    }
  }
}

// Why `d` is not a positive whole-millisecond duration of at most
// `max_seconds`, or "".
std::string DurationProblem(const google::protobuf::Duration& d,
                            int64_t max_seconds) {
  if (std::string problem = DurationFormProblem(d); !problem.empty()) {
    return problem;
  }
  if (d.seconds() == 0 && d.nanos() == 0) return "must be positive";
  if (d.seconds() > max_seconds ||
      (d.seconds() == max_seconds && d.nanos() > 0)) {
    return absl::StrCat("must be at most ", max_seconds, " s");
  }
  if (d.nanos() % 1'000'000 != 0) return "must be whole milliseconds";
  return "";
}

void CheckVideoDurations(const CreateVideoRequest& r, Violations& out) {
  int videos = CountMedia(r, seedance::v1::MEDIA_TYPE_VIDEO);
  if (r.video_durations_size() > 0 && r.video_durations_size() != videos) {
    out.Add("video_durations",
            absl::StrCat("needs one entry per video (", videos, "), got ",
                         r.video_durations_size()));
  }
  int64_t sum_ms = 0;
  bool sum_valid = true;
  for (int i = 0; i < r.video_durations_size(); ++i) {
    std::string problem =
        DurationProblem(r.video_durations(i), kMaxVideoSeconds);
    if (!problem.empty()) {
      out.Add(absl::StrCat("video_durations[", i, "]"), problem);
    }
    sum_valid = sum_valid && problem.empty();
    sum_ms += problem.empty() ? CeilMillis(r.video_durations(i)) : 0;
  }
  if (!r.has_input_video_duration()) return;
  const auto& total = r.input_video_duration();
  if (std::string problem = DurationProblem(total, kMaxInputVideoSeconds);
      !problem.empty()) {
    return out.Add("input_video_duration", problem);
  }
  if (videos == 0) {
    return out.Add("input_video_duration", "is only allowed with videos");
  }
  if (r.video_durations_size() > 0 && sum_valid &&
      CeilMillis(total) != sum_ms) {
    out.Add("input_video_duration",
            absl::StrCat("must equal the sum of video_durations (", sum_ms,
                         " ms), got ", CeilMillis(total), " ms"));
  }
}

// AIP-155 asks for a UUID: 8-4-4-4-12 hex digits, either case.
void CheckRequestId(absl::string_view id, Violations& out) {
  if (id.empty()) return;
  bool ok = id.size() == 36;
  for (size_t i = 0; ok && i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash ? id[i] == '-'
              : absl::ascii_isxdigit(static_cast<unsigned char>(id[i]));
  }
  if (!ok) {
    out.Add("request_id",
            "must be a UUID (8-4-4-4-12 hex digits, e.g. "
            "5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7c)");
  }
}

}  // namespace

absl::Status ValidateCreateVideoRequest(const CreateVideoRequest& request,
                                        const PriceTable& prices) {
  Violations out;
  CheckModelAndResolution(request, prices, out);
  CheckPrompt(request.prompt(), out);
  if (request.has_duration() && (request.duration() < kMinDurationSeconds ||
                                 request.duration() > kMaxDurationSeconds)) {
    out.Add("duration", absl::StrCat("must be ", kMinDurationSeconds, " to ",
                                     kMaxDurationSeconds, " seconds, got ",
                                     request.duration()));
  }
  CheckAspectRatio(request.aspect_ratio(), out);
  CheckContentItems(request, out);
  CheckMedia(request, out);
  CheckVideoDurations(request, out);
  CheckRequestId(request.request_id(), out);
  return out.ToStatus();
}

std::string DurationFormProblem(const google::protobuf::Duration& d) {
  if (d.seconds() < 0 || d.nanos() < 0) {
    return absl::StrCat("must not be negative (seconds ", d.seconds(),
                        ", nanos ", d.nanos(), ")");
  }
  if (d.nanos() >= 1'000'000'000) {
    return absl::StrCat("nanos must be below 1000000000, got ", d.nanos());
  }
  if (d.seconds() > kMaxProtoDurationSeconds) {
    return absl::StrCat("seconds must be at most ", kMaxProtoDurationSeconds,
                        " (the range of google.protobuf.Duration), got ",
                        d.seconds());
  }
  return "";
}

absl::Status ValidateTaskId(absl::string_view id,
                            absl::string_view field_name) {
  Violations out;
  auto allowed = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  if (id.empty()) {
    out.Add(field_name, "is required");
  } else if (id.size() > kMaxTaskIdBytes) {
    out.Add(field_name,
            absl::StrCat("must be at most ", kMaxTaskIdBytes, " bytes"));
  } else if (!std::all_of(id.begin(), id.end(), allowed)) {
    out.Add(field_name, "may only contain A-Z a-z 0-9 . _ : -");
  }
  return out.ToStatus();
}

}  // namespace seedance::upstream
