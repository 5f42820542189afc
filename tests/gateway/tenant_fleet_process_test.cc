// Tenants across a fleet: three seedance-gateway replicas with one tenants
// file on one PostgreSQL 15 (of the test's own) and one tokenhub-sim, all
// real processes on loopback. Ten creates against a budget for two videos,
// all at once and spread over the replicas, make exactly two upstream
// tasks: the reservation is a transaction in the shared store.
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "bench/sim_control.h"
#include "gmock/gmock.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/scratch_postgres.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::bench::ChildProcess;
using ::seedance::bench::SimControl;
using ::seedance::testing::ScratchPostgres;

// A bound against hangs on a loaded 2-core machine, not a speed check.
constexpr absl::Duration kDeadline = absl::Seconds(30);
constexpr char kCallerKey[] = "sk-fleet-budget-tenant-31337";
// A budget of 3.5 estimates: one create made first, then two of ten
// racing creates fit, never three.
constexpr int kCreates = 10;

std::string BinDir() { return SEEDANCE_BIN_DIR; }

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

struct Replica {
  std::unique_ptr<ChildProcess> process;
  std::unique_ptr<v1::VideoService::Stub> stub;
};

class TenantFleetProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg_);
    work_dir_ = std::make_unique<::seedance::testing::ScratchDir>();
    work_ = work_dir_->path();
    ASSERT_FALSE(work_.empty());
    ASSERT_OK_AND_ASSIGN(
        sim_, ChildProcess::Start({BinDir() + "/tokenhub-sim", "--port", "0",
                                   "--seed", "7", "--time-scale", "0.01"},
                                  {}, work_ + "/sim.log"));
    ASSERT_OK_AND_ASSIGN(std::string url,
                         sim_->WaitForLine("listening on ", kDeadline));
    sim_control_ = std::make_unique<SimControl>(url);
  }

  void TearDown() override {
    for (size_t i = 0; i < replicas_.size(); ++i) {
      replicas_[i].stub.reset();
      if (replicas_[i].process != nullptr) {
        (void)replicas_[i].process->Stop(kDeadline);
      }
      if (HasFailure()) ShowLog(absl::StrCat("/gateway-", i, ".log"));
    }
    // No line of any replica carries the caller key.
    for (size_t i = 0; i < replicas_.size(); ++i) {
      std::ifstream in(absl::StrCat(work_, "/gateway-", i, ".log"));
      std::string text((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      EXPECT_EQ(text.find(kCallerKey), std::string::npos) << text;
    }
    sim_.reset();
  }

  void ShowLog(const std::string& name) {
    std::ifstream in(work_ + name);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (text.size() > 3000) text = text.substr(text.size() - 3000);
    std::cerr << "--- " << name << " (tail)\n" << text << "\n";
  }

  void StartReplicas(int n, const std::string& tenants_file) {
    for (int i = 0; i < n; ++i) {
      Replica r;
      ASSERT_OK_AND_ASSIGN(
          r.process,
          ChildProcess::Start(
              {BinDir() + "/seedance-gateway", "--listen", "127.0.0.1:0",
               "--upstream", sim_control_->api_base(), "--store", pg_->uri(),
               "--replica-id", absl::StrCat("replica-", i), "--tenants-file",
               tenants_file},
              {"TOKENHUB_API_KEY=th-sim-demo-key"},
              absl::StrCat(work_, "/gateway-", i, ".log")));
      ASSERT_OK_AND_ASSIGN(
          std::string port,
          r.process->WaitForLine("listening on port ", kDeadline));
      r.stub = v1::VideoService::NewStub(grpc::CreateChannel(
          "127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
      replicas_.push_back(std::move(r));
    }
  }

  // The price check of the test's request, through replica 0.
  int64_t Estimate(const std::string& authorization) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    context.AddMetadata("authorization", authorization);
    v1::CreateVideoRequest request = Request();
    request.set_validate_only(true);
    v1::CreateVideoResponse response;
    grpc::Status s =
        replicas_[0].stub->CreateVideo(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.video().price().estimated_micros();
  }

  static v1::CreateVideoRequest Request() {
    v1::CreateVideoRequest request;
    request.set_model("doubao-seedance-2.0");
    request.set_prompt("[sim:hold] a lighthouse in a storm");
    request.set_duration(5);
    return request;
  }

  std::unique_ptr<ScratchPostgres> pg_;
  std::unique_ptr<::seedance::testing::ScratchDir> work_dir_;
  std::string work_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<SimControl> sim_control_;
  std::vector<Replica> replicas_;
};

TEST_F(TenantFleetProcessTest, TenCreatesOverThreeReplicasFitATwoVideoBudget) {
  const std::string authorization = absl::StrCat("Bearer ", kCallerKey);
  // First without a budget, to learn the estimate; then the budget.
  const std::string file = work_ + "/tenants.json";
  auto write = [&](const std::string& limits) {
    std::ofstream(file + ".tmp")
        << R"({"tenants": [{"name": "team-fleet", "key_sha256": [")"
        << Sha256Hex(kCallerKey) << "\"]" << limits << "}]}";
    ASSERT_EQ(std::rename((file + ".tmp").c_str(), file.c_str()), 0);
  };
  write("");
  StartReplicas(1, file);
  const int64_t estimate = Estimate(authorization);
  ASSERT_GT(estimate, 0);
  replicas_[0].stub.reset();
  ASSERT_TRUE(replicas_[0].process->Stop(kDeadline).ok());
  replicas_.clear();
  write(absl::StrCat(R"(, "daily_budget_micros": )", estimate * 7 / 2));
  StartReplicas(3, file);
  {
    // One create first, so the day's usage row exists and the racers
    // contend on its lock rather than on its insertion.
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    context.AddMetadata("authorization", authorization);
    v1::CreateVideoResponse response;
    grpc::Status s =
        replicas_[0].stub->CreateVideo(&context, Request(), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_OK_AND_ASSIGN(bench::SimSnapshot before, sim_control_->Stats());

  std::atomic<int> created{0};
  std::atomic<int> over_budget{0};
  absl::Barrier start(kCreates);
  std::vector<std::thread> callers;
  callers.reserve(kCreates);
  for (int i = 0; i < kCreates; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
      context.AddMetadata("authorization", authorization);
      v1::CreateVideoResponse response;
      start.Block();
      grpc::Status s =
          replicas_[i % 3].stub->CreateVideo(&context, Request(), &response);
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
  ASSERT_OK_AND_ASSIGN(bench::SimSnapshot after, sim_control_->Stats());
  EXPECT_EQ(after.create_requests - before.create_requests, 2);
}

}  // namespace
}  // namespace seedance::gateway
