// The descriptor reserve end to end: the gateway in-process with a fake
// descriptor count and a fake listener probe (tests/gateway/
// fd_exhaustion_process_test.py runs out of real descriptors), a real gRPC
// client, tokenhub-sim as upstream. Under pressure new watches and creates
// get RESOURCE_EXHAUSTED, readiness turns NOT_SERVING and liveness does not;
// open watches go on; everything returns once descriptors are free. A dead
// listener turns liveness NOT_SERVING and calls main()'s hook. Also the
// flags. Waits are conditions with deadlines.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/gateway/fd_monitor.h"
#include "server/gateway/gateway_config.h"
#include "server/gateway/gateway_flags.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/watch_collector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;

using ::grpc::health::v1::HealthCheckResponse;
using ::seedance::testing::GrpcStatusIs;
using ::seedance::testing::WatchCollector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Shared with the test after the gateway took ownership of its wrapper.
struct SharedCounts {
  absl::Mutex mu;
  DescriptorUsage usage ABSL_GUARDED_BY(mu){50, 10000};
  void Set(int64_t open) {
    absl::MutexLock lock(&mu);
    usage.open = open;
  }
};

class SharedCounter : public DescriptorCounter {
 public:
  explicit SharedCounter(std::shared_ptr<SharedCounts> counts)
      : counts_(std::move(counts)) {}
  absl::StatusOr<DescriptorUsage> Count() override {
    absl::MutexLock lock(&counts_->mu);
    return counts_->usage;
  }

 private:
  std::shared_ptr<SharedCounts> counts_;
};

class DeadListenerProbe : public ListenerProbe {
 public:
  absl::Status Probe(absl::Duration) override {
    return absl::DeadlineExceededError("no answer (fake)");
  }
};

class FdReserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    config_.fd_reserve = 100;
    config_.self_check_interval = absl::ZeroDuration();
  }

  void StartGateway(GatewayHooks hooks = {}) {
    hooks.descriptors = std::make_unique<SharedCounter>(counts_);
    hooks.fd_check_interval = absl::Milliseconds(1);
    auto started = GatewayServer::Start(config_, std::move(hooks));
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::VideoService::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse answer;
    grpc::Status status = health_->Check(&context, request, &answer);
    EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
    return answer.status();
  }

  grpc::Status Create(const std::string& prompt, v1::CreateVideoResponse* out,
                      bool validate_only = false) {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt(prompt);
    request.set_validate_only(validate_only);
    grpc::ClientContext context;
    return stub_->CreateVideo(&context, request, out);
  }

  std::unique_ptr<WatchCollector> Watch(const std::string& id) {
    v1::WatchVideoRequest request;
    request.set_id(id);
    return std::make_unique<WatchCollector>(*stub_, request);
  }

  std::shared_ptr<SharedCounts> counts_ = std::make_shared<SharedCounts>();
  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(FdReserveTest, ReadinessAndLivenessAreSeparateEntries) {
  StartGateway();
  EXPECT_EQ(Health(GatewayServer::kReadinessService),
            HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(GatewayServer::kLivenessService),
            HealthCheckResponse::SERVING);
}

TEST_F(FdReserveTest, LowDescriptorsRefuseNewWorkButOpenWatchesGoOn) {
  StartGateway();
  v1::CreateVideoResponse created;
  ASSERT_TRUE(Create("[sim:hold] a heron at dawn", &created).ok());
  const std::string id = created.video().id();
  auto open_watch = Watch(id);
  ASSERT_TRUE(open_watch->WaitForVideos(1));

  counts_->Set(9950);  // 50 free, reserve 100
  ASSERT_TRUE(Eventually([&] {
    return Health(GatewayServer::kReadinessService) ==
           HealthCheckResponse::NOT_SERVING;
  }));
  // Liveness stays up: a replica short of descriptors must not be killed.
  EXPECT_EQ(Health(GatewayServer::kLivenessService),
            HealthCheckResponse::SERVING);

  const int64_t posts_before = sim_->stats().create_requests;
  v1::CreateVideoResponse refused;
  EXPECT_THAT(Create("a second heron", &refused),
              GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           HasSubstr("file descriptors")));
  EXPECT_EQ(sim_->stats().create_requests, posts_before)
      << "refused before the upstream";
  auto refused_watch = Watch(id);
  ASSERT_TRUE(refused_watch->WaitDone());
  EXPECT_THAT(refused_watch->status(),
              GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           HasSubstr("file descriptors")));
  // A price check costs no descriptor and still answers.
  v1::CreateVideoResponse priced;
  EXPECT_TRUE(Create("a priced heron", &priced, /*validate_only=*/true).ok());

  // The watch opened before the pressure still gets its transitions.
  ASSERT_OK(sim_->ForceTask(id, "running"));
  ASSERT_TRUE(open_watch->WaitForVideos(2));

  counts_->Set(100);  // released
  ASSERT_TRUE(Eventually([&] {
    return Health(GatewayServer::kReadinessService) ==
           HealthCheckResponse::SERVING;
  }));
  v1::CreateVideoResponse again;
  EXPECT_TRUE(Create("a heron, later", &again).ok());
  auto new_watch = Watch(id);
  EXPECT_TRUE(new_watch->WaitForVideos(1));
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(open_watch->WaitDone());
  EXPECT_THAT(open_watch->video_sequences(), ElementsAre(10, 20, 30));
}

TEST_F(FdReserveTest, ADeadListenerTurnsLivenessNotServingAndCallsTheHook) {
  config_.self_check_interval = absl::Milliseconds(1);
  absl::Mutex mu;
  bool hook_called = false;
  GatewayHooks hooks;
  hooks.listener_probe = std::make_unique<DeadListenerProbe>();
  hooks.on_listener_dead = [&] {
    absl::MutexLock lock(&mu);
    hook_called = true;
  };
  StartGateway(std::move(hooks));
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&hook_called), absl::Seconds(20)));
  }
  EXPECT_TRUE(gateway_->listener_dead());
  EXPECT_EQ(Health(GatewayServer::kLivenessService),
            HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(GatewayServer::kReadinessService),
            HealthCheckResponse::NOT_SERVING);
}

TEST_F(FdReserveTest, TheRealSelfCheckFindsALiveListenerAlive) {
  config_.self_check_interval = absl::Milliseconds(1);
  GatewayHooks hooks;
  hooks.on_listener_dead = [] {
    ADD_FAILURE() << "a live listener was declared dead";
  };
  StartGateway(std::move(hooks));
  // Several rounds of probes on fresh connections, all answered.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Health(GatewayServer::kLivenessService),
              HealthCheckResponse::SERVING);
  }
  EXPECT_FALSE(gateway_->listener_dead());
}

class FdReserveFlagsTest : public ::testing::Test {
 protected:
  absl::StatusOr<GatewayConfig> Parse(std::vector<const char*> args) {
    args.insert(args.begin(), "seedance-gateway");
    return ParseGatewayConfig(
        static_cast<int>(args.size()), args.data(),
        [](const char*) -> const char* { return nullptr; });
  }
};

TEST_F(FdReserveFlagsTest, DefaultsAndValues) {
  auto defaults = Parse({"--api-key=th-abc"});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->fd_reserve, 256);
  EXPECT_EQ(defaults->self_check_interval, absl::Seconds(5));
  auto set =
      Parse({"--api-key=th-abc", "--fd-reserve=0", "--self-check-interval=0s"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->fd_reserve, 0);
  EXPECT_EQ(set->self_check_interval, absl::ZeroDuration());
}

TEST_F(FdReserveFlagsTest, BadValuesNameTheFlag) {
  auto negative = Parse({"--api-key=th-abc", "--fd-reserve=-1"});
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.status().message(), HasSubstr("--fd-reserve"));
  auto words = Parse({"--api-key=th-abc", "--self-check-interval=soon"});
  ASSERT_FALSE(words.ok());
  EXPECT_THAT(words.status().message(), HasSubstr("--self-check-interval"));
}

TEST_F(FdReserveFlagsTest, HelpDocumentsBoth) {
  EXPECT_THAT(GatewayUsage(), HasSubstr("--fd-reserve"));
  EXPECT_THAT(GatewayUsage(), HasSubstr("SEEDANCE_FD_RESERVE"));
  EXPECT_THAT(GatewayUsage(), HasSubstr("--self-check-interval"));
}

}  // namespace
}  // namespace seedance::gateway
