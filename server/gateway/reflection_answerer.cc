#include "server/gateway/reflection_answerer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/support/status.h"

namespace seedance::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::FileDescriptorProto;
using ::grpc::reflection::v1::ServerReflectionRequest;
using ::grpc::reflection::v1::ServerReflectionResponse;

void SetError(grpc::StatusCode code, std::string message,
              ServerReflectionResponse& response) {
  response.mutable_error_response()->set_error_code(code);
  response.mutable_error_response()->set_error_message(std::move(message));
}

}  // namespace

ReflectionAnswerer::ReflectionAnswerer(
    const google::protobuf::DescriptorPool* pool)
    : pool_(pool) {}

void ReflectionAnswerer::SetServiceList(
    const std::vector<std::string>* services) {
  absl::MutexLock lock(&mu_);
  services_ = services;
}

ServerReflectionResponse ReflectionAnswerer::Answer(
    const ServerReflectionRequest& request) const {
  ServerReflectionResponse response;
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kFileByFilename:
      FileByName(request.file_by_filename(), response);
      break;
    case ServerReflectionRequest::kFileContainingSymbol:
      FileContainingSymbol(request.file_containing_symbol(), response);
      break;
    case ServerReflectionRequest::kFileContainingExtension:
      FileContainingExtension(request.file_containing_extension(), response);
      break;
    case ServerReflectionRequest::kAllExtensionNumbersOfType:
      ExtensionNumbers(request.all_extension_numbers_of_type(), response);
      break;
    case ServerReflectionRequest::kListServices:
      ListServices(response);
      break;
    case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      // v1alpha answers UNIMPLEMENTED with no message; naming the field
      // tells the caller what is missing.
      SetError(grpc::StatusCode::INVALID_ARGUMENT,
               "message_request: set one of file_by_filename, "
               "file_containing_symbol, file_containing_extension, "
               "all_extension_numbers_of_type, list_services",
               response);
      break;
  }
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  return response;
}

void ReflectionAnswerer::AddFileWithDependencies(const FileDescriptor* file,
                                                 std::vector<std::string>& seen,
                                                 Response& response) const {
  // Few files, so a vector beats a set; the order (a file, then its
  // dependencies depth first) is v1alpha's.
  if (std::find(seen.begin(), seen.end(), file->name()) != seen.end()) return;
  seen.push_back(file->name());
  FileDescriptorProto proto;
  file->CopyTo(&proto);
  response.mutable_file_descriptor_response()->add_file_descriptor_proto(
      proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileWithDependencies(file->dependency(i), seen, response);
  }
}

void ReflectionAnswerer::FileByName(const std::string& name,
                                    Response& response) const {
  const FileDescriptor* file = pool_->FindFileByName(name);
  if (file == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_by_filename: no file named \"", name, "\""),
             response);
    return;
  }
  std::vector<std::string> seen;
  AddFileWithDependencies(file, seen, response);
}

void ReflectionAnswerer::FileContainingSymbol(const std::string& symbol,
                                              Response& response) const {
  const FileDescriptor* file = pool_->FindFileContainingSymbol(symbol);
  if (file == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_containing_symbol: no symbol \"", symbol, "\""),
             response);
    return;
  }
  std::vector<std::string> seen;
  AddFileWithDependencies(file, seen, response);
}

void ReflectionAnswerer::FileContainingExtension(
    const grpc::reflection::v1::ExtensionRequest& request,
    Response& response) const {
  const Descriptor* type =
      pool_->FindMessageTypeByName(request.containing_type());
  if (type == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_containing_extension.containing_type: no "
                          "message type \"",
                          request.containing_type(), "\""),
             response);
    return;
  }
  const FieldDescriptor* extension =
      pool_->FindExtensionByNumber(type, request.extension_number());
  if (extension == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("file_containing_extension.extension_number: ",
                          request.containing_type(), " has no extension ",
                          request.extension_number()),
             response);
    return;
  }
  std::vector<std::string> seen;
  AddFileWithDependencies(extension->file(), seen, response);
}

void ReflectionAnswerer::ExtensionNumbers(const std::string& type_name,
                                          Response& response) const {
  const Descriptor* type = pool_->FindMessageTypeByName(type_name);
  if (type == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND,
             absl::StrCat("all_extension_numbers_of_type: no message type \"",
                          type_name, "\""),
             response);
    return;
  }
  std::vector<const FieldDescriptor*> extensions;
  pool_->FindAllExtensions(type, &extensions);
  auto* numbers = response.mutable_all_extension_numbers_response();
  numbers->set_base_type_name(type_name);
  for (const FieldDescriptor* extension : extensions) {
    numbers->add_extension_number(extension->number());
  }
}

void ReflectionAnswerer::ListServices(Response& response) const {
  absl::MutexLock lock(&mu_);
  if (services_ == nullptr) {
    SetError(grpc::StatusCode::NOT_FOUND, "list_services: not known yet",
             response);
    return;
  }
  auto* list = response.mutable_list_services_response();
  for (const std::string& name : *services_) {
    list->add_service()->set_name(name);
  }
}

}  // namespace seedance::gateway
