// Hostile request bytes through a real gRPC channel: grpc::GenericStub sends
// raw bytes to the in-process gateway, which must answer INVALID_ARGUMENT
// naming the field (gRPC 1.51's own handlers said UNIMPLEMENTED, with no
// message). Also: a compressed request is refused at its headers.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/wire_bytes.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Len;
using ::seedance::testing::Tag;
using ::seedance::testing::ToByteBuffer;
using ::seedance::testing::Varint;
using ::seedance::testing::VarintField;
using ::testing::HasSubstr;

struct Reply {
  grpc::Status status;
  grpc::ByteBuffer body;
};

class RequestDecodingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto started =
        GatewayServer::Start(::seedance::testing::FastGatewayConfig(*sim_));
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  // One call of `method` with `bytes` as its request message. A server
  // stream that ends without a message reads as a unary error.
  Reply Call(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    grpc::ByteBuffer request = ToByteBuffer(bytes);
    Reply reply;
    // The completion-queue API fills the reply on this thread (in Next):
    // nothing crosses threads that TSan, blind to gRPC's core, would flag.
    grpc::CompletionQueue cq;
    auto call = stub.PrepareUnaryCall(
        &context, "/seedance.v1.VideoService/" + method, request, &cq);
    call->StartCall();
    int tag = 0;
    call->Finish(&reply.body, &reply.status, &tag);
    void* got = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&got, &ok));
    EXPECT_EQ(got, &tag);
    cq.Shutdown();
    while (cq.Next(&got, &ok)) {
    }
    return reply;
  }

  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

struct BadCall {
  std::string method;
  std::string bytes;
  std::string field;
  std::string says;
};

TEST_F(RequestDecodingE2eTest, BadBytesGetInvalidArgumentNamingTheField) {
  const std::string bad = "x\xfe";
  const std::string model = Len(1, "doubao-seedance-2.0");
  const BadCall calls[] = {
      {"CreateVideo", model + Len(2, bad), "prompt", "invalid UTF-8"},
      {"CreateVideo", model + Len(7, "https://i/1") + Len(7, bad),
       "image_urls[1]", "invalid UTF-8"},
      {"CreateVideo",
       model + Len(16, VarintField(1, 1) + Len(2, "https://i/1")) +
           Len(16, VarintField(1, 1) + Len(2, bad)),
       "content[1].url", "invalid UTF-8"},
      {"CreateVideo", model + Tag(2, 2) + Varint(1000) + "short", "prompt",
       "truncated: its length says 1000 bytes"},
      {"GetVideo", Len(1, bad), "id", "invalid UTF-8"},
      {"GetVideo", Tag(1, 7), "id", "malformed protobuf: wire type 7"},
      {"WatchVideo", Len(1, bad), "id", "invalid UTF-8"},
      {"WatchVideo", Len(1, "cgt-1") + Tag(2, 0) + std::string(11, '\xff'),
       "after_sequence", "malformed"},
      {"WatchVideo", Len(1, "cgt-1") + Len(3, Tag(1, 0) + "\x80"),
       "heartbeat_interval.seconds", "truncated"},
  };
  for (const BadCall& c : calls) {
    SCOPED_TRACE(c.method + " " + c.field);
    Reply reply = Call(c.method, c.bytes);
    EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << reply.status.error_message();
    EXPECT_THAT(
        reply.status.error_message(),
        HasSubstr(absl::StrCat("request is not a valid seedance.v1.", c.method,
                               "Request: ", c.field, ": ", c.says)));
    auto bad_request =
        GetDetail<google::rpc::BadRequest>(FromGrpcStatus(reply.status));
    ASSERT_TRUE(bad_request.has_value());
    ASSERT_EQ(bad_request->field_violations_size(), 1);
    EXPECT_EQ(bad_request->field_violations(0).field(), c.field);
  }
}

TEST_F(RequestDecodingE2eTest, ValidRawRequestsStillWork) {
  v1::CreateVideoRequest create;
  create.set_model("doubao-seedance-2.0");
  create.set_prompt("a red fox");
  create.set_validate_only(true);
  Reply reply = Call("CreateVideo", create.SerializeAsString());
  ASSERT_TRUE(reply.status.ok()) << reply.status.error_message();
  grpc::Slice slice;
  ASSERT_TRUE(reply.body.DumpToSingleSlice(&slice).ok());
  v1::CreateVideoResponse response;
  ASSERT_TRUE(
      response.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
  EXPECT_EQ(response.video().model(), "doubao-seedance-2.0");
  EXPECT_TRUE(response.video().has_price());
  // Semantic validation still follows decoding.
  reply = Call("GetVideo", Len(1, "a/b"));
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(reply.status.error_message(), HasSubstr("id"));
}

TEST_F(RequestDecodingE2eTest, OutOfRangeHeartbeatIsRefusedNotOverflowed) {
  v1::WatchVideoRequest watch;
  watch.set_id("cgt-1");
  watch.mutable_heartbeat_interval()->set_seconds(int64_t{1} << 55);
  Reply reply = Call("WatchVideo", watch.SerializeAsString());
  EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(reply.status.error_message(), HasSubstr("heartbeat_interval"));
}

TEST_F(RequestDecodingE2eTest, CompressedRequestIsRefusedAtItsHeaders) {
  auto stub = v1::VideoService::NewStub(channel_);
  grpc::ClientContext context;
  context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt(std::string(64 << 10, 'a'));
  request.set_validate_only(true);
  v1::CreateVideoResponse response;
  grpc::Status status = stub->CreateVideo(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("Compression algorithm 'gzip' is disabled"));
}

}  // namespace
}  // namespace seedance::gateway
