// Tenants across a fleet: seedance-gateway replicas with one tenants file
// on one PostgreSQL 15 (of the test's own) and one tokenhub-sim, all real
// processes on loopback (fleet_harness.h).
//   - Ten creates against a budget for two videos, all at once and spread
//     over three replicas, make exactly two upstream tasks: the
//     reservation is a transaction in the shared store. The budget arrives
//     by rewriting the file under running replicas.
//   - A tenant's task outlives the replica that created it (kill -9):
//     another replica claims its lease, follows it to its end with the
//     tenant's key, and settles its reservation to the actual cost.
// No replica's log carries the caller key.
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "tests/gateway/fleet_harness.h"
#include "tests/testing/eventually.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

constexpr char kCallerKey[] = "sk-fleet-budget-tenant-31337";
constexpr char kAuthorization[] = "Bearer sk-fleet-budget-tenant-31337";
// A budget of 3.5 estimates: one create made first, then two of ten
// racing creates fit, never three.
constexpr int kCreates = 10;

std::string Sha256Hex(const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
             digest) == nullptr) {
    return "";
  }
  std::string out;
  for (unsigned char c : digest) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

class TenantFleetProcessTest : public FleetHarness {
 protected:
  void SetUp() override {
    FleetHarness::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_FALSE(dir_.path().empty());
    file_ = dir_.path() + "/tenants.json";
    WriteTenants("");
  }

  void TearDown() override {
    for (size_t i = 0; i < replicas_.size(); ++i) {
      EXPECT_EQ(ReplicaLog(static_cast<int>(i)).find(kCallerKey),
                std::string::npos)
          << "replica " << i << " logged the caller key";
    }
    FleetHarness::TearDown();
  }

  std::vector<std::string> ExtraGatewayArgs() const override {
    return {"--tenants-file", file_};
  }

  // The tenants file with one tenant, "team-fleet", whose entry ends with
  // `limits` (JSON members, each after a comma). Replaced at once, as a
  // Secret's volume swaps it.
  void WriteTenants(const std::string& limits) {
    std::ofstream(file_ + ".tmp")
        << R"({"tenants": [{"name": "team-fleet", "key_sha256": [")"
        << Sha256Hex(kCallerKey) << "\"]" << limits << "}]}";
    ASSERT_EQ(std::rename((file_ + ".tmp").c_str(), file_.c_str()), 0);
  }

  static std::unique_ptr<grpc::ClientContext> TenantContext() {
    std::unique_ptr<grpc::ClientContext> context = Context();
    context->AddMetadata("authorization", kAuthorization);
    return context;
  }

  static v1::CreateVideoRequest Request(const std::string& prompt) {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt(prompt);
    request.set_duration(5);
    return request;
  }

  // The price check of a create, through replica 0.
  int64_t Estimate() {
    v1::CreateVideoRequest request = Request("[sim:hold] a lighthouse");
    request.set_validate_only(true);
    v1::CreateVideoResponse response;
    grpc::Status s =
        stub(0).CreateVideo(TenantContext().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.video().price().estimated_micros();
  }

  // The tenant's usage today as replica `i` reads it; false if the call
  // fails.
  bool Usage(int i, v1::GetUsageResponse* usage) {
    v1::GetUsageRequest request;
    return stub(i).GetUsage(TenantContext().get(), request, usage).ok();
  }

  // The tenant's task as replica `i`'s ListVideos shows it.
  bool TenantListed(int i, const std::string& id, v1::Video* video) {
    v1::ListVideosRequest request;
    request.set_page_size(100);
    v1::ListVideosResponse response;
    if (!stub(i).ListVideos(TenantContext().get(), request, &response).ok()) {
      return false;
    }
    for (const v1::Video& v : response.videos()) {
      if (v.id() == id) {
        *video = v;
        return true;
      }
    }
    return false;
  }

  ::seedance::testing::ScratchDir dir_;
  std::string file_;
};

TEST_F(TenantFleetProcessTest, TenCreatesOverThreeReplicasFitATwoVideoBudget) {
  StartReplicas(3, absl::Seconds(10));
  const int64_t estimate = Estimate();
  ASSERT_GT(estimate, 0);
  // The budget arrives with the file, re-read by every running replica.
  const int64_t budget = estimate * 7 / 2;
  WriteTenants(absl::StrCat(R"(, "daily_budget_micros": )", budget));
  for (int i = 0; i < 3; ++i) {
    v1::GetUsageResponse usage;
    ASSERT_TRUE(::seedance::testing::Eventually(
        [&] {
          return Usage(i, &usage) && usage.limits().has_daily_budget_micros() &&
                 usage.limits().daily_budget_micros() == budget;
        },
        kFleetDeadline))
        << "replica " << i << " never read the new budget";
  }
  {
    // One create first, so the day's usage row exists and the racers
    // contend on its lock rather than on its insertion.
    v1::CreateVideoResponse response;
    grpc::Status s = stub(0).CreateVideo(
        TenantContext().get(), Request("[sim:hold] a lighthouse"), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const bench::SimSnapshot before = SimStats();

  std::atomic<int> created{0};
  std::atomic<int> over_budget{0};
  absl::Barrier start(kCreates);
  std::vector<std::thread> callers;
  callers.reserve(kCreates);
  for (int i = 0; i < kCreates; ++i) {
    callers.emplace_back([&, i] {
      std::unique_ptr<grpc::ClientContext> context = TenantContext();
      v1::CreateVideoResponse response;
      start.Block();
      grpc::Status s = stub(i % 3).CreateVideo(
          context.get(), Request("[sim:hold] a lighthouse"), &response);
      if (s.ok()) {
        created.fetch_add(1);
      } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        over_budget.fetch_add(1);
      } else {
        ADD_FAILURE() << s.error_code() << " " << s.error_message();
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(created.load(), 2);
  EXPECT_EQ(over_budget.load(), kCreates - 2);
  EXPECT_EQ(SimStats().create_requests - before.create_requests, 2);
}

// kill -9 of the replica that created a tenant's task: the survivor claims
// its lease once the TTL has passed, polls it with the tenant's key, and
// the reservation becomes the actual cost. (Before tenants' tasks held
// leases, nobody followed it again and its estimate stayed reserved.)
TEST_F(TenantFleetProcessTest, DeadReplicasTenantTaskIsFollowedAndSettled) {
  StartReplicas(2, absl::Seconds(2));
  v1::CreateVideoResponse created;
  grpc::Status s = stub(0).CreateVideo(
      TenantContext().get(),
      Request("[sim:queued=10ms,hold=running] a harbour at night"), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string id = created.video().id();
  const int64_t estimate = created.video().price().estimated_micros();
  ASSERT_GT(estimate, 0);
  v1::Video video;
  ASSERT_TRUE(::seedance::testing::Eventually(
      [&] {
        return TenantListed(1, id, &video) &&
               video.status() == v1::VIDEO_STATUS_RUNNING;
      },
      kFleetDeadline))
      << video.ShortDebugString();
  v1::GetUsageResponse usage;
  ASSERT_TRUE(Usage(1, &usage));
  EXPECT_EQ(usage.reserved_micros(), estimate);
  EXPECT_EQ(usage.unfinished(), 1);

  ASSERT_EQ(kill(replicas_[0].process->pid(), SIGKILL), 0);
  (void)replicas_[0].process->Stop(kFleetDeadline);  // reaps it
  replicas_[0].process.reset();
  ASSERT_OK(sim_control_->Advance({id}));
  EXPECT_TRUE(::seedance::testing::Eventually(
      [&] {
        return TenantListed(1, id, &video) &&
               video.status() == v1::VIDEO_STATUS_SUCCEEDED;
      },
      kFleetDeadline))
      << "the survivor did not follow the dead replica's tenant task: "
      << video.ShortDebugString();
  ASSERT_TRUE(video.price().has_actual_micros()) << video.ShortDebugString();
  ASSERT_TRUE(Usage(1, &usage));
  EXPECT_EQ(usage.reserved_micros(), 0);
  EXPECT_EQ(usage.spent_micros(), video.price().actual_micros());
  EXPECT_EQ(usage.unfinished(), 0);
}

}  // namespace
}  // namespace seedance::gateway
