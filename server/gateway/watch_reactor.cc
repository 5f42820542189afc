#include "server/gateway/watch_reactor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/common/status_details.h"
#include "server/gateway/call_log.h"
#include "server/gateway/heartbeat_event.h"
#include "server/gateway/request_decoder.h"

namespace seedance::gateway {
namespace {

// A stream refused before it began: finishes at once, deletes itself.
class RejectedWatch final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  RejectedWatch(grpc::CallbackServerContext* context, const absl::Status& s,
                GatewayMetrics* metrics)
      : status_(s), peer_(context->peer()), metrics_(metrics) {
    Finish(ToGrpcStatus(status_));
  }
  void OnDone() override {
    LogCall("WatchVideo", "", status_, absl::ZeroDuration(), peer_);
    if (metrics_ != nullptr) metrics_->RpcHandled("WatchVideo", status_.code());
    delete this;
  }

 private:
  const absl::Status status_;
  const std::string peer_;
  GatewayMetrics* const metrics_;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchReactor::Reject(
    grpc::CallbackServerContext* context, const absl::Status& status,
    GatewayMetrics* metrics) {
  return new RejectedWatch(context, status, metrics);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchReactor::Start(
    grpc::CallbackServerContext* context, TaskKey key,
    const WatchOptions& options, PollerRegistry& registry, Scheduler& scheduler,
    StreamAdmission::Ticket ticket) {
  std::shared_ptr<WatchReactor> reactor(
      new WatchReactor(context, std::move(key), options, registry, scheduler,
                       std::move(ticket)));
  reactor->self_ = reactor;
  reactor->Begin();
  return reactor.get();
}

WatchReactor::WatchReactor(grpc::CallbackServerContext* context, TaskKey key,
                           const WatchOptions& options,
                           PollerRegistry& registry, Scheduler& scheduler,
                           StreamAdmission::Ticket ticket)
    : key_(std::move(key)),
      options_(options),
      registry_(registry),
      scheduler_(scheduler),
      context_(context),
      ticket_(std::move(ticket)),
      peer_(context->peer()),
      start_(scheduler.Now()),
      last_sequence_(options.after_sequence),
      last_write_(start_) {}

void WatchReactor::Begin() {
  // States arrive on the fan-out executor, possibly before this returns.
  absl::Status watching = registry_.Watch(key_, shared_from_this());
  absl::MutexLock lock(&mu_);
  if (!watching.ok()) {
    FinishLocked(watching);
    return;
  }
  watching_ = true;
  if (finish_called_ || end_) return;  // already answered
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
  StartEndGraceLocked();
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
  pending_since_ = scheduler_.Now();
  StartWriteAndFinish(&in_flight_bytes_, grpc::WriteOptions(),
                      ToGrpcStatus(status));
  UpdateSendTimerLocked();
}

bool WatchReactor::EnqueueLocked(const WatchEvent& event) {
  if (event->video().has_create_time()) create_time_ = CreateTimeOf(event);
  // Already sent (or seen by the client before it reconnected).
  if (finish_called_ || event->sequence() <= last_sequence_) return false;
  last_sequence_ = event->sequence();
  queue_.push_back(event);
  return true;
}

void WatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_in_flight_ = false;
  // Whatever is sent next (write or Finish) is pending from now.
  pending_since_ = scheduler_.Now();
  if (!ok) {  // the stream broke; OnCancel or OnDone follows
    FinishLocked(absl::UnavailableError("write to the client failed"));
    return;
  }
  // last_write_ is not touched here: it was set when the write started
  // (setting it now, after the heartbeat timer's tick, made that tick's
  // successor find the heartbeat not yet due: heartbeats every 2 intervals).
  WriteNextLocked();
  if (!write_in_flight_ && end_) FinishLocked(*end_);
  UpdateSendTimerLocked();
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(
      absl::CancelledError("the client cancelled the watch or its "
                           "deadline passed"));
}

void WatchReactor::OnDone() {
  bool watching;
  {
    absl::MutexLock lock(&mu_);
    if (heartbeat_timer_ != 0) scheduler_.Cancel(heartbeat_timer_);
    if (limit_timer_ != 0) scheduler_.Cancel(limit_timer_);
    if (send_timer_ != 0) scheduler_.Cancel(send_timer_);
    heartbeat_timer_ = limit_timer_ = send_timer_ = 0;
    done_ = true;
    watching = watching_;
    LogCall("WatchVideo", key_.task_id, result_, scheduler_.Now() - start_,
            peer_);
    if (options_.metrics != nullptr) {
      options_.metrics->RpcHandled("WatchVideo", result_.code());
    }
  }
  // The registry is never called with our lock held.
  if (watching) registry_.Unwatch(key_, this);
  // GatewayServer::Shutdown reads the count to know that every watch is
  // over before it destroys the service that owns it.
  ticket_.Release();
  self_.reset();  // may delete this: nothing after
}

void WatchReactor::WriteNextLocked() {
  if (write_in_flight_ || finish_called_ || queue_.empty()) return;
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  if (!SerializeInFlightLocked()) return;
  write_in_flight_ = true;
  // A write counts as traffic (for heartbeats) when it starts.
  pending_since_ = last_write_ = scheduler_.Now();
  if (!wrote_ && options_.metrics != nullptr) {
    options_.metrics->RpcLatency("WatchVideo", last_write_ - start_);
  }
  wrote_ = true;
  StartWrite(&in_flight_bytes_);
  UpdateSendTimerLocked();
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
  // Behind a write in flight the Finish waits for it (same deadline).
  if (!write_in_flight_) pending_since_ = scheduler_.Now();
  Finish(ToGrpcStatus(status));
  UpdateSendTimerLocked();
}

void WatchReactor::StartEndGraceLocked() {
  end_deadline_ =
      std::min(end_deadline_, scheduler_.Now() + options_.end_grace);
  UpdateSendTimerLocked();
}

void WatchReactor::UpdateSendTimerLocked() {
  const bool pending = write_in_flight_ || finish_called_;
  const absl::Time at =
      pending && !done_ && !cancelled_
          ? std::min(pending_since_ + options_.write_timeout, end_deadline_)
          : absl::InfiniteFuture();
  if (at == send_deadline_) return;
  if (send_timer_ != 0) scheduler_.Cancel(send_timer_);
  send_timer_ = 0;
  send_deadline_ = at;
  if (at == absl::InfiniteFuture()) return;
  std::weak_ptr<WatchReactor> weak = weak_from_this();
  send_timer_ = scheduler_.RunAt(at, [weak, at] {
    if (auto self = weak.lock()) self->OnSendTimeout(at);
  });
}

void WatchReactor::OnSendTimeout(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  // A timer that was already running when it was moved is stale.
  if (done_ || deadline != send_deadline_) return;
  send_timer_ = 0;
  send_deadline_ = absl::InfiniteFuture();
  const bool ending = deadline == end_deadline_;
  absl::Status why = absl::DeadlineExceededError(
      ending ? absl::StrCat("the stream was ending and the client did not take "
                            "its last messages within ",
                            absl::FormatDuration(std::min(
                                options_.end_grace, options_.write_timeout)),
                            "; stream cancelled")
             : absl::StrCat("the client read nothing for ",
                            absl::FormatDuration(options_.write_timeout),
                            " (--write-timeout); stream cancelled"));
  cancelled_ = true;  // nothing more to time: OnDone follows
  FinishLocked(why);  // the reactor must Finish even a cancelled call
  result_ = why;      // for the call log, also if it had finished already
  // RST_STREAM is not flow-controlled: this ends the stream even at window
  // 0, and OnDone (which frees the slot) follows. gRPC runs our reactions
  // on its executor, never inside TryCancel, so holding mu_ is safe.
  context_->TryCancel();
}

void WatchReactor::ScheduleHeartbeat(absl::Time at) {
  std::weak_ptr<WatchReactor> weak = weak_from_this();
  heartbeat_timer_ = scheduler_.RunAt(at, [weak] {
    if (auto self = weak.lock()) self->OnHeartbeatTimer();
  });
}

void WatchReactor::OnHeartbeatTimer() {
  {
    absl::MutexLock lock(&mu_);
    heartbeat_timer_ = 0;
    if (finish_called_ || end_) return;
  }
  // Read the poller's state without our lock (the registry is never called
  // with it held).
  PollerSnapshot snapshot = registry_.Snapshot(key_);
  absl::MutexLock lock(&mu_);
  if (finish_called_ || end_) return;
  const absl::Time now = scheduler_.Now();
  const absl::Time due = last_write_ + options_.heartbeat_interval;
  if (now >= due && !write_in_flight_ && queue_.empty()) {
    WatchEvent event =
        MakeHeartbeatEvent(last_sequence_, now, create_time_, snapshot);
    queue_.push_back(std::move(event));
    WriteNextLocked();  // counts as traffic: last_write_ = now
  }
  // One interval after the last traffic; if that is past (a write has been
  // pending since before it was due), one interval from now.
  absl::Time next = last_write_ + options_.heartbeat_interval;
  if (next <= now) next = now + options_.heartbeat_interval;
  ScheduleHeartbeat(next);
}

void WatchReactor::OnWatchTimeLimit() {
  absl::MutexLock lock(&mu_);
  limit_timer_ = 0;
  if (finish_called_) return;
  StartEndGraceLocked();  // a write pending now must not hold the stream
  FinishLocked(absl::DeadlineExceededError(
      absl::StrCat("watch open longer than the gateway's limit (",
                   absl::FormatDuration(options_.max_watch_time),
                   "); reconnect with after_sequence to continue")));
}

}  // namespace seedance::gateway
