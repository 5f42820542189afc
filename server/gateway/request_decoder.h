// Request decoding for the raw (ByteBuffer) gRPC methods of VideoService.
//
// gRPC 1.51's callback handlers answer UNIMPLEMENTED with an empty message
// when a request does not parse, so the service takes its requests as bytes
// and parses them here: the fast path is one ordinary parse; only a request
// that fails it is walked again, field by field against its Descriptor, to
// say what was wrong and where.
//
//   v1::GetVideoRequest request;
//   if (absl::Status s = DecodeRequest(*bytes, request); !s.ok()) {
//     return call->Fail(s);  // INVALID_ARGUMENT, BadRequest names the field
//   }
#ifndef SEEDANCE_SERVER_GATEWAY_REQUEST_DECODER_H_
#define SEEDANCE_SERVER_GATEWAY_REQUEST_DECODER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace seedance::gateway {

// Parses `bytes` into `message`. OK, or INVALID_ARGUMENT whose message says
// what was wrong ("request is not a valid seedance.v1.CreateVideoRequest:
// content[1].text: invalid UTF-8 at byte 3 ...") with a google.rpc.BadRequest
// naming the field when the field is known.
absl::Status DecodeRequest(const grpc::ByteBuffer& bytes,
                           google::protobuf::Message& message);

// Serializes `message` into `out` for gRPC to send; INTERNAL on failure.
absl::Status EncodeResponse(const google::protobuf::Message& message,
                            grpc::ByteBuffer& out);

// The first problem in `wire` read as an encoding of `descriptor`, or
// nullopt if none is found. `field` is the proto field path
// (`content[1].text`, `video_durations[2].nanos`) or empty when the bytes
// name no known field (the description then gives the field number).
struct WireProblem {
  std::string field;
  std::string description;
};
absl::optional<WireProblem> FindWireProblem(
    absl::string_view wire, const google::protobuf::Descriptor& descriptor);

}  // namespace seedance::gateway

#endif  // SEEDANCE_SERVER_GATEWAY_REQUEST_DECODER_H_
