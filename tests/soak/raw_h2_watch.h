// RawH2Watch: a WatchVideo call spoken on a bare TCP socket, for the clients
// a gRPC library will not imitate: one that never grants the server any
// flow-control window (like `nghttp -w 0`), and one that vanishes mid-stream
// (the socket reset without an RST_STREAM or GOAWAY, as when a phone drops
// off the network or a process is killed).
//
// It speaks just enough HTTP/2 (RFC 9113) to be a well-behaved peer apart
// from that: the preface, SETTINGS (and the ACK of the server's), PING ACKs,
// one request stream with HPACK literals. RawH2Pump drives any number of
// them on one thread with poll(2).
//
//   RawH2Pump pump;
//   auto c = RawH2Watch::Start(port, request, RawH2Watch::Mode::kNeverRead);
//   pump.Add(c);   ...   c->WaitEnded(absl::Seconds(30));
#ifndef SEEDANCE_TESTS_SOAK_RAW_H2_WATCH_H_
#define SEEDANCE_TESTS_SOAK_RAW_H2_WATCH_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::testing {

class RawH2Watch {
 public:
  enum class Mode {
    // Stream window 0 and never a WINDOW_UPDATE: no DATA frame can ever be
    // sent to it. Only the server (a write timeout) can end its stream.
    kNeverRead,
    // Ordinary window; on the first DATA frame it closes the socket with
    // SO_LINGER 0 (an RST), saying nothing at the HTTP/2 level.
    kVanish,
  };

  // Connects to 127.0.0.1:`port` and sends the preface, SETTINGS, and the
  // call (HEADERS + DATA with END_STREAM).
  static absl::StatusOr<std::unique_ptr<RawH2Watch>> Start(
      int port, const v1::WatchVideoRequest& request, Mode mode);

  RawH2Watch(const RawH2Watch&) = delete;
  RawH2Watch& operator=(const RawH2Watch&) = delete;
  ~RawH2Watch();  // closes the socket if still open

  // Whether the server ended the stream (RST_STREAM, trailers, or the
  // connection closed) — for kVanish also when it vanished itself.
  bool ended() const ABSL_LOCKS_EXCLUDED(mu_);
  bool WaitEnded(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether any DATA arrived for the stream.
  bool got_data() const ABSL_LOCKS_EXCLUDED(mu_);
  // Closes the socket now (a client that gives up).
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class RawH2Pump;
  RawH2Watch(int fd, Mode mode) : fd_(fd), mode_(mode) {}

  // The socket, or -1 once closed (read by the pump).
  int fd() const ABSL_LOCKS_EXCLUDED(mu_);
  // Reads what is available and answers it; called by the pump when the
  // socket is readable.
  void OnReadable() ABSL_LOCKS_EXCLUDED(mu_);
  // Handles whole frames in in_; false when the connection should close.
  bool HandleFrames() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseLocked(bool reset) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  const Mode mode_;
  std::string in_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool got_data_ ABSL_GUARDED_BY(mu_) = false;
};

// One thread that reads every added RawH2Watch. Stops (joins) on
// destruction; the watches it was given must outlive it.
class RawH2Pump {
 public:
  RawH2Pump();
  RawH2Pump(const RawH2Pump&) = delete;
  RawH2Pump& operator=(const RawH2Pump&) = delete;
  ~RawH2Pump();

  void Add(RawH2Watch* watch) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop();

  absl::Mutex mu_;
  std::vector<RawH2Watch*> watches_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_SOAK_RAW_H2_WATCH_H_
