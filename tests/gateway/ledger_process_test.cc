// The task ledger as an operator meets it: seedance-gateway and tokenhub-sim
// run as real processes on loopback, the gateway on a real store (a SQLite
// file, or a PostgreSQL 15 of the test's own), and the things a ledger is
// for checked from outside: a restart forgets nothing, one request_id is
// one upstream create however many callers send it, tasks nobody watches
// are followed to their end and priced, and a store that is down or full
// refuses creates (sending nothing upstream) while reads go on, until it
// is back.
//
// Waits are conditions with deadlines (the sim's held phases and /_sim/
// control endpoints decide when a task moves), never fixed sleeps.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "bench/sim_control.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "server/store/sqlite_connection.h"
#include "tests/testing/eventually.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/scratch_postgres.h"
#include "tests/testing/scratch_tmpfs.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::seedance::bench::ChildProcess;
using ::seedance::bench::SimControl;
using ::seedance::testing::GrpcStatusIs;
using ::seedance::testing::ScratchPostgres;
using ::seedance::testing::ScratchTmpfs;

#define ASSERT_GRPC_OK(expr) \
  ASSERT_THAT(expr, GrpcStatusIs(grpc::StatusCode::OK, ::testing::_))
#define EXPECT_GRPC_OK(expr) \
  EXPECT_THAT(expr, GrpcStatusIs(grpc::StatusCode::OK, ::testing::_))

// How long a condition may take to come true before the test fails: a
// bound against hangs on a loaded 2-core machine under the sanitizers,
// not a speed check.
constexpr absl::Duration kDeadline = absl::Seconds(30);

constexpr char kModel[] = "doubao-seedance-2.0";

std::string BinDir() { return SEEDANCE_BIN_DIR; }

// AIP-155 request ids (UUIDs), one per scenario step.
std::string RequestId(int n) {
  return absl::StrFormat("6f1c2b7e-3d4a-4c5b-9e8f-%012d", n);
}

// Waits until `condition` holds, or kDeadline passes.
bool WaitUntil(const std::function<bool()>& condition) {
  return ::seedance::testing::Eventually(condition, kDeadline);
}

class LedgerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = std::make_unique<::seedance::testing::ScratchDir>();
    work_ = work_dir_->path();
    ASSERT_FALSE(work_.empty());
    // A 50 ms lifecycle (queued 10 ms, running 40 ms) unless a prompt's
    // [sim:...] marker says otherwise.
    ASSERT_OK_AND_ASSIGN(
        sim_, ChildProcess::Start({BinDir() + "/tokenhub-sim", "--port", "0",
                                   "--seed", "7", "--time-scale", "0.01"},
                                  {}, work_ + "/sim.log"));
    ASSERT_OK_AND_ASSIGN(std::string url,
                         sim_->WaitForLine("listening on ", kDeadline));
    sim_control_ = std::make_unique<SimControl>(url);
  }

  void TearDown() override {
    if (gateway_ != nullptr) {
      // The client's connection first: an idle connection left open holds
      // the gateway's exit for its whole --shutdown-grace.
      stub_.reset();
      channel_.reset();
      EXPECT_OK(StopGateway());
    }
    if (HasFailure()) {
      for (const char* log : {"/gateway.log", "/sim.log"}) {
        std::ifstream in(work_ + log);
        std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
        if (text.size() > 4000) text = text.substr(text.size() - 4000);
        std::cerr << "--- " << log << " (tail)\n" << text << "\n";
      }
    }
    sim_.reset();
  }

  // Starts the gateway on `store`, polling fast (tasks nobody watches too).
  void StartGateway(const std::string& store) {
    ASSERT_OK_AND_ASSIGN(
        gateway_,
        ChildProcess::Start(
            {BinDir() + "/seedance-gateway", "--listen", "127.0.0.1:0",
             "--upstream", sim_control_->api_base(), "--store", store,
             "--poll-initial", "20ms", "--poll-max", "50ms", "--poll-unwatched",
             "50ms", "--shutdown-grace", "5s"},
            {"TOKENHUB_API_KEY=th-sim-demo-key"}, work_ + "/gateway.log"));
    ASSERT_OK_AND_ASSIGN(
        std::string port,
        gateway_->WaitForLine("listening on port ", kDeadline));
    channel_ = grpc::CreateChannel("127.0.0.1:" + port,
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::VideoService::NewStub(channel_);
  }

  // SIGTERM, as an orchestrator stops it: the gateway must exit 0.
  absl::Status StopGateway() {
    absl::Status s = gateway_->Stop(kDeadline);
    gateway_.reset();
    stub_.reset();
    channel_.reset();
    return s;
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    return context;
  }

  grpc::Status Create(const std::string& prompt, const std::string& request_id,
                      v1::Video* video) {
    v1::CreateVideoRequest request;
    request.set_model(kModel);
    request.set_prompt(prompt);
    request.set_request_id(request_id);
    v1::CreateVideoResponse response;
    grpc::Status status =
        stub_->CreateVideo(Context().get(), request, &response);
    if (video != nullptr) *video = response.video();
    return status;
  }

  grpc::Status Get(const std::string& id, v1::Video* video) {
    v1::GetVideoRequest request;
    request.set_id(id);
    v1::GetVideoResponse response;
    grpc::Status status = stub_->GetVideo(Context().get(), request, &response);
    *video = response.video();
    return status;
  }

  // The task as ListVideos (the ledger, no upstream call) shows it; false
  // when it is not listed or the call fails.
  bool Listed(const std::string& id, v1::Video* video) {
    v1::ListVideosRequest request;
    request.set_page_size(100);
    v1::ListVideosResponse response;
    if (!stub_->ListVideos(Context().get(), request, &response).ok()) {
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

  // Waits until the ledger shows the task in `status`; that state.
  v1::Video WaitListed(const std::string& id, v1::VideoStatus status) {
    v1::Video video;
    EXPECT_TRUE(WaitUntil([&] {
      return Listed(id, &video) && video.status() == status;
    })) << id
        << " never listed as " << v1::VideoStatus_Name(status)
        << "; last seen: " << video.ShortDebugString();
    return video;
  }

  // POSTs the sim has received so far (faulted or not).
  int64_t UpstreamCreates() {
    absl::StatusOr<bench::SimSnapshot> stats = sim_control_->Stats();
    EXPECT_OK(stats.status());
    return stats.ok() ? stats->create_requests : -1;
  }

  std::unique_ptr<::seedance::testing::ScratchDir> work_dir_;
  std::string work_;  // its path: logs, the SQLite file
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<SimControl> sim_control_;
  std::unique_ptr<ChildProcess> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

// 1. SIGTERM mid-task and a new gateway on the same store: it resumes
//    following the task, keeps what was observed, and prices the end.
TEST_F(LedgerProcessTest, RestartMidTaskResumesFollowingAndPricesTheEnd) {
  const std::string store = "sqlite:" + work_ + "/tasks.db";
  StartGateway(store);
  v1::Video created;
  ASSERT_GRPC_OK(Create("[sim:queued=10ms,hold=running] a lighthouse at dusk",
                        RequestId(1), &created));
  const std::string id = created.id();
  ASSERT_FALSE(id.empty());
  // Followed with nobody watching, up to the held running phase.
  const v1::Video running = WaitListed(id, v1::VIDEO_STATUS_RUNNING);
  ASSERT_TRUE(running.has_update_time());

  ASSERT_OK(StopGateway());
  StartGateway(store);

  // What was observed before the restart is what the new process shows:
  // the same state since the same moment, the same price.
  v1::Video after;
  ASSERT_GRPC_OK(Get(id, &after));
  EXPECT_EQ(after.status(), v1::VIDEO_STATUS_RUNNING);
  EXPECT_TRUE(
      MessageDifferencer::Equals(after.update_time(), running.update_time()))
      << "update_time before " << running.update_time().ShortDebugString()
      << ", after the restart " << after.update_time().ShortDebugString();
  EXPECT_EQ(after.price().estimated_micros(),
            created.price().estimated_micros());
  // The same request again after the restart: the same task, no POST.
  const int64_t posts = UpstreamCreates();
  v1::Video again;
  ASSERT_GRPC_OK(Create("[sim:queued=10ms,hold=running] a lighthouse at dusk",
                        RequestId(1), &again));
  EXPECT_EQ(again.id(), id);
  EXPECT_EQ(UpstreamCreates(), posts);

  // The task ends while nobody watches: the restarted gateway follows it
  // to the end and prices it from the usage.
  ASSERT_OK(sim_control_->Advance({id}));
  const v1::Video done = WaitListed(id, v1::VIDEO_STATUS_SUCCEEDED);
  ASSERT_TRUE(done.price().has_actual_micros()) << done.ShortDebugString();
  EXPECT_GT(done.price().actual_micros(), 0);
  v1::Video got;
  ASSERT_GRPC_OK(Get(id, &got));
  EXPECT_EQ(got.status(), v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_TRUE(MessageDifferencer::Equals(got.price(), done.price()))
      << "GetVideo " << got.price().ShortDebugString() << " vs ListVideos "
      << done.price().ShortDebugString();
}

// 2. One request_id from 20 callers at once: one upstream create, one task.
TEST_F(LedgerProcessTest, TwentyConcurrentCallersOfOneRequestIdMakeOneTask) {
  StartGateway("sqlite:" + work_ + "/tasks.db");
  constexpr int kCallers = 20;
  std::vector<grpc::Status> statuses(kCallers);
  std::vector<v1::Video> videos(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      statuses[i] =
          Create("[sim:hold] twenty callers", RequestId(2), &videos[i]);
    });
  }
  for (auto& t : callers) t.join();
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_GRPC_OK(statuses[i]) << "caller " << i;
    EXPECT_EQ(videos[i].id(), videos[0].id()) << "caller " << i;
  }
  EXPECT_FALSE(videos[0].id().empty());
  EXPECT_EQ(UpstreamCreates(), 1);
}

// 3. A task created and never watched (nor fetched) still ends recorded,
//    with its actual cost.
TEST_F(LedgerProcessTest, UnwatchedTaskEndsSucceededWithItsActualCost) {
  StartGateway("sqlite:" + work_ + "/tasks.db");
  v1::Video created;
  ASSERT_GRPC_OK(Create("[sim:queued=20ms,running=50ms] nobody watches this",
                        RequestId(3), &created));
  const v1::Video done = WaitListed(created.id(), v1::VIDEO_STATUS_SUCCEEDED);
  ASSERT_TRUE(done.price().has_actual_micros()) << done.ShortDebugString();
  EXPECT_GT(done.price().actual_micros(), 0);
  EXPECT_EQ(done.price().estimated_micros(),
            created.price().estimated_micros());
}

// 4. PostgreSQL stopped while the gateway runs, then started again.
TEST_F(LedgerProcessTest, PostgresDownRefusesCreatesServesReadsThenRecovers) {
  std::unique_ptr<ScratchPostgres> pg;
  SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg);
  StartGateway(pg->uri());
  v1::Video before;
  ASSERT_GRPC_OK(
      Create("[sim:hold] created before the outage", RequestId(40), &before));
  ASSERT_OK(pg->Stop());

  const int64_t posts = UpstreamCreates();
  for (int i = 0; i < 3; ++i) {
    grpc::Status refused =
        Create("[sim:hold] during the outage", RequestId(41 + i), nullptr);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
        << refused.error_message();
  }
  EXPECT_EQ(UpstreamCreates(), posts) << "a create was sent while the store "
                                         "could not record it";
  // Reads of a task created before go on.
  v1::Video got;
  EXPECT_GRPC_OK(Get(before.id(), &got));
  EXPECT_EQ(got.id(), before.id());
  {
    v1::WatchVideoRequest request;
    request.set_id(before.id());
    auto context = Context();
    auto reader = stub_->WatchVideo(context.get(), request);
    v1::WatchVideoResponse first;
    EXPECT_TRUE(reader->Read(&first)) << "WatchVideo gave nothing";
    EXPECT_EQ(first.video().status(), v1::VIDEO_STATUS_QUEUED);
    context->TryCancel();
    reader->Finish().ok();  // CANCELLED: ours
  }
  {
    // Listing is the store's alone: it cannot answer.
    v1::ListVideosRequest request;
    v1::ListVideosResponse response;
    grpc::Status listed =
        stub_->ListVideos(Context().get(), request, &response);
    EXPECT_EQ(listed.error_code(), grpc::StatusCode::UNAVAILABLE)
        << listed.error_message();
  }
  EXPECT_EQ(kill(gateway_->pid(), 0), 0) << "the gateway died";

  ASSERT_OK(pg->Start());
  // Creates work again, without restarting the gateway. (Each attempt
  // that still fails must send nothing.)
  int attempts = 0;
  v1::Video after;
  grpc::Status last;
  EXPECT_TRUE(WaitUntil([&] {
    ++attempts;
    last = Create("[sim:hold] after the outage", RequestId(50), &after);
    EXPECT_TRUE(last.ok() || last.error_code() == grpc::StatusCode::UNAVAILABLE)
        << last.error_message();
    return last.ok();
  })) << last.error_message();
  EXPECT_EQ(attempts, 1) << "creates failed after PostgreSQL was back";
  EXPECT_EQ(UpstreamCreates(), posts + 1);
  EXPECT_FALSE(after.id().empty());
}

// 5. The SQLite file cannot be written (its filesystem is full: the tests
//    run as root, whom permission bits do not stop), then can again.
TEST_F(LedgerProcessTest, FullSqliteDiskRefusesCreatesThenRecovers) {
  std::unique_ptr<ScratchTmpfs> fs;
  SEEDANCE_MOUNT_SCRATCH_TMPFS_OR_SKIP(fs);
  const std::string file = fs->dir() + "/tasks.db";
  StartGateway("sqlite:" + file);
  v1::Video before;
  ASSERT_GRPC_OK(Create("[sim:hold] created before the disk filled",
                        RequestId(60), &before));
  {
    // An empty write-ahead log, so the gateway's next write needs new
    // space (checkpointing waits out the gateway's own transactions).
    ASSERT_OK_AND_ASSIGN(auto conn, store::SqliteConnection::Open(file, {}));
    bool truncated = WaitUntil([&] {
      auto r = conn->Query("PRAGMA wal_checkpoint(TRUNCATE)", {});
      return r.ok() && !r->rows.empty() && r->rows[0][0].AsInt() == 0;
    });
    ASSERT_TRUE(truncated) << "could not empty the WAL";
  }
  ASSERT_OK(fs->Fill());

  const int64_t posts = UpstreamCreates();
  for (int i = 0; i < 3; ++i) {
    grpc::Status refused =
        Create("[sim:hold] while the disk is full", RequestId(61 + i), nullptr);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
        << refused.error_message();
  }
  EXPECT_EQ(UpstreamCreates(), posts) << "a create was sent while the store "
                                         "could not record it";
  v1::Video got;
  EXPECT_GRPC_OK(Get(before.id(), &got));
  EXPECT_EQ(got.id(), before.id());
  // What is recorded can still be read from the full disk.
  v1::Video listed;
  EXPECT_TRUE(Listed(before.id(), &listed));
  EXPECT_EQ(kill(gateway_->pid(), 0), 0) << "the gateway died";

  ASSERT_OK(fs->Free());
  v1::Video after;
  ASSERT_GRPC_OK(
      Create("[sim:hold] after the disk was freed", RequestId(70), &after));
  EXPECT_EQ(UpstreamCreates(), posts + 1);
}

}  // namespace
}  // namespace seedance::gateway
