// WatchReactor: one WatchVideo stream, fed by the task's shared poller.
//
// Follows gRPC's health-watch service: transitions may arrive from any
// thread (the poller's fan-out); under the reactor's mutex each is written at
// once or, while a write is in flight, queued and sent from OnWriteDone. One
// write in flight, Finish exactly once (after the queue drains, or at once on
// cancel). Transitions are never coalesced: every sequence number above the
// client's `after_sequence` is delivered, in order, once.
//
// A client that stops reading (HTTP/2 window 0) would hold its write, and so
// its slot, forever: every write and the Finish carry a deadline
// (`write_timeout`; `end_grace` once the stream is ending: task over with an
// error, watch time up, drain), past which the call is cancelled
// (RST_STREAM is not flow-controlled), OnDone follows and the slot is freed.
//
// It owns itself until OnDone; the poller and timers hold shared or weak
// references, so nothing touches freed memory after the call ends.
#ifndef SEEDANCE_SERVER_GATEWAY_WATCH_REACTOR_H_
#define SEEDANCE_SERVER_GATEWAY_WATCH_REACTOR_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/scheduler.h"
#include "server/gateway/gateway_metrics.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/stream_admission.h"
#include "server/gateway/task_key.h"
#include "server/gateway/watch_sink.h"

namespace seedance::gateway {

struct WatchOptions {
  int64_t after_sequence = 0;
  absl::Duration heartbeat_interval = absl::ZeroDuration();  // 0: none
  absl::Duration max_watch_time = absl::Hours(2);
  // A write (or the Finish) not done in this time cancels the stream.
  absl::Duration write_timeout = absl::Seconds(30);
  // Once the stream is ending, what it still has to send must leave within
  // this time (or write_timeout, if shorter), so a drain or the watch-time
  // limit is not held up by a client that does not read.
  absl::Duration end_grace = absl::Seconds(1);
  // Where the stream's end and time to first message are counted; null:
  // nowhere. Outlives the stream.
  GatewayMetrics* metrics = nullptr;
};

// Writes serialized responses (VideoService's methods are raw; see
// video_service.h): each event is serialized when its write starts.
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           public WatchSink,
                           public std::enable_shared_from_this<WatchReactor> {
 public:
  // Starts a watch of `key` for one call, holding the stream's admission
  // `ticket` until OnDone.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(
      grpc::CallbackServerContext* context, TaskKey key,
      const WatchOptions& options, PollerRegistry& registry,
      Scheduler& scheduler, StreamAdmission::Ticket ticket);

  // Ends a stream that never started watching (bad request, too many
  // streams) with `status`.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Reject(
      grpc::CallbackServerContext* context, const absl::Status& status,
      GatewayMetrics* metrics = nullptr);

  // WatchSink.
  void OnVideo(const WatchEvent& event) override;
  void OnEnd(const absl::Status& status) override;
  void OnLastVideo(const WatchEvent& event,
                   const absl::Status& status) override;

  // gRPC reactions.
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  WatchReactor(grpc::CallbackServerContext* context, TaskKey key,
               const WatchOptions& options, PollerRegistry& registry,
               Scheduler& scheduler, StreamAdmission::Ticket ticket);

  void Begin();
  void ScheduleHeartbeat(absl::Time at);
  void OnHeartbeatTimer();
  void OnWatchTimeLimit();
  void OnSendTimeout(absl::Time deadline);
  // Moves the send deadline timer to match what is pending now.
  void UpdateSendTimerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // From now on, what is left to send must leave within end_grace.
  void StartEndGraceLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `event` unless the client has it; true if queued.
  bool EnqueueLocked(const WatchEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Serializes in_flight_ into in_flight_bytes_; false (and finished with
  // INTERNAL) if it cannot be.
  bool SerializeInFlightLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TaskKey key_;
  const WatchOptions options_;
  PollerRegistry& registry_;
  Scheduler& scheduler_;
  grpc::CallbackServerContext* const context_;  // valid until OnDone
  StreamAdmission::Ticket ticket_;              // released in OnDone
  const std::string peer_;
  const absl::Time start_;

  absl::Mutex mu_;
  // Events are shared with the task's other watchers: gRPC serialises the
  // same immutable message for each stream, so a transition is built once.
  std::deque<WatchEvent> queue_ ABSL_GUARDED_BY(mu_);
  WatchEvent in_flight_ ABSL_GUARDED_BY(mu_);  // alive until OnWriteDone
  grpc::ByteBuffer in_flight_bytes_ ABSL_GUARDED_BY(mu_);  // in_flight_, sent
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_);  // highest queued or skipped
  absl::Time create_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  absl::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);  // after the queue
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  // Registered with the registry (Unwatch on OnDone).
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
  Scheduler::TimerId heartbeat_timer_ ABSL_GUARDED_BY(mu_) = 0;
  Scheduler::TimerId limit_timer_ ABSL_GUARDED_BY(mu_) = 0;
  // When the pending write (or Finish) started; its deadline timer.
  absl::Time pending_since_ ABSL_GUARDED_BY(mu_);
  absl::Time end_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  absl::Time send_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  Scheduler::TimerId send_timer_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;       // OnDone ran: context_ is gone
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;  // TryCancel was called
  bool wrote_ ABSL_GUARDED_BY(mu_) = false;      // a first message started
  // Keeps this object alive until OnDone.
  std::shared_ptr<WatchReactor> self_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_WATCH_REACTOR_H_
