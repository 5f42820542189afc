// End to end with the task ledger: the whole gateway on a SQLite store in a
// scratch folder, in front of the in-process simulator. Idempotent creates
// (AIP-155) under concurrency and under every upstream fault, ListVideos,
// tasks followed with nobody watching, and a restart that forgets nothing.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/sim_fault_kinds.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;

using ::google::protobuf::util::MessageDifferencer;
using ::seedance::testing::kBobKey;

constexpr char kRequestId[] = "5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7c";

// The ErrorInfo reason of a gRPC status, or "".
std::string Reason(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

v1::CreateVideoRequest Request(const std::string& prompt,
                               const std::string& request_id = kRequestId) {
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt(prompt);
  request.set_duration(5);
  request.set_request_id(request_id);
  return request;
}

class LedgerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    ASSERT_FALSE(dir_.path().empty());
    config_.store = absl::StrCat("sqlite:", dir_.path(), "/tasks.db");
    config_.poll_unwatched = absl::Milliseconds(30);
  }

  void StartGateway() {
    auto started = GatewayServer::Start(config_);
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    stub_ = v1::VideoService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void RestartGateway() {
    gateway_->Shutdown();
    gateway_.reset();
    StartGateway();
  }

  grpc::Status Create(const v1::CreateVideoRequest& request, v1::Video* video,
                      const char* key = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    if (key != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    }
    v1::CreateVideoResponse response;
    grpc::Status status = stub_->CreateVideo(&context, request, &response);
    if (video != nullptr) *video = response.video();
    return status;
  }

  v1::Video Get(const std::string& id) {
    grpc::ClientContext context;
    v1::GetVideoRequest request;
    request.set_id(id);
    v1::GetVideoResponse response;
    grpc::Status status = stub_->GetVideo(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.video();
  }

  grpc::Status List(const v1::ListVideosRequest& request,
                    v1::ListVideosResponse* response,
                    const char* key = nullptr) {
    grpc::ClientContext context;
    if (key != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    }
    return stub_->ListVideos(&context, request, response);
  }

  // The listed state of `id` (default request: newest 50).
  absl::optional<v1::Video> Listed(const std::string& id) {
    v1::ListVideosResponse response;
    if (!List(v1::ListVideosRequest(), &response).ok()) return absl::nullopt;
    for (const v1::Video& v : response.videos()) {
      if (v.id() == id) return v;
    }
    return absl::nullopt;
  }

  ::seedance::testing::ScratchDir dir_;
  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

TEST_F(LedgerE2eTest, TwentyConcurrentCallersWithOneRequestIdMakeOneTask) {
  StartGateway();
  constexpr int kCallers = 20;
  std::vector<std::string> ids(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      v1::Video video;
      grpc::Status status = Create(Request("[sim:hold] one fox"), &video);
      EXPECT_TRUE(status.ok()) << status.error_message();
      ids[i] = video.id();
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sim_->stats().create_requests, 1);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_FALSE(ids[0].empty());
}

TEST_F(LedgerE2eTest, ARetryWithTheRequestIdAnswersTheSameTaskAndPrice) {
  StartGateway();
  v1::Video first;
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), &first).ok());
  v1::Video again;
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), &again).ok());
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.request_id(), kRequestId);
  EXPECT_TRUE(MessageDifferencer::Equals(again.price(), first.price()));
  EXPECT_EQ(sim_->stats().create_requests, 1);

  // Upper case is the same UUID.
  v1::Video upper;
  ASSERT_TRUE(Create(Request("[sim:hold] a fox",
                             "5D8E3B1C-4C1B-4B7E-9F3A-2A6A1D9E0B7C"),
                     &upper)
                  .ok());
  EXPECT_EQ(upper.id(), first.id());
  EXPECT_EQ(sim_->stats().create_requests, 1);
}

TEST_F(LedgerE2eTest, TheRequestIdOfAnotherRequestIsRefused) {
  StartGateway();
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), nullptr).ok());
  grpc::Status reused = Create(Request("[sim:hold] a dog"), nullptr);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(absl::StrContains(reused.error_message(), "request_id"));
  EXPECT_EQ(Reason(reused), "REQUEST_ID_REUSED");
  EXPECT_EQ(sim_->stats().create_requests, 1);
}

TEST_F(LedgerE2eTest, OneRequestIdPerCallerNotPerGateway) {
  StartGateway();
  v1::Video alice, bob;
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), &alice).ok());
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), &bob, kBobKey).ok());
  EXPECT_NE(alice.id(), bob.id());
  EXPECT_EQ(sim_->stats().create_requests, 2);
}

TEST_F(LedgerE2eTest, AnUnknownOutcomeIsNeverSentAgain) {
  config_.upstream_timeout = absl::Seconds(1);
  StartGateway();
  // The upstream creates the task, then the connection breaks: the
  // gateway cannot know.
  ASSERT_TRUE(sim_->AddFaults("reset_after_create,method=POST,next=1").ok());
  grpc::Status first = Create(Request("a fox"), nullptr);
  ASSERT_FALSE(first.ok());
  grpc::Status retry = Create(Request("a fox"), nullptr);
  EXPECT_EQ(retry.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(retry), "CREATE_OUTCOME_UNKNOWN");
  EXPECT_TRUE(absl::StrContains(retry.error_message(), kRequestId));
  EXPECT_EQ(sim_->stats().create_requests, 1);
}

TEST_F(LedgerE2eTest, ARefusedCreateMayBeSentAgainWithItsRequestId) {
  StartGateway();
  ASSERT_TRUE(sim_->AddFaults("503,method=POST,next=1").ok());
  grpc::Status first = Create(Request("[sim:hold] a fox"), nullptr);
  ASSERT_EQ(first.error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::Video video;
  grpc::Status retry = Create(Request("[sim:hold] a fox"), &video);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_FALSE(video.id().empty());
  EXPECT_EQ(sim_->stats().creates, 1);
}

class LedgerFaultTest : public LedgerE2eTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(LedgerFaultTest, RetriesWithOneRequestIdNeverMakeTwoTasks) {
  config_.upstream_timeout = absl::Seconds(1);
  StartGateway();
  ASSERT_TRUE(
      sim_->AddFaults(absl::StrCat(GetParam(), ",method=POST,next=1")).ok());
  std::string id;
  for (int attempt = 0; attempt < 4; ++attempt) {
    v1::Video video;
    grpc::Status status = Create(Request("[sim:hold] a fox"), &video);
    if (status.ok()) {
      if (!id.empty()) EXPECT_EQ(video.id(), id) << "attempt " << attempt;
      id = video.id();
    }
  }
  EXPECT_LE(sim_->stats().creates, 1) << "one request_id, at most one task";
}

INSTANTIATE_TEST_SUITE_P(
    EveryFaultKind, LedgerFaultTest,
    ::testing::ValuesIn(::seedance::testing::kCreateFaultKinds),
    [](const ::testing::TestParamInfo<const char*>& info) {
      std::string name;
      for (const char* c = info.param; *c != '\0' && *c != ','; ++c) {
        name += absl::ascii_isalnum(*c) ? *c : '_';
      }
      return absl::StrCat("k", name);
    });

TEST_F(LedgerE2eTest, AnUnwatchedTaskEndsSucceededWithItsActualCostInTheList) {
  StartGateway();
  v1::Video created;
  ASSERT_TRUE(Create(Request("a fox"), &created).ok());
  EXPECT_FALSE(created.price().has_actual_micros());
  absl::optional<v1::Video> listed;
  ASSERT_TRUE(Eventually([&] {
    listed = Listed(created.id());
    return listed && listed->status() == v1::VIDEO_STATUS_SUCCEEDED;
  })) << "followed to its end with nobody watching";
  EXPECT_EQ(listed->price().actual_micros(), 1000000);  // 5 s x $0.20
  EXPECT_EQ(listed->request_id(), kRequestId);
  EXPECT_FALSE(listed->video_url().empty());
}

TEST_F(LedgerE2eTest, ARestartedGatewayFinishesTheTaskAndKeepsItsFigures) {
  StartGateway();
  v1::Video created;
  ASSERT_TRUE(Create(Request("[sim:hold] a fox"), &created).ok());
  ASSERT_TRUE(sim_->ForceTask(created.id(), "running").ok());
  v1::Video running;
  ASSERT_TRUE(Eventually([&] {
    running = Get(created.id());
    return running.status() == v1::VIDEO_STATUS_RUNNING;
  }));

  RestartGateway();
  v1::Video after = Get(created.id());
  EXPECT_EQ(after.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_TRUE(
      MessageDifferencer::Equals(after.update_time(), running.update_time()));
  EXPECT_TRUE(MessageDifferencer::Equals(after.price(), running.price()));

  // Nobody watches: the restarted gateway follows it by itself.
  ASSERT_TRUE(sim_->ForceTask(created.id(), "succeeded").ok());
  absl::optional<v1::Video> listed;
  ASSERT_TRUE(Eventually([&] {
    listed = Listed(created.id());
    return listed && listed->status() == v1::VIDEO_STATUS_SUCCEEDED;
  }));
  EXPECT_EQ(listed->price().actual_micros(), 1000000);
  v1::Video final_state = Get(created.id());
  EXPECT_TRUE(MessageDifferencer::Equals(final_state.update_time(),
                                         listed->update_time()));
}

TEST_F(LedgerE2eTest, ListVideosPagesNewestFirstAndFiltersByStatus) {
  StartGateway();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::Video video;
    ASSERT_TRUE(
        Create(Request(absl::StrCat("[sim:hold] fox ", i), ""), &video).ok());
    ids.push_back(video.id());
  }
  ASSERT_TRUE(sim_->ForceTask(ids[1], "failed").ok());
  v1::Video bobs;
  ASSERT_TRUE(Create(Request("[sim:hold] bob's", ""), &bobs, kBobKey).ok());

  std::vector<std::string> seen;
  v1::ListVideosRequest request;
  request.set_page_size(2);
  for (int page = 0; page < 5; ++page) {
    v1::ListVideosResponse response;
    grpc::Status status = List(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& v : response.videos()) seen.push_back(v.id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()))
      << "alice's five, newest first; bob's is not hers";

  v1::ListVideosRequest failed;
  failed.set_filter("status = FAILED");
  ASSERT_TRUE(Eventually([&] {
    v1::ListVideosResponse response;
    return List(failed, &response).ok() && response.videos_size() == 1 &&
           response.videos(0).id() == ids[1];
  }));

  v1::ListVideosRequest bad;
  bad.set_filter("colour = red");
  v1::ListVideosResponse ignored;
  grpc::Status status = List(bad, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "filter:"))
      << status.error_message();
  bad.set_filter("");
  bad.set_page_token("not-a-token");
  status = List(bad, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "page_token"));
  bad.set_page_token("");
  bad.set_page_size(-1);
  status = List(bad, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "page_size"));
}

TEST_F(LedgerE2eTest, WithoutAStoreRequestIdAndListVideosAreRefusedClearly) {
  config_.store = "none";
  StartGateway();
  grpc::Status create = Create(Request("a fox"), nullptr);
  EXPECT_EQ(create.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(create.error_message(), "--store=none"));
  EXPECT_EQ(sim_->stats().create_requests, 0);
  v1::ListVideosResponse response;
  grpc::Status list = List(v1::ListVideosRequest(), &response);
  EXPECT_EQ(list.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Without request_id, creates work as they always did.
  EXPECT_TRUE(Create(Request("a fox", ""), nullptr).ok());
}

}  // namespace
}  // namespace seedance::gateway
