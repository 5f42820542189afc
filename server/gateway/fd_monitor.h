// FdMonitor: keeps the gateway away from the descriptor limit, and notices
// when gRPC's listener has died anyway.
//
// On its own thread (never the scheduler's, which does no I/O) it counts the
// process's open descriptors every `check_interval`. When fewer than
// `reserve` are left it calls `on_pressure(true)` once (the gateway refuses
// new watches and creates with RESOURCE_EXHAUSTED and turns readiness
// NOT_SERVING) and logs; once more than the reserve plus a quarter are free
// again it calls `on_pressure(false)` and logs the recovery (the gap keeps a
// count that hovers at the line from flapping).
//
// gRPC 1.51's TCP listener stops accepting for good after one accept4 fails
// with EMFILE (docs/RELIABILITY.md), and a connection flood can reach the
// limit between two counts. So, while descriptors are free, the monitor also
// probes the listener with a fresh connection every `self_check_interval`;
// after `self_check_failures` failures in a row it logs why and calls
// `on_listener_dead` once (main() drains and exits non-zero, so the
// supervisor restarts the replica).
//
//   FdMonitor monitor(options, std::make_unique<ProcDescriptorCounter>(),
//                     std::make_unique<GrpcListenerProbe>(target), callbacks);
//   monitor.Start();
//   if (monitor.under_pressure()) ...   // any thread
//   monitor.Stop();
#ifndef SEEDANCE_SERVER_GATEWAY_FD_MONITOR_H_
#define SEEDANCE_SERVER_GATEWAY_FD_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"

namespace seedance::gateway {

// Open descriptors against the soft RLIMIT_NOFILE.
struct DescriptorUsage {
  int64_t open = 0;
  int64_t limit = 0;
};

// Where the monitor's counts come from (a fake in tests).
class DescriptorCounter {
 public:
  virtual ~DescriptorCounter() = default;
  // The counts now; an error when they cannot be read.
  virtual absl::StatusOr<DescriptorUsage> Count() = 0;
};

// Counts /proc/self/fd and reads the soft RLIMIT_NOFILE. When no descriptor
// is left to open the directory, it reports the limit as reached.
class ProcDescriptorCounter final : public DescriptorCounter {
 public:
  absl::StatusOr<DescriptorUsage> Count() override;
};

// Checks that the gRPC listener still accepts and answers (a fake in tests).
class ListenerProbe {
 public:
  virtual ~ListenerProbe() = default;
  // OK when a fresh connection got an answer within `timeout`.
  virtual absl::Status Probe(absl::Duration timeout) = 0;
};

// A grpc.health.v1 Check on a new channel (its own subchannel, so it never
// rides a connection that is already open) to `target`.
class GrpcListenerProbe final : public ListenerProbe {
 public:
  // `credentials`: how to connect (TLS when the listener has it); null:
  // plaintext.
  explicit GrpcListenerProbe(
      std::string target,
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr)
      : target_(std::move(target)), credentials_(std::move(credentials)) {}
  absl::Status Probe(absl::Duration timeout) override;

 private:
  const std::string target_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
};

// The address to probe for a listen address: wildcards become loopback.
// "0.0.0.0:50051" -> "127.0.0.1:50051", "host:0" with port 1234 -> "host:1234".
std::string SelfCheckTarget(const std::string& listen, int bound_port);

// The reserve in force under `limit`: at most a quarter of it, so a small
// limit (or a large --fd-reserve) never means refusing everything.
int64_t EffectiveReserve(int reserve, int64_t limit);

// What the soft limit was and became.
struct DescriptorLimits {
  uint64_t soft_before = 0;
  uint64_t soft_after = 0;
  uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (an error says why not).
absl::StatusOr<DescriptorLimits> RaiseDescriptorLimit();

struct FdMonitorOptions {
  // Pressure starts when fewer than this many descriptors are free (at most
  // a quarter of the limit: EffectiveReserve); 0 turns the check off.
  int reserve = 256;
  absl::Duration check_interval = absl::Seconds(1);
  // 0 turns the listener self-check off.
  absl::Duration self_check_interval = absl::Seconds(5);
  absl::Duration self_check_timeout = absl::Seconds(2);
  int self_check_failures = 3;
};

struct FdMonitorCallbacks {
  // true when descriptors run low, false when they recover; from the
  // monitor's thread (or CheckNow's caller).
  std::function<void(bool low)> on_pressure;
  // Once, when the listener has stopped answering while descriptors are free.
  std::function<void()> on_listener_dead;
};

class FdMonitor {
 public:
  FdMonitor(const FdMonitorOptions& options,
            std::unique_ptr<DescriptorCounter> counter,
            std::unique_ptr<ListenerProbe> probe, FdMonitorCallbacks callbacks);
  // Stops the thread if it runs.
  ~FdMonitor();

  FdMonitor(const FdMonitor&) = delete;
  FdMonitor& operator=(const FdMonitor&) = delete;

  // Starts the monitor's thread: a count every check_interval, a self-check
  // every self_check_interval.
  void Start();
  // Stops and joins the thread; no callback runs after it returns.
  void Stop();

  // Whether descriptors are low now (lock-free, for the admission check).
  bool under_pressure() const {
    return under_pressure_.load(std::memory_order_acquire);
  }

  // One count (tests drive the monitor with these instead of the thread).
  void CheckDescriptors();
  // One listener self-check; skipped under pressure, when a failure would
  // only mean that no descriptor was free for the probe.
  void CheckListener();

 private:
  void Run();

  const FdMonitorOptions options_;
  const std::unique_ptr<DescriptorCounter> counter_;
  const std::unique_ptr<ListenerProbe> probe_;
  const FdMonitorCallbacks callbacks_;
  std::atomic<bool> under_pressure_{false};
  // Touched only by the checking thread (the monitor's, or a test's).
  bool count_error_logged_ = false;
  int probe_failures_ = 0;
  bool listener_dead_ = false;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_FD_MONITOR_H_
