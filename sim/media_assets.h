// The result files the simulator serves at /media/{id}/video.mp4 and
// /media/{id}/cover.jpg: a real 3 s 64x64 H.264 MP4 and a 64x64 JPEG from
// sim/assets/, embedded at build time (embed_assets.cmake) so the binary is
// self-contained.
#ifndef SEEDANCE_SIM_MEDIA_ASSETS_H_
#define SEEDANCE_SIM_MEDIA_ASSETS_H_

#include "absl/strings/string_view.h"

namespace tokenhub_sim {

absl::string_view VideoMp4();
absl::string_view CoverJpeg();

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_MEDIA_ASSETS_H_
