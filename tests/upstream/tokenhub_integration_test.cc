// TokenHubClient + CurlTransport against tokenhub-sim on loopback: the
// lifecycle, every fault kind, Retry-After, and the never-duplicate-a-create
// rule, proven with the simulator's own counters.
#include <iostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/pricing.h"
#include "tests/testing/status_matchers.h"
#include "tests/upstream/sim_fixture.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::seedance::upstream::testing::SimFixture;
using ::seedance::v1::Video;
using ::testing::HasSubstr;

class TokenHubSimTest : public SimFixture {};

TEST_F(TokenHubSimTest, CreateAndPollToSuccess) {
  ASSERT_OK_AND_ASSIGN(Video created, Create("latte art [sim:hold=queued]"));
  EXPECT_EQ(created.status(), seedance::v1::VIDEO_STATUS_QUEUED);
  EXPECT_EQ(created.model(), "doubao-seedance-2.0");
  EXPECT_TRUE(created.has_create_time());
  ASSERT_OK_AND_ASSIGN(Video queued, Get(created.id()));
  EXPECT_EQ(queued.status(), seedance::v1::VIDEO_STATUS_QUEUED);
  ASSERT_OK(sim_->AdvanceTask(created.id()));
  ASSERT_OK_AND_ASSIGN(Video running, Get(created.id()));
  EXPECT_EQ(running.status(), seedance::v1::VIDEO_STATUS_RUNNING);
  ASSERT_OK(sim_->AdvanceTask(created.id()));
  ASSERT_OK_AND_ASSIGN(Video done, Get(created.id()));
  EXPECT_EQ(done.status(), seedance::v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_THAT(done.video_url(), HasSubstr("http"));
  EXPECT_THAT(done.cover_image_url(), HasSubstr("http"));
  ASSERT_TRUE(done.usage().has_video_duration());
  auto price = EstimatePrice(testing::MinimalRequest(), PriceTable::Default());
  ASSERT_OK(price.status());
  ApplyUsage(done.usage(), &*price);
  EXPECT_TRUE(price->has_actual_micros());
  EXPECT_EQ(sim_->stats().creates, 1);
}

TEST_F(TokenHubSimTest, CreateAndPollToFailure) {
  ASSERT_OK_AND_ASSIGN(
      Video created, Create("x [sim:hold=queued,fail=content policy, sorry]"));
  ASSERT_OK(sim_->AdvanceTask(created.id()));
  ASSERT_OK(sim_->AdvanceTask(created.id()));
  ASSERT_OK_AND_ASSIGN(Video failed, Get(created.id()));
  EXPECT_EQ(failed.status(), seedance::v1::VIDEO_STATUS_FAILED);
  EXPECT_EQ(failed.error().message(), "content policy, sorry");
}

TEST_F(TokenHubSimTest, UnknownTaskIsNotFound) {
  EXPECT_THAT(Get("no-such-task"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("404")));
}

TEST_F(TokenHubSimTest, WrongKeyIsUnauthenticatedAndNeverEchoed) {
  CallOptions options;
  options.api_key = "th-wrong-key-123456";
  auto result = Get("anything", options);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated,
                               ::testing::Not(HasSubstr("wrong-key-123456"))));
}

// One injected fault on the next GET, and what the caller sees.
struct FaultCase {
  const char* name;
  const char* spec;
  absl::StatusCode code;
  const char* reason;  // "" when the GET succeeds
  bool transient;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class FaultOutcomeTest : public SimFixture,
                         public ::testing::WithParamInterface<FaultCase> {};

TEST_P(FaultOutcomeTest, GivesTheDocumentedOutcome) {
  std::string id = HeldTask();
  ASSERT_OK(sim_->AddFaults(GetParam().spec));
  CallOptions options = NoRetry();
  options.deadline = absl::Now() + absl::Seconds(1);  // bounds `stall`
  absl::StatusOr<Video> result = Get(id, options);
  EXPECT_EQ(result.status().code(), GetParam().code) << result.status();
  EXPECT_EQ(ErrorReason(result.status()), GetParam().reason);
  EXPECT_EQ(IsTransient(result.status()), GetParam().transient);
  EXPECT_FALSE(NeverReachedUpstream(result.status()));
}

INSTANTIATE_TEST_SUITE_P(
    EveryFaultKind, FaultOutcomeTest,
    ::testing::Values(
        FaultCase{"Http500", "500,method=GET", absl::StatusCode::kInternal,
                  "UPSTREAM_HTTP_500", true},
        FaultCase{"Http502", "502,method=GET", absl::StatusCode::kUnavailable,
                  "UPSTREAM_HTTP_502", true},
        FaultCase{"Http503", "503,method=GET", absl::StatusCode::kUnavailable,
                  "UPSTREAM_HTTP_503", true},
        FaultCase{"Http504", "504,method=GET",
                  absl::StatusCode::kDeadlineExceeded, "UPSTREAM_HTTP_504",
                  true},
        FaultCase{"Http429", "429,method=GET",
                  absl::StatusCode::kResourceExhausted, "UPSTREAM_HTTP_429",
                  true},
        FaultCase{"Latency", "latency=50ms,method=GET", absl::StatusCode::kOk,
                  "", false},
        FaultCase{"Stall", "stall=10s,method=GET",
                  absl::StatusCode::kDeadlineExceeded, "UPSTREAM_TIMEOUT",
                  true},
        FaultCase{"Reset", "reset,method=GET", absl::StatusCode::kUnavailable,
                  "UPSTREAM_TRANSPORT_ERROR", true},
        FaultCase{"Truncate", "truncate,method=GET",
                  absl::StatusCode::kUnavailable, "UPSTREAM_TRANSPORT_ERROR",
                  true},
        FaultCase{"Malformed", "malformed,method=GET",
                  absl::StatusCode::kInternal, "UPSTREAM_BAD_REPLY", false},
        FaultCase{"UnknownStatus", "unknown_status=cancelling,method=GET",
                  absl::StatusCode::kOk, "", false},
        FaultCase{"MissingStatus", "missing_fields,method=GET",
                  absl::StatusCode::kInternal, "UPSTREAM_BAD_REPLY", false},
        FaultCase{"MissingModel", "missing_fields=model,method=GET",
                  absl::StatusCode::kOk, "", false},
        FaultCase{"ExtraFields", "extra_fields,method=GET",
                  absl::StatusCode::kOk, "", false},
        FaultCase{"Huge", "huge,method=GET", absl::StatusCode::kInternal,
                  "UPSTREAM_RESPONSE_TOO_LARGE", false}),
    [](const auto& tc) { return tc.param.name; });

TEST_F(TokenHubSimTest, UnknownStatusKeepsTheRawString) {
  std::string id = HeldTask();
  ASSERT_OK(sim_->AddFaults("unknown_status=cancelling,method=GET"));
  ASSERT_OK_AND_ASSIGN(Video v, Get(id));
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_UNKNOWN);
  EXPECT_EQ(v.upstream_status(), "cancelling");
}

TEST_F(TokenHubSimTest, GetRetries503ThenSucceeds) {
  std::string id = HeldTask();
  ASSERT_OK(sim_->AddFaults("503,method=GET,seq=1-2"));
  ASSERT_OK_AND_ASSIGN(Video v, Get(id));
  EXPECT_EQ(v.id(), id);
  EXPECT_EQ(sim_->stats().gets, 3);
}

TEST_F(TokenHubSimTest, GetRetriesResetAndTruncateThenSucceeds) {
  std::string id = HeldTask();
  ASSERT_OK(
      sim_->AddFaults("reset,method=GET,seq=1;truncate,method=GET,seq=2"));
  EXPECT_OK(Get(id));
}

// Measures how long a GET that first meets `spec` takes to succeed.
absl::Duration TimeToRecover(SimFixture& f, TokenHubClient& client,
                             tokenhub_sim::SimServer& sim,
                             const std::string& id, const char* spec) {
  EXPECT_OK(sim.AddFaults(spec));
  absl::Time start = absl::Now();
  auto result = testing::Await([&](TokenHubClient::VideoCallback done) {
    client.GetVideo(id, CallOptions(), std::move(done));
  });
  EXPECT_OK(result);
  return absl::Now() - start;
}

TEST_F(TokenHubSimTest, RetryAfterSecondsIsHonoured) {
  std::string id = HeldTask();
  absl::Duration took = TimeToRecover(*this, *client_, *sim_, id,
                                      "429,retry_after=1,method=GET,seq=1");
  EXPECT_GE(took, absl::Seconds(1));  // backoff alone would be ~20 ms
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_EQ(sim_->stats().gets, 2);
}

TEST_F(TokenHubSimTest, RetryAfterHttpDateIsHonoured) {
  std::string id = HeldTask();
  // An HTTP-date has whole-second precision: "now + 2 s" may be 1-2 s away.
  absl::Duration took = TimeToRecover(
      *this, *client_, *sim_, id, "503,retry_after_date=2,method=GET,seq=1");
  EXPECT_GE(took, absl::Milliseconds(900));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST_F(TokenHubSimTest, RetryAfterBeyondTheDeadlineReturnsAtOnce) {
  std::string id = HeldTask();
  ASSERT_OK(sim_->AddFaults("429,retry_after=30,method=GET,seq=1"));
  CallOptions options;
  options.deadline = absl::Now() + absl::Seconds(2);
  absl::Time start = absl::Now();
  auto result = Get(id, options);
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("429")));
  EXPECT_EQ(RetryAfter(result.status()), absl::Seconds(30));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(TokenHubSimTest, CreateNotDuplicatedAfterResetAfterCreate) {
  ASSERT_OK(sim_->AddFaults("reset_after_create,method=POST"));
  auto result = Create("one bill only");
  EXPECT_THAT(result, ::seedance::testing::StatusCodeIs(
                          absl::StatusCode::kUnavailable));
  EXPECT_FALSE(NeverReachedUpstream(result.status()));
  EXPECT_EQ(sim_->stats().creates, 1);
  EXPECT_EQ(sim_->stats().create_requests, 1);
  EXPECT_EQ(counting_->sent(), 1);
}

TEST_F(TokenHubSimTest, CreateNotRetriedAfter503) {
  ASSERT_OK(sim_->AddFaults("503,method=POST,seq=1"));
  EXPECT_THAT(Create("p"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("503")));
  EXPECT_EQ(sim_->stats().create_requests, 1);
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(TokenHubSimTest, CreateNotRetriedAfterTimeout) {
  ASSERT_OK(sim_->AddFaults("stall=10s,method=POST"));
  CallOptions options;
  options.deadline = absl::Now() + absl::Milliseconds(500);
  auto result = Create("p", options);
  EXPECT_THAT(result, ::seedance::testing::StatusCodeIs(
                          absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(counting_->sent(), 1);
}

TEST_F(TokenHubSimTest, CreateRetriedWhenTheConnectionIsRefused) {
  // A port that was just open and is now closed refuses connections.
  tokenhub_sim::SimOptions closed_options;
  auto closed = tokenhub_sim::SimServer::Start(closed_options);
  ASSERT_OK(closed.status());
  std::string dead_url = (*closed)->base_url();
  (*closed)->Stop();
  client_ = MakeClient(dead_url);
  auto result = Create("p");
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connect")));
  EXPECT_TRUE(NeverReachedUpstream(result.status()));
  EXPECT_EQ(counting_->sent(), 3);  // max_create_attempts
}

TEST_F(TokenHubSimTest, HundredsOfConcurrentGetsShareAFewConnections) {
  std::string id = HeldTask();
  sim_->ResetStats();
  constexpr int kGets = 300;
  absl::Mutex mu;
  int ok = 0, done = 0;
  absl::Notification all_done;
  for (int i = 0; i < kGets; ++i) {
    client_->GetVideo(id, CallOptions(), [&](const absl::StatusOr<Video>& v) {
      bool last;
      {
        absl::MutexLock lock(&mu);
        ok += v.ok();
        last = ++done == kGets;
      }
      // Outside the lock: once notified, the test may return and destroy mu.
      if (last) all_done.Notify();
    });
  }
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(testing::kTestTimeout));
  EXPECT_EQ(ok, kGets);
  tokenhub_sim::SimStats stats = sim_->stats();
  EXPECT_EQ(stats.gets, kGets);
  EXPECT_LE(stats.connections_accepted,
            8);  // CurlTransportOptions::max_connections
  RecordProperty("connections_accepted",
                 static_cast<int>(stats.connections_accepted));
  std::cout << "300 concurrent GETs used " << stats.connections_accepted
            << " connections\n";
}

}  // namespace
}  // namespace seedance::upstream
