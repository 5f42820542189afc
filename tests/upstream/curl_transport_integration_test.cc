// CurlTransport on its own against tokenhub-sim: headers, size cap,
// deadlines, shutdown.
#include "server/upstream/curl_transport.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

  absl::StatusOr<HttpResponse> SendSync(CurlTransport& transport, HttpRequest request) {
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
    request.headers = {{"Authorization", std::string("Bearer ") +
                                             std::string(tokenhub_sim::kDefaultKey)}};
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
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInternal, HasSubstr("1024 bytes")));
  EXPECT_EQ(ErrorReason(response.status()), kReasonResponseTooLarge);
}

TEST_F(CurlTransportTest, PastDeadlineFailsWithoutSending) {
  CurlTransport transport{CurlTransportOptions()};
  HttpRequest request = Get("/videos/generations/nope");
  request.deadline = absl::Now() - absl::Seconds(1);
  auto response = SendSync(transport, std::move(request));
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
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

  // The next transfer reuses the POST's handle: it must be a plain GET with
  // only its own headers (no Authorization here, so the sim says 401).
  HttpRequest anonymous = Get("/videos/generations/nope");
  anonymous.headers.clear();
  auto refused = SendSync(transport, std::move(anonymous));
  ASSERT_OK(refused.status());
  EXPECT_EQ(refused->status_code, 401) << refused->body;
  EXPECT_EQ(sim_->stats().create_requests, 1) << "the GET was sent as a GET";

  // A failed transfer's handle is reused too, without its failure.
  ASSERT_OK(sim_->AddFaults("huge=100000,seq=1"));
  auto too_large = SendSync(transport, Create());
  EXPECT_EQ(ErrorReason(too_large.status()), kReasonResponseTooLarge);
  for (int i = 0; i < 3; ++i) {
    auto ok = SendSync(transport, Create());
    ASSERT_OK(ok.status());
    EXPECT_EQ(ok->status_code, 200) << ok->body;
  }
}

}  // namespace
}  // namespace seedance::upstream
