#include "server/gateway/task_poller.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/gateway/call_log.h"
#include "server/gateway/sequence.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/pricing.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

// Whether a failed poll should be tried again. Beyond the library's
// transient failures, a garbled or oversized reply to an idempotent GET is
// worth another look (with backoff): the next one is usually fine, and
// ending every watch of the task would not be.
bool KeepPolling(const absl::Status& status) {
  std::string reason = upstream::ErrorReason(status);
  return upstream::IsTransient(status) || reason == upstream::kReasonBadReply ||
         reason == upstream::kReasonResponseTooLarge;
}

}  // namespace

TaskPoller::TaskPoller(TaskKey key, const PollerEnvironment& env,
                       absl::optional<v1::Price> price, OnEnd on_end)
    : key_(std::move(key)),
      env_(env),
      on_end_(std::move(on_end)),
      price_(std::move(price)),
      polling_(env.polling->clone()),
      backoff_(env.backoff->clone()),
      announcements_(*env.fanout) {}

TaskPoller::~TaskPoller() {
  absl::MutexLock lock(&mu_);
  if (timer_ != 0) env_.scheduler->Cancel(timer_);
}

void TaskPoller::Start() {
  absl::MutexLock lock(&mu_);
  ScheduleLocked(absl::ZeroDuration());
}

void TaskPoller::AddWatcher(std::shared_ptr<WatchSink> sink) {
  absl::MutexLock lock(&mu_);
  // Announcements already posted to the strand do not include this sink,
  // so it sees the current state exactly once, here, before any later one.
  if (ended_) {
    if (state_.event) {
      sink->OnLastVideo(state_.event, *ended_);
    } else {
      sink->OnEnd(*ended_);
    }
    return;
  }
  if (state_.event) sink->OnVideo(state_.event);
  sinks_.push_back(std::move(sink));
}

std::size_t TaskPoller::RemoveWatcher(const WatchSink* sink) {
  absl::MutexLock lock(&mu_);
  sinks_.erase(std::remove_if(sinks_.begin(), sinks_.end(),
                              [sink](const std::shared_ptr<WatchSink>& s) {
                                return s.get() == sink;
                              }),
               sinks_.end());
  return sinks_.size();
}

void TaskPoller::Stop(const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (!ended_) EndLocked(why);
}

PollerSnapshot TaskPoller::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

void TaskPoller::ScheduleLocked(absl::Duration delay) {
  // The timer holds only a weak reference: a stopped, released poller
  // must not be kept alive (or polled) by its pending timer.
  std::weak_ptr<TaskPoller> weak = weak_from_this();
  timer_ = env_.scheduler->RunAfter(delay, [weak] {
    if (auto self = weak.lock()) self->PollNow();
  });
}

void TaskPoller::PollNow() {
  upstream::CallOptions options;
  {
    absl::MutexLock lock(&mu_);
    timer_ = 0;
    if (ended_) return;
    options.deadline = env_.scheduler->Now() + env_.upstream_timeout;
    options.api_key = key_.api_key;
    // The poller has its own backoff and reports failures in heartbeats.
    options.retry_transient = false;
  }
  env_.client->GetVideo(
      key_.task_id, options,
      [self = shared_from_this()](absl::StatusOr<v1::Video> result) {
        self->OnPollResult(std::move(result));
      });
}

void TaskPoller::OnPollResult(absl::StatusOr<v1::Video> result) {
  PollerSnapshot last;
  absl::Status why;
  {
    absl::MutexLock lock(&mu_);
    if (ended_) return;  // stopped while the poll was in flight
    bool ended = result.ok() ? HandleVideoLocked(*std::move(result))
                             : HandleFailureLocked(result.status());
    if (!ended) return;
    last = state_;
    why = *ended_;
  }
  if (!why.ok()) {
    LogUpstreamFailure("poll", key_.task_id, why);
  }
  on_end_(*this, last, why);
}

bool TaskPoller::HandleVideoLocked(v1::Video video) {
  const absl::Time now = env_.scheduler->Now();
  if (!state_.upstream_reachable) {
    backoff_ =
        env_.backoff->clone();  // recovered: the next failure starts small
  }
  state_.last_contact = now;
  state_.upstream_reachable = true;
  state_.upstream_error.clear();

  if (!state_.video || IsTransition(*state_.video, video)) {
    absl::optional<int64_t> seq = NextSequence(state_.sequence, video.status());
    *video.mutable_update_time() =
        TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
    if (price_) {
      if (video.has_usage()) upstream::ApplyUsage(video.usage(), &*price_);
      *video.mutable_price() = *price_;
    }
    state_.video = std::move(video);
    state_.observed_at = now;
    if (seq) {
      state_.sequence = *seq;
      state_.event = MakeWatchEvent(*seq, now, *state_.video);
      // A final state goes out with the end (EndLocked below then finds no
      // watcher left to tell).
      AnnounceLocked(state_.event, IsFinal(state_.video->status())
                                       ? absl::make_optional(absl::OkStatus())
                                       : absl::nullopt);
    }
    // A new phase starts: look again soon, then slow down.
    polling_ = env_.polling->clone();
  }
  if (IsFinal(state_.video->status())) {
    EndLocked(absl::OkStatus());
    return true;
  }
  ScheduleLocked(polling_->WaitPeriod());
  return false;
}

bool TaskPoller::HandleFailureLocked(const absl::Status& status) {
  if (!KeepPolling(status)) {
    EndLocked(status);
    return true;
  }
  if (state_.upstream_reachable) {
    LogUpstreamFailure("poll (will retry)", key_.task_id, status);
  }
  state_.upstream_reachable = false;
  state_.upstream_error = std::string(status.message());
  absl::Duration delay = backoff_->OnCompletion();
  if (auto retry_after = upstream::RetryAfter(status)) {
    delay = std::max(delay, *retry_after);
  }
  ScheduleLocked(delay);
  return false;
}

void TaskPoller::EndLocked(const absl::Status& why) {
  ended_ = why;
  if (timer_ != 0) {
    env_.scheduler->Cancel(timer_);
    timer_ = 0;
  }
  if (!sinks_.empty()) {
    announcements_.Run([sinks = std::move(sinks_), why] {
      for (const auto& sink : sinks) sink->OnEnd(why);
    });
  }
  sinks_.clear();
}

void TaskPoller::AnnounceLocked(const WatchEvent& event,
                                const absl::optional<absl::Status>& end) {
  if (sinks_.empty()) return;
  if (end) {
    announcements_.Run([sinks = std::move(sinks_), event, why = *end] {
      for (const auto& sink : sinks) sink->OnLastVideo(event, why);
    });
    sinks_.clear();
    return;
  }
  // A copy of the list: watchers may come and go while this waits its turn.
  // One that has gone just ignores the event.
  announcements_.Run([sinks = sinks_, event] {
    for (const auto& sink : sinks) sink->OnVideo(event);
  });
}

}  // namespace seedance::gateway
