#include "server/gateway/watch_reactor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/common/status_details.h"
#include "server/gateway/call_log.h"
#include "server/gateway/request_decoder.h"

namespace seedance::gateway {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

// A stream refused before it began: finishes at once, deletes itself.
class RejectedWatch final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  RejectedWatch(grpc::CallbackServerContext* context, const absl::Status& s)
      : status_(s), peer_(context->peer()) {
    Finish(ToGrpcStatus(status_));
  }
  void OnDone() override {
    LogCall("WatchVideo", "", status_, absl::ZeroDuration(), peer_);
    delete this;
  }

 private:
  const absl::Status status_;
  const std::string peer_;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchReactor::Reject(
    grpc::CallbackServerContext* context, const absl::Status& status) {
  return new RejectedWatch(context, status);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchReactor::Start(
    grpc::CallbackServerContext* context, TaskKey key,
    const WatchOptions& options, PollerRegistry& registry, Scheduler& scheduler,
    std::atomic<int>& open_streams) {
  std::shared_ptr<WatchReactor> reactor(new WatchReactor(
      context, std::move(key), options, registry, scheduler, open_streams));
  reactor->self_ = reactor;
  reactor->Begin();
  return reactor.get();
}

WatchReactor::WatchReactor(grpc::CallbackServerContext* context, TaskKey key,
                           const WatchOptions& options,
                           PollerRegistry& registry, Scheduler& scheduler,
                           std::atomic<int>& open_streams)
    : key_(std::move(key)),
      options_(options),
      registry_(registry),
      scheduler_(scheduler),
      open_streams_(open_streams),
      peer_(context->peer()),
      start_(scheduler.Now()),
      last_sequence_(options.after_sequence),
      last_write_(start_) {}

void WatchReactor::Begin() {
  // The registry may call OnVideo / OnEnd right here, before it returns.
  absl::StatusOr<std::shared_ptr<TaskPoller>> poller =
      registry_.Watch(key_, shared_from_this());
  absl::MutexLock lock(&mu_);
  if (!poller.ok()) {
    FinishLocked(poller.status());
    return;
  }
  poller_ = *std::move(poller);
  if (finish_called_ || end_) return;  // answered from the final-state cache
  std::weak_ptr<WatchReactor> weak = weak_from_this();
  limit_timer_ = scheduler_.RunAfter(options_.max_watch_time, [weak] {
    if (auto self = weak.lock()) self->OnWatchTimeLimit();
  });
  if (options_.heartbeat_interval > absl::ZeroDuration()) {
    ScheduleHeartbeat(start_ + options_.heartbeat_interval);
  }
}

void WatchReactor::OnVideo(const WatchEvent& event) {
  absl::MutexLock lock(&mu_);
  if (EnqueueLocked(event)) WriteNextLocked();
}

void WatchReactor::OnEnd(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finish_called_ || end_) return;
  end_ = status;
  if (!write_in_flight_) FinishLocked(status);
}

void WatchReactor::OnLastVideo(const WatchEvent& event,
                               const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finish_called_ || end_) return;
  if (!EnqueueLocked(event) || write_in_flight_ || queue_.size() > 1) {
    // Nothing new to send, or it waits its turn: OnWriteDone finishes.
    end_ = status;
    if (!write_in_flight_ && queue_.empty()) FinishLocked(status);
    if (!queue_.empty()) WriteNextLocked();
    return;
  }
  // The usual case: the final state and the status leave in one batch
  // (no OnWriteDone follows; OnDone does).
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  if (!SerializeInFlightLocked()) return;
  finish_called_ = true;
  result_ = status;
  StartWriteAndFinish(&in_flight_bytes_, grpc::WriteOptions(),
                      ToGrpcStatus(status));
}

bool WatchReactor::EnqueueLocked(const WatchEvent& event) {
  if (event->video().has_create_time()) {
    create_time_ = absl::FromUnixNanos(
        TimeUtil::TimestampToNanoseconds(event->video().create_time()));
  }
  // Already sent (or seen by the client before it reconnected).
  if (finish_called_ || event->sequence() <= last_sequence_) return false;
  last_sequence_ = event->sequence();
  queue_.push_back(event);
  return true;
}

void WatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_in_flight_ = false;
  if (!ok) {  // the stream broke; OnCancel or OnDone follows
    FinishLocked(absl::UnavailableError("write to the client failed"));
    return;
  }
  last_write_ = scheduler_.Now();
  WriteNextLocked();
  if (!write_in_flight_ && end_) FinishLocked(*end_);
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(absl::CancelledError("the client cancelled the watch or its "
                                    "deadline passed"));
}

void WatchReactor::OnDone() {
  std::shared_ptr<TaskPoller> poller;
  {
    absl::MutexLock lock(&mu_);
    if (heartbeat_timer_ != 0) scheduler_.Cancel(heartbeat_timer_);
    if (limit_timer_ != 0) scheduler_.Cancel(limit_timer_);
    heartbeat_timer_ = limit_timer_ = 0;
    poller = std::move(poller_);
    LogCall("WatchVideo", key_.task_id, result_, scheduler_.Now() - start_,
            peer_);
  }
  // Lock order is registry -> poller -> watcher: call in with none held.
  if (poller) registry_.Unwatch(key_, this);
  // Release: GatewayServer::Shutdown reads the count (acquire) to know that
  // every watch is over before it destroys the service that owns it.
  open_streams_.fetch_sub(1, std::memory_order_release);
  self_.reset();  // may delete this: nothing after
}

void WatchReactor::WriteNextLocked() {
  if (write_in_flight_ || finish_called_ || queue_.empty()) return;
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  if (!SerializeInFlightLocked()) return;
  write_in_flight_ = true;
  StartWrite(&in_flight_bytes_);
}

bool WatchReactor::SerializeInFlightLocked() {
  absl::Status s = EncodeResponse(*in_flight_, in_flight_bytes_);
  if (!s.ok()) FinishLocked(s);
  return s.ok();
}

void WatchReactor::FinishLocked(const absl::Status& status) {
  if (finish_called_) return;
  finish_called_ = true;
  result_ = status;
  queue_.clear();
  Finish(ToGrpcStatus(status));
}

void WatchReactor::ScheduleHeartbeat(absl::Time at) {
  std::weak_ptr<WatchReactor> weak = weak_from_this();
  heartbeat_timer_ = scheduler_.RunAt(at, [weak] {
    if (auto self = weak.lock()) self->OnHeartbeatTimer();
  });
}

void WatchReactor::OnHeartbeatTimer() {
  std::shared_ptr<TaskPoller> poller;
  {
    absl::MutexLock lock(&mu_);
    heartbeat_timer_ = 0;
    if (finish_called_ || end_) return;
    poller = poller_;
  }
  // Read the poller without our lock (lock order: poller before watcher).
  PollerSnapshot snapshot = poller ? poller->Snapshot() : PollerSnapshot();
  absl::MutexLock lock(&mu_);
  if (finish_called_ || end_) return;
  const absl::Time now = scheduler_.Now();
  const absl::Time due = last_write_ + options_.heartbeat_interval;
  if (now >= due && !write_in_flight_ && queue_.empty()) {
    auto event = std::make_shared<v1::WatchVideoResponse>();
    event->set_sequence(last_sequence_);
    *event->mutable_event_time() = ToTimestamp(now);
    v1::Heartbeat* beat = event->mutable_heartbeat();
    if (create_time_ != absl::InfinitePast()) {
      *beat->mutable_elapsed() = TimeUtil::NanosecondsToDuration(
          absl::ToInt64Nanoseconds(now - create_time_));
    }
    if (snapshot.last_contact != absl::InfinitePast()) {
      *beat->mutable_last_upstream_contact() = ToTimestamp(snapshot.last_contact);
    }
    beat->set_upstream_reachable(snapshot.upstream_reachable);
    beat->set_upstream_error(snapshot.upstream_error);
    queue_.push_back(std::move(event));
    last_write_ = now;  // a heartbeat counts as traffic
    WriteNextLocked();
  }
  ScheduleHeartbeat(std::max(now, last_write_) + options_.heartbeat_interval);
}

void WatchReactor::OnWatchTimeLimit() {
  absl::MutexLock lock(&mu_);
  limit_timer_ = 0;
  FinishLocked(absl::DeadlineExceededError(absl::StrCat(
      "watch open longer than the gateway's limit (",
      absl::FormatDuration(options_.max_watch_time),
      "); reconnect with after_sequence to continue")));
}

}  // namespace seedance::gateway
