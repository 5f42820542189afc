// FdMonitor on fake descriptor counts and a fake listener probe: when the
// reserve is crossed (once per episode, with hysteresis), when the listener
// is declared dead (only with descriptors free), and the real /proc counter
// and rlimit helpers. Checks are driven one by one; the one threaded
// scenario waits on a condition with a deadline.
#include "server/gateway/fd_monitor.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace seedance::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FakeDescriptorCounter : public DescriptorCounter {
 public:
  void Set(int64_t open, int64_t limit) {
    absl::MutexLock lock(&mu_);
    usage_ = DescriptorUsage{open, limit};
    error_ = absl::OkStatus();
  }
  void Fail(absl::Status error) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }
  absl::StatusOr<DescriptorUsage> Count() override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    return usage_;
  }

 private:
  absl::Mutex mu_;
  DescriptorUsage usage_ ABSL_GUARDED_BY(mu_){10, 1000};
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

class FakeProbe : public ListenerProbe {
 public:
  absl::Status Probe(absl::Duration) override {
    ++probes;
    return answer;
  }
  absl::Status answer;
  int probes = 0;
};

class FdMonitorTest : public ::testing::Test {
 protected:
  FdMonitorTest() {
    auto counter = std::make_unique<FakeDescriptorCounter>();
    auto probe = std::make_unique<FakeProbe>();
    counter_ = counter.get();
    probe_ = probe.get();
    FdMonitorOptions options;
    options.reserve = 100;
    FdMonitorCallbacks callbacks;
    callbacks.on_pressure = [this](bool low) {
      absl::MutexLock lock(&mu_);
      pressure_events_.push_back(low);
    };
    callbacks.on_listener_dead = [this] {
      absl::MutexLock lock(&mu_);
      ++dead_calls_;
    };
    monitor_ = std::make_unique<FdMonitor>(options, std::move(counter),
                                           std::move(probe), callbacks);
  }

  std::vector<bool> pressure_events() {
    absl::MutexLock lock(&mu_);
    return pressure_events_;
  }
  int dead_calls() {
    absl::MutexLock lock(&mu_);
    return dead_calls_;
  }

  FakeDescriptorCounter* counter_;
  FakeProbe* probe_;
  std::unique_ptr<FdMonitor> monitor_;
  absl::Mutex mu_;
  std::vector<bool> pressure_events_ ABSL_GUARDED_BY(mu_);
  int dead_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(FdMonitorTest, PlentyFreeIsNoPressure) {
  counter_->Set(900, 1000);  // exactly the reserve left
  monitor_->CheckDescriptors();
  EXPECT_FALSE(monitor_->under_pressure());
  EXPECT_THAT(pressure_events(), IsEmpty());
}

TEST_F(FdMonitorTest, LowOncePerEpisodeThenRecoversPastTheHysteresisGap) {
  counter_->Set(901, 1000);  // 99 free: below the reserve of 100
  monitor_->CheckDescriptors();
  EXPECT_TRUE(monitor_->under_pressure());
  counter_->Set(950, 1000);
  monitor_->CheckDescriptors();  // still low: no second event
  counter_->Set(880, 1000);      // 120 free: above the reserve, inside the gap
  monitor_->CheckDescriptors();
  EXPECT_TRUE(monitor_->under_pressure());
  EXPECT_THAT(pressure_events(), ElementsAre(true));

  counter_->Set(875, 1000);  // 125 free: reserve + a quarter
  monitor_->CheckDescriptors();
  EXPECT_FALSE(monitor_->under_pressure());
  counter_->Set(880, 1000);  // hovering just above the line: no flapping
  monitor_->CheckDescriptors();
  EXPECT_THAT(pressure_events(), ElementsAre(true, false));

  counter_->Set(1000, 1000);  // a second episode is reported again
  monitor_->CheckDescriptors();
  EXPECT_THAT(pressure_events(), ElementsAre(true, false, true));
}

TEST_F(FdMonitorTest, TheReserveIsAtMostAQuarterOfASmallLimit) {
  counter_->Set(140, 200);  // 60 free: under --fd-reserve=100, over 200/4
  monitor_->CheckDescriptors();
  EXPECT_FALSE(monitor_->under_pressure());
  counter_->Set(151, 200);  // 49 free
  monitor_->CheckDescriptors();
  EXPECT_TRUE(monitor_->under_pressure());
  EXPECT_EQ(EffectiveReserve(256, 1048576), 256);
  EXPECT_EQ(EffectiveReserve(256, 64), 16);
}

TEST_F(FdMonitorTest, UncountableDescriptorsLeaveAdmissionOpen) {
  counter_->Fail(absl::UnavailableError("no /proc"));
  monitor_->CheckDescriptors();
  monitor_->CheckDescriptors();
  EXPECT_FALSE(monitor_->under_pressure());
  EXPECT_THAT(pressure_events(), IsEmpty());
}

TEST_F(FdMonitorTest, ListenerDeadAfterThreeFailuresInARowWithDescriptorsFree) {
  probe_->answer = absl::UnavailableError("deadline exceeded");
  monitor_->CheckListener();
  monitor_->CheckListener();
  EXPECT_EQ(dead_calls(), 0);
  monitor_->CheckListener();
  EXPECT_EQ(dead_calls(), 1);
  monitor_->CheckListener();  // declared once; no more probes
  EXPECT_EQ(dead_calls(), 1);
  EXPECT_EQ(probe_->probes, 3);
}

TEST_F(FdMonitorTest, AnAnswerResetsTheFailureCount) {
  probe_->answer = absl::UnavailableError("deadline exceeded");
  monitor_->CheckListener();
  monitor_->CheckListener();
  probe_->answer = absl::OkStatus();
  monitor_->CheckListener();
  probe_->answer = absl::UnavailableError("deadline exceeded");
  monitor_->CheckListener();
  monitor_->CheckListener();
  EXPECT_EQ(dead_calls(), 0);
}

TEST_F(FdMonitorTest, ProbesUnderPressureAreSkipped) {
  counter_->Set(990, 1000);
  monitor_->CheckDescriptors();
  ASSERT_TRUE(monitor_->under_pressure());
  probe_->answer = absl::UnavailableError("no descriptor for the probe");
  for (int i = 0; i < 5; ++i) monitor_->CheckListener();
  EXPECT_EQ(probe_->probes, 0);
  EXPECT_EQ(dead_calls(), 0);
}

TEST_F(FdMonitorTest, FailuresThatCoincideWithAFloodAreNotBlamedOnTheListener) {
  // The count said plenty, but the flood came between counts: the recount
  // before giving up sees it.
  probe_->answer = absl::UnavailableError("deadline exceeded");
  monitor_->CheckListener();
  monitor_->CheckListener();
  counter_->Set(995, 1000);
  monitor_->CheckListener();
  EXPECT_EQ(dead_calls(), 0);
  counter_->Set(10, 1000);  // released, and the listener still fails
  monitor_->CheckListener();
  EXPECT_EQ(dead_calls(), 1);
}

TEST_F(FdMonitorTest, ItsThreadCountsOnItsOwn) {
  FdMonitorOptions options;
  options.reserve = 100;
  options.check_interval = absl::Milliseconds(1);
  options.self_check_interval = absl::ZeroDuration();
  auto counter = std::make_unique<FakeDescriptorCounter>();
  counter->Set(999, 1000);
  absl::Mutex mu;
  bool low = false;
  FdMonitorCallbacks callbacks;
  callbacks.on_pressure = [&](bool l) {
    absl::MutexLock lock(&mu);
    low = l;
  };
  FdMonitor monitor(options, std::move(counter), nullptr, callbacks);
  monitor.Start();
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&low), absl::Seconds(20)));
  }
  monitor.Stop();
  EXPECT_TRUE(monitor.under_pressure());
}

TEST(ProcDescriptorCounterTest, CountsAnOpenedDescriptor) {
  ProcDescriptorCounter counter;
  absl::StatusOr<DescriptorUsage> before = counter.Count();
  ASSERT_TRUE(before.ok()) << before.status();
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  absl::StatusOr<DescriptorUsage> during = counter.Count();
  close(fd);
  ASSERT_TRUE(during.ok()) << during.status();
  // Other threads (gtest has none here) could open more, never fewer.
  EXPECT_GE(during->open, before->open + 1);
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(during->limit, static_cast<int64_t>(limit.rlim_cur));
}

TEST(RaiseDescriptorLimitTest, SoftLimitEndsAtTheHardLimit) {
  absl::StatusOr<DescriptorLimits> limits = RaiseDescriptorLimit();
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_EQ(limits->soft_after, limits->hard);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, now.rlim_max);
}

TEST(SelfCheckTargetTest, WildcardsBecomeLoopbackAndPortZeroTheBoundPort) {
  EXPECT_EQ(SelfCheckTarget("0.0.0.0:50051", 50051), "127.0.0.1:50051");
  EXPECT_EQ(SelfCheckTarget("[::]:0", 4242), "127.0.0.1:4242");
  EXPECT_EQ(SelfCheckTarget("127.0.0.1:0", 4242), "127.0.0.1:4242");
  EXPECT_EQ(SelfCheckTarget("gw.local:50051", 50051), "gw.local:50051");
  EXPECT_EQ(SelfCheckTarget("[::1]:0", 7), "[::1]:7");
}

}  // namespace
}  // namespace seedance::gateway
