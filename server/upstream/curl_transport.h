// CurlTransport: an HttpTransport on one libcurl multi handle driven by one
// thread (the model is tensorstore's internal/http/curl_transport.cc).
//
//   CurlTransport transport(CurlTransportOptions{});
//   transport.Send(std::move(request), [](absl::StatusOr<HttpResponse> r) {
//     // runs on the transport thread: be quick, never block
//   });
//
// Send may be called from any thread: it queues the request and wakes the
// thread (curl_multi_wakeup), which adds it to the multi handle, drives
// every transfer with curl_multi_perform and sleeps in curl_multi_poll. No
// thread per request and no blocking call on the caller's thread.
// Connections are kept alive and reused; HTTP/2 is negotiated over TLS and
// requests wait for a multiplexed connection (CURLOPT_PIPEWAIT). TLS peer
// and host verification are always on, against the system CA store.
#ifndef SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_
#define SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/upstream/http_transport.h"

namespace seedance::upstream {

// Settings of a CurlTransport.
struct CurlTransportOptions {
  // Time allowed to establish a connection (TCP + TLS).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Total time per request when its deadline is further away (or infinite).
  absl::Duration default_timeout = absl::Seconds(30);
  // Larger bodies abort the transfer with UPSTREAM_RESPONSE_TOO_LARGE.
  size_t max_response_bytes = 4 << 20;
  // User-Agent header; empty means "seedance-gateway/<version>".
  std::string user_agent;
  // Most open connections in all (CURLMOPT_MAX_TOTAL_CONNECTIONS); requests
  // beyond it queue inside curl for a free connection.
  long max_connections = 64;
  // Idle connections kept for reuse (CURLMOPT_MAXCONNECTS).
  long max_idle_connections = 64;
  // CA bundle file; empty means the system store (curl's default).
  std::string ca_file;
};

// HttpTransport over libcurl's multi interface. Thread-safe. Callbacks run
// on the transport's thread, one at a time: they must be cheap and must not
// block (start more work and return). Send may be called from a callback.
class CurlTransport final : public HttpTransport {
 public:
  // Starts the transport thread.
  explicit CurlTransport(CurlTransportOptions options);
  // Fails queued and in-flight requests with CANCELLED (reason
  // UPSTREAM_TRANSPORT_SHUTDOWN), then joins the thread. Sends made after
  // (or during) destruction fail the same way at once.
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void Send(HttpRequest request, Callback done) override;

  // Per-transfer state; defined in the .cc.
  struct Transfer;

 private:
  struct Multi;     // RAII CURLM owner, defined in the .cc
  struct EasyPool;  // finished easy handles kept for reuse, in the .cc

  // The transport thread: start queued transfers, drive curl, deliver
  // finished ones, sleep in curl_multi_poll until there is work.
  void Loop();
  // Adds queued transfers to the multi handle; false once stopping.
  bool StartQueued();
  // Configures one transfer's easy handle and adds it (or fails it).
  void Start(std::unique_ptr<Transfer> transfer);
  // Delivers every transfer curl reports finished.
  void FinishDone();
  // Fails every queued and running transfer with CANCELLED.
  void CancelAll();

  const CurlTransportOptions options_;
  std::unique_ptr<Multi> multi_;  // used by the transport thread only (and
                                  // curl_multi_wakeup, which is thread-safe)
  // Transfers added to the multi handle; transport thread only.
  absl::flat_hash_map<Transfer*, std::unique_ptr<Transfer>> running_;
  // Transport thread only. Reusing handles (curl_easy_reset) spares an
  // allocation-heavy curl_easy_init and cleanup per request.
  std::unique_ptr<EasyPool> idle_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Transfer>> queue_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_CURL_TRANSPORT_H_
