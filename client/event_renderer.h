// EventRenderer: how the CLI shows what happens. Two implementations: a
// live status line for people at a terminal, and newline-delimited JSON
// for scripts (one object per event, nothing decorative). main() picks one
// and reports every event to it, so the commands never format output.
#ifndef SEEDANCE_CLIENT_EVENT_RENDERER_H_
#define SEEDANCE_CLIENT_EVENT_RENDERER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::client {

class EventRenderer {
 public:
  virtual ~EventRenderer() = default;

  // CreateVideo answered (for a dry run: the validated price, no id).
  virtual void Created(const v1::Video& video, bool dry_run) = 0;
  // GetVideo answered.
  virtual void Snapshot(const v1::Video& video) = 0;
  // A watch delivered a transition or a heartbeat.
  virtual void Watched(const v1::WatchVideoResponse& message) = 0;
  // Download progress (total 0 while unknown). Called often: cheap.
  virtual void DownloadProgress(int64_t received, int64_t total) = 0;
  virtual void Downloaded(const std::string& path, int64_t bytes) = 0;
  // A call or the download failed.
  virtual void Failed(const absl::Status& status) = 0;
};

// NDJSON on `out`; errors also in plain words on `err`.
std::unique_ptr<EventRenderer> MakeJsonRenderer(std::FILE* out, std::FILE* err);

// A live line on `out` (a terminal), errors on `err`.
std::unique_ptr<EventRenderer> MakeTerminalRenderer(std::FILE* out,
                                                    std::FILE* err);

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_EVENT_RENDERER_H_
