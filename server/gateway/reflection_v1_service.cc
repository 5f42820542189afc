#include "server/gateway/reflection_v1_service.h"

#include <utility>

#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/support/server_callback.h"

namespace seedance::gateway {
namespace {

using ::grpc::reflection::v1::ServerReflectionRequest;
using ::grpc::reflection::v1::ServerReflectionResponse;

// One reflection stream: read a question, write its answer, read the next.
// Exactly one operation is in flight at any time, so no lock is needed and
// Finish happens once: when a read or a write fails (the client
// half-closed, cancelled, or the server is shutting down).
class ReflectionStream final
    : public grpc::ServerBidiReactor<ServerReflectionRequest,
                                     ServerReflectionResponse> {
 public:
  explicit ReflectionStream(const ReflectionAnswerer& answers)
      : answers_(answers) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    // Descriptor lookups in memory: microseconds, fine on a callback thread.
    response_ = answers_.Answer(request_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream ended"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionAnswerer& answers_;
  ServerReflectionRequest request_;
  ServerReflectionResponse response_;
};

class ReflectionV1Plugin final : public grpc::ServerBuilderPlugin {
 public:
  std::string name() override { return "seedance_reflection_v1"; }
  void InitServer(grpc::ServerInitializer* si) override {
    // The initializer keeps the service alive as long as the server.
    auto service = std::make_shared<ReflectionV1Service>();
    service->SetServiceList(si->GetServiceList());
    si->RegisterService(std::move(service));
  }
  void Finish(grpc::ServerInitializer* /*si*/) override {}
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
};

class ReflectionV1BuilderOption final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->push_back(std::make_unique<ReflectionV1Plugin>());
  }
};

}  // namespace

ReflectionV1Service::ReflectionV1Service()
    : answers_(google::protobuf::DescriptorPool::generated_pool()) {}

grpc::ServerBidiReactor<ServerReflectionRequest, ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(
    grpc::CallbackServerContext* /*context*/) {
  return new ReflectionStream(answers_);
}

std::unique_ptr<grpc::ServerBuilderOption> ReflectionV1Option() {
  return std::make_unique<ReflectionV1BuilderOption>();
}

}  // namespace seedance::gateway
