// ListMediaInputs: the request's media in the documented order.
#include "server/upstream/media_inputs.h"

#include "absl/strings/str_cat.h"

namespace seedance::upstream {
namespace {

using ::seedance::v1::CreateVideoRequest;
using ::seedance::v1::MediaType;

// Appends the inputs of one media type: `single`, then `list`, then the
// content items of that type.
void AppendType(const CreateVideoRequest& request, MediaType type,
                const std::string& single, absl::string_view single_name,
                const google::protobuf::RepeatedPtrField<std::string>& list,
                absl::string_view list_name, std::vector<MediaInput>& out) {
  if (!single.empty()) {
    out.push_back({type, single, seedance::v1::CONTENT_ROLE_UNSPECIFIED,
                   std::string(single_name), ""});
  }
  for (int i = 0; i < list.size(); ++i) {
    out.push_back({type, list[i], seedance::v1::CONTENT_ROLE_UNSPECIFIED,
                   absl::StrCat(list_name, "[", i, "]"), ""});
  }
  for (int i = 0; i < request.content_size(); ++i) {
    const auto& item = request.content(i);
    if (item.type() != type) continue;
    out.push_back({type, item.url(), item.role(),
                   absl::StrCat("content[", i, "].url"),
                   absl::StrCat("content[", i, "]")});
  }
}

}  // namespace

std::vector<MediaInput> ListMediaInputs(const CreateVideoRequest& request) {
  std::vector<MediaInput> out;
  AppendType(request, seedance::v1::MEDIA_TYPE_IMAGE, request.image_url(),
             "image_url", request.image_urls(), "image_urls", out);
  AppendType(request, seedance::v1::MEDIA_TYPE_VIDEO, request.video_url(),
             "video_url", request.video_urls(), "video_urls", out);
  AppendType(request, seedance::v1::MEDIA_TYPE_AUDIO, request.audio_url(),
             "audio_url", request.audio_urls(), "audio_urls", out);
  // Content items of no known type, so validation can name them.
  for (int i = 0; i < request.content_size(); ++i) {
    const auto& item = request.content(i);
    if (item.type() == seedance::v1::MEDIA_TYPE_IMAGE ||
        item.type() == seedance::v1::MEDIA_TYPE_VIDEO ||
        item.type() == seedance::v1::MEDIA_TYPE_AUDIO) {
      continue;
    }
    out.push_back({seedance::v1::MEDIA_TYPE_UNSPECIFIED, item.url(),
                   item.role(), absl::StrCat("content[", i, "].url"),
                   absl::StrCat("content[", i, "]")});
  }
  return out;
}

int CountMedia(const CreateVideoRequest& request, MediaType type) {
  int count = 0;
  for (const MediaInput& input : ListMediaInputs(request)) {
    if (input.type == type) ++count;
  }
  return count;
}

}  // namespace seedance::upstream
