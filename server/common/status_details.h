// Status details: google.rpc error-detail messages (BadRequest, ErrorInfo,
// RetryInfo, ...) carried on absl::Status as payloads, and the conversion to
// grpc::Status that callers in every language can decode.
//
// Library code builds statuses with details; only the gRPC layer converts:
//
//   absl::Status s = absl::InvalidArgumentError("2 fields are invalid");
//   AddDetail(s, bad_request);          // payload keyed by its type URL
//   ...
//   return ToGrpcStatus(s);             // google.rpc.Status in the trailers
#ifndef SEEDANCE_SERVER_COMMON_STATUS_DETAILS_H_
#define SEEDANCE_SERVER_COMMON_STATUS_DETAILS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace seedance {

// Type URL under which a detail message travels ("type.googleapis.com/...").
std::string DetailTypeUrl(const google::protobuf::Message& detail);

// Attaches `detail` to `status` (replacing one of the same type). No-op on OK.
void AddDetail(absl::Status& status, const google::protobuf::Message& detail);

// The detail of type T attached to `status`, if any.
template <typename T>
std::optional<T> GetDetail(const absl::Status& status) {
  T detail;
  auto payload = status.GetPayload(DetailTypeUrl(detail));
  if (!payload || !detail.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return detail;
}

// Converts to grpc::Status: same code and message, and every detail packed
// into a google.rpc.Status in the `grpc-status-details-bin` trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients and tests: details become payloads again.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace seedance

#endif  // SEEDANCE_SERVER_COMMON_STATUS_DETAILS_H_
