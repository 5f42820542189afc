// The fleet scenario's report (bench/fleet_report.h): a clear line when it
// could not run, and the issue 13 targets judged on the figures.
#include "bench/fleet_report.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

FleetResult Measured() {
  FleetResult fleet;
  fleet.replicas = 3;
  fleet.tasks = 100;
  fleet.watchers = 300;
  fleet.period = absl::Milliseconds(200);
  fleet.lease_ttl = absl::Seconds(10);
  fleet.window = absl::Seconds(10);
  fleet.gets_per_task_per_period = 1.02;
  fleet.same_replica_ms.p99 = 180;
  fleet.cross_replica_ms.p99 = 260;
  fleet.failover_tasks = 30;
  fleet.failover = absl::Seconds(9);
  fleet.failover_target = absl::Milliseconds(10200);
  return fleet;
}

TEST(FleetReportTest, SkippedRunSaysWhyInOneLine) {
  FleetResult fleet;
  fleet.skipped = "PGHOST is not set";
  std::string table;
  FleetTable(table, fleet);
  EXPECT_EQ(table, "\nfleet: skipped: PGHOST is not set\n");
}

TEST(FleetReportTest, FiguresWithinTheTargetsAreMet) {
  const FleetResult fleet = Measured();
  EXPECT_TRUE(FleetGetsMet(fleet));
  EXPECT_TRUE(FleetDelayMet(fleet));
  EXPECT_TRUE(FleetFailoverMet(fleet));
  std::string table;
  FleetTable(table, fleet);
  EXPECT_THAT(table, Not(HasSubstr("MISSED")));
}

TEST(FleetReportTest, PerReplicaPollingAndSlowFailoverAreMissed) {
  FleetResult fleet = Measured();
  fleet.gets_per_task_per_period = 3.0;  // every replica polls for itself
  fleet.cross_replica_ms.p99 = 281;      // 101 ms over the holder's
  fleet.failover = absl::Milliseconds(10201);
  EXPECT_FALSE(FleetGetsMet(fleet));
  EXPECT_FALSE(FleetDelayMet(fleet));
  EXPECT_FALSE(FleetFailoverMet(fleet));
}

}  // namespace
}  // namespace seedance::bench
