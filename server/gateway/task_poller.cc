#include "server/gateway/task_poller.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/gateway/call_log.h"
#include "server/gateway/sequence.h"
#include "server/gateway/task_records.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/pricing.h"
#include "server/upstream/retry_policy.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

// Without a prototype in the environment: every failure RetryableRead
// accepts, without limit (the poller reports them in heartbeats).
const upstream::RetryPolicy& DefaultRetry() {
  static const auto* policy =
      new upstream::LimitedErrorCountRetryPolicy(&upstream::RetryableRead, -1);
  return *policy;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

}  // namespace

TaskPoller::TaskPoller(TaskKey key, const PollerEnvironment& env, TaskSeed seed,
                       OnEnd on_end)
    : key_(std::move(key)),
      env_(env),
      on_end_(std::move(on_end)),
      owner_(std::move(seed.owner)),
      created_(seed.created),
      price_(std::move(seed.price)),
      followed_(seed.follow),
      lease_(seed.lease),
      polling_(env.polling->clone()),
      unwatched_((env.unwatched ? env.unwatched : env.polling)->clone()),
      backoff_(env.backoff->clone()),
      retry_((env.retry ? *env.retry : DefaultRetry()).clone()),
      announcements_(*env.fanout) {
  absl::MutexLock lock(&mu_);
  state_.remote = seed.remote && env_.reader != nullptr && !owner_.empty();
  if (seed.video) {
    state_.video = *std::move(seed.video);
    state_.sequence = seed.sequence;
    state_.observed_at = state_.video->has_update_time()
                             ? FromTimestamp(state_.video->update_time())
                             : env_.scheduler->Now();
    if (state_.sequence > 0) {
      state_.event =
          MakeWatchEvent(state_.sequence, state_.observed_at, *state_.video);
    }
  }
}

TaskPoller::~TaskPoller() {
  absl::MutexLock lock(&mu_);
  if (timer_ != 0) env_.scheduler->Cancel(timer_);
}

void TaskPoller::Start(absl::Duration first_delay) {
  absl::MutexLock lock(&mu_);
  if (!ended_) ScheduleLocked(first_delay);
}

bool TaskPoller::AddWatcher(std::shared_ptr<WatchSink> sink) {
  absl::MutexLock lock(&mu_);
  if (ended_idle_) return false;
  // Announcements already on the strand do not include this sink, and
  // this one goes after them: it sees the current state exactly once,
  // before any later one.
  if (ended_) {
    announcements_.Run(
        [sink = std::move(sink), event = state_.event, why = *ended_] {
          if (event) {
            sink->OnLastVideo(event, why);
          } else {
            sink->OnEnd(why);
          }
        });
    return true;
  }
  if (state_.event) {
    announcements_.Run([sink, event = state_.event] { sink->OnVideo(event); });
  }
  const bool was_unwatched = sinks_.empty();
  sinks_.push_back(std::move(sink));
  // A followed task nobody watched is polled slowly: the first watcher
  // brings it back to the watched cadence.
  if (was_unwatched && timer_ != 0) {
    const absl::Time soon = env_.scheduler->Now() + polling_->WaitPeriod();
    if (next_poll_ > soon) {
      env_.scheduler->Cancel(timer_);
      ScheduleLocked(soon - env_.scheduler->Now());
    }
  }
  return true;
}

bool TaskPoller::RemoveWatcher(const WatchSink* sink) {
  absl::MutexLock lock(&mu_);
  sinks_.erase(std::remove_if(sinks_.begin(), sinks_.end(),
                              [sink](const std::shared_ptr<WatchSink>& s) {
                                return s.get() == sink;
                              }),
               sinks_.end());
  return !ended_ && IdleLocked();
}

void TaskPoller::Follow(const store::Lease& lease) {
  absl::MutexLock lock(&mu_);
  followed_ = true;
  if (!lease.holder.empty()) lease_ = lease;
  if (state_.remote) {
    // This replica took the lease: it polls the upstream from now on (a
    // read in flight finds it no longer remote and schedules the poll).
    state_.remote = false;
    read_again_ = false;
    if (!ended_ && !poll_in_flight_ && timer_ != 0) {
      env_.scheduler->Cancel(timer_);
      ScheduleLocked(absl::ZeroDuration());
    }
  }
}

bool TaskPoller::Unfollow() {
  absl::MutexLock lock(&mu_);
  followed_ = false;
  lease_ = store::Lease();
  if (env_.reader != nullptr && !owner_.empty() && !state_.remote) {
    // Another replica polls it (or will, once it claims the lease): its
    // record is the truth from now on. Read it now (a poll in flight is
    // discarded when it returns).
    state_.remote = true;
    if (!ended_ && !poll_in_flight_ && timer_ != 0) {
      env_.scheduler->Cancel(timer_);
      ScheduleLocked(absl::ZeroDuration());
    }
  }
  return !ended_ && IdleLocked();
}

void TaskPoller::Refresh() {
  absl::MutexLock lock(&mu_);
  if (!state_.remote || ended_) return;
  if (poll_in_flight_) {
    read_again_ = true;
    return;
  }
  if (timer_ != 0) {
    env_.scheduler->Cancel(timer_);
    ScheduleLocked(absl::ZeroDuration());
  }
}

TaskPoller::GetOutcome TaskPoller::Get(absl::Duration max_age,
                                       absl::Time deadline, GetCallback& done,
                                       absl::StatusOr<v1::Video>& answer) {
  absl::MutexLock lock(&mu_);
  if (ended_idle_) return GetOutcome::kEndedIdle;
  const absl::Time now = env_.scheduler->Now();
  if (ended_) {
    if (state_.video && ended_->ok()) {
      answer = *state_.video;
    } else {
      answer = *ended_;
    }
    return GetOutcome::kAnswered;
  }
  if (state_.video && now - state_.last_contact <= max_age) {
    answer = *state_.video;
    return GetOutcome::kAnswered;
  }
  if (!state_.upstream_reachable && !poll_in_flight_ && next_poll_ > deadline) {
    // The upstream is failing and the next try comes too late for this
    // call: the last failure is the answer.
    answer = last_failure_;
    return GetOutcome::kAnswered;
  }
  waiters_.push_back(Waiter{deadline, std::move(done)});
  // Poll now, unless one is on its way or the upstream is failing (then
  // the backoff's next try answers, or the deadline rule in
  // HandleFailureLocked).
  if (!poll_in_flight_ && state_.upstream_reachable && timer_ != 0) {
    env_.scheduler->Cancel(timer_);
    ScheduleLocked(absl::ZeroDuration());
  }
  return GetOutcome::kPending;
}

void TaskPoller::Stop(const absl::Status& why) {
  std::vector<Waiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    if (ended_) return;
    EndLocked(why);
    waiters.swap(waiters_);
  }
  for (Waiter& w : waiters) std::move(w.done)(why);
}

PollerSnapshot TaskPoller::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

store::Lease TaskPoller::lease() const {
  absl::MutexLock lock(&mu_);
  return followed_ ? lease_ : store::Lease();
}

bool TaskPoller::ended_idle() const {
  absl::MutexLock lock(&mu_);
  return ended_idle_;
}

bool TaskPoller::EndIfIdleLocked() {
  if (!IdleLocked()) return false;
  ended_idle_ = true;
  EndLocked(absl::CancelledError("nobody needs this poller"));
  return true;
}

bool TaskPoller::IdleLocked() const {
  return sinks_.empty() && waiters_.empty() && !followed_;
}

absl::Duration TaskPoller::CadenceLocked() {
  return sinks_.empty() && followed_ ? unwatched_->WaitPeriod()
                                     : polling_->WaitPeriod();
}

void TaskPoller::ScheduleLocked(absl::Duration delay) {
  // The timer holds only a weak reference: a stopped, released poller
  // must not be kept alive (or polled) by its pending timer.
  std::weak_ptr<TaskPoller> weak = weak_from_this();
  next_poll_ = env_.scheduler->Now() + delay;
  timer_ = env_.scheduler->RunAfter(delay, [weak] {
    if (auto self = weak.lock()) self->PollNow();
  });
}

void TaskPoller::PollNow() {
  upstream::CallOptions options;
  absl::optional<absl::Status> expired;
  std::vector<Waiter> waiters;
  PollerSnapshot last;
  bool remote = false;
  {
    absl::MutexLock lock(&mu_);
    timer_ = 0;
    next_poll_ = absl::InfiniteFuture();
    if (ended_) return;
    const absl::Time now = env_.scheduler->Now();
    if (followed_ && created_ != absl::InfinitePast() &&
        now - created_ > env_.track_for) {
      // The upstream has forgotten it by now: polling would only get 404s.
      // The store's expiry sweep marks it.
      expired = absl::DeadlineExceededError(absl::StrCat(
          "task ", key_.task_id,
          " is older than the gateway's tracking window (--track-for ",
          absl::FormatDuration(env_.track_for), "); it is no longer followed"));
      waiters.swap(waiters_);
      EndLocked(*expired);
      last = state_;
    } else {
      poll_in_flight_ = true;
      remote = state_.remote;
      options.deadline = now + env_.upstream_timeout;
      options.api_key = key_.api_key;
      // The poller has its own backoff and reports failures in heartbeats.
      options.retry_transient = false;
    }
  }
  if (expired) {
    for (Waiter& w : waiters) std::move(w.done)(*expired);
    on_end_(*this, last, *expired);
    return;
  }
  if (remote) {
    env_.reader->Read(
        owner_, key_.task_id,
        [self = shared_from_this()](absl::StatusOr<store::TaskRecord> record) {
          self->OnReadResult(std::move(record));
        });
    return;
  }
  env_.client->GetVideo(
      key_.task_id, options,
      [self = shared_from_this()](absl::StatusOr<v1::Video> result) {
        self->OnPollResult(std::move(result));
      });
}

void TaskPoller::OnPollResult(absl::StatusOr<v1::Video> result) {
  PollerSnapshot last;
  absl::optional<absl::Status> why;
  std::vector<Waiter> answer;
  absl::StatusOr<v1::Video> reply = absl::UnknownError("no state");
  {
    absl::MutexLock lock(&mu_);
    poll_in_flight_ = false;
    if (ended_) return;  // stopped while the poll was in flight
    if (state_.remote) {
      // The lease went to another replica while this poll was out: what
      // that replica records is the truth, so this answer is dropped.
      ScheduleLocked(absl::ZeroDuration());
      return;
    }
    bool ended;
    if (result.ok()) {
      ended = HandleVideoLocked(*std::move(result));
      answer.swap(waiters_);
      reply = *state_.video;
    } else {
      ended = HandleFailureLocked(result.status(), answer);
      reply = result.status();
    }
    // Nobody needs it any more (a GetVideo's poller, answered)?
    if (!ended) ended = EndIfIdleLocked();
    if (ended) {
      last = state_;
      why = *ended_;
      for (Waiter& w : waiters_) answer.push_back(std::move(w));
      waiters_.clear();
    }
  }
  for (Waiter& w : answer) std::move(w.done)(reply);
  if (!why) return;
  if (!why->ok() && why->code() != absl::StatusCode::kCancelled) {
    LogUpstreamFailure("poll", key_.task_id, *why);
  }
  on_end_(*this, last, *why);
}

void TaskPoller::OnReadResult(absl::StatusOr<store::TaskRecord> record) {
  PollerSnapshot last;
  absl::optional<absl::Status> why;
  std::vector<Waiter> answer;
  absl::StatusOr<v1::Video> reply = absl::UnknownError("no state");
  {
    absl::MutexLock lock(&mu_);
    poll_in_flight_ = false;
    if (ended_) return;  // stopped while the read was in flight
    if (!state_.remote) {
      // This replica took the lease meanwhile: it polls now.
      ScheduleLocked(absl::ZeroDuration());
      return;
    }
    bool ended = record.ok() && ApplyRecordLocked(*record);
    // GetVideo waiters get what the fleet knows; a store that cannot
    // answer keeps the watchers' streams open and is asked again later.
    answer.swap(waiters_);
    if (state_.video) {
      reply = *state_.video;
    } else if (!record.ok()) {
      reply = record.status();
    } else {
      reply = absl::UnavailableError(absl::StrCat(
          "task ", key_.task_id, " has no recorded state yet; retry"));
    }
    if (!ended) ended = EndIfIdleLocked();
    if (!ended) {
      ScheduleLocked(std::exchange(read_again_, false) ? absl::ZeroDuration()
                                                       : env_.remote_refresh);
    } else {
      last = state_;
      why = *ended_;
    }
  }
  for (Waiter& w : answer) std::move(w.done)(reply);
  if (why) on_end_(*this, last, *why);
}

bool TaskPoller::ApplyRecordLocked(const store::TaskRecord& record) {
  // Heartbeats here report when the fleet (the holder) last heard from
  // the upstream.
  state_.last_contact = std::max(state_.last_contact, record.last_contact);
  if (record.sequence > state_.sequence) {
    // A transition the lease holder recorded: announced with its sequence,
    // update_time and price, as that replica announced it.
    state_.video = RecordVideo(record);
    state_.sequence = record.sequence;
    state_.observed_at = record.update_time;
    state_.event =
        MakeWatchEvent(record.sequence, record.update_time, *state_.video);
    AnnounceLocked(state_.event, record.final
                                     ? absl::make_optional(absl::OkStatus())
                                     : absl::nullopt);
  } else if (record.sequence == state_.sequence && record.sequence > 0) {
    // The same transition, refreshed (result urls, usage).
    state_.video = RecordVideo(record);
  }
  if (record.final) {
    EndLocked(absl::OkStatus());
    return true;
  }
  if (record.expired) {
    EndLocked(absl::DeadlineExceededError(absl::StrCat(
        "task ", key_.task_id,
        " is older than the gateway's tracking window; it is no longer "
        "followed")));
    return true;
  }
  return false;
}

bool TaskPoller::HandleVideoLocked(v1::Video video) {
  const absl::Time now = store::StoredTime(env_.scheduler->Now());
  if (!state_.upstream_reachable) {
    // Recovered: the next failure starts small, and counts from zero.
    backoff_ = env_.backoff->clone();
    retry_ = (env_.retry ? *env_.retry : DefaultRetry()).clone();
  }
  state_.last_contact = now;
  state_.upstream_reachable = true;
  state_.upstream_error.clear();

  if (price_) {
    if (video.has_usage()) upstream::ApplyUsage(video.usage(), &*price_);
    *video.mutable_price() = *price_;
  }
  if (!state_.video || IsTransition(*state_.video, video)) {
    absl::optional<int64_t> seq = NextSequence(state_.sequence, video.status());
    *video.mutable_update_time() =
        TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
    *video.mutable_request_id() =
        state_.video ? state_.video->request_id() : std::string();
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
      RecordLocked();
    }
    // A new phase starts: look again soon, then slow down.
    polling_ = env_.polling->clone();
  } else {
    // Same status: keep the state's update_time (when it was first seen)
    // and what the store knows; refresh the rest (e.g. new result urls).
    *video.mutable_update_time() = state_.video->update_time();
    *video.mutable_request_id() = state_.video->request_id();
    state_.video = std::move(video);
  }
  if (IsFinal(state_.video->status())) {
    EndLocked(absl::OkStatus());
    return true;
  }
  ScheduleLocked(CadenceLocked());
  return false;
}

bool TaskPoller::HandleFailureLocked(const absl::Status& status,
                                     std::vector<Waiter>& answer) {
  if (!retry_->OnFailure(status)) {
    EndLocked(status);
    return true;
  }
  if (state_.upstream_reachable) {
    LogUpstreamFailure("poll (will retry)", key_.task_id, status);
  }
  state_.upstream_reachable = false;
  state_.upstream_error = std::string(status.message());
  last_failure_ = status;
  absl::Duration delay = backoff_->OnCompletion();
  if (auto retry_after = upstream::RetryAfter(status)) {
    delay = std::max(delay, *retry_after);
  }
  // A GetVideo that cannot wait for the next try gets this failure now.
  const absl::Time next = env_.scheduler->Now() + delay;
  auto cannot_wait = std::stable_partition(
      waiters_.begin(), waiters_.end(),
      [next](const Waiter& w) { return w.deadline > next; });
  for (auto it = cannot_wait; it != waiters_.end(); ++it) {
    answer.push_back(std::move(*it));
  }
  waiters_.erase(cannot_wait, waiters_.end());
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

void TaskPoller::RecordLocked() {
  if (env_.recorder == nullptr || owner_.empty() || !state_.video) return;
  store::Observation observation;
  observation.video = *state_.video;
  observation.sequence = state_.sequence;
  observation.observed = state_.observed_at;
  observation.fence = lease_;
  env_.recorder->Record(owner_, key_.task_id, observation);
}

}  // namespace seedance::gateway
