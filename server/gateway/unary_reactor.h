// UnaryReactor: a unary call that finishes exactly once, with its result or
// with CANCELLED as soon as the client goes away (a reactor that never
// finishes after a cancel would hang server shutdown).
//
// It owns itself until gRPC calls OnDone; work in flight holds a
// shared_ptr, so a late upstream answer finds a live object that knows the
// call is over and drops the answer instead of writing into a response
// gRPC has already freed.
//
//   auto call = UnaryReactor::Create(context, "GetVideo", id);
//   client.GetVideo(id, opts, [call, response](auto video) {
//     call->Complete([&] { ...fill *response...; return absl::OkStatus(); });
//   });
//   return call->reactor();
#ifndef SEEDANCE_SERVER_GATEWAY_UNARY_REACTOR_H_
#define SEEDANCE_SERVER_GATEWAY_UNARY_REACTOR_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/gateway/gateway_metrics.h"

namespace seedance::gateway {

class UnaryReactor final : public grpc::ServerUnaryReactor,
                           public std::enable_shared_from_this<UnaryReactor> {
 public:
  // `method` and `task_id` name the call in the log line; `metrics` (null:
  // none; outlives the call) counts it.
  static std::shared_ptr<UnaryReactor> Create(
      grpc::CallbackServerContext* context, std::string method,
      std::string task_id = "", GatewayMetrics* metrics = nullptr);

  // What to return to gRPC from the method handler.
  grpc::ServerUnaryReactor* reactor() { return this; }

  // Finishes with whatever `fill` returns; `fill` may write the response.
  // Runs nothing and returns false if the call already finished.
  bool Complete(absl::FunctionRef<absl::Status()> fill);

  // Finishes with an error (no response).
  bool Fail(const absl::Status& status) {
    return Complete([&] { return status; });
  }

  void set_task_id(std::string id);

  void OnCancel() override;
  void OnDone() override;

 private:
  UnaryReactor(grpc::CallbackServerContext* context, std::string method,
               std::string task_id, GatewayMetrics* metrics);

  const std::string method_;
  GatewayMetrics* const metrics_;
  const std::string peer_;
  const absl::Time start_ = absl::Now();
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  std::string task_id_ ABSL_GUARDED_BY(mu_);
  // Keeps this object alive until OnDone.
  std::shared_ptr<UnaryReactor> self_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_UNARY_REACTOR_H_
