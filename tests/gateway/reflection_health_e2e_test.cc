// What tools see before they know our protos: server reflection in both
// versions (v1, which gRPC 1.51 lacks and current grpcurl / buf curl ask
// first, and gRPC's own v1alpha) give the same answers, and grpc.health.v1
// answers per service name, turning NOT_SERVING for readiness when the
// gateway drains. The gateway in-process, tokenhub-sim as upstream, a real
// gRPC client; waits are conditions with deadlines.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_callback.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/testing/loopback_stack.h"

namespace seedance::gateway {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::grpc::reflection::v1::ServerReflectionRequest;
using ::grpc::reflection::v1::ServerReflectionResponse;
using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAreArray;

constexpr char kV1Method[] =
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
// v1alpha's messages are v1's under another package: same fields, same
// numbers, so v1's C++ types speak it on the wire.
constexpr char kV1AlphaMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

ServerReflectionRequest ListServices() {
  ServerReflectionRequest request;
  request.set_list_services("");
  return request;
}

ServerReflectionRequest Symbol(const std::string& symbol) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  return request;
}

ServerReflectionRequest FileNamed(const std::string& name) {
  ServerReflectionRequest request;
  request.set_file_by_filename(name);
  return request;
}

std::vector<std::string> ServiceNames(const ServerReflectionResponse& r) {
  std::vector<std::string> names;
  for (const auto& s : r.list_services_response().service()) {
    names.push_back(s.name());
  }
  return names;
}

std::vector<std::string> FileNames(const ServerReflectionResponse& r) {
  std::vector<std::string> names;
  for (const std::string& bytes :
       r.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(file.ParseFromString(bytes));
    names.push_back(file.name());
  }
  return names;
}

class ReflectionHealthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    auto started = GatewayServer::Start(config_);
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  // Asks `questions` on one reflection stream of `method`, one answer
  // each; the stream's status lands in `status`.
  std::vector<ServerReflectionResponse> Ask(
      const char* method, const std::vector<ServerReflectionRequest>& questions,
      grpc::Status* status) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    grpc::internal::RpcMethod rpc(
        method, grpc::internal::RpcMethod::BIDI_STREAMING, channel_);
    std::unique_ptr<grpc::ClientReaderWriter<ServerReflectionRequest,
                                             ServerReflectionResponse>>
        stream(grpc::internal::ClientReaderWriterFactory<
               ServerReflectionRequest,
               ServerReflectionResponse>::Create(channel_.get(), rpc,
                                                 &context));
    std::vector<ServerReflectionResponse> answers;
    for (const auto& question : questions) {
      if (!stream->Write(question)) break;
      ServerReflectionResponse answer;
      if (!stream->Read(&answer)) break;
      answers.push_back(std::move(answer));
    }
    stream->WritesDone();
    *status = stream->Finish();
    return answers;
  }

  HealthCheckResponse::ServingStatus Check(const std::string& service,
                                           grpc::Status* status) {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse answer;
    *status = health->Check(&context, request, &answer);
    return answer.status();
  }

  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ReflectionHealthE2eTest, V1ListsTheSameServicesAsV1Alpha) {
  grpc::Status v1_status;
  grpc::Status alpha_status;
  auto v1 = Ask(kV1Method, {ListServices()}, &v1_status);
  auto alpha = Ask(kV1AlphaMethod, {ListServices()}, &alpha_status);
  ASSERT_TRUE(v1_status.ok()) << v1_status.error_message();
  ASSERT_TRUE(alpha_status.ok()) << alpha_status.error_message();
  ASSERT_EQ(v1.size(), 1u);
  ASSERT_EQ(alpha.size(), 1u);
  EXPECT_THAT(ServiceNames(v1[0]),
              IsSupersetOf({"seedance.v1.VideoService", "grpc.health.v1.Health",
                            "grpc.reflection.v1.ServerReflection",
                            "grpc.reflection.v1alpha.ServerReflection"}));
  EXPECT_THAT(ServiceNames(v1[0]),
              UnorderedElementsAreArray(ServiceNames(alpha[0])));
}

TEST_F(ReflectionHealthE2eTest, V1DescribesEveryServiceAsV1AlphaDoes) {
  const std::vector<ServerReflectionRequest> questions = {
      Symbol("seedance.v1.VideoService"),
      Symbol("seedance.v1.VideoService.WatchVideo"),
      Symbol("seedance.v1.CreateVideoRequest"),
      Symbol("grpc.health.v1.Health"),
      FileNamed("seedance/v1/video_service.proto"),
      Symbol("google.rpc.BadRequest")};
  std::vector<ServerReflectionResponse> v1;
  for (const auto& question : questions) {
    SCOPED_TRACE(question.ShortDebugString());
    // One stream per question for v1alpha: gRPC 1.51's reuses one response
    // message across a stream, so its later answers repeat earlier files.
    grpc::Status v1_status;
    grpc::Status alpha_status;
    auto v1_answer = Ask(kV1Method, {question}, &v1_status);
    auto alpha_answer = Ask(kV1AlphaMethod, {question}, &alpha_status);
    ASSERT_TRUE(v1_status.ok()) << v1_status.error_message();
    ASSERT_TRUE(alpha_status.ok()) << alpha_status.error_message();
    ASSERT_EQ(v1_answer.size(), 1u);
    ASSERT_EQ(alpha_answer.size(), 1u);
    EXPECT_FALSE(v1_answer[0].has_error_response())
        << v1_answer[0].error_response().error_message();
    // Same files in the same order, byte for byte: one source of truth.
    EXPECT_THAT(FileNames(v1_answer[0]),
                ::testing::ElementsAreArray(FileNames(alpha_answer[0])));
    EXPECT_TRUE(v1_answer[0].file_descriptor_response().SerializeAsString() ==
                alpha_answer[0].file_descriptor_response().SerializeAsString());
    EXPECT_EQ(v1_answer[0].original_request().SerializeAsString(),
              question.SerializeAsString());
    v1.push_back(v1_answer[0]);
  }
  // Several questions on one v1 stream get the same answers as one each.
  grpc::Status status;
  auto together = Ask(kV1Method, questions, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(together.size(), questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    EXPECT_EQ(together[i].SerializeAsString(), v1[i].SerializeAsString()) << i;
  }
  // Files come with what they import; the error details are described too.
  EXPECT_THAT(FileNames(v1[0]), Contains("google/protobuf/duration.proto"));
  EXPECT_THAT(FileNames(v1.back()), Contains("google/rpc/error_details.proto"));
}

TEST_F(ReflectionHealthE2eTest, V1AnswersUnknownNamesWithNotFoundAndGoesOn) {
  ServerReflectionRequest extension;
  extension.mutable_file_containing_extension()->set_containing_type(
      "seedance.v1.Video");
  extension.mutable_file_containing_extension()->set_extension_number(999);
  grpc::Status status;
  auto answers =
      Ask(kV1Method,
          {Symbol("seedance.v1.NoSuchThing"), FileNamed("nope.proto"),
           extension, ServerReflectionRequest(), ListServices()},
          &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answers.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(answers[i].error_response().error_code(), grpc::NOT_FOUND) << i;
  }
  EXPECT_THAT(answers[0].error_response().error_message(),
              ::testing::HasSubstr("seedance.v1.NoSuchThing"));
  // An empty question names the field it lacks.
  EXPECT_EQ(answers[3].error_response().error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(answers[3].error_response().error_message(),
              ::testing::HasSubstr("message_request"));
  // The stream still answers after errors.
  EXPECT_THAT(ServiceNames(answers[4]), Contains("seedance.v1.VideoService"));
}

TEST_F(ReflectionHealthE2eTest, HealthAnswersPerServiceName) {
  grpc::Status status;
  EXPECT_EQ(Check("seedance.v1.VideoService", &status),
            HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Check("", &status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
  Check("seedance.v1.NoSuchService", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// A health Watch on the readiness name, on gRPC's callback client API:
// records every status it is told until the stream ends.
class HealthWatcher final
    : public grpc::ClientReadReactor<HealthCheckResponse> {
 public:
  HealthWatcher(grpc::health::v1::Health::Stub& stub, std::string service) {
    request_.set_service(std::move(service));
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    stub.async()->Watch(&context_, &request_, this);
    StartRead(&incoming_);
    StartCall();
  }
  ~HealthWatcher() override {
    Cancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }
  void Cancel() { context_.TryCancel(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock lock(&mu_);
      seen_.push_back(incoming_.status());
    }
    StartRead(&incoming_);
  }
  void OnDone(const grpc::Status& /*status*/) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }
  // Waits (with a deadline) until `status` has been seen.
  bool WaitFor(HealthCheckResponse::ServingStatus status) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(seen_.begin(), seen_.end(), status) != seen_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(20));
  }

 private:
  grpc::ClientContext context_;
  HealthCheckRequest request_;
  HealthCheckResponse incoming_;
  absl::Mutex mu_;
  std::vector<int> seen_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_F(ReflectionHealthE2eTest, ReadinessTurnsNotServingWhenTheGatewayDrains) {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  HealthWatcher readiness(*stub, GatewayServer::kReadinessService);
  ASSERT_TRUE(readiness.WaitFor(HealthCheckResponse::SERVING));
  // Shutdown drains (it holds the health stream up to shutdown_grace), so
  // it runs beside the test, which watches for the change.
  std::thread drain([this] { gateway_->Shutdown(); });
  EXPECT_TRUE(readiness.WaitFor(HealthCheckResponse::NOT_SERVING));
  readiness.Cancel();  // so the drain need not wait for it
  drain.join();
}

}  // namespace
}  // namespace seedance::gateway
