// VideoClient: the C++ client library of seedance.v1.VideoService, used by
// the `seedance` CLI and by C++ backends. It adds what every caller would
// otherwise write again: the caller's key as `authorization` metadata,
// per-call deadlines, google.rpc error details kept on absl::Status, and a
// WatchVideo that resumes transparently after UNAVAILABLE (a gateway
// replica draining or restarting) without losing or repeating a transition.
//
//   seedance::client::VideoClient client({.target = "127.0.0.1:50051"});
//   absl::StatusOr<v1::Video> video = client.Create(request);
//   absl::Status done = client.Watch(video->id(), {},
//       [](const v1::WatchVideoResponse& m) { ... });   // blocks
//
// Thread-safe: one client may serve many threads; Cancel() from any thread
// ends every call in flight (how the CLI handles Ctrl-C).
#ifndef SEEDANCE_CLIENT_VIDEO_CLIENT_H_
#define SEEDANCE_CLIENT_VIDEO_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "seedance/v1/video_service.grpc.pb.h"

namespace seedance::client {

class TransitionFilter;

struct ClientOptions {
  // host:port of a gateway (or a load balancer in front of replicas).
  std::string target = "127.0.0.1:50051";
  // TLS to the gateway; `ca_file` (PEM) replaces the system roots.
  bool tls = false;
  std::string ca_file;
  // Mutual TLS: the client's own PEM certificate chain and key (both or
  // neither), for a gateway run with --tls-client-ca.
  std::string cert_file;
  std::string key_file;
  // The name the gateway's certificate must carry, when it is not the
  // target's host (e.g. connecting by IP address). Empty: the host.
  std::string server_name;
  // The caller's own TokenHub key, sent as `authorization: Bearer KEY`.
  // Empty: no metadata, the gateway uses its own key.
  std::string api_key;
  // Deadline of each Create and Get. Watches have none (they last as long
  // as the generation), see WatchOptions.
  absl::Duration timeout = absl::Seconds(30);
  // A create with a request_id is retried after UNAVAILABLE,
  // DEADLINE_EXCEEDED or ABORTED for this long (full-jitter backoff from
  // 100 ms to 5 s): the gateway answers the same task, never a second one.
  // Zero: no retries.
  absl::Duration create_retry_for = absl::Seconds(60);
};

struct WatchOptions {
  // Transitions up to this sequence were already seen (0: send the current
  // state first).
  int64_t after_sequence = 0;
  // Ask the gateway for heartbeats after this long without a message
  // (zero: none; otherwise 1 s to 1 h).
  absl::Duration heartbeat_interval = absl::ZeroDuration();
  // How long to keep reconnecting after the stream breaks with UNAVAILABLE
  // (or CANCELLED that Cancel() did not cause: a replica exiting)
  // (counted from the first failure of an outage; any message received
  // resets it) before giving up with UNAVAILABLE.
  absl::Duration max_reconnect_time = absl::Seconds(60);
  // Full-jitter exponential backoff between reconnect attempts.
  absl::Duration backoff_initial = absl::Milliseconds(100);
  absl::Duration backoff_max = absl::Seconds(5);
};

// Called on the watching thread for each message: every transition exactly
// once and in order, and heartbeats.
using WatchCallback = std::function<void(const v1::WatchVideoResponse&)>;

class VideoClient {
 public:
  // Builds the channel (connecting lazily). Fails only when the CA file
  // cannot be read.
  static absl::StatusOr<std::unique_ptr<VideoClient>> Create(
      ClientOptions options);

  // For tests and callers that own a channel already.
  VideoClient(std::shared_ptr<grpc::Channel> channel, ClientOptions options);

  VideoClient(const VideoClient&) = delete;
  VideoClient& operator=(const VideoClient&) = delete;

  // CreateVideo. With a request_id (AIP-155), retried after UNAVAILABLE,
  // DEADLINE_EXCEEDED and ABORTED for `create_retry_for`: every attempt
  // answers the same task. Without one, never retried: after UNAVAILABLE
  // or DEADLINE_EXCEEDED a task may exist upstream (a retry could bill
  // twice).
  absl::StatusOr<v1::Video> Create(const v1::CreateVideoRequest& request);

  // GetVideo.
  absl::StatusOr<v1::Video> Get(absl::string_view id);

  // WatchVideo until the task is final. Blocks the calling thread; returns
  // OK once the final state was delivered, CANCELLED after Cancel(),
  // UNAVAILABLE when no gateway answered for `max_reconnect_time`, or the
  // status that ended the stream otherwise (NOT_FOUND, ...).
  absl::Status Watch(absl::string_view id, const WatchOptions& options,
                     const WatchCallback& on_message);

  // Ends every call in flight with CANCELLED, wakes watches waiting to
  // reconnect, and makes later calls fail with CANCELLED.
  void Cancel();

 private:
  // Registers a call's context so Cancel() can reach it; false when the
  // client is already cancelled.
  bool Register(grpc::ClientContext* context);
  void Unregister(grpc::ClientContext* context);
  void PrepareUnary(grpc::ClientContext& context) const;
  // Waits `delay` unless cancelled first; false when cancelled.
  bool WaitUnlessCancelled(absl::Duration delay);
  // One WatchVideo stream from the filter's resume point.
  absl::Status WatchOnce(absl::string_view id, const WatchOptions& options,
                         TransitionFilter& filter, bool& received,
                         const WatchCallback& on_message);

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VideoService::Stub> stub_;

  // One CreateVideo call.
  grpc::Status CreateOnce(const v1::CreateVideoRequest& request,
                          v1::CreateVideoResponse& response);

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
};

// A channel to `options.target` with the client's credentials and a short
// reconnect backoff (gRPC's default waits a second or more before dialling
// a restarted gateway again).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

}  // namespace seedance::client

#endif  // SEEDANCE_CLIENT_VIDEO_CLIENT_H_
