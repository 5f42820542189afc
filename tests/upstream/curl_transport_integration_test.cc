// CurlTransport on its own against tokenhub-sim: headers, size cap,
// deadlines, shutdown.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/upstream/curl_transport.h"
#include "server/upstream/error_mapping.h"
#include "sim/sim_server.h"
#include "tests/testing/status_matchers.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(20);

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = tokenhub_sim::SimServer::Start(tokenhub_sim::SimOptions());
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
  }

  absl::StatusOr<HttpResponse> SendSync(CurlTransport& transport,
                                        HttpRequest request) {
    absl::Notification done;
    absl::StatusOr<HttpResponse> result = absl::UnknownError("no reply");
    transport.Send(std::move(request), [&](absl::StatusOr<HttpResponse> r) {
      result = std::move(r);
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(kTimeout));
    return result;
  }

  HttpRequest Get(const std::string& path) {
    HttpRequest request;
    request.method = "GET";
    request.url = sim_->base_url() + path;
    request.headers = {
        {"Authorization",
         std::string("Bearer ") + std::string(tokenhub_sim::kDefaultKey)}};
    return request;
  }

  HttpRequest Create() {
    HttpRequest request = Get("/videos/generations");
    request.method = "POST";
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = R"({"model":"doubao-seedance-2.0","prompt":"hi"})";
    return request;
  }

  std::unique_ptr<tokenhub_sim::SimServer> sim_;
};

TEST_F(CurlTransportTest, ReturnsErrorResponsesWithLowerCasedHeaders) {
  CurlTransport transport{CurlTransportOptions()};
  ASSERT_OK(sim_->AddFaults("429,retry_after=3,seq=1"));
  auto response = SendSync(transport, Get("/videos/generations/nope"));
  ASSERT_OK(response.status());
  EXPECT_EQ(response->status_code, 429);
  EXPECT_EQ(response->Header("Retry-After"), "3");
  for (const auto& header : response->headers) {
    EXPECT_EQ(header.first, absl::AsciiStrToLower(header.first));
  }
  auto not_found = SendSync(transport, Get("/videos/generations/nope"));
  ASSERT_OK(not_found.status());
  EXPECT_EQ(not_found->status_code, 404);
}

TEST_F(CurlTransportTest, BodyOverTheCapIsRefused) {
  CurlTransportOptions options;
  options.max_response_bytes = 1024;
  CurlTransport transport(options);
  ASSERT_OK(sim_->AddFaults("huge=100000"));  // pads successful task replies
  auto response = SendSync(transport, Create());
  EXPECT_THAT(response,
              StatusIs(absl::StatusCode::kInternal, HasSubstr("1024 bytes")));
  EXPECT_EQ(ErrorReason(response.status()), kReasonResponseTooLarge);
}

TEST_F(CurlTransportTest, PastDeadlineFailsWithoutSending) {
  CurlTransport transport{CurlTransportOptions()};
  HttpRequest request = Get("/videos/generations/nope");
  request.deadline = absl::Now() - absl::Seconds(1);
  auto response = SendSync(transport, std::move(request));
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDeadlineExceeded,
                                 HasSubstr("deadline")));
  EXPECT_EQ(sim_->stats().requests, 0);
}

TEST_F(CurlTransportTest, DefaultTimeoutBoundsAStall) {
  CurlTransportOptions options;
  options.default_timeout = absl::Milliseconds(300);
  CurlTransport transport(options);
  ASSERT_OK(sim_->AddFaults("stall=10s"));
  auto response = SendSync(transport, Get("/videos/generations/nope"));
  EXPECT_EQ(ErrorReason(response.status()), kReasonTimeout);
}

TEST_F(CurlTransportTest, DestructionCancelsRequestsInFlight) {
  ASSERT_OK(sim_->AddFaults("stall=10s"));
  absl::Notification done;
  absl::Status status;
  {
    CurlTransport transport{CurlTransportOptions()};
    transport.Send(Get("/videos/generations/nope"),
                   [&](const absl::StatusOr<HttpResponse>& r) {
                     status = r.status();
                     done.Notify();
                   });
  }
  ASSERT_TRUE(done.HasBeenNotified());
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ErrorReason(status), kReasonShutdown);
}

TEST_F(CurlTransportTest, PostsTheBody) {
  CurlTransport transport{CurlTransportOptions()};
  auto response = SendSync(transport, Create());
  ASSERT_OK(response.status());
  EXPECT_EQ(response->status_code, 200) << response->body;
  EXPECT_THAT(response->body, HasSubstr("\"id\""));
}

TEST_F(CurlTransportTest, ReusedHandlesCarryNothingOverFromEarlierRequests) {
  CurlTransportOptions options;
  options.max_response_bytes = 64 << 10;
  CurlTransport transport(options);
  auto created = SendSync(transport, Create());
  ASSERT_OK(created.status());
  ASSERT_EQ(created->status_code, 200) << created->body;
  auto found = SendSync(transport, Get("/videos/generations/nope"));
  ASSERT_OK(found.status());
  ASSERT_EQ(found->status_code, 404) << found->body;

  // The next GET reuses the first GET's handle: it must carry only its own
  // headers (no Authorization here, so the sim says 401).
  HttpRequest anonymous = Get("/videos/generations/nope");
  anonymous.headers.clear();
  auto refused = SendSync(transport, std::move(anonymous));
  ASSERT_OK(refused.status());
  EXPECT_EQ(refused->status_code, 401) << refused->body;
  EXPECT_EQ(sim_->stats().create_requests, 1) << "the GETs were sent as GETs";

  // POSTs reuse each other's handles (never their connections), and a
  // failed transfer's handle is reused too, without its failure.
  ASSERT_OK(sim_->AddFaults("huge=100000,seq=1"));
  auto too_large = SendSync(transport, Create());
  EXPECT_EQ(ErrorReason(too_large.status()), kReasonResponseTooLarge);
  for (int i = 0; i < 3; ++i) {
    auto ok = SendSync(transport, Create());
    ASSERT_OK(ok.status());
    EXPECT_EQ(ok->status_code, 200) << ok->body;
  }
}

// curl 7.88 resends a request whose reused connection dies before any reply
// byte; for a POST that may mean a second task. Here the 3rd POST is
// processed and then reset, the 5th reset unprocessed: each must fail, not be
// sent again.
TEST_F(CurlTransportTest, APostWhoseConnectionDiesIsNotSentAgain) {
  CurlTransport transport{CurlTransportOptions()};
  ASSERT_OK(sim_->AddFaults(
      "reset_after_create,method=POST,seq=3;reset,method=POST,seq=5"));
  std::vector<absl::Status> outcomes;
  outcomes.reserve(6);
  for (int i = 0; i < 6; ++i) {
    outcomes.push_back(SendSync(transport, Create()).status());
  }
  EXPECT_EQ(sim_->stats().create_requests, 6);
  EXPECT_EQ(sim_->stats().creates, 5);
  EXPECT_EQ(ErrorReason(outcomes[2]), kReasonTransportError) << outcomes[2];
  EXPECT_EQ(ErrorReason(outcomes[4]), kReasonTransportError) << outcomes[4];
}

// The price of that guarantee is paid by creates alone: GETs keep sharing
// one kept-alive connection.
TEST_F(CurlTransportTest, GetsShareAKeptAliveConnection) {
  CurlTransport transport{CurlTransportOptions()};
  for (int i = 0; i < 5; ++i) {
    auto response = SendSync(transport, Get("/videos/generations/nope"));
    ASSERT_OK(response.status());
    EXPECT_EQ(response->status_code, 404);
  }
  EXPECT_EQ(sim_->stats().connections_accepted, 1);
}

// Curl multi calls that fail on demand, for the multi handle a request of
// interest was added to (each lane has its own).
struct FailingCalls {
  std::atomic<int> fail_adds{0};  // how many adds still to refuse
  std::atomic<bool> fail_perform{false};
  std::atomic<bool> fail_every_perform{false};
  std::atomic<bool> fail_poll{false};
  std::atomic<CURLM*> target{nullptr};  // the multi of the last add

  CurlMultiCalls Make() {
    CurlMultiCalls calls;
    calls.add_handle = [this](CURLM* multi, CURL* easy) {
      target = multi;
      if (fail_adds.load() > 0) {
        fail_adds.fetch_sub(1);
        return CURLM_OUT_OF_MEMORY;
      }
      return curl_multi_add_handle(multi, easy);
    };
    calls.perform = [this](CURLM* multi, int* running) {
      if (multi == target.load() &&
          (fail_every_perform.load() || fail_perform.exchange(false))) {
        return CURLM_INTERNAL_ERROR;
      }
      return curl_multi_perform(multi, running);
    };
    calls.poll = [this](CURLM* multi, int timeout_ms) {
      if (multi == target.load() && fail_poll.exchange(false)) {
        return CURLM_UNRECOVERABLE_POLL;
      }
      return curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
    };
    return calls;
  }
};

// Waits until the simulator has received `n` requests.
bool SimReceived(const tokenhub_sim::SimServer& sim, int64_t n) {
  absl::Time deadline = absl::Now() + kTimeout;
  while (sim.stats().requests < n) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST_F(CurlTransportTest,
       ARequestCurlRefusesToAddFailsAtOnceAndTheNextOneWorks) {
  FailingCalls failing;
  failing.fail_adds = 1;
  CurlTransport transport(CurlTransportOptions(), failing.Make());
  int callbacks = 0;
  absl::Notification done;
  absl::Status refused;
  transport.Send(Create(), [&](const absl::StatusOr<HttpResponse>& r) {
    ++callbacks;
    refused = r.status();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable,
                                HasSubstr("curl_multi_add_handle")));
  EXPECT_EQ(ErrorReason(refused), kReasonTransportError);
  EXPECT_EQ(sim_->stats().requests, 0);

  // The lane still polls: the next request goes through.
  auto next = SendSync(transport, Create());
  ASSERT_OK(next.status());
  EXPECT_EQ(next->status_code, 200);
  EXPECT_EQ(callbacks, 1);
}

TEST_F(CurlTransportTest, AFailedPollFailsRequestsInFlightAndTheLaneRecovers) {
  FailingCalls failing;
  CurlTransport transport(CurlTransportOptions(), failing.Make());
  ASSERT_OK(sim_->AddFaults("stall=10s,seq=1"));
  absl::Notification done;
  absl::Status lost;
  transport.Send(Get("/videos/generations/nope"),
                 [&](const absl::StatusOr<HttpResponse>& r) {
                   lost = r.status();
                   done.Notify();
                 });
  ASSERT_TRUE(SimReceived(*sim_, 1));
  failing.fail_poll = true;  // the lane's next poll fails
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kUnavailable,
                             HasSubstr("curl_multi_poll")));

  auto next = SendSync(transport, Get("/videos/generations/nope"));
  ASSERT_OK(next.status());
  EXPECT_EQ(next->status_code, 404);
}

TEST_F(CurlTransportTest,
       AFailedPerformFailsRequestsInFlightAndTheLaneRecovers) {
  FailingCalls failing;
  CurlTransport transport(CurlTransportOptions(), failing.Make());
  ASSERT_OK(sim_->AddFaults("stall=10s,seq=1"));
  absl::Notification done;
  absl::Status lost;
  transport.Send(Create(), [&](const absl::StatusOr<HttpResponse>& r) {
    lost = r.status();
    done.Notify();
  });
  ASSERT_TRUE(SimReceived(*sim_, 1));
  failing.fail_perform = true;
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTimeout));
  EXPECT_THAT(lost, StatusIs(absl::StatusCode::kUnavailable,
                             HasSubstr("curl_multi_perform")));
  // A create lost this way may have reached the upstream: it is not one
  // the client may send again.
  EXPECT_FALSE(NeverReachedUpstream(lost));

  auto next = SendSync(transport, Create());
  ASSERT_OK(next.status());
  EXPECT_EQ(next->status_code, 200);
  EXPECT_EQ(sim_->stats().create_requests, 2);
}

TEST_F(CurlTransportTest, AMultiHandleThatKeepsFailingLosesNoCallback) {
  FailingCalls failing;
  failing.fail_every_perform = true;  // whichever multi handle gets a transfer
  CurlTransport transport(CurlTransportOptions(), failing.Make());
  for (int i = 0; i < 3; ++i) {
    auto lost = SendSync(transport, Get("/videos/generations/nope"));
    EXPECT_THAT(lost, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr("curl_multi_perform")));
  }
  failing.fail_every_perform = false;
  auto next = SendSync(transport, Get("/videos/generations/nope"));
  ASSERT_OK(next.status());
  EXPECT_EQ(next->status_code, 404);
}

}  // namespace
}  // namespace seedance::upstream
