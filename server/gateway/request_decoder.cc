#include "server/gateway/request_decoder.h"

#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/slice.h"
#include "server/common/status_details.h"

namespace seedance::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// protobuf's own default; a deeper request is refused by the parser too.
constexpr int kMaxDepth = 100;
constexpr uint64_t kMaxFieldNumber = (uint64_t{1} << 29) - 1;

enum WireType : int {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

enum class VarintResult { kOk, kTruncated, kTooLong };

VarintResult ReadVarint(absl::string_view& in, uint64_t& value) {
  value = 0;
  for (int i = 0; i < 10; ++i) {
    if (in.empty()) return VarintResult::kTruncated;
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) return VarintResult::kOk;
  }
  return VarintResult::kTooLong;
}

std::string VarintTrouble(VarintResult r, absl::string_view what) {
  return r == VarintResult::kTruncated
             ? absl::StrCat("truncated: the message ends inside ", what)
             : absl::StrCat("malformed: ", what, " runs past 10 bytes");
}

bool IsPackable(const FieldDescriptor& f) {
  return f.is_repeated() && f.type() != FieldDescriptor::TYPE_STRING &&
         f.type() != FieldDescriptor::TYPE_BYTES &&
         f.type() != FieldDescriptor::TYPE_MESSAGE &&
         f.type() != FieldDescriptor::TYPE_GROUP;
}

// Walks one message's fields. `group` is the field number of the group
// being read (0: none), whose end-group tag ends the walk.
class WireWalker {
 public:
  absl::optional<WireProblem> Walk(absl::string_view& in, const Descriptor* d,
                                   const std::string& prefix, int depth,
                                   uint64_t group) {
    if (depth > kMaxDepth) {
      return Problem(prefix, absl::StrCat("nested more than ", kMaxDepth,
                                          " messages deep"));
    }
    std::map<int, int> seen;  // occurrences per field, for `[i]` paths
    while (!in.empty()) {
      uint64_t tag = 0;
      if (VarintResult r = ReadVarint(in, tag); r != VarintResult::kOk) {
        return Problem(prefix, VarintTrouble(r, "a field tag"));
      }
      const uint64_t number = tag >> 3;
      const int wire_type = static_cast<int>(tag & 7);
      if (number == 0 || number > kMaxFieldNumber) {
        return Problem(prefix, absl::StrCat("malformed protobuf: field number ",
                                            number, " is out of range"));
      }
      const FieldDescriptor* f =
          d ? d->FindFieldByNumber(static_cast<int>(number)) : nullptr;
      std::string path;
      if (f) {
        path = absl::StrCat(prefix, f->name());
        if (f->is_repeated() &&
            !(wire_type == kLengthDelimited && IsPackable(*f))) {
          absl::StrAppend(&path, "[", seen[f->number()]++, "]");
        }
      }
      // Unknown fields are named by number within their message.
      auto where = [&](std::string description) {
        if (f) return Problem(path, std::move(description));
        return Problem(
            prefix, absl::StrCat("field number ", number, ": ", description));
      };
      switch (wire_type) {
        case kVarint: {
          uint64_t ignored = 0;
          if (VarintResult r = ReadVarint(in, ignored);
              r != VarintResult::kOk) {
            return where(VarintTrouble(r, "a varint value"));
          }
          break;
        }
        case kFixed64:
        case kFixed32: {
          const size_t size = wire_type == kFixed64 ? 8 : 4;
          if (in.size() < size) {
            return where(absl::StrCat("truncated: a ", size,
                                      "-byte value is cut short"));
          }
          in.remove_prefix(size);
          break;
        }
        case kLengthDelimited: {
          uint64_t length = 0;
          if (VarintResult r = ReadVarint(in, length); r != VarintResult::kOk) {
            return where(VarintTrouble(r, "a length"));
          }
          if (length > in.size()) {
            return where(absl::StrCat("truncated: its length says ", length,
                                      " bytes but only ", in.size(),
                                      " remain"));
          }
          absl::string_view value = in.substr(0, length);
          in.remove_prefix(length);
          if (f) {
            if (auto p = CheckValue(*f, value, path, depth)) return p;
          }
          break;
        }
        case kStartGroup: {
          if (auto p = Walk(in, nullptr, prefix, depth + 1, number)) return p;
          break;
        }
        case kEndGroup:
          if (number == group) return absl::nullopt;
          return where(
              "malformed protobuf: an end-group tag without its "
              "start");
        default:
          return where(absl::StrCat("malformed protobuf: wire type ", wire_type,
                                    " does not exist"));
      }
    }
    if (group != 0) {
      return Problem(prefix, absl::StrCat("truncated: group field ", group,
                                          " never ends"));
    }
    return absl::nullopt;
  }

 private:
  static WireProblem Problem(const std::string& path, std::string description) {
    std::string field = path;
    if (!field.empty() && field.back() == '.') field.pop_back();
    return WireProblem{std::move(field), std::move(description)};
  }

  absl::optional<WireProblem> CheckValue(const FieldDescriptor& f,
                                         absl::string_view value,
                                         const std::string& path, int depth) {
    switch (f.type()) {
      case FieldDescriptor::TYPE_STRING:
        if (f.file()->syntax() !=
            google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
          return absl::nullopt;
        }
        if (size_t bad = FirstInvalidUtf8(value);
            bad != absl::string_view::npos) {
          return Problem(path, absl::StrCat("invalid UTF-8 at byte ", bad,
                                            " (string fields must be valid "
                                            "UTF-8)"));
        }
        return absl::nullopt;
      case FieldDescriptor::TYPE_MESSAGE:
        return Walk(value, f.message_type(), path + ".", depth + 1, 0);
      case FieldDescriptor::TYPE_BYTES:
        return absl::nullopt;
      default:
        break;
    }
    if (!IsPackable(f)) return absl::nullopt;  // kept as an unknown field
    while (!value.empty()) {                   // packed repeated scalars
      if (f.type() == FieldDescriptor::TYPE_DOUBLE ||
          f.type() == FieldDescriptor::TYPE_FIXED64 ||
          f.type() == FieldDescriptor::TYPE_SFIXED64 ||
          f.type() == FieldDescriptor::TYPE_FLOAT ||
          f.type() == FieldDescriptor::TYPE_FIXED32 ||
          f.type() == FieldDescriptor::TYPE_SFIXED32) {
        return absl::nullopt;  // fixed-width: a bad length parses as unknown
      }
      uint64_t ignored = 0;
      if (VarintResult r = ReadVarint(value, ignored); r != VarintResult::kOk) {
        return Problem(path, VarintTrouble(r, "a packed varint"));
      }
    }
    return absl::nullopt;
  }

  // Offset of the first byte that breaks UTF-8 (truncated or overlong
  // sequences, surrogates, code points past U+10FFFF), or npos.
  static size_t FirstInvalidUtf8(absl::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<uint8_t>(s[i]);
      if (c < 0x80) {
        ++i;
        continue;
      }
      size_t len = 0;
      uint32_t cp = 0;
      uint32_t min = 0;
      if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
      } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
      } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
      } else {
        return i;
      }
      if (s.size() - i < len) return i;
      for (size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<uint8_t>(s[i + k]);
        if ((cc & 0xc0) != 0x80) return i;
        cp = (cp << 6) | (cc & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
      i += len;
    }
    return absl::string_view::npos;
  }
};

absl::Status Undecodable(const google::protobuf::Message& message,
                         const WireProblem& problem) {
  absl::Status status = absl::InvalidArgumentError(absl::StrCat(
      "request is not a valid ", message.GetDescriptor()->full_name(), ": ",
      problem.field.empty() ? "" : absl::StrCat(problem.field, ": "),
      problem.description));
  if (!problem.field.empty()) {
    google::rpc::BadRequest bad;
    auto* v = bad.add_field_violations();
    v->set_field(problem.field);
    v->set_description(problem.description);
    AddDetail(status, bad);
  }
  return status;
}

}  // namespace

absl::optional<WireProblem> FindWireProblem(absl::string_view wire,
                                            const Descriptor& descriptor) {
  return WireWalker().Walk(wire, &descriptor, "", 0, 0);
}

absl::Status DecodeRequest(const grpc::ByteBuffer& bytes,
                           google::protobuf::Message& message) {
  if (!bytes.Valid()) {
    return Undecodable(message, {"",
                                 "no complete request message arrived (the "
                                 "stream ended early or carried none)"});
  }
  {
    grpc::ByteBuffer copy(bytes);  // the reader consumes; slices are shared
    grpc::ProtoBufferReader reader(&copy);
    if (reader.status().ok() && message.ParseFromZeroCopyStream(&reader)) {
      return absl::OkStatus();
    }
  }
  // The slow path, for bad requests only: find out what was wrong.
  std::vector<grpc::Slice> slices;
  if (!bytes.Dump(&slices).ok()) {
    return Undecodable(message, {"", "the request bytes could not be read"});
  }
  std::string wire;
  wire.reserve(bytes.Length());
  for (const grpc::Slice& s : slices) {
    wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (auto problem = FindWireProblem(wire, *message.GetDescriptor())) {
    return Undecodable(message, *problem);
  }
  return Undecodable(message, {"", "malformed protobuf"});
}

absl::Status EncodeResponse(const google::protobuf::Message& message,
                            grpc::ByteBuffer& out) {
  out.Clear();  // the writer wants an empty buffer; a stream reuses one
  bool own_buffer = false;
  grpc::Status s =
      grpc::SerializationTraits<google::protobuf::Message>::Serialize(
          message, &out, &own_buffer);
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot serialize ", message.GetDescriptor()->full_name(),
                     ": ", s.error_message()));
  }
  return absl::OkStatus();
}

}  // namespace seedance::gateway
