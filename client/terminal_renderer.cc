// The terminal renderer: one live status line, redrawn in place with "\r"
// (status, elapsed time, estimated price), a progress bar while
// downloading, and a permanent line for each transition so the history
// stays on screen. Errors go to stderr after the live line is ended.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/event_renderer.h"
#include "client/status_text.h"
#include "google/protobuf/util/time_util.h"

namespace seedance::client {
namespace {

using google::protobuf::util::TimeUtil;

std::string Clock(absl::Duration elapsed) {
  int64_t seconds = absl::ToInt64Seconds(elapsed);
  return absl::StrFormat("%d:%02d", seconds / 60, seconds % 60);
}

std::string PriceText(const v1::Video& video) {
  if (!video.has_price()) return "";
  const v1::Price& price = video.price();
  if (price.has_actual_micros()) {
    return "cost " + FormatUsd(price.actual_micros());
  }
  return absl::StrCat("est. ", FormatUsd(price.estimated_micros()),
                      price.input_video_unpriced() ? "+" : "");
}

class TerminalRenderer final : public EventRenderer {
 public:
  TerminalRenderer(std::FILE* out, std::FILE* err)
      : out_(out), err_(err), start_(absl::Now()) {}

  ~TerminalRenderer() override { EndLine(); }

  void Created(const v1::Video& video, bool dry_run) override {
    const v1::Price& price = video.price();
    if (dry_run) {
      std::fprintf(out_,
                   "valid: estimated price %s (%s/s x %.3g s of video%s)\n",
                   FormatUsd(price.estimated_micros()).c_str(),
                   FormatUsd(price.rate_micros_per_second()).c_str(),
                   static_cast<double>(price.estimated_micros()) /
                       static_cast<double>(std::max<int64_t>(
                           1, price.rate_micros_per_second())),
                   price.input_video_unpriced()
                       ? "; reference videos without durations are not included"
                       : "");
      return;
    }
    std::fprintf(out_, "created %s (%s, %s)\n", video.id().c_str(),
                 video.model().c_str(), PriceText(video).c_str());
    last_ = video;
  }

  void Snapshot(const v1::Video& video) override {
    std::fprintf(out_, "%s  %s  %s  %s\n", video.id().c_str(),
                 StatusName(video.status()).c_str(), video.model().c_str(),
                 PriceText(video).c_str());
    PrintOutcome(video);
  }

  void Watched(const v1::WatchVideoResponse& message) override {
    if (message.has_video()) {
      last_ = message.video();
      // A transition: keep it on screen, then continue the live line.
      Redraw(absl::ZeroDuration());
      EndLine();
      PrintOutcome(last_);
      return;
    }
    Redraw(absl::Milliseconds(
        TimeUtil::DurationToMilliseconds(message.heartbeat().elapsed())));
    if (!message.heartbeat().upstream_reachable()) {
      std::fprintf(out_, "  (upstream unreachable: %s)",
                   message.heartbeat().upstream_error().c_str());
      std::fflush(out_);
    }
  }

  void DownloadProgress(int64_t received, int64_t total) override {
    constexpr int kWidth = 30;
    int filled = total > 0 ? static_cast<int>(kWidth * received / total) : 0;
    std::string bar =
        std::string(filled, '#') + std::string(kWidth - filled, '-');
    std::fprintf(out_, "\r\033[Kdownloading [%s] %s", bar.c_str(),
                 total > 0 ? absl::StrFormat("%3d%% of %d bytes",
                                             100 * received / total, total)
                                 .c_str()
                           : absl::StrFormat("%d bytes", received).c_str());
    std::fflush(out_);
    line_open_ = true;
  }

  void Downloaded(const std::string& path, int64_t bytes) override {
    EndLine();
    std::fprintf(out_, "saved %s (%lld bytes)\n", path.c_str(),
                 static_cast<long long>(bytes));
  }

  void Failed(const absl::Status& status) override {
    EndLine();
    std::fputs(("seedance: " + DescribeStatus(status)).c_str(), err_);
  }

 private:
  // `elapsed` zero: computed from the task's creation (or our start).
  void Redraw(absl::Duration elapsed) {
    if (elapsed == absl::ZeroDuration()) {
      absl::Time since =
          last_.has_create_time()
              ? absl::FromUnixSeconds(last_.create_time().seconds())
              : start_;
      elapsed = std::max(absl::ZeroDuration(), absl::Now() - since);
    }
    std::fprintf(out_, "\r\033[K%-9s %s  %s  %s",
                 StatusName(last_.status()).c_str(), Clock(elapsed).c_str(),
                 PriceText(last_).c_str(), last_.id().c_str());
    std::fflush(out_);
    line_open_ = true;
  }

  void EndLine() {
    if (!line_open_) return;
    std::fputc('\n', out_);
    std::fflush(out_);
    line_open_ = false;
  }

  void PrintOutcome(const v1::Video& video) {
    if (video.status() == v1::VIDEO_STATUS_SUCCEEDED) {
      std::fprintf(out_, "video: %s\n", video.video_url().c_str());
    } else if (video.status() == v1::VIDEO_STATUS_FAILED) {
      std::fprintf(out_, "failed: %s\n", video.error().message().c_str());
    }
  }

  std::FILE* out_;
  std::FILE* err_;
  absl::Time start_;
  v1::Video last_;
  bool line_open_ = false;
};

}  // namespace

std::unique_ptr<EventRenderer> MakeTerminalRenderer(std::FILE* out,
                                                    std::FILE* err) {
  return std::make_unique<TerminalRenderer>(out, err);
}

}  // namespace seedance::client
