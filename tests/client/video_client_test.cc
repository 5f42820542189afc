// VideoClient against the real gateway (in-process, loopback) with
// tokenhub-sim as its upstream: calls keep their error details, the
// caller's key travels as metadata, and a watch survives a gateway restart
// with each transition delivered exactly once. Waits are conditions with
// deadlines, never sleeps.

#include "client/video_client.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/transition_filter.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::client {
namespace {

using ::seedance::testing::IsOk;
using ::seedance::testing::StatusCodeIs;
using ::testing::ElementsAre;

using ::seedance::testing::kAliceKey;
using ::seedance::testing::kBobKey;

v1::WatchVideoResponse Transition(int64_t sequence) {
  v1::WatchVideoResponse message;
  message.set_sequence(sequence);
  message.mutable_video()->set_status(
      sequence == 30 ? v1::VIDEO_STATUS_SUCCEEDED : v1::VIDEO_STATUS_QUEUED);
  return message;
}

TEST(TransitionFilterTest,
     ReplaysAreDroppedAndHeartbeatsNeverMoveTheResumePoint) {
  TransitionFilter filter(10);
  EXPECT_FALSE(filter.Accept(Transition(10))) << "already seen before";
  v1::WatchVideoResponse heartbeat;
  heartbeat.set_sequence(10);
  heartbeat.mutable_heartbeat();
  EXPECT_TRUE(filter.Accept(heartbeat));
  EXPECT_EQ(filter.resume_point(), 10);
  EXPECT_TRUE(filter.Accept(Transition(20)));
  EXPECT_FALSE(filter.Accept(Transition(20))) << "replayed by a new replica";
  EXPECT_FALSE(filter.saw_final());
  EXPECT_TRUE(filter.Accept(Transition(30)));
  EXPECT_EQ(filter.resume_point(), 30);
  EXPECT_TRUE(filter.saw_final());
}

// Collects what a Watch on its own thread delivers.
class BackgroundWatch {
 public:
  BackgroundWatch(VideoClient& client, const std::string& id,
                  WatchOptions options)
      : thread_([this, &client, id, options] {
          absl::Status status = client.Watch(
              id, options, [this](const v1::WatchVideoResponse& message) {
                absl::MutexLock lock(&mu_);
                if (message.has_video()) {
                  sequences_.push_back(message.sequence());
                }
              });
          absl::MutexLock lock(&mu_);
          status_ = status;
          done_ = true;
        }) {}
  ~BackgroundWatch() { thread_.join(); }

  bool WaitForTransitions(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return sequences_.size() >= n || done_;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(20)) &&
           sequences_.size() >= n;
  }
  absl::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(20));
    return done_ ? status_ : absl::DeadlineExceededError("watch still running");
  }
  std::vector<int64_t> sequences() {
    absl::MutexLock lock(&mu_);
    return sequences_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int64_t> sequences_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class VideoClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    config_.shutdown_grace = absl::Seconds(1);
    StartGateway();
    // Restarts reuse the port, as a replica restarting behind one address.
    config_.listen = absl::StrCat("127.0.0.1:", gateway_->port());
  }

  void StartGateway() {
    auto started = gateway::GatewayServer::Start(config_);
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
  }

  std::unique_ptr<VideoClient> Client(std::string api_key = "") {
    ClientOptions options;
    options.target = config_.listen;
    options.api_key = std::move(api_key);
    options.timeout = absl::Seconds(10);
    auto client = VideoClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  static v1::CreateVideoRequest HeldRequest() {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt("[sim:hold] a paper boat on a rainy street");
    return request;
  }

  gateway::GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<gateway::GatewayServer> gateway_;
};

TEST_F(VideoClientTest, WatchSurvivesAGatewayRestartWithEachTransitionOnce) {
  auto client = Client();
  ASSERT_OK_AND_ASSIGN(v1::Video video, client->Create(HeldRequest()));
  WatchOptions options;
  options.backoff_initial = absl::Milliseconds(10);
  options.backoff_max = absl::Milliseconds(100);
  BackgroundWatch watch(*client, video.id(), options);
  ASSERT_TRUE(watch.WaitForTransitions(1));

  gateway_->Shutdown();  // open watches end with UNAVAILABLE
  gateway_.reset();
  StartGateway();
  ASSERT_OK(sim_->ForceTask(video.id(), "running"));
  ASSERT_TRUE(watch.WaitForTransitions(2));
  ASSERT_OK(sim_->ForceTask(video.id(), "succeeded"));

  EXPECT_THAT(watch.Wait(), IsOk());
  EXPECT_THAT(watch.sequences(), ElementsAre(10, 20, 30));
}

TEST_F(VideoClientTest, CancelEndsAWatchThatIsWaitingToReconnect) {
  auto client = Client();
  ASSERT_OK_AND_ASSIGN(v1::Video video, client->Create(HeldRequest()));
  gateway_->Shutdown();
  WatchOptions options;
  options.max_reconnect_time = absl::Seconds(60);
  BackgroundWatch watch(*client, video.id(), options);
  client->Cancel();
  EXPECT_THAT(watch.Wait(), StatusCodeIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(client->Get(video.id()),
              StatusCodeIs(absl::StatusCode::kCancelled));
}

TEST_F(VideoClientTest, WatchGivesUpWithUnavailableAfterTheReconnectBudget) {
  auto client = Client();
  ASSERT_OK_AND_ASSIGN(v1::Video video, client->Create(HeldRequest()));
  gateway_->Shutdown();
  WatchOptions options;
  options.max_reconnect_time = absl::Milliseconds(300);
  options.backoff_initial = absl::Milliseconds(20);
  BackgroundWatch watch(*client, video.id(), options);
  EXPECT_THAT(watch.Wait(), StatusCodeIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(watch.sequences().empty());
}

TEST_F(VideoClientTest, ACreateWithARequestIdIsRetriedIntoOneTask) {
  // The ledger makes retries safe: restart the gateway with a task store.
  gateway_->Shutdown();
  gateway_.reset();
  ::seedance::testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  config_.store = absl::StrCat("sqlite:", dir.path(), "/tasks.db");
  StartGateway();
  auto client = Client();
  ASSERT_OK(sim_->AddFaults("503,method=POST,next=2"));
  v1::CreateVideoRequest request = HeldRequest();
  request.set_request_id("0b0e6a1e-8c37-4a4b-9a55-0f7f3c0d2e11");
  absl::StatusOr<v1::Video> video = client->Create(request);
  ASSERT_OK(video.status());
  EXPECT_EQ(sim_->stats().creates, 1);
  EXPECT_EQ(sim_->stats().create_requests, 3) << "two refusals, one create";

  // Without a request_id nothing is sent twice: the failure is the answer.
  ASSERT_OK(sim_->AddFaults("503,method=POST,next=1"));
  EXPECT_THAT(client->Create(HeldRequest()).status(),
              StatusCodeIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(sim_->stats().create_requests, 4);
}

TEST_F(VideoClientTest, InvalidCreateKeepsEveryFieldViolation) {
  auto client = Client();
  v1::CreateVideoRequest request = HeldRequest();
  request.set_duration(99);
  request.set_aspect_ratio("wide");
  auto created = client->Create(request);
  ASSERT_THAT(created, StatusCodeIs(absl::StatusCode::kInvalidArgument));
  auto bad = GetDetail<google::rpc::BadRequest>(created.status());
  ASSERT_TRUE(bad.has_value());
  std::vector<std::string> fields;
  for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre("duration", "aspect_ratio"));
}

TEST_F(VideoClientTest, TheCallersKeyTravelsAsAuthorizationMetadata) {
  auto bob = Client(kBobKey);
  ASSERT_OK_AND_ASSIGN(v1::Video video, bob->Create(HeldRequest()));
  EXPECT_THAT(bob->Get(video.id()), IsOk());
  auto gateway_key = Client();
  EXPECT_THAT(gateway_key->Get(video.id()),
              StatusCodeIs(absl::StatusCode::kNotFound))
      << "bob's task is invisible to the gateway's own key (alice)";
}

}  // namespace
}  // namespace seedance::client
