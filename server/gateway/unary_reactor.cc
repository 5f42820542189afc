#include "server/gateway/unary_reactor.h"

#include <utility>

#include "server/common/status_details.h"
#include "server/gateway/call_log.h"

namespace seedance::gateway {

std::shared_ptr<UnaryReactor> UnaryReactor::Create(
    grpc::CallbackServerContext* context, std::string method,
    std::string task_id, GatewayMetrics* metrics) {
  std::shared_ptr<UnaryReactor> call(new UnaryReactor(
      context, std::move(method), std::move(task_id), metrics));
  call->self_ = call;
  return call;
}

UnaryReactor::UnaryReactor(grpc::CallbackServerContext* context,
                           std::string method, std::string task_id,
                           GatewayMetrics* metrics)
    : method_(std::move(method)),
      metrics_(metrics),
      peer_(context->peer()),
      task_id_(std::move(task_id)) {}

void UnaryReactor::set_task_id(std::string id) {
  absl::MutexLock lock(&mu_);
  task_id_ = std::move(id);
}

bool UnaryReactor::Complete(absl::FunctionRef<absl::Status()> fill) {
  absl::MutexLock lock(&mu_);
  if (finished_) return false;
  finished_ = true;
  result_ = fill();
  Finish(ToGrpcStatus(result_));
  if (metrics_ != nullptr) {
    metrics_->RpcHandled(method_, result_.code());
    metrics_->RpcLatency(method_, absl::Now() - start_);
  }
  return true;
}

void UnaryReactor::OnCancel() {
  Fail(
      absl::CancelledError("the client cancelled the call or its deadline "
                           "passed"));
}

void UnaryReactor::OnDone() {
  {
    absl::MutexLock lock(&mu_);
    LogCall(method_, task_id_, result_, absl::Now() - start_, peer_);
  }
  self_.reset();  // may delete this: nothing after
}

}  // namespace seedance::gateway
