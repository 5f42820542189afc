// Hand-built protobuf wire bytes, good and bad, for the request decoding
// tests: the encoder never produces invalid UTF-8 or malformed varints.
//
//   std::string wire = Len(1, "cgt-\xff");  // field 1, length-delimited
#ifndef SEEDANCE_TESTS_GATEWAY_WIRE_BYTES_H_
#define SEEDANCE_TESTS_GATEWAY_WIRE_BYTES_H_

#include <cstdint>
#include <string>

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace seedance::testing {

inline std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

inline std::string Tag(int field, int wire_type) {
  return Varint((static_cast<uint64_t>(field) << 3) | wire_type);
}

// A length-delimited field (string, bytes, message).
inline std::string Len(int field, const std::string& value) {
  return Tag(field, 2) + Varint(value.size()) + value;
}

// A varint field.
inline std::string VarintField(int field, uint64_t v) {
  return Tag(field, 0) + Varint(v);
}

inline grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_GATEWAY_WIRE_BYTES_H_
