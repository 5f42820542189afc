// Closed-loop gRPC creates; see grpc_creates.h.
#include "bench/grpc_creates.h"

#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/request_id.h"

namespace seedance::bench {
namespace {

class CreateLoop {
 public:
  CreateLoop(const GatewayProcess& gateway, const GrpcCreateOptions& options)
      : options_(options),
        stop_at_(absl::Now() + options.duration),
        random_(std::random_device()()) {
    slots_.resize(static_cast<std::size_t>(std::max(1, options.concurrency)));
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].stub = gateway.stub(i);
      slots_[i].request.set_model("doubao-seedance-2.0");
      slots_[i].request.set_prompt(options.prompt);
    }
  }

  absl::StatusOr<GrpcCreateResult> Run() {
    start_ = absl::Now();
    std::vector<Slot*> first;
    {
      absl::MutexLock lock(&mu_);
      for (Slot& slot : slots_) {
        if (!MayLaunchLocked()) break;
        ++launched_;
        ++active_;
        first.push_back(&slot);
      }
    }
    for (Slot* slot : first) Launch(*slot);
    absl::MutexLock lock(&mu_);
    auto idle = [this]()
                    ABSL_SHARED_LOCKS_REQUIRED(mu_) { return active_ == 0; };
    // Every call has its own 30 s deadline, so this wait is bounded.
    mu_.Await(absl::Condition(&idle));
    result_.loop.elapsed = absl::Now() - start_;
    return std::move(result_);
  }

 private:
  struct Slot {
    v1::VideoService::Stub* stub = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    v1::CreateVideoRequest request;
    v1::CreateVideoResponse response;
    absl::Time started;
  };

  bool MayLaunchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (options_.max_count >= 0 && launched_ >= options_.max_count) {
      return false;
    }
    return absl::Now() < stop_at_;
  }

  void Launch(Slot& slot) {
    {
      // Under the mutex OnDone takes, so the slot's reuse is ordered after
      // the previous completion in ways TSan can see (gRPC's own ordering
      // is in uninstrumented code).
      absl::MutexLock lock(&mu_);
      slot.context = std::make_unique<grpc::ClientContext>();
      slot.context->set_deadline(
          absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      slot.response.Clear();
      if (options_.request_ids) {
        slot.request.set_request_id(NewRequestId(random_));
      }
      slot.started = absl::Now();
    }
    slot.stub->async()->CreateVideo(
        slot.context.get(), &slot.request, &slot.response,
        [this, &slot](const grpc::Status& status) { OnDone(slot, status); });
  }

  void OnDone(Slot& slot, const grpc::Status& status) {
    absl::Time now = absl::Now();
    bool again = false;
    {
      absl::MutexLock lock(&mu_);
      if (status.ok() && !slot.response.video().id().empty()) {
        result_.loop.latencies_us.push_back(
            absl::ToDoubleMicroseconds(now - slot.started));
        if (options_.keep_ids) {
          result_.ids.push_back(slot.response.video().id());
        }
      } else {
        ++result_.loop.errors;
        if (result_.first_error.empty()) {
          result_.first_error =
              absl::StrCat("CreateVideo: code ", status.error_code(), " ",
                           status.error_message());
        }
      }
      again = MayLaunchLocked();
      if (again) {
        ++launched_;
      } else {
        --active_;
      }
    }
    if (again) Launch(slot);
  }

  const GrpcCreateOptions options_;
  const absl::Time stop_at_;
  absl::Time start_;
  std::vector<Slot> slots_;
  absl::Mutex mu_;
  int64_t launched_ ABSL_GUARDED_BY(mu_) = 0;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
  GrpcCreateResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<GrpcCreateResult> RunGrpcCreates(
    const GatewayProcess& gateway, const GrpcCreateOptions& options) {
  CreateLoop loop(gateway, options);
  return loop.Run();
}

absl::StatusOr<GrpcCreateResult> RunGrpcCreates(
    const BenchEnv& env, const GrpcCreateOptions& options) {
  return RunGrpcCreates(env.gateway(), options);
}

absl::StatusOr<std::vector<std::string>> CreateTasks(const BenchEnv& env,
                                                     const std::string& prompt,
                                                     int count) {
  GrpcCreateOptions options;
  options.prompt = prompt;
  options.concurrency = std::min(count, 32);
  options.max_count = count;
  options.keep_ids = true;
  absl::StatusOr<GrpcCreateResult> result = RunGrpcCreates(env, options);
  if (!result.ok()) return result.status();
  if (result->loop.errors > 0 ||
      static_cast<int>(result->ids.size()) != count) {
    return absl::InternalError(absl::StrCat("creating ", count,
                                            " tasks: ", result->loop.errors,
                                            " failed; ", result->first_error));
  }
  return std::move(result->ids);
}

}  // namespace seedance::bench
