// End to end: every CreateVideo the gateway accepts reaches the upstream at
// most once, whatever the upstream does to it. For every simulator fault
// kind, sequential calls on one gateway (its upstream connection kept
// alive between them) and concurrent calls; the simulator's POST count must
// equal the gateway's create calls.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/sim_fault_kinds.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::kCreateFaultKinds;

class CreateOnceE2eTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    GatewayConfig config = ::seedance::testing::FastGatewayConfig(*sim_);
    // A stall lasts until the gateway gives up on it.
    if (absl::StartsWith(GetParam(), "stall")) {
      config.upstream_timeout = absl::Seconds(1);
    }
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    stub_ = v1::VideoService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // One CreateVideo; only what reached the upstream matters here. Returns
  // false when the call timed out (it may have timed out before leaving).
  bool Create(int i) {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt(absl::StrCat("[sim:hold] create number ", i));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::CreateVideoResponse response;
    grpc::Status status = stub_->CreateVideo(&context, request, &response);
    return status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED;
  }

  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

TEST_P(CreateOnceE2eTest, SequentialCreatesOnOneGatewayAreSentOnce) {
  // The 3rd and 5th POSTs meet the fault, on a connection that carried the
  // creates before them (the case where curl 7.88 would resend).
  ASSERT_TRUE(
      sim_->AddFaults(absl::StrCat(GetParam(), ",method=POST,seq=3+5")).ok());
  for (int i = 0; i < 6; ++i) Create(i);
  EXPECT_EQ(sim_->stats().create_requests, 6);
}

TEST_P(CreateOnceE2eTest, ConcurrentCreatesAreSentOnce) {
  ASSERT_TRUE(
      sim_->AddFaults(absl::StrCat(GetParam(), ",method=POST,rate=0.3")).ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 3;
  std::atomic<int> timed_out{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &timed_out] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Create(t * kPerThread + i)) timed_out.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Never more than once. Exactly once unless some calls timed out: stalls
  // (or a slow build) tie up the simulator's threads, and a create can time
  // out waiting for a connection, before it leaves.
  EXPECT_LE(sim_->stats().create_requests, kThreads * kPerThread);
  if (timed_out.load() == 0) {
    EXPECT_EQ(sim_->stats().create_requests, kThreads * kPerThread);
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryFaultKind, CreateOnceE2eTest, ::testing::ValuesIn(kCreateFaultKinds),
    [](const ::testing::TestParamInfo<const char*>& p) {
      std::string name = "k";
      for (char c : std::string(p.param)) {
        if (c == ',' || c == '=') break;
        name.push_back(
            absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
      }
      return name;
    });

}  // namespace
}  // namespace seedance::gateway
