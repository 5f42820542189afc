// Keys never leak, end to end: a real gRPC client, the gateway in-process
// and tokenhub-sim made to echo the caller's key into its replies (an
// unknown status string, a failed task's message, and the `echo_key` fault
// that puts it into error bodies, task fields, statuses and task ids). The
// key must not reach any gRPC status message, ErrorInfo metadata, Video
// field or call log line.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/watch_collector.h"
#include "tests/testing/captured_stderr.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::kBobKey;
using ::seedance::testing::WatchCollector;
using ::testing::HasSubstr;
using ::testing::Not;

// The caller's key without its `th-` prefix: what must never show.
constexpr char kKeyBody[] = "bob-e2e-key";

std::string BobAuthorization() { return absl::StrCat("Bearer ", kBobKey); }

// Everything a client can see of a gRPC status.
std::string Visible(const grpc::Status& status) {
  std::string out =
      absl::StrCat(status.error_message(), " ", status.error_details());
  absl::Status details = FromGrpcStatus(status);
  if (auto info = GetDetail<google::rpc::ErrorInfo>(details)) {
    absl::StrAppend(&out, " ", info->DebugString());
  }
  return out;
}

class KeyRedactionE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    GatewayConfig config = ::seedance::testing::FastGatewayConfig(*sim_);
    config.log_calls = true;  // call lines are checked too
    // Every GetVideo asks the upstream (the created task's poller may hold
    // a state younger than the default 1 s), so each reply is examined.
    config.fresh_for = absl::ZeroDuration();
    ::testing::internal::CaptureStderr();
    capturing_ = true;
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::VideoService::NewStub(channel_);
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    gateway_.reset();  // every log line is written by now
    if (capturing_) {
      std::string log = ::seedance::testing::TakeCapturedStderr();
      EXPECT_THAT(log, Not(HasSubstr(kKeyBody))) << log;
    }
  }

  grpc::Status Create(v1::Video* video) {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt("[sim:hold] a red fox running through snow");
    grpc::ClientContext context;
    context.AddMetadata("authorization", BobAuthorization());
    v1::CreateVideoResponse response;
    grpc::Status status = stub_->CreateVideo(&context, request, &response);
    *video = response.video();
    return status;
  }

  grpc::Status Get(const std::string& id, v1::Video* video) {
    v1::GetVideoRequest request;
    request.set_id(id);
    grpc::ClientContext context;
    context.AddMetadata("authorization", BobAuthorization());
    v1::GetVideoResponse response;
    grpc::Status status = stub_->GetVideo(&context, request, &response);
    *video = response.video();
    return status;
  }

  std::unique_ptr<WatchCollector> Watch(const std::string& id) {
    v1::WatchVideoRequest request;
    request.set_id(id);
    return std::make_unique<WatchCollector>(*stub_, request,
                                            BobAuthorization().c_str());
  }

  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
  bool capturing_ = false;
};

TEST_F(KeyRedactionE2eTest, UnknownStatusEchoingTheKeyIsRedacted) {
  v1::Video created;
  ASSERT_TRUE(Create(&created).ok());
  ASSERT_OK(sim_->AddFaults(
      absl::StrCat("unknown_status=stalled", kBobKey, ",method=GET")));
  v1::Video video;
  grpc::Status status = Get(created.id(), &video);
  EXPECT_THAT(Visible(status), Not(HasSubstr(kKeyBody)));
  EXPECT_THAT(video.DebugString(), Not(HasSubstr(kKeyBody)));
  if (status.ok()) {
    EXPECT_EQ(video.status(), v1::VIDEO_STATUS_UNKNOWN);
    EXPECT_THAT(video.upstream_status(), HasSubstr("[redacted]"));
  }
}

TEST_F(KeyRedactionE2eTest, FailedTaskMessageEchoingTheKeyIsRedacted) {
  v1::Video created;
  ASSERT_TRUE(Create(&created).ok());
  auto watch = Watch(created.id());
  ASSERT_TRUE(watch->WaitForVideos(1));
  ASSERT_OK(sim_->ForceTask(created.id(), "failed",
                            absl::StrCat("quota of", kBobKey, " is spent")));
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_TRUE(watch->status().ok()) << watch->status().error_message();
  auto events = watch->events();
  ASSERT_FALSE(events.empty());
  for (const auto& event : events) {
    EXPECT_THAT(event.DebugString(), Not(HasSubstr(kKeyBody)));
  }
  EXPECT_EQ(events.back().video().status(), v1::VIDEO_STATUS_FAILED);
  EXPECT_EQ(events.back().video().error().message(),
            "quota of[redacted] is spent");
}

// The gateway's own key (no caller key) is protected the same way.
TEST_F(KeyRedactionE2eTest, TheGatewaysOwnKeyEchoedIsRedactedToo) {
  constexpr char kAliceKeyBody[] = "alice-e2e-key";
  ASSERT_OK(sim_->AddFaults("echo_key=task,method=POST;echo_key,method=GET"));
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt("[sim:hold] a red fox running through snow");
  grpc::ClientContext create_context;
  v1::CreateVideoResponse created;
  grpc::Status status = stub_->CreateVideo(&create_context, request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(created.DebugString(), Not(HasSubstr(kAliceKeyBody)));
  EXPECT_EQ(created.video().error().code(), "code[redacted]");

  v1::GetVideoRequest get;
  get.set_id(created.video().id());
  grpc::ClientContext get_context;
  v1::GetVideoResponse got;
  status = stub_->GetVideo(&get_context, get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(Visible(status), Not(HasSubstr(kAliceKeyBody)));
  EXPECT_THAT(Visible(status), HasSubstr("[redacted]"));

  stub_.reset();
  channel_.reset();
  gateway_.reset();
  capturing_ = false;
  std::string log = ::seedance::testing::TakeCapturedStderr();
  EXPECT_THAT(log, Not(HasSubstr(kAliceKeyBody))) << log;
  EXPECT_THAT(log, Not(HasSubstr(kKeyBody))) << log;
}

// The simulator's echo_key fault, on each call that reaches the upstream.
struct EchoCase {
  const char* name;
  const char* fault;  // a fault spec
  // kWatchFails: the watch ends on the fault itself (an error reply).
  enum Call { kCreate, kGet, kWatch, kWatchFails } call;
};

void PrintTo(const EchoCase& c, std::ostream* os) { *os << c.name; }

class KeyRedactionEchoTest : public KeyRedactionE2eTest,
                             public ::testing::WithParamInterface<EchoCase> {};

TEST_P(KeyRedactionEchoTest, TheEchoedKeyReachesNoClientAndNoLog) {
  const EchoCase& c = GetParam();
  std::string id;
  if (c.call != EchoCase::kCreate) {
    v1::Video created;
    ASSERT_TRUE(Create(&created).ok());
    id = created.id();
  }
  ASSERT_OK(sim_->AddFaults(c.fault));
  v1::Video video;
  grpc::Status status;
  if (c.call == EchoCase::kCreate) {
    status = Create(&video);
  } else if (c.call == EchoCase::kGet) {
    status = Get(id, &video);
  } else {
    auto watch = Watch(id);
    if (c.call == EchoCase::kWatch) {
      ASSERT_TRUE(watch->WaitForVideos(1));
      ASSERT_OK(sim_->ForceTask(id, "failed", "boom"));
    }
    ASSERT_TRUE(watch->WaitDone());
    status = watch->status();
    for (const auto& event : watch->events()) {
      EXPECT_THAT(event.DebugString(), Not(HasSubstr(kKeyBody)));
    }
  }
  EXPECT_GE(sim_->stats().errors_by_kind["fault_echo_key"], 1)
      << "the fault fired";
  EXPECT_THAT(Visible(status), Not(HasSubstr(kKeyBody)));
  EXPECT_THAT(video.DebugString(), Not(HasSubstr(kKeyBody)));
}

INSTANTIATE_TEST_SUITE_P(
    SimEchoKey, KeyRedactionEchoTest,
    ::testing::Values(
        EchoCase{"ErrorBodyOnCreate", "echo_key,method=POST",
                 EchoCase::kCreate},
        EchoCase{"ErrorBodyOnGet", "echo_key,method=GET", EchoCase::kGet},
        EchoCase{"TaskFieldsOnCreate", "echo_key=task,method=POST",
                 EchoCase::kCreate},
        EchoCase{"TaskFieldsOnGet", "echo_key=task,method=GET", EchoCase::kGet},
        EchoCase{"TaskFieldsOnWatch", "echo_key=task,method=GET",
                 EchoCase::kWatch},
        EchoCase{"StatusOnGet", "echo_key=status,method=GET", EchoCase::kGet},
        EchoCase{"StatusOnWatch", "echo_key=status,method=GET,next=3",
                 EchoCase::kWatch},
        EchoCase{"TaskIdOnCreate", "echo_key=id,method=POST",
                 EchoCase::kCreate},
        EchoCase{"TaskIdOnGet", "echo_key=id,method=GET", EchoCase::kGet},
        EchoCase{"ErrorBodyOnWatch", "echo_key,method=GET",
                 EchoCase::kWatchFails}),
    [](const ::testing::TestParamInfo<EchoCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace seedance::gateway
