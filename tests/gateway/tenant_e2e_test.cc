// End to end with a tenants file: the whole gateway on a SQLite store in
// front of the in-process simulator. Caller keys (missing, unknown, valid),
// isolation between tenants that share the gateway's upstream key, a
// reload that adds and removes keys, and no caller key in any log line.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/gateway/gateway_server.h"
#include "server/gateway/tenant_config.h"
#include "server/upstream/pricing.h"
#include "sim/sim_server.h"
#include "tests/gateway/http_test_client.h"
#include "tests/gateway/watch_collector.h"
#include "tests/testing/captured_stderr.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"

namespace seedance::gateway {
namespace {

using ::seedance::GetDetail;
using ::seedance::testing::Eventually;
using ::seedance::testing::WatchCollector;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyA[] = "sk-tenant-a-0123456789abcdef";
constexpr char kKeyB[] = "sk-tenant-b-fedcba9876543210";
constexpr char kKeyC[] = "sk-tenant-c-added-later-42";
constexpr char kKeyRate[] = "sk-tenant-rate-limited-7";
constexpr char kKeyOne[] = "sk-tenant-one-at-a-time-8";
constexpr char kKeyBudget[] = "sk-tenant-two-video-budget-9";

std::string Hex(const std::string& key) {
  // Held here: a range-for over `*CallerKeyDigest(key)` would read the
  // digest after its temporary StatusOr is gone.
  const KeyDigest digest = CallerKeyDigest(key).value();
  std::string out;
  for (unsigned char c : digest) {
    absl::StrAppendFormat(&out, "%02x", c);
  }
  return out;
}

std::string TenantJson(const std::string& name, const std::string& key,
                       const std::string& limits = "") {
  return absl::StrCat(R"({"name": ")", name, R"(", "key_sha256": [")", Hex(key),
                      "\"]", limits, "}");
}

v1::CreateVideoRequest Request(bool validate_only = false) {
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt("[sim:hold] a red fox in snow");
  request.set_duration(5);
  request.set_validate_only(validate_only);
  return request;
}

int64_t Estimate() {
  return upstream::EstimatePrice(Request(), upstream::PriceTable::Default())
      ->estimated_micros();
}

// The tenants of the tests: two without limits, three with one each.
std::string AllTenants() {
  return absl::StrCat(
      R"({"tenants": [)", TenantJson("team-a", kKeyA), ", ",
      TenantJson("team-b", kKeyB), ", ",
      TenantJson("team-rate", kKeyRate, R"(, "creates_per_minute": 2)"), ", ",
      TenantJson("team-one", kKeyOne, R"(, "max_unfinished": 1)"), ", ",
      TenantJson("team-budget", kKeyBudget,
                 absl::StrCat(R"(, "daily_budget_micros": )", 2 * Estimate())),
      "]}");
}

// The QuotaFailure's description, or "".
std::string QuotaViolation(const grpc::Status& status) {
  auto failure = GetDetail<google::rpc::QuotaFailure>(FromGrpcStatus(status));
  if (!failure || failure->violations_size() == 0) return "";
  return failure->violations(0).description();
}

class TenantE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    ASSERT_FALSE(dir_.path().empty());
    WriteTenants(AllTenants());
    GatewayConfig config = ::seedance::testing::FastGatewayConfig(*sim_);
    config.store = absl::StrCat("sqlite:", dir_.path(), "/tasks.db");
    config.tenants_file = Path();
    config.metrics_listen = "127.0.0.1:0";  // tenants' series are fed too
    config.http_listen = "127.0.0.1:0";
    config.log_calls = true;  // call lines are checked too
    ::testing::internal::CaptureStderr();
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    stub_ = v1::VideoService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    gateway_.reset();  // every log line is written by now
    const std::string log = ::seedance::testing::TakeCapturedStderr();
    for (const char* key :
         {kKeyA, kKeyB, kKeyC, kKeyRate, kKeyOne, kKeyBudget}) {
      EXPECT_THAT(log, Not(HasSubstr(key))) << log;
    }
  }

  std::string Path() const { return dir_.path() + "/tenants.json"; }

  void WriteTenants(const std::string& json) {
    const std::string tmp = Path() + ".tmp";
    std::ofstream(tmp) << json;
    std::filesystem::rename(tmp, Path());
  }

  static void Authorize(grpc::ClientContext& context, const char* key) {
    if (key != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    }
  }

  grpc::Status Create(const char* key, v1::Video* video = nullptr,
                      bool validate_only = false) {
    grpc::ClientContext context;
    Authorize(context, key);
    v1::CreateVideoResponse response;
    grpc::Status status =
        stub_->CreateVideo(&context, Request(validate_only), &response);
    if (video != nullptr) *video = response.video();
    return status;
  }

  grpc::Status Get(const char* key, const std::string& id) {
    grpc::ClientContext context;
    Authorize(context, key);
    v1::GetVideoRequest request;
    request.set_id(id);
    v1::GetVideoResponse response;
    return stub_->GetVideo(&context, request, &response);
  }

  grpc::Status List(const char* key, v1::ListVideosResponse* response) {
    grpc::ClientContext context;
    Authorize(context, key);
    return stub_->ListVideos(&context, v1::ListVideosRequest(), response);
  }

  grpc::Status Watch(const char* key, const std::string& id) {
    v1::WatchVideoRequest request;
    request.set_id(id);
    std::string authorization =
        key ? absl::StrCat("Bearer ", key) : std::string();
    WatchCollector watch(*stub_, request,
                         key ? authorization.c_str() : nullptr);
    EXPECT_TRUE(watch.WaitDone());
    return watch.status();
  }

  ::seedance::testing::ScratchDir dir_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

TEST_F(TenantE2eTest, EveryCallNeedsAKnownCallerKey) {
  v1::Video video;
  ASSERT_TRUE(Create(kKeyA, &video).ok());
  for (const char* key : {static_cast<const char*>(nullptr), "sk-unknown"}) {
    EXPECT_EQ(Create(key).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Create(key, nullptr, /*validate_only=*/true).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Get(key, video.id()).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    v1::ListVideosResponse list;
    EXPECT_EQ(List(key, &list).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Watch(key, video.id()).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::Status missing = Create(nullptr);
  EXPECT_THAT(missing.error_message(), HasSubstr("authorization: Bearer"));
}

TEST_F(TenantE2eTest, TenantsSharingAnUpstreamKeySeeOnlyTheirOwnTasks) {
  v1::Video a;
  ASSERT_TRUE(Create(kKeyA, &a).ok());
  EXPECT_TRUE(Get(kKeyA, a.id()).ok());
  // Team B's key reaches the same upstream account, yet the task is not
  // its: not shown, not watched, not listed.
  EXPECT_EQ(Get(kKeyB, a.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Watch(kKeyB, a.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ListVideosResponse listed_b;
  ASSERT_TRUE(List(kKeyB, &listed_b).ok());
  EXPECT_EQ(listed_b.videos_size(), 0);
  v1::ListVideosResponse listed_a;
  ASSERT_TRUE(List(kKeyA, &listed_a).ok());
  ASSERT_EQ(listed_a.videos_size(), 1);
  EXPECT_EQ(listed_a.videos(0).id(), a.id());
  // Still not B's after A looked at it (no poller is shared across them).
  EXPECT_EQ(Get(kKeyB, a.id()).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(TenantE2eTest, ReloadAddsAndRemovesKeysWithoutARestart) {
  EXPECT_EQ(Create(kKeyC).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  WriteTenants(absl::StrCat(R"({"tenants": [)", TenantJson("team-a", kKeyA),
                            ", ", TenantJson("team-c", kKeyC), "]}"));
  // The file is checked every 2 s.
  EXPECT_TRUE(
      Eventually([&] { return Create(kKeyC).ok(); }, absl::Seconds(20)));
  EXPECT_EQ(Create(kKeyB).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Create(kKeyA).ok());
}

TEST_F(TenantE2eTest, OverCreatesPerMinuteIsResourceExhaustedWithRetryInfo) {
  EXPECT_TRUE(Create(kKeyRate).ok());
  EXPECT_TRUE(Create(kKeyRate).ok());
  grpc::Status third = Create(kKeyRate);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto retry = GetDetail<google::rpc::RetryInfo>(FromGrpcStatus(third));
  ASSERT_TRUE(retry.has_value()) << third.error_message();
  EXPECT_GE(retry->retry_delay().seconds(), 1);
  // A price check is not a create.
  EXPECT_TRUE(Create(kKeyRate, nullptr, /*validate_only=*/true).ok());
}

TEST_F(TenantE2eTest, OverMaxUnfinishedIsRefusedUntilATaskEnds) {
  EXPECT_TRUE(Create(kKeyOne).ok());  // held running by the simulator
  grpc::Status second = Create(kKeyOne);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(QuotaViolation(second), HasSubstr("max_unfinished"));
}

TEST_F(TenantE2eTest, TenConcurrentCreatesAgainstATwoVideoBudgetMakeTwo) {
  constexpr int kCallers = 10;
  std::atomic<int> created{0};
  std::atomic<int> over_budget{0};
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      grpc::Status s = Create(kKeyBudget);
      if (s.ok()) {
        created.fetch_add(1);
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                 absl::StrContains(QuotaViolation(s), "daily_budget_micros")) {
        over_budget.fetch_add(1);
      } else {
        ADD_FAILURE() << s.error_code() << " " << s.error_message();
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(created.load(), 2);
  EXPECT_EQ(over_budget.load(), kCallers - 2);
  // Only those two reached the upstream: team-budget lists two tasks.
  v1::ListVideosResponse listed;
  ASSERT_TRUE(List(kKeyBudget, &listed).ok());
  EXPECT_EQ(listed.videos_size(), 2);
}

TEST_F(TenantE2eTest, GetUsageShowsTheTenantsDayAndLimits) {
  ASSERT_TRUE(Create(kKeyBudget).ok());
  grpc::ClientContext context;
  Authorize(context, kKeyBudget);
  v1::GetUsageResponse usage;
  grpc::Status s = stub_->GetUsage(&context, v1::GetUsageRequest(), &usage);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(usage.tenant(), "team-budget");
  EXPECT_EQ(usage.day().size(), 10u);
  EXPECT_EQ(usage.reserved_micros(), Estimate());  // held running
  EXPECT_EQ(usage.spent_micros(), 0);
  EXPECT_EQ(usage.unfinished(), 1);
  EXPECT_EQ(usage.limits().daily_budget_micros(), 2 * Estimate());
  EXPECT_FALSE(usage.limits().has_max_unfinished());
  // Another tenant's day is its own; a bad day names the field; no key, no
  // usage.
  grpc::ClientContext other;
  Authorize(other, kKeyA);
  ASSERT_TRUE(stub_->GetUsage(&other, v1::GetUsageRequest(), &usage).ok());
  EXPECT_EQ(usage.tenant(), "team-a");
  EXPECT_EQ(usage.reserved_micros(), 0);
  grpc::ClientContext bad;
  Authorize(bad, kKeyA);
  v1::GetUsageRequest request;
  request.set_day("yesterday");
  grpc::Status refused = stub_->GetUsage(&bad, request, &usage);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("day"));
  grpc::ClientContext anonymous;
  EXPECT_EQ(
      stub_->GetUsage(&anonymous, v1::GetUsageRequest(), &usage).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TenantE2eTest, TheWebFaceNeedsTheCallerKeyToo) {
  using ::seedance::testing::Fetch;
  const int port = gateway_->http_port();
  const std::string body =
      R"({"model": "doubao-seedance-2.0", "prompt": "a fox", "duration": 5})";
  const std::string json = "Content-Type: application/json";
  EXPECT_EQ(Fetch(port, "POST", "/v1/videos", body, {json}).status, 401);
  EXPECT_EQ(Fetch(port, "GET", "/v1/videos").status, 401);
  EXPECT_EQ(
      Fetch(port, "GET", "/v1/usage", "", {"Authorization: Bearer sk-wrong"})
          .status,
      401);
  const std::string auth = absl::StrCat("Authorization: Bearer ", kKeyA);
  EXPECT_EQ(Fetch(port, "POST", "/v1/videos", body, {json, auth}).status, 200);
  ::seedance::testing::HttpAnswer usage =
      Fetch(port, "GET", "/v1/usage", "", {auth});
  EXPECT_EQ(usage.status, 200) << usage.body;
  EXPECT_THAT(usage.body, HasSubstr("\"tenant\":\"team-a\""));
  EXPECT_EQ(Fetch(port, "GET", "/v1/usage?month=1", "", {auth}).status, 400);
}

}  // namespace
}  // namespace seedance::gateway
