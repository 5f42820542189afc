// FleetHarness: see fleet_harness.h.
#include "tests/gateway/fleet_harness.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/curl_handles.h"
#include "server/store/postgres_connection.h"
#include "tests/testing/eventually.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {

using ::seedance::bench::ChildProcess;
using ::seedance::bench::SimControl;

namespace {

std::string BinDir() { return SEEDANCE_BIN_DIR; }

}  // namespace

void FleetHarness::SetUp() {
  SEEDANCE_START_SCRATCH_POSTGRES_OR_SKIP(pg_);
  work_dir_ = std::make_unique<::seedance::testing::ScratchDir>();
  work_ = work_dir_->path();
  ASSERT_FALSE(work_.empty());
  std::vector<std::string> argv = {BinDir() + "/tokenhub-sim",
                                   "--port",
                                   "0",
                                   "--seed",
                                   "7",
                                   "--time-scale",
                                   "0.01"};
  for (const std::string& arg : ExtraSimArgs()) argv.push_back(arg);
  ASSERT_OK_AND_ASSIGN(sim_, ChildProcess::Start(argv, {}, work_ + "/sim.log"));
  ASSERT_OK_AND_ASSIGN(std::string url,
                       sim_->WaitForLine("listening on ", kFleetDeadline));
  sim_control_ = std::make_unique<SimControl>(url);
}

void FleetHarness::TearDown() {
  // Before the replicas stop: stopping releases their leases.
  if (HasFailure() && pg_ != nullptr && pg_->running()) ShowLeases();
  for (size_t i = 0; i < replicas_.size(); ++i) {
    FleetReplica& r = replicas_[i];
    r.stub.reset();
    r.channel.reset();
    if (r.process != nullptr) (void)r.process->Stop(kFleetDeadline);
    if (HasFailure()) ShowLog(r.log);
  }
  if (HasFailure()) {
    ShowLog("/sim.log");
    if (pg_ != nullptr) std::cerr << pg_->LogTail() << "\n";
  }
  sim_.reset();
}

std::string FleetHarness::ReadLog(const std::string& name) const {
  std::ifstream in(work_ + name);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

absl::StatusOr<double> FleetHarness::Metric(int i,
                                            const std::string& name) const {
  absl::StatusOr<bench::HttpReply> reply = bench::HttpCall(
      "GET",
      absl::StrCat("http://127.0.0.1:", replicas_[i].metrics_port, "/metrics"));
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("/metrics: HTTP ", reply->status));
  }
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(reply->body, '\n')) {
    if (!absl::StartsWith(line, name)) continue;
    const absl::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) {
      return absl::DataLossError(absl::StrCat("/metrics: bad line ", line));
    }
    sum += value;
  }
  return sum;
}

namespace {

absl::StatusOr<store::SqlResult> PgQuery(const std::string& uri,
                                         const std::string& sql) {
  absl::StatusOr<std::unique_ptr<store::PostgresConnection>> conn =
      store::PostgresConnection::Open(uri, store::PostgresOptions{});
  if (!conn.ok()) return conn.status();
  return (*conn)->Query(sql, {});
}

}  // namespace

void FleetHarness::ShowLeases() const {
  absl::StatusOr<store::SqlResult> rows =
      PgQuery(pg_->uri(),
              "SELECT task_id, status, final, lease_holder, lease_epoch, "
              "lease_expires FROM tasks ORDER BY row_id");
  if (!rows.ok()) {
    std::cerr << "--- leases: " << rows.status() << "\n";
    return;
  }
  std::cerr << "--- leases (task status final holder epoch expires_us), now "
            << absl::ToUnixMicros(absl::Now()) << "\n";
  for (const store::SqlRow& row : rows->rows) {
    for (const store::SqlCell& cell : row) {
      std::cerr << (cell.null ? "NULL" : cell.bytes) << " ";
    }
    std::cerr << "\n";
  }
}

absl::StatusOr<int64_t> FleetHarness::PgInt(const std::string& sql) const {
  absl::StatusOr<store::SqlResult> result = PgQuery(pg_->uri(), sql);
  if (!result.ok()) return result.status();
  if (result->rows.empty() || result->rows[0].empty()) {
    return absl::NotFoundError(absl::StrCat("no row from ", sql));
  }
  return result->rows[0][0].AsInt();
}

bool FleetHarness::ReplicaLogContains(int i, const std::string& text) const {
  return absl::StrContains(ReplicaLog(i), text);
}

std::string FleetHarness::ReplicaLog(int i) const {
  return ReadLog(replicas_[i].log);
}

void FleetHarness::ShowLog(const std::string& name) const {
  // Without the per-call lines: the notices and store failures tell the
  // fleet's story, and the calls would push them out of the tail.
  std::string text;
  for (absl::string_view line : absl::StrSplit(ReadLog(name), '\n')) {
    if (!absl::StrContains(line, " call=")) absl::StrAppend(&text, line, "\n");
  }
  if (text.size() > 3000) text = text.substr(text.size() - 3000);
  std::cerr << "--- " << name << " (tail)\n" << text << "\n";
}

void FleetHarness::StartReplicas(int n, absl::Duration lease_ttl) {
  for (int k = 0; k < n; ++k) {
    const size_t i = replicas_.size();
    replicas_.emplace_back();
    LaunchReplica(i, lease_ttl);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

void FleetHarness::RestartReplica(int i, absl::Duration lease_ttl) {
  FleetReplica& r = replicas_[i];
  r.stub.reset();
  r.channel.reset();
  r.process.reset();  // reaps a killed process
  LaunchReplica(i, lease_ttl);
}

void FleetHarness::LaunchReplica(size_t i, absl::Duration lease_ttl) {
  FleetReplica& r = replicas_[i];
  // A restarted replica writes a new log: the old one tells what it did.
  r.log = r.log.empty() ? absl::StrCat("/gateway-", i, ".log")
                        : absl::StrCat(r.log, ".restarted.log");
  std::vector<std::string> argv = {BinDir() + "/seedance-gateway",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--upstream",
                                   sim_control_->api_base(),
                                   "--store",
                                   pg_->uri(),
                                   "--poll-initial",
                                   "20ms",
                                   "--poll-max",
                                   "50ms",
                                   "--poll-unwatched",
                                   absl::FormatDuration(kFleetPollUnwatched),
                                   "--shutdown-grace",
                                   "5s",
                                   "--metrics-listen",
                                   "127.0.0.1:0",
                                   "--replica-id",
                                   absl::StrCat("replica-", i),
                                   "--lease-ttl",
                                   absl::FormatDuration(lease_ttl)};
  for (const std::string& arg : ExtraGatewayArgs()) argv.push_back(arg);
  ASSERT_OK_AND_ASSIGN(
      r.process, ChildProcess::Start(argv, {"TOKENHUB_API_KEY=th-sim-demo-key"},
                                     work_ + r.log));
  ASSERT_OK_AND_ASSIGN(
      std::string port,
      r.process->WaitForLine("listening on port ", kFleetDeadline));
  ASSERT_OK_AND_ASSIGN(
      std::string metrics_port,
      r.process->WaitForLine("metrics on port ", kFleetDeadline));
  ASSERT_TRUE(absl::SimpleAtoi(metrics_port, &r.metrics_port));
  r.channel = grpc::CreateChannel("127.0.0.1:" + port,
                                  grpc::InsecureChannelCredentials());
  r.stub = v1::VideoService::NewStub(r.channel);
}

std::unique_ptr<grpc::ClientContext> FleetHarness::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + kFleetDeadline));
  return context;
}

v1::CreateVideoRequest FleetHarness::HeldRequest(int n) {
  v1::CreateVideoRequest request;
  request.set_model("doubao-seedance-2.0");
  request.set_prompt(
      absl::StrCat("[sim:queued=10ms,hold=running] harbour ", n));
  request.set_request_id(absl::StrFormat("3c9e1f20-8b4a-4f1d-9e2c-%012d", n));
  return request;
}

std::string FleetHarness::CreateHeld(int i, int n) {
  v1::CreateVideoResponse response;
  grpc::Status status = replicas_[i].stub->CreateVideo(
      Context().get(), HeldRequest(n), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.video().id();
}

bool FleetHarness::Listed(int i, const std::string& id, v1::Video* video) {
  v1::ListVideosRequest request;
  request.set_page_size(100);
  v1::ListVideosResponse response;
  if (!replicas_[i]
           .stub->ListVideos(Context().get(), request, &response)
           .ok()) {
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

bool FleetHarness::AllListedAs(int i, const std::vector<std::string>& ids,
                               v1::VideoStatus status,
                               absl::Duration deadline) {
  return ::seedance::testing::Eventually(
      [&] {
        for (const std::string& id : ids) {
          v1::Video video;
          if (!Listed(i, id, &video) || video.status() != status) return false;
        }
        return true;
      },
      deadline);
}

bench::SimSnapshot FleetHarness::SimStats() {
  absl::StatusOr<bench::SimSnapshot> stats = sim_control_->Stats();
  EXPECT_OK(stats.status());
  return stats.ok() ? *std::move(stats) : bench::SimSnapshot{};
}

}  // namespace seedance::gateway
