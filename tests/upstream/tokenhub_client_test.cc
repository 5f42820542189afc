#include "server/upstream/tokenhub_client.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/request_json.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/testing/status_matchers.h"
#include "tests/upstream/fake_http_transport.h"
#include "tests/upstream/test_requests.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::FakeScheduler;
using ::seedance::testing::StatusIs;
using ::seedance::upstream::testing::FakeHttpTransport;
using ::seedance::upstream::testing::MinimalRequest;
using ::seedance::upstream::testing::Reply;
using ::seedance::v1::Video;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kQueued[] =
    R"({"id":"task-1","model":"doubao-seedance-2.0","status":"queued","created":1719900000})";
constexpr char kBase[] = "https://tokenhub.test/api/v1";

absl::Status ConnectRefused() {
  return UpstreamError(absl::StatusCode::kUnavailable, kReasonConnectFailed,
                       "could not connect to the upstream: refused");
}

absl::Status Reset() {
  return UpstreamError(absl::StatusCode::kUnavailable, kReasonTransportError,
                       "upstream transport error: reset by peer");
}

TokenHubClientOptions Options(std::string base_url, std::string key) {
  TokenHubClientOptions options;
  options.base_url = std::move(base_url);
  options.api_key = std::move(key);
  return options;
}

CallOptions WithDeadline(absl::Time deadline) {
  CallOptions options;
  options.deadline = deadline;
  return options;
}
CallOptions NoRetry() {
  CallOptions options;
  options.retry_transient = false;
  return options;
}
CallOptions WithKey(std::string key) {
  CallOptions options;
  options.api_key = std::move(key);
  return options;
}

class TokenHubClientTest : public ::testing::Test {
 protected:
  TokenHubClientTest()
      : client_(MakeTokenHubClient(
            Options(kBase + std::string("/"), "th-default-key"), transport_,
            scheduler_,
            std::make_unique<ExponentialBackoffPolicy>(
                absl::Seconds(1), absl::Seconds(8), 2.0, 1))) {}

  // Starts a call; the result lands in result_.
  void Get(const std::string& id, const CallOptions& options = {}) {
    client_->GetVideo(id, options,
                      [this](absl::StatusOr<Video> v) { Store(std::move(v)); });
  }
  void Create(const CallOptions& options = {}) {
    client_->CreateVideo(
        MinimalRequest(), options,
        [this](absl::StatusOr<Video> v) { Store(std::move(v)); });
  }
  void Store(absl::StatusOr<Video> v) {
    ++calls_done_;
    result_ = std::move(v);
  }

  FakeScheduler scheduler_;
  FakeHttpTransport transport_;
  std::unique_ptr<TokenHubClient> client_;
  absl::StatusOr<Video> result_ = absl::UnknownError("not done");
  int calls_done_ = 0;
};

TEST_F(TokenHubClientTest, GetSendsAuthorizedGetAndParsesTheTask) {
  transport_.Push(Reply(200, kQueued));
  Get("task-1");
  ASSERT_OK(result_);
  EXPECT_EQ(result_->id(), "task-1");
  EXPECT_EQ(result_->status(), seedance::v1::VIDEO_STATUS_QUEUED);
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, std::string(kBase) + "/videos/generations/task-1");
  EXPECT_THAT(requests[0].headers,
              Contains(Pair("Authorization", "Bearer th-default-key")));
}

TEST_F(TokenHubClientTest, GetRetries503Then503ThenSuccess) {
  transport_.Push(Reply(503, "{}"));
  transport_.Push(Reply(503, "{}"));
  transport_.Push(Reply(200, kQueued));
  Get("task-1");
  EXPECT_EQ(calls_done_, 0);
  scheduler_.AdvanceTime(absl::Seconds(1));  // first backoff: 0.5-1 s
  EXPECT_EQ(transport_.requests().size(), 2u);
  scheduler_.AdvanceTime(absl::Seconds(2));  // second: 1-2 s
  EXPECT_EQ(calls_done_, 1);
  EXPECT_OK(result_);
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(TokenHubClientTest, GetHonoursRetryAfterSeconds) {
  transport_.Push(Reply(429, R"({"error":{"message":"slow down"}})",
                        {{"retry-after", "10"}}));
  transport_.Push(Reply(200, kQueued));
  Get("task-1");
  EXPECT_EQ(scheduler_.next_due() - scheduler_.Now(), absl::Seconds(10));
  scheduler_.AdvanceTime(absl::Seconds(9));
  EXPECT_EQ(transport_.requests().size(), 1u);
  scheduler_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_OK(result_);
}

TEST_F(TokenHubClientTest, GetHonoursRetryAfterHttpDate) {
  // The fake clock starts at Tue, 02 Jul 2024 06:00:00 GMT.
  transport_.Push(
      Reply(503, "", {{"retry-after", "Tue, 02 Jul 2024 06:00:20 GMT"}}));
  transport_.Push(Reply(200, kQueued));
  Get("task-1");
  EXPECT_EQ(scheduler_.next_due() - scheduler_.Now(), absl::Seconds(20));
  scheduler_.AdvanceTime(absl::Seconds(20));
  EXPECT_OK(result_);
}

TEST_F(TokenHubClientTest, GetGivesUpWhenTheWaitWouldPassTheDeadline) {
  transport_.Push(Reply(429, R"({"error":{"message":"slow down"}})",
                        {{"retry-after", "30"}}));
  Get("task-1", WithDeadline(scheduler_.Now() + absl::Seconds(5)));
  EXPECT_EQ(calls_done_, 1);
  EXPECT_THAT(result_, StatusIs(absl::StatusCode::kResourceExhausted,
                                HasSubstr("slow down")));
  EXPECT_EQ(RetryAfter(result_.status()), absl::Seconds(30));
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(TokenHubClientTest, GetWithoutRetryReturnsTheFirstTransientError) {
  transport_.Push(Reply(500, R"({"error":{"message":"boom"}})"));
  Get("task-1", NoRetry());
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kInternal, HasSubstr("boom")));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(TokenHubClientTest, GetDoesNotRetryPermanentErrors) {
  transport_.Push(Reply(404, R"({"error":{"message":"no such task"}})"));
  Get("task-1");
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such task")));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(TokenHubClientTest, GetStopsAfterMaxAttempts) {
  for (int i = 0; i < 10; ++i) transport_.Push(Reset());
  Get("task-1");
  scheduler_.AdvanceTime(absl::Minutes(5));
  EXPECT_EQ(transport_.requests().size(), 6u);
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("reset")));
}

TEST_F(TokenHubClientTest, GetRejectsAMalformedIdWithoutContactingUpstream) {
  Get("a b/c?d");
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id")));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST(EscapePathSegmentTest, EscapesAllButUnreserved) {
  EXPECT_EQ(EscapePathSegment("a b/c?d%"), "a%20b%2Fc%3Fd%25");
  EXPECT_EQ(EscapePathSegment("cgt-2024.07_02:x~"), "cgt-2024.07_02%3Ax~");
  EXPECT_EQ(EscapePathSegment(".."), "%2E%2E");
}

TEST_F(TokenHubClientTest, CreatePostsTheTranslatedRequest) {
  transport_.Push(Reply(200, kQueued));
  Create(WithDeadline(scheduler_.Now() + absl::Seconds(30)));
  ASSERT_OK(result_);
  auto request = transport_.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, std::string(kBase) + "/videos/generations");
  EXPECT_EQ(request.body, CreateRequestToJson(MinimalRequest()));
  EXPECT_THAT(request.headers,
              Contains(Pair("Content-Type", "application/json")));
  EXPECT_EQ(request.deadline, scheduler_.Now() + absl::Seconds(30));
}

TEST_F(TokenHubClientTest, CreateRetriedWhenConnectionRefused) {
  transport_.Push(ConnectRefused());
  transport_.Push(Reply(200, kQueued));
  Create();
  scheduler_.AdvanceTime(absl::Seconds(1));
  EXPECT_OK(result_);
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(TokenHubClientTest, CreateNotRetriedAfterConnectionReset) {
  transport_.Push(Reset());
  transport_.Push(Reply(200, kQueued));
  Create();
  scheduler_.AdvanceTime(absl::Minutes(1));
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("reset")));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(TokenHubClientTest, CreateNotRetriedAfter503OrTimeout) {
  transport_.Push(Reply(503, "{}", {{"retry-after", "1"}}));
  Create();
  EXPECT_THAT(result_,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("503")));
  transport_.Push(UpstreamError(absl::StatusCode::kDeadlineExceeded,
                                kReasonTimeout, "slow"));
  Create();
  scheduler_.AdvanceTime(absl::Minutes(1));
  EXPECT_THAT(result_, StatusIs(absl::StatusCode::kDeadlineExceeded, "slow"));
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(TokenHubClientTest, CreateRefusedConnectionGivesUpAtTheDeadline) {
  for (int i = 0; i < 3; ++i) transport_.Push(ConnectRefused());
  Create(WithDeadline(scheduler_.Now() + absl::Milliseconds(100)));
  EXPECT_THAT(result_, ::seedance::testing::StatusCodeIs(
                           absl::StatusCode::kUnavailable));
  EXPECT_TRUE(NeverReachedUpstream(result_.status()));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(TokenHubClientTest, NoKeyIsUnauthenticatedWithoutContactingUpstream) {
  auto client =
      MakeTokenHubClient(Options(kBase, ""), transport_, scheduler_, nullptr);
  client->GetVideo("task-1", {},
                   [this](absl::StatusOr<Video> v) { Store(std::move(v)); });
  EXPECT_THAT(result_, StatusIs(absl::StatusCode::kUnauthenticated,
                                HasSubstr("API key")));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(TokenHubClientTest, PerCallKeyOverridesTheDefault) {
  transport_.Push(Reply(200, kQueued));
  Get("task-1", WithKey("th-caller"));
  EXPECT_THAT(transport_.requests()[0].headers,
              Contains(Pair("Authorization", "Bearer th-caller")));
}

TEST_F(TokenHubClientTest, KeyNeverAppearsInAnError) {
  transport_.Push(
      Reply(401, R"({"error":{"message":"key custom-secret-42 is revoked"}})"));
  Get("task-1", WithKey("custom-secret-42"));
  EXPECT_THAT(result_, StatusIs(absl::StatusCode::kUnauthenticated,
                                Not(HasSubstr("custom-secret-42"))));
}

TEST_F(TokenHubClientTest,
       CallWaitingToRetryAnswersCancelledWhenTheSchedulerGoes) {
  int answers = 0;
  absl::Status status;
  {
    FakeScheduler scheduler;
    auto client = MakeTokenHubClient(Options(kBase, "th-k"), transport_,
                                     scheduler, nullptr);
    transport_.Push(Reply(503, "{}"));
    client->GetVideo("task-1", {}, [&](const absl::StatusOr<Video>& v) {
      ++answers;
      status = v.status();
    });
    EXPECT_EQ(scheduler.pending(), 1u);
    EXPECT_EQ(answers, 0);
  }  // client, then scheduler (with the retry timer) destroyed
  EXPECT_EQ(answers, 1);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("shutdown")));
}

TEST_F(TokenHubClientTest, MalformedSuccessReplyIsInternal) {
  transport_.Push(Reply(200, "{\"id\":"));
  Get("task-1", NoRetry());
  EXPECT_THAT(result_, StatusIs(absl::StatusCode::kInternal,
                                HasSubstr("upstream reply")));
}

}  // namespace
}  // namespace seedance::upstream
