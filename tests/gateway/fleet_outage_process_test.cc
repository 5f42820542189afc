// PostgreSQL restarted under a fleet, mid-task: three seedance-gateway
// replicas on one PostgreSQL (the test's own, so it may be stopped) and one
// tokenhub-sim, real processes on loopback. Each replica created two held
// tasks: one watched on every replica, one nobody watches. While the store
// is down one task of each kind finishes upstream; then PostgreSQL comes
// back. Afterwards every task is finished and priced in the ledger, each
// unfinished task is polled by exactly one replica, and the watch streams
// stayed open across the outage and saw each task's end once.
//
// Two outages: one shorter than --lease-ttl (the leases survive it) and
// one longer (every replica has stopped following its tasks, as it must
// when it can no longer renew their leases, and must take them up again).
// And one replica's newest task when the store goes away at once.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/watcher.h"
#include "gmock/gmock.h"
#include "tests/gateway/fleet_harness.h"
#include "tests/testing/eventually.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::bench::SimSnapshot;
using ::seedance::bench::Watcher;
using ::seedance::bench::WatchGroup;
using ::seedance::bench::WatchQueues;
using ::seedance::testing::Eventually;

constexpr int kReplicas = 3;
constexpr absl::Duration kLeaseTtl = absl::Seconds(2);

// WatchVideo streams owned RAII: destroying the set cancels those still
// open and waits for them, so no early return frees a stream gRPC uses.
class StreamSet {
 public:
  ~StreamSet() { Close(); }

  void Open(v1::VideoService::Stub& stub, const std::string& id) {
    watchers_.push_back(std::make_unique<Watcher>(&group_, id));
    watchers_.back()->Start(&stub, queues_->queue(watchers_.size()));
  }
  void Close() {
    if (!watchers_.empty() &&
        !bench::CancelAndReap(watchers_, group_, kFleetDeadline)) {
      static_cast<void>(queues_.release());  // streams still pending on them
    }
  }

  WatchGroup& group() { return group_; }
  int size() const { return static_cast<int>(watchers_.size()); }
  const std::vector<std::unique_ptr<Watcher>>& watchers() const {
    return watchers_;
  }

 private:
  WatchGroup group_;
  std::unique_ptr<WatchQueues> queues_ = std::make_unique<WatchQueues>(2);
  std::vector<std::unique_ptr<Watcher>> watchers_;
};

class FleetOutageProcessTest : public FleetHarness {
 protected:
  // The whole scenario; `past_ttl` keeps PostgreSQL down until every
  // replica has given up its tasks.
  void RestartPostgresMidTask(bool past_ttl);

  // The sum of the replicas' seedance_pollers_active (-1 if unreadable).
  double FleetPollers() {
    double sum = 0;
    for (int i = 0; i < kReplicas; ++i) {
      absl::StatusOr<double> pollers = Metric(i, "seedance_pollers_active");
      if (!pollers.ok()) return -1;
      sum += *pollers;
    }
    return sum;
  }

  // Waits until the upstream got `gets` more GETs of each task of `ids`
  // since `since`.
  bool EachPolledAgain(const std::vector<std::string>& ids,
                       const SimSnapshot& since, int64_t gets) {
    return Eventually(
        [&] {
          SimSnapshot now = SimStats();
          for (const std::string& id : ids) {
            if (now.gets_by_task[id] - since.gets_by_task.at(id) < gets) {
              return false;
            }
          }
          return true;
        },
        kFleetDeadline);
  }

  // Every task of `ids` is listed finished and priced by every replica.
  // (Fatal: later steps would only wait out their deadlines.)
  void AssertAllSucceededAndPriced(const std::vector<std::string>& ids) {
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_TRUE(
          AllListedAs(i, ids, v1::VIDEO_STATUS_SUCCEEDED, kFleetDeadline))
          << "replica-" << i << "'s ledger does not show every task finished";
      for (const std::string& id : ids) {
        v1::Video video;
        ASSERT_TRUE(Listed(i, id, &video)) << id;
        EXPECT_TRUE(video.price().has_actual_micros())
            << "replica-" << i << ": " << video.ShortDebugString();
      }
    }
  }
};

void FleetOutageProcessTest::RestartPostgresMidTask(bool past_ttl) {
  StartReplicas(kReplicas, kLeaseTtl);
  std::vector<std::string> watched, unwatched;
  for (int r = 0; r < kReplicas; ++r) {
    watched.push_back(CreateHeld(r, 100 + r));
    unwatched.push_back(CreateHeld(r, 200 + r));
  }
  std::vector<std::string> all = watched;
  all.insert(all.end(), unwatched.begin(), unwatched.end());
  ASSERT_TRUE(AllListedAs(0, all, v1::VIDEO_STATUS_RUNNING, kFleetDeadline));

  StreamSet streams;
  for (const std::string& id : watched) {
    for (int r = 0; r < kReplicas; ++r) streams.Open(stub(r), id);
  }
  ASSERT_TRUE(streams.group().WaitStarted(streams.size(), kFleetDeadline));

  // Mid-task means the replicas have renewed their tasks' leases since
  // creating them (a lease renewed is later than its create's).
  const std::string renewed = absl::StrCat(
      "SELECT count(*) FROM tasks WHERE lease_expires > create_time + ",
      absl::ToInt64Microseconds(kLeaseTtl));
  ASSERT_TRUE(Eventually([&] { return PgInt(renewed).value_or(0) == 6; },
                         kFleetDeadline))
      << "the replicas never renewed their leases";

  ASSERT_OK(pg_->Stop());
  if (past_ttl) {
    ASSERT_TRUE(Eventually(
        [&] {
          for (int r = 0; r < kReplicas; ++r) {
            if (!ReplicaLogContains(r, "stopped following")) return false;
          }
          return true;
        },
        kFleetDeadline))
        << "not every replica gave its tasks up with the store gone";
  }
  // Mid-task: one watched and one unwatched task finish while it is down.
  ASSERT_OK(sim_control_->Advance({watched[0], unwatched[0]}));
  ASSERT_OK(pg_->Start());
  const SimSnapshot back = SimStats();

  // The tasks still running are polled again...
  const std::vector<std::string> running = {watched[1], watched[2],
                                            unwatched[1], unwatched[2]};
  ASSERT_TRUE(EachPolledAgain(running, back, 3))
      << "a running task is polled by no replica after the outage";
  // ...and those that ended meanwhile are recorded, priced.
  ASSERT_NO_FATAL_FAILURE(
      AssertAllSucceededAndPriced({watched[0], unwatched[0]}));
  // No stream failed; only the finished task's have ended.
  EXPECT_EQ(streams.group().failed(), 0) << streams.group().first_error();
  EXPECT_LE(streams.group().done(), kReplicas)
      << "watch streams of unfinished tasks ended across the outage";

  ASSERT_OK(sim_control_->Advance({watched[1], watched[2]}));
  ASSERT_TRUE(streams.group().WaitDone(streams.size(), kFleetDeadline));
  for (const auto& watcher : streams.watchers()) {
    EXPECT_TRUE(watcher->ended_ok()) << watcher->task_id();
    int finals = 0;
    for (const bench::ReceivedEvent& event : watcher->events()) {
      finals += event.status == v1::VIDEO_STATUS_SUCCEEDED ? 1 : 0;
    }
    EXPECT_EQ(finals, 1) << "a watcher of " << watcher->task_id()
                         << " saw the end " << finals << " times";
  }

  // Only the two unwatched tasks are left: each has one poller in the
  // fleet, and both are being polled.
  const std::vector<std::string> left = {unwatched[1], unwatched[2]};
  double pollers = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        const SimSnapshot since = SimStats();
        pollers = FleetPollers();
        return pollers == 2 && EachPolledAgain(left, since, 2) &&
               FleetPollers() == 2;
      },
      kFleetDeadline))
      << "the fleet runs " << pollers
      << " pollers for 2 unfinished unwatched tasks";

  ASSERT_OK(sim_control_->Advance(left));
  AssertAllSucceededAndPriced(all);
}

// A replica cut off from the store for longer than the TTL stops polling
// every task it holds, including one it created just before the outage
// began (before its next lease round): past the TTL another replica may
// poll that task, and this one could no longer fence its writes. Nobody
// watches the task, so nothing else keeps a poller alive.
TEST_F(FleetOutageProcessTest, CutOffReplicaStopsPollingEvenItsNewestTask) {
  StartReplicas(1, kLeaseTtl);
  const std::string id = CreateHeld(0, 300);
  ASSERT_FALSE(id.empty());
  ASSERT_OK(pg_->Stop());
  const int64_t gets_at_stop = SimStats().gets_by_task[id];
  double pollers = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        pollers = Metric(0, "seedance_pollers_active").value_or(-1);
        return pollers == 0;
      },
      kFleetDeadline))
      << "with the store gone past --lease-ttl the replica still runs "
      << pollers << " pollers; the task got "
      << SimStats().gets_by_task[id] - gets_at_stop
      << " GETs since the store stopped";
  ASSERT_OK(pg_->Start());
}

TEST_F(FleetOutageProcessTest, RestartShorterThanTheLeaseTtl) {
  RestartPostgresMidTask(/*past_ttl=*/false);
}

TEST_F(FleetOutageProcessTest, OutageLongerThanTheLeaseTtl) {
  RestartPostgresMidTask(/*past_ttl=*/true);
}

}  // namespace
}  // namespace seedance::gateway
