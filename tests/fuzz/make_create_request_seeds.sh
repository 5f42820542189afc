#!/usr/bin/env bash
# Regenerates tests/fuzz/corpus/create_request/*.bin (CreateVideoRequest in
# wire format, as gRPC delivers it) from the text protos below, with protoc.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/tests/fuzz/corpus/create_request
seed() {  # seed NAME TEXT_PROTO
  printf '%s\n' "$2" | protoc -I"$ROOT/proto" -I"$ROOT/third_party/googleapis" -I/usr/include \
    --encode=seedance.v1.CreateVideoRequest seedance/v1/video_service.proto \
    >"$OUT/$1.bin"
}
seed minimal 'model: "doubao-seedance-2.0" prompt: "a red fox in snow"'
seed full_text 'model: "doubao-seedance-2.0-fast" prompt: "waves \"at\" dusk\n\t\\ ok" duration: 15 resolution: RESOLUTION_480P aspect_ratio: "16:9" generate_audio: true watermark: false'
seed images 'model: "doubao-seedance-2.0" prompt: "p" image_url: "https://example.com/a.png" image_urls: "https://example.com/b.jpg" image_urls: "https://example.com/c.jpg"'
seed videos 'model: "doubao-seedance-2.0" prompt: "p" video_urls: "https://example.com/a.mp4" video_urls: "https://example.com/b.mp4" video_durations { seconds: 2 nanos: 500000000 } video_durations { seconds: 3 }'
seed input_video 'model: "doubao-seedance-2.0" prompt: "p" video_url: "https://example.com/v.mp4" input_video_duration { seconds: 4 nanos: 1 } audio_url: "https://example.com/a.mp3"'
seed content 'model: "doubao-seedance-2.0" prompt: "p" content { type: MEDIA_TYPE_IMAGE url: "https://example.com/f.png" role: CONTENT_ROLE_FIRST_FRAME } content { type: MEDIA_TYPE_IMAGE url: "https://example.com/l.png" role: CONTENT_ROLE_LAST_FRAME } content { type: MEDIA_TYPE_VIDEO url: "https://example.com/r.mp4" } duration: 4'
seed validate_only 'model: "doubao-seedance-2.0" prompt: "p" validate_only: true duration: 10 resolution: RESOLUTION_720P'
seed bad_duration 'model: "doubao-seedance-2.0" prompt: "p" duration: -2147483648 video_durations { seconds: -9223372036854775808 nanos: -999999999 }'
seed unknown_model 'model: "no-such-model" prompt: ""'
