// create / get / watch, and the follow-then-download sequence they share.
#include "client/commands.h"

#include <string>

#include "client/downloader.h"

namespace seedance::client {
namespace {

ExitCode Fail(const absl::Status& status, EventRenderer& renderer,
              const std::atomic<bool>& interrupted) {
  if (interrupted.load()) return kExitInterrupted;
  renderer.Failed(status);
  return ExitCodeForStatus(status);
}

// Watches `id` to its end, then downloads the result when asked.
ExitCode Follow(const std::string& id, const CliCommand& command,
                VideoClient& client, EventRenderer& renderer,
                const std::atomic<bool>& interrupted) {
  WatchOptions options;
  options.heartbeat_interval = command.heartbeat;
  options.max_reconnect_time = command.reconnect_for;
  v1::Video last;
  absl::Status status =
      client.Watch(id, options, [&](const v1::WatchVideoResponse& message) {
        if (message.has_video()) last = message.video();
        renderer.Watched(message);
      });
  if (!status.ok()) return Fail(status, renderer, interrupted);
  if (last.status() == v1::VIDEO_STATUS_FAILED) return kExitGenerationFailed;
  if (command.download_path.empty()) return kExitOk;

  auto bytes = DownloadToFile(
      last.video_url(), command.download_path,
      [&](int64_t received, int64_t total) {
        renderer.DownloadProgress(received, total);
      },
      &interrupted);
  if (!bytes.ok()) {
    if (interrupted.load()) return kExitInterrupted;
    renderer.Failed(bytes.status());
    return kExitDownloadFailed;
  }
  renderer.Downloaded(command.download_path, *bytes);
  return kExitOk;
}

}  // namespace

ExitCode RunCommand(const CliCommand& command, VideoClient& client,
                    EventRenderer& renderer,
                    const std::atomic<bool>& interrupted) {
  switch (command.verb) {
    case CliCommand::Verb::kCreate: {
      auto video = client.Create(command.request);
      if (!video.ok()) return Fail(video.status(), renderer, interrupted);
      renderer.Created(*video, command.request.validate_only());
      if (!command.watch) return kExitOk;
      return Follow(video->id(), command, client, renderer, interrupted);
    }
    case CliCommand::Verb::kGet: {
      auto video = client.Get(command.id);
      if (!video.ok()) return Fail(video.status(), renderer, interrupted);
      renderer.Snapshot(*video);
      return kExitOk;
    }
    case CliCommand::Verb::kWatch:
      return Follow(command.id, command, client, renderer, interrupted);
    case CliCommand::Verb::kHelp:
      break;
  }
  return kExitUsage;
}

}  // namespace seedance::client
