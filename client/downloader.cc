// DownloadToFile on libcurl's easy API; every handle is owned by RAII.
#include "client/downloader.h"

#include <curl/curl.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"

namespace seedance::client {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

struct Transfer {
  std::FILE* file = nullptr;
  const ProgressCallback* on_progress = nullptr;
  const std::atomic<bool>* cancelled = nullptr;
  bool write_failed = false;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t written = std::fwrite(data, size, count, transfer->file);
  if (written != count) transfer->write_failed = true;
  return written * size;
}

int OnProgress(void* user, curl_off_t total, curl_off_t received, curl_off_t,
               curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->cancelled && transfer->cancelled->load()) return 1;  // abort
  if (*transfer->on_progress) (*transfer->on_progress)(received, total);
  return 0;
}

}  // namespace

absl::StatusOr<int64_t> DownloadToFile(const std::string& url,
                                       const std::string& path,
                                       const ProgressCallback& on_progress,
                                       const std::atomic<bool>* cancelled) {
  if (url.empty()) {
    return absl::FailedPreconditionError("the task has no video URL");
  }
  const std::string partial = path + ".part";
  std::unique_ptr<std::FILE, FileCloser> file(
      std::fopen(partial.c_str(), "wb"));
  if (!file) {
    return absl::UnavailableError(absl::StrCat("cannot write ", partial));
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("curl_easy_init failed");

  Transfer transfer{file.get(), &on_progress, cancelled};
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  // Give up on a stalled transfer (under 1 byte/s for 60 s), not a slow one.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &transfer);

  CURLcode code = curl_easy_perform(curl.get());
  long http_status = 0;  // NOLINT(google-runtime-int): curl's type
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &http_status);
  curl_off_t bytes = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_SIZE_DOWNLOAD_T, &bytes);
  bool closed = std::fclose(file.release()) == 0;

  absl::Status failure;
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    failure = absl::CancelledError("download interrupted");
  } else if (transfer.write_failed || !closed) {
    failure = absl::DataLossError(absl::StrCat("cannot write ", partial));
  } else if (code != CURLE_OK) {
    failure = absl::UnavailableError(absl::StrCat(
        "download failed: ", error[0] ? error : curl_easy_strerror(code)));
  } else if (http_status != 200) {
    failure = absl::UnavailableError(
        absl::StrCat("download failed: HTTP ", http_status, " from ", url));
  } else if (std::rename(partial.c_str(), path.c_str()) != 0) {
    failure = absl::DataLossError(absl::StrCat("cannot rename to ", path));
  }
  if (!failure.ok()) {
    std::remove(partial.c_str());
    return failure;
  }
  return static_cast<int64_t>(bytes);
}

}  // namespace seedance::client
