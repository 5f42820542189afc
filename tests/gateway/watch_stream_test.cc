// Scenarios for one WatchVideo stream's timing and its slot: a real gRPC
// server on loopback serving VideoService, but on a fake clock and a fake
// upstream, so heartbeats, write timeouts and the watch-time limit fall due
// exactly when the test moves the clock.
//
// Clients that never read are real: `nghttp -w 0` (HTTP/2 stream window 0,
// so no DATA frame can reach it); those tests are skipped without nghttp.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "server/gateway/poller_registry.h"
#include "server/gateway/video_service.h"
#include "server/upstream/pricing.h"
#include "tests/gateway/fake_tokenhub_client.h"
#include "tests/gateway/watch_collector.h"
#include "tests/testing/eventually.h"
#include "tests/testing/fake_executors.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;

using ::google::protobuf::util::TimeUtil;
using ::seedance::testing::FakeScheduler;
using ::seedance::testing::FakeTokenHubClient;
using ::seedance::testing::GrpcStatusIs;
using ::seedance::testing::InlineExecutor;
using ::seedance::testing::TaskIn;
using ::seedance::testing::WatchCollector;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kTaskId[] = "cgt-1";

// Every poll waits `*wait` (the test may change it between polls).
class SettablePolling final : public upstream::PollingPolicy {
 public:
  explicit SettablePolling(const absl::Duration* wait) : wait_(wait) {}
  std::unique_ptr<upstream::PollingPolicy> clone() const override {
    return std::make_unique<SettablePolling>(wait_);
  }
  absl::Duration WaitPeriod() override { return *wait_; }

 private:
  const absl::Duration* wait_;
};

class FixedBackoff final : public upstream::BackoffPolicy {
 public:
  std::unique_ptr<upstream::BackoffPolicy> clone() const override {
    return std::make_unique<FixedBackoff>();
  }
  absl::Duration OnCompletion() override { return absl::Hours(1); }
};

// A never-reading HTTP/2 client: `nghttp -w 0` watching kTaskId over
// `streams` streams of one connection. Killed (by its pid) when destroyed.
class NeverReadingClient {
 public:
  static bool Available() { return access(Path().c_str(), X_OK) == 0; }

  NeverReadingClient(int port, int streams,
                     absl::string_view host = "127.0.0.1") {
    char dir[] = "/tmp/never-reading-XXXXXX";
    dir_ = mkdtemp(dir) != nullptr ? dir : "/tmp";
    body_path_ = dir_ + "/request.bin";
    out_path_ = dir_ + "/nghttp.out";
    v1::WatchVideoRequest request;
    request.set_id(kTaskId);
    std::string message = request.SerializeAsString();
    std::string frame(5, '\0');  // gRPC framing: uncompressed, length
    for (int i = 0; i < 4; ++i) {
      frame[1 + i] =
          static_cast<char>((message.size() >> (8 * (3 - i))) & 0xff);
    }
    std::ofstream(body_path_, std::ios::binary) << frame << message;
    const std::string url = absl::StrCat(
        "http://", host, ":", port, "/seedance.v1.VideoService/WatchVideo");
    std::vector<std::string> args = {Path(),
                                     "-n",
                                     "-v",
                                     "-w",
                                     "0",
                                     "-m",
                                     absl::StrCat(streams),
                                     "-d",
                                     body_path_,
                                     "-H",
                                     "content-type: application/grpc",
                                     "-H",
                                     "te: trailers",
                                     url};
    std::vector<char*> argv;
    argv.reserve(args.size());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) !=
        0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }

  ~NeverReadingClient() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(body_path_.c_str());
    std::remove(out_path_.c_str());
    rmdir(dir_.c_str());
  }

  bool started() const { return pid_ > 0; }

  // nghttp's -v transcript so far.
  std::string output() const {
    std::ifstream in(out_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Waits until nghttp has exited (all its streams are closed).
  bool WaitExit(absl::Duration timeout = absl::Seconds(20)) {
    return Eventually(
        [&] {
          if (pid_ <= 0) return true;
          if (waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
          return pid_ <= 0;
        },
        timeout);
  }

 private:
  static std::string Path() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment, which nothing writes
    const char* path = std::getenv("PATH");
    for (absl::string_view dir :
         absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
      std::string candidate = absl::StrCat(dir, "/nghttp");
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "/usr/bin/nghttp";
  }

  std::string dir_, body_path_, out_path_;
  pid_t pid_ = -1;
};

class WatchStreamTest : public ::testing::Test {
 protected:
  WatchStreamTest() {
    env_.client = &client_;
    env_.scheduler = &scheduler_;
    env_.fanout = &fanout_;
    env_.polling = &polling_;
    env_.backoff = &backoff_;
    env_.upstream_timeout = absl::Seconds(30);
    registry_ = std::make_unique<PollerRegistry>(env_, nullptr, nullptr);
    options_.api_key = "th-test-key";
    options_.max_streams = 100;
  }

  ~WatchStreamTest() override {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
    }
  }

  // Serves on [::]:0 (so 127.0.0.1 and ::1 are two peers) if it can, else
  // 127.0.0.1:0.
  void StartServer() {
    creates_ = std::make_unique<CreateFlow>(
        CreateFlowOptions(), client_, nullptr, nullptr, *registry_, scheduler_);
    service_ = std::make_unique<VideoService>(options_, *creates_, *registry_,
                                              nullptr, nullptr, scheduler_,
                                              upstream::PriceTable::Default());
    for (const char* address : {"[::]:0", "127.0.0.1:0"}) {
      grpc::ServerBuilder builder;
      builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                               &port_);
      builder.RegisterService(service_.get());
      server_ = builder.BuildAndStart();
      if (server_ && port_ != 0) {
        dual_stack_ = address[0] == '[';
        break;
      }
    }
    ASSERT_NE(server_, nullptr);
    stub_ = Stub("127.0.0.1");
  }

  std::unique_ptr<v1::VideoService::Stub> Stub(absl::string_view host) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::VideoService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat(host, ":", port_),
                                  grpc::InsecureChannelCredentials(), args));
  }

  std::unique_ptr<WatchCollector> Watch(
      absl::Duration heartbeat = absl::ZeroDuration(),
      v1::VideoService::Stub* stub = nullptr) {
    v1::WatchVideoRequest request;
    request.set_id(kTaskId);
    if (heartbeat > absl::ZeroDuration()) {
      *request.mutable_heartbeat_interval() =
          TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(heartbeat));
    }
    return std::make_unique<WatchCollector>(stub ? *stub : *stub_, request);
  }

  // Runs the task's first poll (due as soon as its first watcher came) and
  // answers it with `status`.
  void FirstPollAnswers(v1::VideoStatus status) {
    ASSERT_TRUE(Eventually([&] {
      scheduler_.RunDue();
      return client_.waiting() == 1;
    }));
    client_.Reply(TaskIn(status, kTaskId));
  }

  // A stream's write is done when its write deadline timer is gone: waits
  // until exactly `timers` are pending (the test knows which ones).
  void WaitForTimers(std::size_t timers) {
    ASSERT_TRUE(Eventually([&] { return scheduler_.pending() == timers; }))
        << scheduler_.pending() << " timers pending, expected " << timers;
  }

  static std::vector<absl::Time> HeartbeatTimes(const WatchCollector& watch) {
    std::vector<absl::Time> times;
    for (const auto& e : watch.events()) {
      if (e.has_heartbeat()) {
        times.push_back(absl::FromUnixNanos(
            TimeUtil::TimestampToNanoseconds(e.event_time())));
      }
    }
    return times;
  }

  FakeScheduler scheduler_;
  FakeTokenHubClient client_;
  InlineExecutor fanout_;
  absl::Duration poll_wait_ = absl::Hours(1);
  SettablePolling polling_{&poll_wait_};
  FixedBackoff backoff_;
  PollerEnvironment env_;
  std::unique_ptr<PollerRegistry> registry_;
  std::unique_ptr<CreateFlow> creates_;
  VideoServiceOptions options_;
  std::unique_ptr<VideoService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool dual_stack_ = false;
  std::unique_ptr<v1::VideoService::Stub> stub_;
};

// Timers of one idle watch of a running task: the next poll, the watch-time
// limit and the next heartbeat. A write in flight adds its deadline timer.
constexpr std::size_t kIdleTimers = 3;

TEST_F(WatchStreamTest,
       HeartbeatsComeExactlyOneIntervalApartWhileNothingElseHappens) {
  StartServer();
  const absl::Time t0 = scheduler_.Now();
  auto watch = Watch(absl::Seconds(1));
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  ASSERT_TRUE(watch->WaitForVideos(1));
  WaitForTimers(kIdleTimers);
  // Quarter-interval steps, each once the stream's last write completed.
  // Each heartbeat falls due in the middle of a step, so the clock has
  // moved on by the time its write completes, as a real one does.
  scheduler_.AdvanceTime(absl::Milliseconds(125));
  for (int step = 1; step <= 16; ++step) {
    scheduler_.AdvanceTime(absl::Milliseconds(250));
    WaitForTimers(kIdleTimers);
  }
  ASSERT_TRUE(watch->WaitFor(
      [](const auto& events) { return events.size() >= 5; }, absl::Seconds(5)))
      << watch->events().size() << " messages";
  EXPECT_THAT(HeartbeatTimes(*watch),
              ElementsAreArray({t0 + absl::Seconds(1), t0 + absl::Seconds(2),
                                t0 + absl::Seconds(3), t0 + absl::Seconds(4)}));
}

TEST_F(WatchStreamTest, ATransitionPushesTheNextHeartbeatToOneIntervalAfterIt) {
  poll_wait_ = absl::Milliseconds(1500);
  StartServer();
  const absl::Time t0 = scheduler_.Now();
  auto watch = Watch(absl::Seconds(1));
  FirstPollAnswers(v1::VIDEO_STATUS_QUEUED);
  ASSERT_TRUE(watch->WaitForVideos(1));
  poll_wait_ = absl::Hours(1);
  WaitForTimers(kIdleTimers);
  for (int step = 1; step <= 16; ++step) {
    scheduler_.AdvanceTime(absl::Milliseconds(250));
    if (client_.waiting() == 1) {  // the poll at t0 + 1.5 s: now running
      client_.Reply(TaskIn(v1::VIDEO_STATUS_RUNNING, kTaskId));
    }
    WaitForTimers(kIdleTimers);
  }
  ASSERT_TRUE(watch->WaitForVideos(2));
  ASSERT_TRUE(watch->WaitFor(
      [](const auto& events) { return events.size() >= 5; }, absl::Seconds(5)))
      << watch->events().size() << " messages";
  // Heartbeat at 1 s; the transition at 1.5 s is traffic, so the next
  // heartbeats come at 2.5 s and 3.5 s (not at 2 s, nor at 3 s).
  EXPECT_THAT(
      HeartbeatTimes(*watch),
      ElementsAreArray({t0 + absl::Seconds(1), t0 + absl::Milliseconds(2500),
                        t0 + absl::Milliseconds(3500)}));
}

TEST_F(WatchStreamTest,
       NeverReadingWatcherIsCancelledAfterTheWriteTimeoutAndFreesItsSlot) {
  if (!NeverReadingClient::Available()) GTEST_SKIP() << "nghttp not installed";
  options_.max_streams = 1;
  options_.write_timeout = absl::Seconds(30);
  StartServer();
  NeverReadingClient stuck(port_, 1);
  ASSERT_TRUE(stuck.started());
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 1; }));
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);  // a write that cannot leave
  WaitForTimers(kIdleTimers);  // poll, limit, write deadline (no heartbeat)

  auto refused = Watch();
  ASSERT_TRUE(refused->WaitDone());
  EXPECT_THAT(refused->status(),
              GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           HasSubstr("--max-streams")));

  scheduler_.AdvanceTime(absl::Seconds(30) - absl::Milliseconds(1));
  EXPECT_EQ(service_->open_streams(), 1);
  scheduler_.AdvanceTime(absl::Milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
  ASSERT_TRUE(stuck.WaitExit()) << stuck.output();
  // gRPC drops the stuck message and ends the stream with trailers (not
  // flow-controlled either).
  EXPECT_THAT(stuck.output(), HasSubstr("grpc-status: 1"));

  auto admitted = Watch();  // its task's poller had gone with the last watch
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  ASSERT_TRUE(admitted->WaitForVideos(1));
}

TEST_F(WatchStreamTest, WatchTimeLimitEndsAStreamStuckOnAWrite) {
  if (!NeverReadingClient::Available()) GTEST_SKIP() << "nghttp not installed";
  options_.max_watch_time = absl::Seconds(10);
  options_.write_timeout = absl::Hours(1);
  StartServer();
  NeverReadingClient stuck(port_, 1);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 1; }));
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  WaitForTimers(kIdleTimers);
  // At the limit the stream finishes; the finish cannot pass the stuck
  // write, so after the 1 s end grace the stream is cancelled.
  scheduler_.AdvanceTime(absl::Seconds(10) + absl::Milliseconds(999));
  EXPECT_EQ(service_->open_streams(), 1);
  scheduler_.AdvanceTime(absl::Milliseconds(1));
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
  ASSERT_TRUE(stuck.WaitExit()) << stuck.output();
}

TEST_F(WatchStreamTest, DrainDoesNotWaitForAStreamStuckOnAWrite) {
  if (!NeverReadingClient::Available()) GTEST_SKIP() << "nghttp not installed";
  options_.write_timeout = absl::Hours(1);
  StartServer();
  NeverReadingClient stuck(port_, 3);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 3; }));
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  registry_->Drain(absl::UnavailableError("gateway replica is shutting down"));
  scheduler_.AdvanceTime(absl::Seconds(1));
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
  ASSERT_TRUE(stuck.WaitExit()) << stuck.output();
}

TEST_F(WatchStreamTest, OnePeerGetsAtMostItsShareAndTheCountIsExact) {
  options_.max_streams = 10;
  options_.max_streams_per_peer = 2;
  StartServer();
  auto a = Watch();
  auto b = Watch();
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  ASSERT_TRUE(a->WaitForVideos(1));
  ASSERT_TRUE(b->WaitForVideos(1));
  auto c = Watch();
  ASSERT_TRUE(c->WaitDone());
  EXPECT_THAT(c->status(), GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                        HasSubstr("--max-streams-per-peer")));
  std::unique_ptr<v1::VideoService::Stub> other_stub;
  std::unique_ptr<WatchCollector> other;
  if (dual_stack_) {  // another address is not affected
    other_stub = Stub("[::1]");
    other = Watch(absl::ZeroDuration(), other_stub.get());
    ASSERT_TRUE(other->WaitForVideos(1)) << other->status().error_message();
  }
  // A stream that ends (here: cancelled by its client) frees its share.
  a->Cancel();
  ASSERT_TRUE(a->WaitDone());
  ASSERT_TRUE(Eventually(
      [&] { return service_->open_streams() == (dual_stack_ ? 2 : 1); },
      absl::Seconds(3)))
      << service_->open_streams();
  auto d = Watch();
  ASSERT_TRUE(d->WaitForVideos(1)) << d->status().error_message();
}

TEST_F(WatchStreamTest, ExtraStreamsOnOneConnectionGetResourceExhausted) {
  if (!NeverReadingClient::Available()) GTEST_SKIP() << "nghttp not installed";
  options_.max_streams_per_connection = 2;
  options_.write_timeout = absl::Seconds(5);
  StartServer();
  // nghttp opens its 3 streams before it has the server's settings, as a
  // client ignoring SETTINGS_MAX_CONCURRENT_STREAMS would.
  NeverReadingClient client(port_, 3);
  ASSERT_TRUE(Eventually([&] {
    const std::string out = client.output();
    return out.find("grpc-status: 8") != std::string::npos &&
           out.find("--max-streams-per-connection") != std::string::npos;
  })) << client.output();
  EXPECT_EQ(service_->open_streams(), 2);
  FirstPollAnswers(v1::VIDEO_STATUS_RUNNING);
  // Each stream arms its write timeout when its first write starts, on the
  // fan-out thread: under a slow (sanitizer) build that can come after one
  // jump of the fake clock, so the clock keeps moving until both are gone.
  ASSERT_TRUE(Eventually([&] {
    scheduler_.AdvanceTime(absl::Seconds(1));
    return service_->open_streams() == 0;
  })) << service_->open_streams();
  ASSERT_TRUE(client.WaitExit()) << client.output();
}

}  // namespace
}  // namespace seedance::gateway
