// Fleet mode as an operator meets it: three seedance-gateway replicas on
// one PostgreSQL 15 (of the test's own) and one tokenhub-sim, all real
// processes on loopback. A task created through one replica is polled by
// that replica under its lease; when it dies (kill -9) another replica
// takes the task over within --lease-ttl and follows it to its end; when it
// is stopped (SIGTERM) it releases its leases and the others take over at
// once, well before the TTL. Watchers on every replica see every
// transition the holder observed, with the same sequence, update_time and
// price, while only the holder asks the upstream.
//
// Waits are conditions with deadlines (the sim's held phases decide when a
// task moves), never fixed sleeps.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gmock/gmock.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "tests/gateway/fleet_harness.h"
#include "tests/testing/eventually.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

// Everything one WatchVideo stream received, read on a thread of its own.
class StreamRecord {
 public:
  StreamRecord(v1::VideoService::Stub& stub, const std::string& id,
               absl::Duration heartbeat = absl::ZeroDuration()) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + 2 * kFleetDeadline));
    v1::WatchVideoRequest request;
    request.set_id(id);
    request.mutable_heartbeat_interval()->set_seconds(
        absl::ToInt64Seconds(heartbeat));
    reader_ = stub.WatchVideo(&context_, request);
    thread_ = std::thread([this] {
      v1::WatchVideoResponse message;
      while (reader_->Read(&message)) {
        absl::MutexLock lock(&mu_);
        if (message.has_heartbeat()) {
          heartbeats_.push_back(message.heartbeat());
        } else {
          videos_.push_back(message);
        }
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      end_ = status;
    });
  }
  ~StreamRecord() {
    context_.TryCancel();
    thread_.join();
  }
  std::vector<v1::WatchVideoResponse> videos() {
    absl::MutexLock lock(&mu_);
    return videos_;
  }
  std::vector<v1::Heartbeat> heartbeats() {
    absl::MutexLock lock(&mu_);
    return heartbeats_;
  }
  bool ended_ok() {
    absl::MutexLock lock(&mu_);
    return end_.has_value() && end_->ok();
  }
  bool Saw(v1::VideoStatus status) {
    absl::MutexLock lock(&mu_);
    for (const auto& m : videos_) {
      if (m.video().status() == status) return true;
    }
    return false;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::WatchVideoResponse>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<v1::WatchVideoResponse> videos_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Heartbeat> heartbeats_ ABSL_GUARDED_BY(mu_);
  absl::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
};

class FleetProcessTest : public FleetHarness {
 protected:
  // Upstream requests replica `i` made (each attempt, any operation and
  // outcome), from its /metrics; -1 when they cannot be read.
  int64_t UpstreamRequests(int i) const {
    absl::StatusOr<double> n = Metric(i, "seedance_upstream_requests_total");
    return n.ok() ? static_cast<int64_t>(*n) : -1;
  }
};

// kill -9 of the replica that created (and polls) the tasks: another
// replica claims their leases once the TTL has passed and follows them to
// their end, priced, with nobody watching.
TEST_F(FleetProcessTest, KilledReplicasTasksAreTakenOverWithinTheLeaseTtl) {
  StartReplicas(3, absl::Seconds(2));
  std::vector<std::string> ids;
  ids.reserve(4);
  for (int n = 0; n < 4; ++n) ids.push_back(CreateHeld(0, n));
  ASSERT_TRUE(AllListedAs(1, ids, v1::VIDEO_STATUS_RUNNING, kFleetDeadline));

  ASSERT_EQ(kill(replicas_[0].process->pid(), SIGKILL), 0);
  (void)replicas_[0].process->Stop(kFleetDeadline);  // reaps it
  replicas_[0].process.reset();
  ASSERT_OK(sim_control_->Advance(ids));
  EXPECT_TRUE(AllListedAs(1, ids, v1::VIDEO_STATUS_SUCCEEDED, kFleetDeadline))
      << "the survivors did not finish the dead replica's tasks";
  for (const std::string& id : ids) {
    v1::Video video;
    ASSERT_TRUE(Listed(2, id, &video));
    EXPECT_TRUE(video.price().has_actual_micros()) << video.ShortDebugString();
  }
  // Spread: each survivor claimed its fair share (2 of the 4), so both
  // polled the upstream (nobody watches: only lease holders poll).
  EXPECT_GT(UpstreamRequests(1), 0);
  EXPECT_GT(UpstreamRequests(2), 0);
}

// A container restarted in place keeps its pod name (and, as PID 1, its
// pid): kill -9, and a new process under the same --replica-id. Its
// predecessor's leases are not its own (it never polled those tasks): they
// run out after the TTL and are claimed, so the tasks still end. (Before
// leases were held per process, the new process renewed them as its own
// and nobody polled the tasks again.)
TEST_F(FleetProcessTest, ReplicaRestartedUnderItsOwnNameFollowsItsOldTasks) {
  StartReplicas(1, absl::Seconds(5));
  std::vector<std::string> ids = {CreateHeld(0, 20), CreateHeld(0, 21)};
  ASSERT_TRUE(AllListedAs(0, ids, v1::VIDEO_STATUS_RUNNING, kFleetDeadline));

  ASSERT_EQ(kill(replicas_[0].process->pid(), SIGKILL), 0);
  RestartReplica(0, absl::Seconds(5));
  ASSERT_OK(sim_control_->Advance(ids));
  EXPECT_TRUE(AllListedAs(0, ids, v1::VIDEO_STATUS_SUCCEEDED, kFleetDeadline))
      << "the restarted replica never followed its predecessor's tasks";
}

// SIGTERM: the replica releases its leases as it drains, so the others take
// the tasks over at their next round, long before a TTL (60 s here) that
// the test's deadline (30 s) could not wait for.
TEST_F(FleetProcessTest, StoppedReplicaHandsItsTasksOverWithoutTheTtl) {
  StartReplicas(2, absl::Seconds(60));
  std::vector<std::string> ids;
  ids.reserve(3);
  for (int n = 10; n < 13; ++n) ids.push_back(CreateHeld(0, n));
  ASSERT_TRUE(AllListedAs(1, ids, v1::VIDEO_STATUS_RUNNING, kFleetDeadline));

  replicas_[0].stub.reset();
  replicas_[0].channel.reset();
  ASSERT_OK(replicas_[0].process->Stop(kFleetDeadline));
  replicas_[0].process.reset();
  ASSERT_OK(sim_control_->Advance(ids));
  EXPECT_TRUE(AllListedAs(1, ids, v1::VIDEO_STATUS_SUCCEEDED, kFleetDeadline))
      << "the stopped replica's tasks were not taken over before the TTL";
}

// Watchers of the same tasks on all three replicas: only the lease holder
// (the creating replica) asks the upstream; the others read what it
// records, told by PostgreSQL's notifications, and their watchers get the
// same transitions, numbered, timed and priced the same. On the old code
// each replica polled for its own watchers (three times the GETs) and
// stamped its own update_time.
TEST_F(FleetProcessTest, WatchersOnEveryReplicaShareTheHoldersPolls) {
  StartReplicas(3, absl::Seconds(10));
  std::vector<std::string> ids = {CreateHeld(0, 20), CreateHeld(0, 21)};
  std::vector<std::unique_ptr<StreamRecord>> streams;
  for (int i = 0; i < 3; ++i) {
    for (const std::string& id : ids) {
      streams.push_back(std::make_unique<StreamRecord>(stub(i), id));
    }
  }
  ASSERT_TRUE(::seedance::testing::Eventually(
      [&] {
        for (auto& s : streams) {
          if (!s->Saw(v1::VIDEO_STATUS_RUNNING)) return false;
        }
        return true;
      },
      kFleetDeadline))
      << "not every replica's watchers saw the task running";
  ASSERT_OK(sim_control_->Advance(ids));
  ASSERT_TRUE(::seedance::testing::Eventually(
      [&] {
        for (auto& s : streams) {
          if (!s->ended_ok()) return false;
        }
        return true;
      },
      kFleetDeadline))
      << "not every replica's watchers saw the task end";

  EXPECT_GT(UpstreamRequests(0), 0);
  EXPECT_EQ(UpstreamRequests(1), 0)
      << "replica 1 polled the upstream for a task replica 0 holds";
  EXPECT_EQ(UpstreamRequests(2), 0)
      << "replica 2 polled the upstream for a task replica 0 holds";

  // One story: each stream of a task got the same transitions, from its
  // first to SUCCEEDED, with the same sequence, update_time and price.
  for (size_t t = 0; t < ids.size(); ++t) {
    const std::vector<v1::WatchVideoResponse> reference = streams[t]->videos();
    ASSERT_FALSE(reference.empty());
    EXPECT_EQ(reference.back().video().status(), v1::VIDEO_STATUS_SUCCEEDED);
    EXPECT_TRUE(reference.back().video().price().has_actual_micros());
    for (int i = 1; i < 3; ++i) {
      const std::vector<v1::WatchVideoResponse> got =
          streams[i * ids.size() + t]->videos();
      // A watcher that attached after a transition starts from the state
      // at hand: compare the transitions both saw.
      for (const v1::WatchVideoResponse& m : got) {
        bool matched = false;
        for (const v1::WatchVideoResponse& r : reference) {
          if (r.sequence() != m.sequence()) continue;
          matched = true;
          EXPECT_EQ(m.video().status(), r.video().status());
          EXPECT_EQ(m.video().update_time().ShortDebugString(),
                    r.video().update_time().ShortDebugString())
              << "replica " << i << ", sequence " << m.sequence();
          EXPECT_EQ(m.video().price().ShortDebugString(),
                    r.video().price().ShortDebugString())
              << "replica " << i << ", sequence " << m.sequence();
        }
        EXPECT_TRUE(matched || m.sequence() < reference.front().sequence())
            << "replica " << i << " announced sequence " << m.sequence()
            << " which the holder's watcher never got";
      }
      EXPECT_EQ(got.back().sequence(), reference.back().sequence());
    }
  }
}

// A replica that does not poll a task still tells its watchers when the
// fleet last heard from the upstream about it: the holder records its
// last contact at every lease round (1 s here), and the reader's
// heartbeats carry it, moving forward while the task runs.
TEST_F(FleetProcessTest, HeartbeatsOnEveryReplicaCarryTheHoldersLastContact) {
  StartReplicas(2, absl::Seconds(3));
  const std::string id = CreateHeld(0, 30);
  StreamRecord watch(stub(1), id, absl::Seconds(1));
  auto latest_contact = [&]() -> int64_t {
    std::vector<v1::Heartbeat> beats = watch.heartbeats();
    if (beats.empty() || !beats.back().has_last_upstream_contact()) return 0;
    return beats.back().last_upstream_contact().seconds() * 1000000000 +
           beats.back().last_upstream_contact().nanos();
  };
  ASSERT_TRUE(::seedance::testing::Eventually(
      [&] { return latest_contact() > 0; }, kFleetDeadline))
      << "replica 1's heartbeats never carried an upstream contact";
  const int64_t first = latest_contact();
  EXPECT_TRUE(::seedance::testing::Eventually(
      [&] { return latest_contact() > first; }, kFleetDeadline))
      << "the fleet's last contact did not move forward";
  EXPECT_EQ(UpstreamRequests(1), 0);
}

}  // namespace
}  // namespace seedance::gateway
