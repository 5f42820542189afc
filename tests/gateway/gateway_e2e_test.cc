// End to end: a real gRPC client, the gateway in-process on a loopback port,
// and tokenhub-sim in-process as its upstream. Tasks are held by the
// simulator and moved by the test, so every transition is observed; waits
// are conditions with deadlines, never sleeps.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/watch_collector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;

using ::seedance::testing::GrpcStatusIs;
using ::seedance::testing::WatchCollector;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using ::seedance::testing::kAliceKey;
using ::seedance::testing::kBobKey;

class GatewayE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    // The whole gateway, task ledger included.
    ASSERT_FALSE(dir_.path().empty());
    config_.store = absl::StrCat("sqlite:", dir_.path(), "/tasks.db");
  }

  void StartGateway() {
    auto started = GatewayServer::Start(config_);
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::VideoService::NewStub(channel_);
  }

  // Creates a task the simulator holds in `queued` until the test moves it.
  std::string CreateHeldTask(const char* authorization = nullptr) {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt("[sim:hold] a red fox running through snow");
    grpc::ClientContext context;
    if (authorization) context.AddMetadata("authorization", authorization);
    v1::CreateVideoResponse response;
    grpc::Status status = stub_->CreateVideo(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.video().id();
  }

  std::unique_ptr<WatchCollector> Watch(
      const std::string& id, int64_t after_sequence = 0,
      absl::Duration heartbeat = absl::ZeroDuration(),
      const char* authorization = nullptr) {
    v1::WatchVideoRequest request;
    request.set_id(id);
    request.set_after_sequence(after_sequence);
    if (heartbeat > absl::ZeroDuration()) {
      request.mutable_heartbeat_interval()->set_seconds(
          absl::ToInt64Seconds(heartbeat));
    }
    return std::make_unique<WatchCollector>(*stub_, request, authorization);
  }

  int64_t SimGets(const std::string& id) {
    auto stats = sim_->stats();
    auto it = stats.gets_by_task.find(id);
    return it == stats.gets_by_task.end() ? 0 : it->second;
  }

  ::seedance::testing::ScratchDir dir_;
  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

TEST_F(GatewayE2eTest, CreateThenWatchDeliversEveryTransitionInOrder) {
  StartGateway();
  std::string id = CreateHeldTask();
  ASSERT_FALSE(id.empty());
  auto watch = Watch(id);
  ASSERT_TRUE(watch->WaitForVideos(1));
  ASSERT_OK(sim_->ForceTask(id, "running"));
  ASSERT_TRUE(watch->WaitForVideos(2));
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(watch->WaitDone());

  EXPECT_TRUE(watch->status().ok()) << watch->status().error_message();
  EXPECT_THAT(watch->video_sequences(), ElementsAre(10, 20, 30));
  auto events = watch->events();
  EXPECT_EQ(events[0].video().status(), v1::VIDEO_STATUS_QUEUED);
  EXPECT_EQ(events[1].video().status(), v1::VIDEO_STATUS_RUNNING);
  const v1::Video& last = events.back().video();
  EXPECT_EQ(last.status(), v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_THAT(last.video_url(), HasSubstr("/media/"));
  EXPECT_TRUE(last.has_usage());
  EXPECT_TRUE(last.price().has_actual_micros()) << "price known from create";
  EXPECT_TRUE(Eventually([&] { return gateway_->active_pollers() == 0; }));
}

TEST_F(GatewayE2eTest, FailedGenerationEndsWithFailedStateAndOk) {
  StartGateway();
  std::string id = CreateHeldTask();
  auto watch = Watch(id);
  ASSERT_TRUE(watch->WaitForVideos(1));
  ASSERT_OK(sim_->ForceTask(id, "failed", "content policy violation"));
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_TRUE(watch->status().ok());
  auto events = watch->events();
  ASSERT_FALSE(events.empty());
  const v1::Video& last = events.back().video();
  EXPECT_EQ(last.status(), v1::VIDEO_STATUS_FAILED);
  EXPECT_EQ(last.error().message(), "content policy violation");
  EXPECT_EQ(watch->video_sequences().back(), 30);
}

TEST_F(GatewayE2eTest, TwoHundredWatchersCostNoMoreUpstreamGetsThanOne) {
  config_.poll_initial = config_.poll_max = absl::Milliseconds(20);
  StartGateway();
  // How long the upstream takes to see 10 more GETs of a task: the poll
  // cadence when one loop polls it, 200 times shorter if every watcher did.
  auto time_for_ten_gets = [&](const std::string& id) {
    int64_t start_gets = SimGets(id);
    absl::Time start = absl::Now();
    EXPECT_TRUE(Eventually([&] { return SimGets(id) >= start_gets + 10; }));
    return absl::Now() - start;
  };

  std::string alone = CreateHeldTask();
  auto single = Watch(alone);
  ASSERT_TRUE(single->WaitForVideos(1));
  absl::Duration one_watcher = time_for_ten_gets(alone);

  std::string shared = CreateHeldTask();
  std::vector<std::unique_ptr<WatchCollector>> watchers;
  watchers.reserve(200);
  for (int i = 0; i < 200; ++i) watchers.push_back(Watch(shared));
  for (auto& w : watchers) ASSERT_TRUE(w->WaitForVideos(1));
  EXPECT_EQ(gateway_->active_pollers(), 2u) << "one poller per task";
  absl::Duration two_hundred_watchers = time_for_ten_gets(shared);
  EXPECT_GT(two_hundred_watchers, one_watcher / 2)
      << "10 GETs took " << one_watcher << " with one watcher but "
      << two_hundred_watchers << " with 200";

  ASSERT_OK(sim_->ForceTask(shared, "succeeded"));
  for (auto& w : watchers) {
    ASSERT_TRUE(w->WaitDone());
    EXPECT_TRUE(w->status().ok());
    EXPECT_THAT(w->video_sequences(), ElementsAre(10, 30));
  }
}

TEST_F(GatewayE2eTest, WatchersThatDisconnectReleaseThePoller) {
  StartGateway();
  std::string id = CreateHeldTask();
  auto a = Watch(id);
  auto b = Watch(id);
  ASSERT_TRUE(a->WaitForVideos(1));
  ASSERT_TRUE(b->WaitForVideos(1));
  EXPECT_EQ(gateway_->active_pollers(), 1u);
  a->Cancel();
  ASSERT_TRUE(a->WaitDone());
  EXPECT_EQ(gateway_->active_pollers(), 1u) << "b still watches";
  b->Cancel();
  ASSERT_TRUE(b->WaitDone());
  ASSERT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; }));
  EXPECT_EQ(gateway_->active_pollers(), 1u)
      << "a task created here is followed to its end, watched or not";
  // Unwatched, it is polled at the slow cadence (10 s): over several fast
  // ones (10-20 ms) the count grows by at most the poll already scheduled.
  int64_t gets = SimGets(id);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_LE(SimGets(id), gets + 1);
}

TEST_F(GatewayE2eTest, WatchOfAnotherKeysTaskIsNotFound) {
  StartGateway();
  std::string bearer_bob = absl::StrCat("Bearer ", kBobKey);
  std::string id = CreateHeldTask();  // with the gateway's key (alice)
  auto watch = Watch(id, 0, absl::ZeroDuration(), bearer_bob.c_str());
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_THAT(watch->status(), GrpcStatusIs(grpc::StatusCode::NOT_FOUND,
                                            Not(HasSubstr(kBobKey))));
  EXPECT_TRUE(watch->events().empty());
}

TEST_F(GatewayE2eTest, TransientFaultsKeepTheStreamOpenAndHeartbeatsSaySo) {
  StartGateway();
  std::string id = CreateHeldTask();
  auto watch = Watch(id, 0, absl::Seconds(1));
  ASSERT_TRUE(watch->WaitForVideos(1));
  ASSERT_OK(sim_->AddFaults("503,method=GET"));
  ASSERT_TRUE(watch->WaitFor([](const auto& events) {
    for (const auto& e : events) {
      if (e.has_heartbeat() && !e.heartbeat().upstream_reachable()) return true;
    }
    return false;
  }));
  sim_->ClearFaults();
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_TRUE(watch->status().ok()) << watch->status().error_message();
  EXPECT_THAT(watch->video_sequences(), ElementsAre(10, 30));
  for (const auto& e : watch->events()) {
    if (e.has_heartbeat()) {
      EXPECT_EQ(e.sequence(), 10) << "a heartbeat repeats the last sequence";
      EXPECT_THAT(e.heartbeat().upstream_error(), HasSubstr("503"));
    }
  }
}

TEST_F(GatewayE2eTest, PermanentUpstreamFaultEndsTheWatchWithItsStatus) {
  StartGateway();
  std::string id = CreateHeldTask();
  auto watch = Watch(id);
  ASSERT_TRUE(watch->WaitForVideos(1));
  ASSERT_OK(sim_->AddFaults("401,method=GET"));  // e.g. the key was revoked
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_THAT(watch->status(), GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                                            Not(HasSubstr(kAliceKey))));
  EXPECT_THAT(watch->video_sequences(), ElementsAre(10));
  EXPECT_TRUE(Eventually([&] { return gateway_->active_pollers() == 0; }));
}

TEST_F(GatewayE2eTest, UnknownTaskEndsTheWatchWithNotFound) {
  StartGateway();
  auto watch = Watch("cgt-does-not-exist");
  ASSERT_TRUE(watch->WaitDone());
  EXPECT_THAT(watch->status(),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND, ::testing::_));
}

TEST_F(GatewayE2eTest, InvalidCreateListsEveryViolatedField) {
  StartGateway();
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-9");
  request.set_duration(20);
  request.add_video_urls("ftp://example.com/a.mp4");
  grpc::ClientContext context;
  v1::CreateVideoResponse response;
  grpc::Status status = stub_->CreateVideo(&context, request, &response);
  EXPECT_THAT(status,
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT, ::testing::_));
  auto bad = GetDetail<google::rpc::BadRequest>(FromGrpcStatus(status));
  ASSERT_TRUE(bad.has_value());
  std::vector<std::string> fields;
  for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::IsSupersetOf(
                          {"model", "prompt", "duration", "video_urls[0]"}));
  EXPECT_EQ(sim_->stats().create_requests, 0);
}

TEST_F(GatewayE2eTest, ValidateOnlyPricesWithoutAnUpstreamCall) {
  StartGateway();
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt("latte art");
  request.set_duration(10);
  request.add_video_durations()->set_seconds(5);
  request.set_video_url("https://example.com/in.mp4");
  request.set_validate_only(true);
  grpc::ClientContext context;
  v1::CreateVideoResponse response;
  ASSERT_TRUE(stub_->CreateVideo(&context, request, &response).ok());
  EXPECT_TRUE(response.video().id().empty());
  EXPECT_EQ(response.video().price().estimated_micros(), 3000000);  // $3.00
  EXPECT_EQ(sim_->stats().create_requests, 0);
}

TEST_F(GatewayE2eTest, ReconnectWithAfterSequenceGetsOnlyWhatIsNewer) {
  StartGateway();
  std::string id = CreateHeldTask();
  ASSERT_OK(sim_->ForceTask(id, "running"));
  auto first = Watch(id);
  // The first message is the state the gateway holds (QUEUED, unless a
  // poll saw RUNNING already); RUNNING follows at the next poll.
  ASSERT_TRUE(Eventually([&] {
    auto seen = first->video_sequences();
    return !seen.empty() && seen.back() == 20;
  }));
  first->Cancel();
  ASSERT_TRUE(first->WaitDone());

  auto resumed = Watch(id, /*after_sequence=*/20);
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(resumed->WaitDone());
  EXPECT_TRUE(resumed->status().ok());
  EXPECT_THAT(resumed->video_sequences(), ElementsAre(30));

  auto late = Watch(id, /*after_sequence=*/30);  // already has everything
  ASSERT_TRUE(late->WaitDone());
  EXPECT_TRUE(late->status().ok());
  EXPECT_TRUE(late->events().empty());
}

TEST_F(GatewayE2eTest, GetVideoAnswersFromUpstreamThenFromTheStore) {
  // Every GetVideo of a running task asks the upstream (a state of any age
  // is too old), so the test sees each change at once.
  config_.fresh_for = absl::ZeroDuration();
  StartGateway();
  std::string id = CreateHeldTask();
  v1::GetVideoRequest request;
  request.set_id(id);
  {
    grpc::ClientContext context;
    v1::GetVideoResponse response;
    ASSERT_TRUE(stub_->GetVideo(&context, request, &response).ok());
    EXPECT_EQ(response.video().status(), v1::VIDEO_STATUS_QUEUED);
    EXPECT_EQ(response.video().price().currency_code(), "USD");
  }
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  {
    grpc::ClientContext context;
    v1::GetVideoResponse response;
    ASSERT_TRUE(stub_->GetVideo(&context, request, &response).ok());
    EXPECT_EQ(response.video().status(), v1::VIDEO_STATUS_SUCCEEDED);
  }
  int64_t gets = SimGets(id);
  {
    grpc::ClientContext context;
    v1::GetVideoResponse response;
    ASSERT_TRUE(stub_->GetVideo(&context, request, &response).ok());
    EXPECT_EQ(response.video().status(), v1::VIDEO_STATUS_SUCCEEDED);
  }
  EXPECT_EQ(SimGets(id), gets) << "a final state is answered from the store";

  request.set_id("bad id with spaces");
  grpc::ClientContext context;
  v1::GetVideoResponse response;
  EXPECT_THAT(
      stub_->GetVideo(&context, request, &response),
      GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("id")));
}

TEST_F(GatewayE2eTest, HealthAnswersServing) {
  StartGateway();
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse answer;
  ASSERT_TRUE(health->Check(&context, {}, &answer).ok());
  EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GatewayE2eTest, StreamLimitAndWatchTimeLimitAreEnforced) {
  config_.max_streams = 2;
  config_.max_streams_per_peer = 0;  // every watcher here is 127.0.0.1
  config_.max_watch_time = absl::Milliseconds(300);
  StartGateway();
  std::string id = CreateHeldTask();
  auto a = Watch(id);
  auto b = Watch(id);
  ASSERT_TRUE(a->WaitForVideos(1));
  ASSERT_TRUE(b->WaitForVideos(1));
  auto c = Watch(id);
  ASSERT_TRUE(c->WaitDone());
  EXPECT_THAT(c->status(), GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        HasSubstr("--max-streams")));
  ASSERT_TRUE(a->WaitDone());
  EXPECT_THAT(a->status(), GrpcStatusIs(grpc::StatusCode::DEADLINE_EXCEEDED,
                                        HasSubstr("after_sequence")));
}

TEST_F(GatewayE2eTest,
       ShutdownEndsFiveHundredOpenWatchesWithUnavailableQuickly) {
  StartGateway();
  std::string id = CreateHeldTask();
  std::vector<std::unique_ptr<WatchCollector>> watchers;
  watchers.reserve(500);
  for (int i = 0; i < 500; ++i) watchers.push_back(Watch(id));
  for (auto& w : watchers) ASSERT_TRUE(w->WaitForVideos(1));
  absl::Time start = absl::Now();
  gateway_->Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  for (auto& w : watchers) {
    ASSERT_TRUE(w->WaitDone());
    EXPECT_THAT(w->status(), GrpcStatusIs(grpc::StatusCode::UNAVAILABLE,
                                          HasSubstr("reconnect")));
  }
}

}  // namespace
}  // namespace seedance::gateway
