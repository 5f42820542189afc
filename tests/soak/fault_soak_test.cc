// The fault soak: hundreds of tasks through the real gateway (in-process)
// in front of tokenhub-sim (in-process) while the simulator injects every
// fault kind it has on creates and on polls, and clients watch, cancel,
// vanish mid-stream or never read. docs/RELIABILITY.md "Fault soak" says
// what it runs in each build and how long it takes.
//
// It proves, for every watcher that stays, that it saw each transition once,
// in order, ending in the simulator's true final state (the truth comes from
// the simulator, never from the gateway); that the upstream saw exactly one
// POST per create call; and that the gateway gives back what the load took:
// threads, descriptors, open streams and pollers return to their baseline.
// Every wait is a condition with a deadline; nothing asserts a duration.

#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.grpc.pb.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/watch_collector.h"
#include "tests/soak/process_census.h"
#include "tests/soak/raw_h2_watch.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;

using ::seedance::testing::kAliceKey;
using ::seedance::testing::ProcessCensus;
using ::seedance::testing::RawH2Pump;
using ::seedance::testing::RawH2Watch;
using ::seedance::testing::TakeCensus;
using ::seedance::testing::ThreadDifference;
using ::seedance::testing::WatchCollector;

// The same load in every build: even under TSan it takes well under a
// minute (docs/RELIABILITY.md "Fault soak" has the figures).
// SEEDANCE_SOAK_TASKS=N runs more for a longer soak by hand.
constexpr int kTasks = 500;
int TasksToRun() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment, which nothing writes
  const char* env = std::getenv("SEEDANCE_SOAK_TASKS");
  int n = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return kTasks;
}
// A first, smaller round brings every pool (gRPC's, curl's) to its working
// size before the baseline is taken.
constexpr int kWarmupTasks = 40;
constexpr int kStayingWatchersPerTask = 3;
constexpr int kChannels = 8;
constexpr int kCreateThreads = 8;
constexpr uint64_t kSeed = 20261201;
// Generous for a loaded 2-core machine under TSan: a deadline only bounds a
// hang, it never measures speed.
constexpr absl::Duration kDeadline = absl::Seconds(90);

// Threads of our own (the gateway's scheduler, fan-out and transport, the
// simulator's) must return exactly to the baseline. gRPC's named pools size
// themselves: its timer pool starts a thread whenever all of its threads
// are busy running timers, and under load one can stay (seen:
// grpc_global_timer 2 -> 3 for more than 90 s). They may keep this many
// more, far below any per-task or per-stream leak over hundreds of tasks.
constexpr int kGrpcPoolSlack = 4;

// What the simulator reports for the `unknown_status` fault: a status it
// made up, which the gateway faithfully announces (sequence 11, 21, ...).
constexpr char kGlitch[] = "sim_glitch";

// Every fault kind of docs/SIMULATOR.md "Faults" that damages a create or a
// poll, each at a seeded rate. A stall outlives the gateway's upstream
// timeout (1 s below), which ends it. Retry-After 1 s on a 429.
constexpr char kCreateFaults[] =
    "503,method=POST,rate=0.02;"
    "500,method=POST,rate=0.02;"
    "429,retry_after=1,method=POST,rate=0.02;"
    "reset,method=POST,rate=0.02;"
    "reset_after_create,method=POST,rate=0.03;"
    "stall,method=POST,rate=0.01;"
    "truncate,method=POST,rate=0.02;"
    "malformed,method=POST,rate=0.02;"
    "unknown_status=sim_glitch,method=POST,rate=0.02";
constexpr char kPollFaults[] =
    "502,method=GET,rate=0.02;"
    "504,method=GET,rate=0.01;"
    "429,retry_after=1,method=GET,rate=0.01;"
    "reset,method=GET,rate=0.02;"
    "reset_after_create,method=GET,rate=0.02;"
    "stall,method=GET,rate=0.005;"
    "truncate,method=GET,rate=0.02;"
    "malformed,method=GET,rate=0.02;"
    "unknown_status=sim_glitch,method=GET,rate=0.02";

// The gateway's bound on a write a client never reads (issue #11 item 3) is
// being added in parallel and its name is not final: the never-reading
// clients' slot-release check runs only when GatewayConfig has a
// `write_timeout` field. Otherwise the soak closes those clients itself.
template <typename C, typename = void>
struct HasWriteTimeout : std::false_type {};
template <typename C>
struct HasWriteTimeout<C,
                       std::void_t<decltype(std::declval<C&>().write_timeout)>>
    : std::true_type {};
constexpr bool kGatewayEndsStuckWrites = HasWriteTimeout<GatewayConfig>::value;

template <typename C>
void SetWriteTimeout(C& config, absl::Duration timeout) {
  if constexpr (HasWriteTimeout<C>::value) config.write_timeout = timeout;
}

// The prompt of task `i`: most succeed, some fail with their own message,
// some pass through a status the gateway does not know ("processing").
std::string PromptFor(int i) {
  if (i % 5 == 2) {
    return absl::StrCat("soak task ", i,
                        " [sim:queued=150ms,running=150ms,fail=soak failure ",
                        i, "]");
  }
  if (i % 4 == 1) {
    return absl::StrCat("soak task ", i,
                        " [sim:queued=150ms,status=processing,running=150ms]");
  }
  return absl::StrCat("soak task ", i, " [sim:queued=150ms,running=150ms]");
}

// Checks what a watcher that stayed saw against the simulator's truth:
// strictly increasing sequences; each true status in the simulator's order
// and announced once (a `sim_glitch` reply is skipped, and the status it
// interrupted may be announced again after it); the last message is the
// true final state. Returns "" or what is wrong.
std::string CheckStayingWatcher(
    const std::vector<v1::WatchVideoResponse>& events,
    const tokenhub_sim::TaskView& truth) {
  std::vector<std::string> truth_statuses;
  for (const auto& t : truth.transitions) truth_statuses.push_back(t.first);
  std::vector<std::string> seen;
  int64_t last_sequence = 0;
  size_t next_truth = 0;
  std::string previous;
  bool glitch_since_previous = false;
  const v1::WatchVideoResponse* last = nullptr;
  for (const auto& e : events) {
    if (!e.has_video()) continue;
    last = &e;
    const std::string& status = e.video().upstream_status();
    seen.push_back(absl::StrCat(status, "@", e.sequence()));
    if (e.sequence() <= last_sequence) {
      return absl::StrCat("sequence not increasing: ",
                          absl::StrJoin(seen, " "));
    }
    last_sequence = e.sequence();
    if (status == kGlitch) {
      glitch_since_previous = true;
      continue;
    }
    if (status == previous) {
      if (!glitch_since_previous) {
        return absl::StrCat("announced twice: ", absl::StrJoin(seen, " "));
      }
      glitch_since_previous = false;
      continue;
    }
    size_t at = next_truth;
    while (at < truth_statuses.size() && truth_statuses[at] != status) ++at;
    if (at == truth_statuses.size()) {
      return absl::StrCat("saw ", absl::StrJoin(seen, " "),
                          " but the simulator went ",
                          absl::StrJoin(truth_statuses, " "));
    }
    next_truth = at + 1;
    previous = status;
    glitch_since_previous = false;
  }
  if (last == nullptr) return "no transition at all";
  const v1::Video& final_video = last->video();
  if (!truth.terminal || final_video.upstream_status() != truth.status ||
      last->sequence() != 30) {
    return absl::StrCat("ended with ", absl::StrJoin(seen, " "),
                        " but the simulator's task is ", truth.status);
  }
  if (truth.status == "failed" &&
      final_video.error().message() != truth.error_message) {
    return absl::StrCat("failure message \"", final_video.error().message(),
                        "\", simulator: \"", truth.error_message, "\"");
  }
  return "";
}

// One task of a round and the clients on it.
struct TaskClients {
  std::string id;
  std::vector<std::unique_ptr<WatchCollector>> staying;
  std::unique_ptr<WatchCollector> cancelling;
  std::unique_ptr<RawH2Watch> vanishing;
  std::unique_ptr<RawH2Watch> never_reading;
};

class FaultSoakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokenhub_sim::SimOptions sim;
    sim.keys = {{"alice", kAliceKey}};
    sim.seed = kSeed;
    // A stall the gateway somehow failed to end is released by the
    // simulator long before the deadlines below.
    sim.stall_cap = absl::Seconds(20);
    auto started = tokenhub_sim::SimServer::Start(sim);
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);

    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    config_.upstream_timeout = absl::Seconds(1);
    SetWriteTimeout(config_, absl::Seconds(1));
    auto gateway = GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    for (int i = 0; i < kChannels; ++i) {
      // Separate subchannels: several HTTP/2 connections, as several clients.
      grpc::ChannelArguments args;
      args.SetInt("soak.channel", i);
      auto channel = grpc::CreateCustomChannel(
          absl::StrCat("127.0.0.1:", gateway_->port()),
          grpc::InsecureChannelCredentials(), args);
      stubs_.push_back(v1::VideoService::NewStub(channel));
      channels_.push_back(std::move(channel));
    }
  }

  // Runs `tasks` tasks with every client kind; checks each client and the
  // POST count. Returns when every stream of the round is over.
  void RunRound(int tasks) {
    sim_->ResetStats();
    std::vector<TaskClients> clients(tasks);
    std::atomic<int> next{0};
    std::atomic<int> create_calls{0};
    absl::Mutex tally_mu;
    std::map<std::string, int> create_outcomes;
    {
      RawH2Pump pump;
      std::vector<std::thread> creators;
      creators.reserve(kCreateThreads);
      for (int t = 0; t < kCreateThreads; ++t) {
        creators.emplace_back([&, t] {
          for (int i = next++; i < tasks; i = next++) {
            auto& stub = *stubs_[(i + t) % kChannels];
            v1::CreateVideoRequest request;
            request.set_model("doubao-seedance-2.0");
            request.set_prompt(PromptFor(i));
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(60));
            v1::CreateVideoResponse response;
            ++create_calls;
            grpc::Status status =
                stub.CreateVideo(&context, request, &response);
            {
              absl::MutexLock lock(&tally_mu);
              // The code and the start of the message (which then names
              // ids and timings) tell which fault it was.
              ++create_outcomes[status.ok() ? "OK"
                                            : absl::StrCat(
                                                  status.error_code(), " ",
                                                  status.error_message().substr(
                                                      0, 40))];
            }
            if (!status.ok()) continue;
            StartClients(i, response.video().id(), pump, clients[i]);
          }
        });
      }
      for (auto& c : creators) c.join();

      // Never-reading clients hold a write the gateway can never finish.
      int never_reading = 0, never_reading_ended = 0, vanished = 0;
      for (auto& c : clients) {
        if (c.vanishing) {
          EXPECT_TRUE(c.vanishing->WaitEnded(kDeadline)) << c.id << " vanisher";
          ++vanished;
        }
        if (!c.never_reading) continue;
        ++never_reading;
        if (kGatewayEndsStuckWrites) {
          never_reading_ended += c.never_reading->WaitEnded(kDeadline);
        }
      }
      CheckWatchers(clients);
      // Every other stream of the round is over: what is still open is
      // held by the clients that never read.
      if (kGatewayEndsStuckWrites) {
        EXPECT_EQ(never_reading_ended, never_reading)
            << "streams of clients that never read must be ended by the "
               "gateway";
        EXPECT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; },
                               kDeadline))
            << gateway_->open_streams()
            << " slots still held by clients that never read";
      } else {
        // Not asserted (see kGatewayEndsStuckWrites); the figure shows
        // whether the clients that never read still hold their slots.
        std::cout << "open streams while only never-reading clients remain: "
                  << gateway_->open_streams() << " (of " << never_reading
                  << ")\n";
      }
      // Only now do the clients that never read give up (a no-op for those
      // the gateway already ended); the pump stops before they are freed.
      for (auto& c : clients) {
        if (c.never_reading) c.never_reading->Close();
      }
      std::cout << "round of " << tasks << " tasks: " << never_reading
                << " never-reading and " << vanished << " vanishing raw clients"
                << (kGatewayEndsStuckWrites
                        ? ""
                        : " (no write timeout: closed by the test)")
                << "\n";
    }

    tokenhub_sim::SimStats stats = sim_->stats();
    std::cout << "creates: " << create_calls.load() << " calls;";
    for (const auto& [outcome, n] : create_outcomes) {
      std::cout << "\n  " << n << " x " << outcome;
    }
    std::cout << "\n ";
    std::cout << "upstream: " << stats.create_requests << " POSTs, "
              << stats.creates << " tasks, " << stats.gets
              << " GETs; faults fired:";
    for (const auto& [kind, n] : stats.errors_by_kind) {
      std::cout << " " << kind << "=" << n;
    }
    std::cout << std::endl;
    EXPECT_EQ(stats.create_requests, create_calls.load())
        << "the upstream must see exactly one POST per create call";
    EXPECT_LE(stats.creates, create_calls.load());
  }

  void StartClients(int i, const std::string& id, RawH2Pump& pump,
                    TaskClients& task) {
    task.id = id;
    v1::WatchVideoRequest request;
    request.set_id(id);
    for (int k = 0; k < kStayingWatchersPerTask; ++k) {
      task.staying.push_back(std::make_unique<WatchCollector>(
          *stubs_[(i + k) % kChannels], request));
    }
    if (i % 4 == 0) {
      // Cancels after its first message when that comes quickly, else
      // before any (both happen).
      task.cancelling = std::make_unique<WatchCollector>(
          *stubs_[(i + 3) % kChannels], request);
      task.cancelling->WaitForVideos(1, absl::Milliseconds(20));
      task.cancelling->Cancel();
    }
    if (i % 5 == 0) {
      auto raw = RawH2Watch::Start(gateway_->port(), request,
                                   RawH2Watch::Mode::kVanish);
      EXPECT_TRUE(raw.ok()) << raw.status();
      if (raw.ok()) {
        task.vanishing = *std::move(raw);
        pump.Add(task.vanishing.get());
      }
    }
    if (i % 10 == 3) {
      auto raw = RawH2Watch::Start(gateway_->port(), request,
                                   RawH2Watch::Mode::kNeverRead);
      EXPECT_TRUE(raw.ok()) << raw.status();
      if (raw.ok()) {
        task.never_reading = *std::move(raw);
        pump.Add(task.never_reading.get());
      }
    }
  }

  void CheckWatchers(std::vector<TaskClients>& clients) {
    int staying = 0, wrong = 0, cancelled = 0;
    std::vector<std::string> examples;
    auto note = [&](const std::string& what) {
      ++wrong;
      if (examples.size() < 10) examples.push_back(what);
    };
    for (auto& c : clients) {
      if (c.id.empty()) continue;
      for (auto& w : c.staying) {
        ++staying;
        if (!w->WaitDone(kDeadline)) {
          note(absl::StrCat(c.id, ": stream never ended"));
          continue;
        }
        if (!w->status().ok()) {
          note(absl::StrCat(c.id, ": ended with code ",
                            w->status().error_code(), " ",
                            w->status().error_message()));
          continue;
        }
        std::optional<tokenhub_sim::TaskView> truth = sim_->GetTask(c.id);
        if (!truth) {
          note(absl::StrCat(c.id, ": unknown to the simulator"));
          continue;
        }
        std::string problem = CheckStayingWatcher(w->events(), *truth);
        if (!problem.empty()) note(absl::StrCat(c.id, ": ", problem));
      }
      if (c.cancelling) {
        ++cancelled;
        if (!c.cancelling->WaitDone(kDeadline)) {
          note(absl::StrCat(c.id, ": cancelled stream never ended"));
        } else if (!c.cancelling->status().ok() &&
                   c.cancelling->status().error_code() !=
                       grpc::StatusCode::CANCELLED) {
          note(absl::StrCat(c.id, ": cancelled stream ended with code ",
                            c.cancelling->status().error_code()));
        }
      }
    }
    std::cout << staying << " staying and " << cancelled
              << " cancelling watchers checked" << std::endl;
    EXPECT_EQ(wrong, 0) << "watchers that went wrong, e.g.:\n  "
                        << absl::StrJoin(examples, "\n  ");
  }

  // Waits until nothing of the rounds is left in the gateway: no stream, no
  // poller, and the process back to `baseline` threads and descriptors
  // (idle upstream keep-alive connections aside, bounded by the pool).
  void ExpectBackTo(const ProcessCensus& baseline) {
    EXPECT_TRUE(
        Eventually([&] { return gateway_->open_streams() == 0; }, kDeadline))
        << gateway_->open_streams() << " streams still open";
    EXPECT_TRUE(
        Eventually([&] { return gateway_->active_pollers() == 0; }, kDeadline))
        << gateway_->active_pollers() << " pollers still active";
    ProcessCensus now;
    bool settled = Eventually(
        [&] {
          now = TakeCensus(sim_->port());
          return now.own_threads <= baseline.own_threads &&
                 now.threads <= baseline.threads + kGrpcPoolSlack &&
                 now.other_descriptors() <= baseline.other_descriptors();
        },
        kDeadline);
    std::cout << "baseline " << baseline << "\nafter    " << now
              << "\nthreads by name: " << ThreadDifference(baseline, now)
              << std::endl;
    EXPECT_TRUE(settled) << "baseline " << baseline << ", now " << now
                         << "; threads by name: "
                         << ThreadDifference(baseline, now);
    // Both ends of each pooled connection live in this process.
    EXPECT_LE(now.port_sockets, 2 * 64 + 1) << "upstream keep-alive pool";
  }

  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::VideoService::Stub>> stubs_;
};

// The checker itself, on made-up streams: it must reject what the soak is
// there to catch.
v1::WatchVideoResponse Message(int64_t sequence, const std::string& status,
                               const std::string& error = "") {
  v1::WatchVideoResponse m;
  m.set_sequence(sequence);
  m.mutable_video()->set_upstream_status(status);
  if (!error.empty()) m.mutable_video()->mutable_error()->set_message(error);
  return m;
}

tokenhub_sim::TaskView Truth(std::vector<std::string> statuses,
                             const std::string& error = "") {
  tokenhub_sim::TaskView truth;
  for (auto& s : statuses) truth.transitions.emplace_back(s, absl::Now());
  truth.status = statuses.back();
  truth.terminal = true;
  truth.error_message = error;
  return truth;
}

TEST(CheckStayingWatcherTest, AcceptsEveryTransitionOnceInOrder) {
  auto truth = Truth({"queued", "processing", "running", "succeeded"});
  EXPECT_EQ(
      CheckStayingWatcher({Message(10, "queued"), Message(11, "processing"),
                           Message(20, "running"), Message(30, "succeeded")},
                          truth),
      "");
  // A late watcher starts from the current state; polls may skip a phase.
  EXPECT_EQ(CheckStayingWatcher(
                {Message(20, "running"), Message(30, "succeeded")}, truth),
            "");
  // A glitch reply, then the status it interrupted once more.
  EXPECT_EQ(
      CheckStayingWatcher({Message(10, "queued"), Message(11, kGlitch),
                           Message(12, "queued"), Message(30, "succeeded")},
                          truth),
      "");
}

TEST(CheckStayingWatcherTest, RejectsDuplicatesDisorderAndWrongEnds) {
  auto truth = Truth({"queued", "running", "failed"}, "boom");
  EXPECT_NE(CheckStayingWatcher({Message(10, "queued"), Message(10, "queued")},
                                truth),
            "");
  EXPECT_NE(CheckStayingWatcher({Message(10, "queued"), Message(12, "queued"),
                                 Message(30, "failed", "boom")},
                                truth),
            "");
  EXPECT_NE(CheckStayingWatcher({Message(20, "running"), Message(21, "queued"),
                                 Message(30, "failed", "boom")},
                                truth),
            "");
  EXPECT_NE(CheckStayingWatcher({Message(10, "queued"), Message(20, "running")},
                                truth),
            "");
  EXPECT_NE(CheckStayingWatcher(
                {Message(10, "queued"), Message(30, "succeeded")}, truth),
            "");
  EXPECT_NE(CheckStayingWatcher(
                {Message(10, "queued"), Message(30, "failed", "other")}, truth),
            "");
  EXPECT_NE(CheckStayingWatcher({}, truth), "");
  EXPECT_EQ(CheckStayingWatcher(
                {Message(10, "queued"), Message(30, "failed", "boom")}, truth),
            "");
}

TEST_F(FaultSoakTest, EveryFaultKindOnCreatesAndPollsWithEveryKindOfClient) {
  std::cout << "write timeout in GatewayConfig: "
            << (kGatewayEndsStuckWrites ? "yes"
                                        : "no (never-reading check off)")
            << std::endl;
  ASSERT_TRUE(
      sim_->AddFaults(absl::StrCat(kCreateFaults, ";", kPollFaults)).ok());
  RunRound(kWarmupTasks);
  ASSERT_TRUE(Eventually(
      [&] {
        return gateway_->open_streams() == 0 && gateway_->active_pollers() == 0;
      },
      kDeadline));
  ProcessCensus baseline = TakeCensus(sim_->port());
  RunRound(TasksToRun());
  ExpectBackTo(baseline);
}

}  // namespace
}  // namespace seedance::gateway
