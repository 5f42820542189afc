// ReflectionAnswerer: answers server-reflection questions
// (grpc.reflection.v1) from a protobuf descriptor pool and the server's
// list of services, the same sources and the same answers as gRPC's own
// v1alpha service, so clients that speak only v1 (current grpcurl, buf curl,
// Postman) see what v1alpha clients see. Pure: no gRPC call state, so the
// stream (ReflectionV1Service) and the tests share it.
//
//   ReflectionAnswerer answers(DescriptorPool::generated_pool());
//   answers.SetServiceList(initializer->GetServiceList());
//   ServerReflectionResponse response = answers.Answer(request);
#ifndef SEEDANCE_SERVER_GATEWAY_REFLECTION_ANSWERER_H_
#define SEEDANCE_SERVER_GATEWAY_REFLECTION_ANSWERER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.pb.h"

namespace seedance::gateway {

class ReflectionAnswerer {
 public:
  explicit ReflectionAnswerer(const google::protobuf::DescriptorPool* pool);

  // The server's service names. gRPC keeps appending to this vector until
  // the server starts (the default health service is added last), so it is
  // read at each question, never copied here. Until it is set,
  // list_services answers NOT_FOUND, as v1alpha does.
  void SetServiceList(const std::vector<std::string>* services);

  // The answer to one question: its files with their transitive
  // dependencies (each once), extension numbers, the services, or an
  // error_response (NOT_FOUND naming what is unknown, INVALID_ARGUMENT for
  // an empty question). Echoes host and the question, like v1alpha.
  grpc::reflection::v1::ServerReflectionResponse Answer(
      const grpc::reflection::v1::ServerReflectionRequest& request) const;

 private:
  using Response = grpc::reflection::v1::ServerReflectionResponse;

  void AddFileWithDependencies(const google::protobuf::FileDescriptor* file,
                               std::vector<std::string>& seen,
                               Response& response) const;
  void FileByName(const std::string& name, Response& response) const;
  void FileContainingSymbol(const std::string& symbol,
                            Response& response) const;
  void FileContainingExtension(
      const grpc::reflection::v1::ExtensionRequest& request,
      Response& response) const;
  void ExtensionNumbers(const std::string& type, Response& response) const;
  void ListServices(Response& response) const;

  const google::protobuf::DescriptorPool* const pool_;
  mutable absl::Mutex mu_;
  const std::vector<std::string>* services_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_REFLECTION_ANSWERER_H_
