#include "server/gateway/fd_monitor.h"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "server/common/errno_text.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {
namespace {

// RAII for the /proc/self/fd directory stream.
struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

absl::StatusOr<int64_t> SoftDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("getrlimit(RLIMIT_NOFILE): ", ErrnoText(errno)));
  }
  return static_cast<int64_t>(limit.rlim_cur);
}

// Descriptors left before the soft limit (never negative).
int64_t FreeDescriptors(const DescriptorUsage& usage) {
  return usage.limit > usage.open ? usage.limit - usage.open : 0;
}

}  // namespace

absl::StatusOr<DescriptorUsage> ProcDescriptorCounter::Count() {
  absl::StatusOr<int64_t> limit = SoftDescriptorLimit();
  if (!limit.ok()) return limit.status();
  std::unique_ptr<DIR, DirCloser> dir(opendir("/proc/self/fd"));
  if (dir == nullptr) {
    // No descriptor left even for this: that is the answer.
    if (errno == EMFILE || errno == ENFILE) {
      return DescriptorUsage{*limit, *limit};
    }
    return absl::UnavailableError(
        absl::StrCat("cannot open /proc/self/fd: ", ErrnoText(errno)));
  }
  // Every entry but "." and "..", minus the directory's own descriptor.
  int64_t open = -1;
  errno = 0;
  // readdir is safe here: this thread alone uses this DIR.
  while (const dirent* entry =
             readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->d_name[0] != '.') ++open;
  }
  if (errno != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot read /proc/self/fd: ", ErrnoText(errno)));
  }
  return DescriptorUsage{open < 0 ? 0 : open, *limit};
}

absl::Status GrpcListenerProbe::Probe(absl::Duration timeout) {
  grpc::ChannelArguments args;
  // A channel to the same target otherwise shares the process-wide
  // subchannel pool and would reuse an open connection, proving nothing
  // about the listener.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(
      target_, credentials_ ? credentials_ : grpc::InsecureChannelCredentials(),
      args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("health check on a new connection to ", target_,
                     " failed: ", status.error_message()));
  }
  return absl::OkStatus();
}

std::string SelfCheckTarget(const std::string& listen, int bound_port) {
  if (absl::StartsWith(listen, "unix:")) return listen;
  std::string host = listen;
  if (size_t colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
  }
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") {
    // gRPC listens on IPv4 too for either wildcard.
    host = "127.0.0.1";
  }
  return absl::StrCat(host, ":", bound_port);
}

int64_t EffectiveReserve(int reserve, int64_t limit) {
  return std::min<int64_t>(reserve, limit / 4);
}

absl::StatusOr<DescriptorLimits> RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("getrlimit(RLIMIT_NOFILE): ", ErrnoText(errno)));
  }
  DescriptorLimits result{limit.rlim_cur, limit.rlim_cur, limit.rlim_max};
  if (limit.rlim_cur == limit.rlim_max) return result;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat(
        "setrlimit(RLIMIT_NOFILE, ", limit.rlim_max, "): ", ErrnoText(errno)));
  }
  result.soft_after = limit.rlim_max;
  return result;
}

FdMonitor::FdMonitor(const FdMonitorOptions& options,
                     std::unique_ptr<DescriptorCounter> counter,
                     std::unique_ptr<ListenerProbe> probe,
                     FdMonitorCallbacks callbacks)
    : options_(options),
      counter_(std::move(counter)),
      probe_(std::move(probe)),
      callbacks_(std::move(callbacks)) {}

FdMonitor::~FdMonitor() { Stop(); }

void FdMonitor::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void FdMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void FdMonitor::Run() {
  const bool self_check =
      probe_ != nullptr && options_.self_check_interval > absl::ZeroDuration();
  absl::Time next_count = absl::Now();
  absl::Time next_self_check = absl::Now() + options_.self_check_interval;
  for (;;) {
    absl::Time next = next_count;
    if (self_check) next = std::min(next, next_self_check);
    {
      // Sleeps until the next check, or returns at once on Stop.
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithDeadline(absl::Condition(&stopping_), next)) return;
    }
    const absl::Time now = absl::Now();
    if (now >= next_count) {
      CheckDescriptors();
      next_count = now + options_.check_interval;
    }
    if (self_check && now >= next_self_check) {
      CheckListener();
      next_self_check = absl::Now() + options_.self_check_interval;
    }
  }
}

void FdMonitor::CheckDescriptors() {
  if (options_.reserve <= 0) return;
  absl::StatusOr<DescriptorUsage> usage = counter_->Count();
  if (!usage.ok()) {
    if (!count_error_logged_) {
      LogNotice(absl::StrCat("descriptor monitor: ", usage.status().message(),
                             "; the descriptor reserve is not enforced"));
      count_error_logged_ = true;
    }
    return;
  }
  const int64_t free = FreeDescriptors(*usage);
  const int64_t reserve = EffectiveReserve(options_.reserve, usage->limit);
  const int64_t recover_at = reserve + std::max<int64_t>(1, reserve / 4);
  const bool was_low = under_pressure();
  bool low = was_low;
  if (!was_low && free < reserve) low = true;
  if (was_low && free >= recover_at) low = false;
  if (low == was_low) return;
  under_pressure_.store(low, std::memory_order_release);
  if (low) {
    LogNotice(absl::StrCat(
        "file descriptors low: ", usage->open, " open of ", usage->limit,
        ", fewer than the reserve of ", reserve,
        " free; refusing new watches and creates, readiness NOT_SERVING"));
  } else {
    LogNotice(absl::StrCat("file descriptors recovered: ", usage->open,
                           " open of ", usage->limit,
                           "; accepting new watches and creates, readiness "
                           "SERVING"));
  }
  if (callbacks_.on_pressure) callbacks_.on_pressure(low);
}

void FdMonitor::CheckListener() {
  if (probe_ == nullptr || listener_dead_ || under_pressure()) return;
  absl::Status probed = probe_->Probe(options_.self_check_timeout);
  if (probed.ok()) {
    probe_failures_ = 0;
    return;
  }
  if (++probe_failures_ < options_.self_check_failures) return;
  // A failure is only the listener's fault if descriptors were free for
  // it all along: count again now.
  if (absl::StatusOr<DescriptorUsage> usage = counter_->Count();
      usage.ok() && FreeDescriptors(*usage) <
                        EffectiveReserve(options_.reserve, usage->limit)) {
    return;
  }
  listener_dead_ = true;
  LogNotice(absl::StrCat(
      "listener self-check failed ", probe_failures_,
      " times in a row with descriptors free (", probed.message(),
      "); gRPC 1.51 stops accepting after one accept4 EMFILE, and only a "
      "restart cures it: liveness NOT_SERVING, restarting"));
  if (callbacks_.on_listener_dead) callbacks_.on_listener_dead();
}

}  // namespace seedance::gateway
