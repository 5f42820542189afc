// SseStream: one `GET /v1/videos/{id}:watch` as Server-Sent Events, a
// WatchSink of the task's shared poller like a gRPC WatchReactor.
//
// Each transition is an event whose `id:` is its sequence and whose `data:`
// is the WatchVideoResponse JSON; EventSource sends the last id back as
// Last-Event-ID when it reconnects, which the request treats as
// after_sequence, so nothing is lost or repeated. Requested heartbeats are
// `event: heartbeat` (no id); otherwise a comment line after
// `comment_interval` without traffic keeps proxies from closing the stream.
// The stream ends with `event: end` whose data is a google.rpc.Status (code
// 0 after the final state; UNAVAILABLE when the gateway drains, so reconnect)
// and the connection closes. An end before anything was sent (the task does
// not exist) is a plain JSON error with its HTTP status instead.
//
// Everything runs on the connection's strand: the poller's announcements
// are posted there. One write is in flight; what waits is bounded
// (`max_buffered_bytes`) and each write must finish within `write_timeout`:
// a reader that stalls is disconnected and its slot freed, and nobody else
// waits for it.
#ifndef SEEDANCE_SERVER_GATEWAY_SSE_STREAM_H_
#define SEEDANCE_SERVER_GATEWAY_SSE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "server/gateway/video_calls.h"
#include "server/gateway/watch_sink.h"

namespace seedance::gateway {

// The SSE frame of each transition, built once and shared by every stream
// of the task: the JSON printing of one event for 10,000 watchers was the
// web face's fan-out cost (docs/RELIABILITY.md, "Web face"). Thread-safe;
// entries go when their event is gone.
class SseFrameCache {
 public:
  // "id: N\ndata: JSON\n\n" of `event`.
  std::shared_ptr<const std::string> FrameOf(const WatchEvent& event);

 private:
  struct Entry {
    std::weak_ptr<const v1::WatchVideoResponse> event;
    std::shared_ptr<const std::string> frame;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<const v1::WatchVideoResponse*, Entry> frames_
      ABSL_GUARDED_BY(mu_);
};

struct SseOptions {
  // Shared frames (null: each stream prints its own).
  SseFrameCache* frames = nullptr;
  // A comment line after this long without traffic (proxies close idle
  // streams after 30-60 s).
  absl::Duration comment_interval = absl::Seconds(15);
  // More than this waiting to be written disconnects the reader.
  size_t max_buffered_bytes = 64 << 10;
  // What is left to send once the stream ends must leave within this.
  absl::Duration end_grace = absl::Seconds(1);
};

// One SSE frame: `event:` (when not empty), `id:` (when set), then `data:`.
std::string SseFrame(absl::string_view event, absl::optional<int64_t> id,
                     absl::string_view data);

class SseStream final : public WatchSink,
                        public std::enable_shared_from_this<SseStream> {
 public:
  // The connection's executor: a strand (the socket was accepted on one).
  using Executor = boost::asio::any_io_executor;

  // Takes over `stream` (whose request has been read) and watches.
  // `extra_headers` ("Name: value\r\n" lines, e.g. CORS) go on the answer.
  // `on_close` runs once, on the strand, when the connection is closed.
  static std::shared_ptr<SseStream> Start(boost::beast::tcp_stream stream,
                                          Executor strand, VideoCalls& calls,
                                          VideoCalls::WatchStart watch,
                                          const SseOptions& options,
                                          std::string extra_headers,
                                          std::string peer,
                                          std::function<void()> on_close);

  // WatchSink: from the poller's fan-out; posted to the strand.
  void OnVideo(const WatchEvent& event) override;
  void OnEnd(const absl::Status& status) override;

  // Closes the connection at once (the gateway stops). Any thread.
  void Close();

 private:
  SseStream(boost::beast::tcp_stream stream, Executor strand, VideoCalls& calls,
            VideoCalls::WatchStart watch, const SseOptions& options,
            std::string extra_headers, std::string peer,
            std::function<void()> on_close);

  void Begin();
  void HandleVideo(const WatchEvent& event);
  void HandleEnd(const absl::Status& status);
  void Send(std::string bytes);
  void WriteNext();
  void OnWritten(boost::system::error_code ec);
  void ArmIdleTimer();
  void OnIdleTimer();
  void ReadUntilClosed();
  void EnsureHeaders();
  void Shutdown(const absl::Status& why);

  boost::beast::tcp_stream stream_;
  Executor strand_;
  VideoCalls& calls_;
  VideoCalls::WatchStart watch_;
  const SseOptions options_;
  const std::string extra_headers_;
  const std::string peer_;
  std::function<void()> on_close_;
  const absl::Time start_ = absl::Now();

  // All below: on the strand only.
  boost::asio::steady_timer idle_timer_;   // heartbeats and comment lines
  boost::asio::steady_timer write_timer_;  // the write in flight
  boost::asio::steady_timer limit_timer_;  // --max-watch-time
  std::deque<std::string> out_;
  size_t buffered_ = 0;
  bool writing_ = false;
  bool headers_sent_ = false;
  bool watching_ = false;
  bool ending_ = false;  // close once out_ is written
  bool closed_ = false;
  int64_t last_sequence_;
  absl::Time create_time_ = absl::InfinitePast();
  absl::Time last_traffic_;
  absl::Status result_;
  char read_byte_[64];
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_SSE_STREAM_H_
