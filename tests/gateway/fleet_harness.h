// FleetHarness: the base fixture of the fleet process tests that race
// creates across replicas and restart PostgreSQL under them. A scratch
// PostgreSQL 15 of the test's own (so it may be stopped), one tokenhub-sim,
// and N seedance-gateway replicas on that store, all real processes on
// loopback with ephemeral ports. On failure the replicas', the simulator's
// and PostgreSQL's logs are printed.
//
//   class MyTest : public FleetHarness {};
//   TEST_F(MyTest, Scenario) {
//     StartReplicas(3, absl::Seconds(2));
//     std::string id = CreateHeld(0, 1);
//     ASSERT_TRUE(AllListedAs(1, {id}, v1::VIDEO_STATUS_RUNNING, kDeadline));
//   }
//
// Waits are conditions with deadlines, never fixed sleeps.
#ifndef SEEDANCE_TESTS_GATEWAY_FLEET_HARNESS_H_
#define SEEDANCE_TESTS_GATEWAY_FLEET_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "bench/sim_control.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/scratch_postgres.h"

namespace seedance::gateway {

// A bound against hangs on a loaded 2-core machine, not a speed check.
inline constexpr absl::Duration kFleetDeadline = absl::Seconds(30);

// The replicas' polling cadence (fast, so the tests are short).
inline constexpr absl::Duration kFleetPollUnwatched = absl::Milliseconds(50);

// One gateway replica and a client of it.
struct FleetReplica {
  std::unique_ptr<bench::ChildProcess> process;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::VideoService::Stub> stub;
  int metrics_port = 0;  // its --metrics-listen
  std::string log;       // its stderr, under the work folder ("/gateway-0.log")
};

class FleetHarness : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Arguments added to tokenhub-sim's command line (e.g. --fault).
  virtual std::vector<std::string> ExtraSimArgs() const { return {}; }
  // Arguments added to every replica's command line (e.g. --tenants-file).
  virtual std::vector<std::string> ExtraGatewayArgs() const { return {}; }

  // Starts `n` more replicas ("replica-K") on the test's PostgreSQL.
  void StartReplicas(int n, absl::Duration lease_ttl);
  // Starts replica `i` again under the same --replica-id, after its
  // process was killed (its log goes to a new file).
  void RestartReplica(int i, absl::Duration lease_ttl);

  static std::unique_ptr<grpc::ClientContext> Context();

  // A create of a task the simulator holds running until advanced.
  static v1::CreateVideoRequest HeldRequest(int n);
  // Creates HeldRequest(n) through replica `i`; "" (and a failure) if
  // refused.
  std::string CreateHeld(int i, int n);

  // The task as replica `i`'s ListVideos (the ledger) shows it.
  bool Listed(int i, const std::string& id, v1::Video* video);
  // Waits up to `deadline` until replica `i`'s ledger shows every task of
  // `ids` in `status`.
  bool AllListedAs(int i, const std::vector<std::string>& ids,
                   v1::VideoStatus status, absl::Duration deadline);

  // The simulator's accounting now (a failure, and an empty one, if it
  // cannot be read).
  bench::SimSnapshot SimStats();

  // The sum of every sample of the metric `name` (all label sets) on
  // replica `i`'s /metrics; an error if it cannot be read.
  absl::StatusOr<double> Metric(int i, const std::string& name) const;

  // The first column of the first row of `sql`, run on the test's
  // PostgreSQL (a fresh connection each time, so it works across restarts).
  absl::StatusOr<int64_t> PgInt(const std::string& sql) const;

  // True once replica `i`'s log (its stderr) holds `text`.
  bool ReplicaLogContains(int i, const std::string& text) const;
  // Replica `i`'s log so far (of its latest process).
  std::string ReplicaLog(int i) const;

  v1::VideoService::Stub& stub(int i) { return *replicas_[i].stub; }

  std::unique_ptr<::seedance::testing::ScratchPostgres> pg_;
  std::unique_ptr<bench::SimControl> sim_control_;
  std::vector<FleetReplica> replicas_;

 private:
  // Starts replica `i`'s process into replicas_[i].
  void LaunchReplica(size_t i, absl::Duration lease_ttl);
  std::string ReadLog(const std::string& name) const;
  void ShowLog(const std::string& name) const;
  // The tasks' leases as the store holds them (for a failure's message).
  void ShowLeases() const;

  std::unique_ptr<::seedance::testing::ScratchDir> work_dir_;
  std::string work_;
  std::unique_ptr<bench::ChildProcess> sim_;
};

}  // namespace seedance::gateway

#endif  // SEEDANCE_TESTS_GATEWAY_FLEET_HARNESS_H_
