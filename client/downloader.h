// Download of a finished video (the upstream's signed URL) to a file: into
// FILE.part first, renamed only after a complete HTTP 200, so FILE is never
// a truncated video.
#ifndef SEEDANCE_CLIENT_DOWNLOADER_H_
#define SEEDANCE_CLIENT_DOWNLOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace seedance::client {

// (received, total) bytes; total 0 while unknown.
using ProgressCallback = std::function<void(int64_t, int64_t)>;

// Blocks until done; returns the number of bytes saved. Aborts with
// CANCELLED soon after `*cancelled` becomes true (Ctrl-C). Requires
// curl_global_init to have run.
absl::StatusOr<int64_t> DownloadToFile(const std::string& url,
                                       const std::string& path,
                                       const ProgressCallback& on_progress,
                                       const std::atomic<bool>* cancelled);

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_DOWNLOADER_H_
