// Media inputs: every media reference of a CreateVideoRequest in the
// documented order (single field, then list, then `content` items), with
// its proto field path. Validation, pricing and counting all walk this one
// list so they agree on what "the second video" means.
//
//   for (const MediaInput& m : ListMediaInputs(request)) {
//     if (m.type == seedance::v1::MEDIA_TYPE_VIDEO) ...  // m.field:
//     "video_urls[1]"
//   }
#ifndef SEEDANCE_SERVER_UPSTREAM_MEDIA_INPUTS_H_
#define SEEDANCE_SERVER_UPSTREAM_MEDIA_INPUTS_H_

#include <string>
#include <vector>

#include "seedance/v1/video_service.pb.h"

namespace seedance::upstream {

// One media reference.
struct MediaInput {
  // Image, video or audio (UNSPECIFIED only for a bad `content` item).
  seedance::v1::MediaType type = seedance::v1::MEDIA_TYPE_UNSPECIFIED;
  // The URL as given.
  std::string url;
  // Role (content items only; UNSPECIFIED elsewhere).
  seedance::v1::ContentRole role = seedance::v1::CONTENT_ROLE_UNSPECIFIED;
  // Proto field path of the URL: `image_url`, `video_urls[1]`,
  // `content[2].url`.
  std::string field;
  // For content items, the path of the item itself (`content[2]`); else "".
  std::string item;
};

// Images in order image_url, image_urls, content; then videos in the same
// order; then audios. Empty single fields are skipped (they are unset);
// empty list entries and content items are kept so validation can name them.
std::vector<MediaInput> ListMediaInputs(
    const seedance::v1::CreateVideoRequest& request);

// How many inputs of `type` the request has.
int CountMedia(const seedance::v1::CreateVideoRequest& request,
               seedance::v1::MediaType type);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_MEDIA_INPUTS_H_
