// SimFixture: an in-process tokenhub-sim, a real CurlTransport and a
// TokenHubClient pointed at it, plus blocking helpers that wait on a
// condition with a deadline (never a fixed sleep).
#ifndef SEEDANCE_TESTS_UPSTREAM_SIM_FIXTURE_H_
#define SEEDANCE_TESTS_UPSTREAM_SIM_FIXTURE_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/common/thread_scheduler.h"
#include "server/upstream/curl_transport.h"
#include "server/upstream/tokenhub_client.h"
#include "sim/sim_server.h"
#include "tests/upstream/test_requests.h"

namespace seedance::upstream::testing {

// How long any single wait in these tests may take before it is a failure.
inline constexpr absl::Duration kTestTimeout = absl::Seconds(20);

// Forwards to another transport and counts the requests it was given
// (connection-refused attempts never reach the simulator's counters).
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(HttpTransport& inner) : inner_(inner) {}
  void Send(HttpRequest request, Callback done) override {
    sent_.fetch_add(1);
    if (request.method == "POST") posts_.fetch_add(1);
    inner_.Send(std::move(request), std::move(done));
  }
  int sent() const { return sent_.load(); }
  // POSTs handed to the transport: what the simulator's create_requests
  // must equal if no POST is ever sent twice.
  int posts() const { return posts_.load(); }

 private:
  HttpTransport& inner_;
  std::atomic<int> sent_{0};
  std::atomic<int> posts_{0};
};

// Calls `start(callback)` and blocks until the callback ran (or the test
// timeout passed, which fails the test).
template <typename Start>
absl::StatusOr<seedance::v1::Video> Await(Start start) {
  auto done = std::make_shared<absl::Notification>();
  auto result = std::make_shared<absl::StatusOr<seedance::v1::Video>>(
      absl::UnknownError("no reply"));
  start([done, result](absl::StatusOr<seedance::v1::Video> v) {
    *result = std::move(v);
    done->Notify();
  });
  if (!done->WaitForNotificationWithTimeout(kTestTimeout)) {
    ADD_FAILURE() << "no reply within " << kTestTimeout;
    return absl::DeadlineExceededError("test timeout");
  }
  return *result;
}

class SimFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    tokenhub_sim::SimOptions sim_options;
    // Phases last an hour: tests move tasks with AdvanceTask, never by time.
    sim_options.queued_for = absl::Hours(1);
    sim_options.running_for = absl::Hours(1);
    sim_options.threads = 2;
    auto sim = tokenhub_sim::SimServer::Start(sim_options);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    CurlTransportOptions transport_options;
    transport_options.connect_timeout = absl::Seconds(2);
    transport_options.default_timeout = absl::Seconds(5);
    transport_options.max_connections = 8;
    transport_ = std::make_unique<CurlTransport>(transport_options);
    counting_ = std::make_unique<CountingTransport>(*transport_);
    client_ = MakeClient(sim_->base_url());
  }

  std::unique_ptr<TokenHubClient> MakeClient(std::string base_url) {
    TokenHubClientOptions options;
    options.base_url = std::move(base_url);
    options.api_key = std::string(tokenhub_sim::kDefaultKey);
    return MakeTokenHubClient(
        options, *counting_, scheduler_,
        std::make_unique<ExponentialBackoffPolicy>(
            absl::Milliseconds(20), absl::Milliseconds(100), 2.0));
  }

  absl::StatusOr<seedance::v1::Video> Create(const std::string& prompt,
                                             CallOptions options = {}) {
    seedance::v1::CreateVideoRequest request = MinimalRequest();
    request.set_prompt(prompt);
    return Await([&](TokenHubClient::VideoCallback done) {
      client_->CreateVideo(request, options, std::move(done));
    });
  }

  absl::StatusOr<seedance::v1::Video> Get(const std::string& id,
                                          CallOptions options = {}) {
    return Await([&](TokenHubClient::VideoCallback done) {
      client_->GetVideo(id, options, std::move(done));
    });
  }

  // A task held in `queued` until advanced.
  std::string HeldTask() {
    auto video = Create("a cat surfing [sim:hold=queued]");
    EXPECT_TRUE(video.ok()) << video.status();
    return video.ok() ? video->id() : "";
  }

  static CallOptions NoRetry() {
    CallOptions options;
    options.retry_transient = false;
    return options;
  }

  // Declared so that destruction runs client, scheduler (pending retries
  // dropped), transport (in-flight requests cancelled), then the simulator.
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<CurlTransport> transport_;
  std::unique_ptr<CountingTransport> counting_;
  ThreadScheduler scheduler_;
  std::unique_ptr<TokenHubClient> client_;
};

}  // namespace seedance::upstream::testing

#endif  // SEEDANCE_TESTS_UPSTREAM_SIM_FIXTURE_H_
