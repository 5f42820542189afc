// ReflectionV1Service: grpc.reflection.v1.ServerReflection beside gRPC's
// v1alpha plugin (gRPC 1.51 has no v1). Each stream answers its questions
// one at a time with a ReflectionAnswerer over the generated descriptor
// pool (v1alpha's source), so both versions describe the same services.
//
// Added to a server through its builder, which also hands it the server's
// list of services, the way gRPC's own reflection plugin gets it:
//
//   grpc::ServerBuilder builder;
//   builder.SetOption(ReflectionV1Option());
#ifndef SEEDANCE_SERVER_GATEWAY_REFLECTION_V1_SERVICE_H_
#define SEEDANCE_SERVER_GATEWAY_REFLECTION_V1_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/impl/server_builder_option.h"
#include "server/gateway/reflection_answerer.h"

namespace seedance::gateway {

class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  ReflectionV1Service();

  // See ReflectionAnswerer::SetServiceList.
  void SetServiceList(const std::vector<std::string>* services) {
    answers_.SetServiceList(services);
  }

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  ReflectionAnswerer answers_;
};

// A builder option that registers a ReflectionV1Service on the server being
// built and gives it that server's service list.
std::unique_ptr<grpc::ServerBuilderOption> ReflectionV1Option();

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_REFLECTION_V1_SERVICE_H_
