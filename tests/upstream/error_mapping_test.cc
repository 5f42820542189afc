#include "server/upstream/error_mapping.h"

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "tests/testing/status_matchers.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1719900000);

struct HttpCase {
  int http_status;
  absl::StatusCode code;
  bool transient;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const HttpCase& c, std::ostream* os) {
  *os << "HTTP " << c.http_status;
}

class MapHttpCodeToStatusTest : public ::testing::TestWithParam<HttpCase> {};

TEST_P(MapHttpCodeToStatusTest, MapsCodeReasonAndTransience) {
  const HttpCase& c = GetParam();
  absl::Status s = MapHttpError(
      c.http_status, R"({"error":{"message":"nope"}})", nullptr, kNow);
  EXPECT_EQ(s.code(), c.code);
  EXPECT_THAT(std::string(s.message()), HasSubstr("nope"));
  EXPECT_EQ(ErrorReason(s), absl::StrCat("UPSTREAM_HTTP_", c.http_status));
  auto info = GetDetail<google::rpc::ErrorInfo>(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->domain(), "seedance.gateway");
  EXPECT_EQ(info->metadata().at("http_status"), absl::StrCat(c.http_status));
  EXPECT_EQ(IsTransient(s), c.transient);
  EXPECT_FALSE(NeverReachedUpstream(s));
}

INSTANTIATE_TEST_SUITE_P(
    CodeProtoTable, MapHttpCodeToStatusTest,
    ::testing::Values(
        HttpCase{400, absl::StatusCode::kInvalidArgument, false},
        HttpCase{401, absl::StatusCode::kUnauthenticated, false},
        HttpCase{403, absl::StatusCode::kPermissionDenied, false},
        HttpCase{404, absl::StatusCode::kNotFound, false},
        HttpCase{405, absl::StatusCode::kFailedPrecondition, false},
        HttpCase{408, absl::StatusCode::kDeadlineExceeded, true},
        HttpCase{409, absl::StatusCode::kAborted, false},
        HttpCase{412, absl::StatusCode::kFailedPrecondition, false},
        HttpCase{413, absl::StatusCode::kInvalidArgument, false},
        HttpCase{416, absl::StatusCode::kOutOfRange, false},
        HttpCase{422, absl::StatusCode::kInvalidArgument, false},
        HttpCase{429, absl::StatusCode::kResourceExhausted, true},
        HttpCase{499, absl::StatusCode::kCancelled, false},
        HttpCase{500, absl::StatusCode::kInternal, true},
        HttpCase{501, absl::StatusCode::kUnimplemented, false},
        HttpCase{502, absl::StatusCode::kUnavailable, true},
        HttpCase{503, absl::StatusCode::kUnavailable, true},
        HttpCase{504, absl::StatusCode::kDeadlineExceeded, true},
        HttpCase{507, absl::StatusCode::kUnavailable, true},
        HttpCase{302, absl::StatusCode::kUnknown, false}),
    [](const auto& tc) { return absl::StrCat("Http", tc.param.http_status); });

TEST(MapHttpErrorTest, SuccessIsOk) {
  EXPECT_OK(MapHttpError(200, "{}", nullptr, kNow));
  EXPECT_OK(MapHttpError(204, "", nullptr, kNow));
}

TEST(MapHttpErrorTest, PassesOnUpstreamTypeAndCode) {
  absl::Status s = MapHttpError(
      400,
      R"({"error":{"message":"bad duration","type":"invalid_request_error","code":"bad_param"}})",
      nullptr, kNow);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "upstream returned HTTP 400: bad duration"));
  auto info = GetDetail<google::rpc::ErrorInfo>(s);
  EXPECT_EQ(info->metadata().at("upstream_type"), "invalid_request_error");
  EXPECT_EQ(info->metadata().at("upstream_code"), "bad_param");
}

TEST(MapHttpErrorTest, NonJsonBodyGivesItsPrintableStart) {
  absl::Status s =
      MapHttpError(502, "<html>Bad Gateway</html>\n\x01", nullptr, kNow);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr("<html>Bad Gateway</html>")));
}

TEST(MapHttpErrorTest, RedactsKeysEchoedByTheUpstream) {
  absl::Status s = MapHttpError(
      401,
      R"json({"error":{"message":"invalid key th-abcdef123456 (Bearer th-zzzzzzzz)"}})json",
      nullptr, kNow);
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("abcdef123456")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("zzzzzzzz")));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[redacted]"));
}

TEST(MapHttpErrorTest, RetryAfterSecondsBecomesRetryInfo) {
  HttpResponse response{429, {{"retry-after", "7"}}, ""};
  absl::Status s = MapHttpError(429, "", &response, kNow);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(7));
}

TEST(MapHttpErrorTest, RetryAfterHttpDateBecomesRetryInfo) {
  HttpResponse response{
      503, {{"retry-after", "Tue, 02 Jul 2024 06:00:12 GMT"}}, ""};
  absl::Status s =
      MapHttpError(503, "", &response, absl::FromUnixSeconds(1719900000));
  EXPECT_EQ(RetryAfter(s), absl::Seconds(12));
}

TEST(MapHttpErrorTest, RetryAfterIsCapped) {
  HttpResponse response{429, {{"retry-after", "86400"}}, ""};
  EXPECT_EQ(RetryAfter(MapHttpError(429, "", &response, kNow)), kMaxRetryAfter);
}

TEST(MapHttpErrorTest, MalformedRetryAfterIsIgnored) {
  HttpResponse response{429, {{"retry-after", "soon"}}, ""};
  EXPECT_EQ(RetryAfter(MapHttpError(429, "", &response, kNow)), absl::nullopt);
}

struct RetryAfterCase {
  const char* value;
  absl::optional<absl::Duration> after_now;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const RetryAfterCase& c, std::ostream* os) {
  *os << "\"" << c.value << "\"";
}

class ParseRetryAfterTest : public ::testing::TestWithParam<RetryAfterCase> {};

TEST_P(ParseRetryAfterTest, Parses) {
  absl::optional<absl::Time> when = ParseRetryAfter(GetParam().value, kNow);
  if (!GetParam().after_now) {
    EXPECT_EQ(when, absl::nullopt);
  } else {
    ASSERT_TRUE(when.has_value());
    EXPECT_EQ(*when - kNow, *GetParam().after_now);
  }
}

// kNow is Tue, 02 Jul 2024 06:00:00 GMT.
INSTANTIATE_TEST_SUITE_P(
    Rfc9110Forms, ParseRetryAfterTest,
    ::testing::Values(
        RetryAfterCase{"0", absl::ZeroDuration()},
        RetryAfterCase{"120", absl::Seconds(120)},
        RetryAfterCase{" 3 ", absl::Seconds(3)},
        RetryAfterCase{"Tue, 02 Jul 2024 06:00:30 GMT", absl::Seconds(30)},
        RetryAfterCase{"Tuesday, 02-Jul-24 06:01:00 GMT", absl::Seconds(60)},
        RetryAfterCase{"Tue Jul  2 06:00:05 2024", absl::Seconds(5)},
        RetryAfterCase{"Mon, 01 Jul 2024 06:00:00 GMT", absl::ZeroDuration()},
        RetryAfterCase{"-5", absl::nullopt},
        RetryAfterCase{"1.5", absl::nullopt}, RetryAfterCase{"", absl::nullopt},
        RetryAfterCase{"tomorrow", absl::nullopt}));

TEST(IsTransientTest, TransportReasonsDecideNotCodes) {
  EXPECT_TRUE(IsTransient(UpstreamError(absl::StatusCode::kUnavailable,
                                        kReasonConnectFailed, "refused")));
  EXPECT_TRUE(IsTransient(UpstreamError(absl::StatusCode::kDeadlineExceeded,
                                        kReasonTimeout, "slow")));
  EXPECT_TRUE(IsTransient(UpstreamError(absl::StatusCode::kUnavailable,
                                        kReasonTransportError, "reset")));
  EXPECT_FALSE(IsTransient(UpstreamError(absl::StatusCode::kInternal,
                                         kReasonResponseTooLarge, "big")));
  EXPECT_FALSE(IsTransient(
      UpstreamError(absl::StatusCode::kInternal, kReasonBadReply, "garbled")));
  // A bare UNAVAILABLE without our ErrorInfo is not ours to retry.
  EXPECT_FALSE(IsTransient(absl::UnavailableError("who knows")));
}

TEST(NeverReachedUpstreamTest, OnlyConnectAndTlsFailures) {
  EXPECT_TRUE(NeverReachedUpstream(
      UpstreamError(absl::StatusCode::kUnavailable, kReasonConnectFailed, "")));
  EXPECT_TRUE(NeverReachedUpstream(
      UpstreamError(absl::StatusCode::kUnavailable, kReasonTlsFailed, "")));
  EXPECT_FALSE(NeverReachedUpstream(UpstreamError(
      absl::StatusCode::kUnavailable, kReasonTransportError, "")));
  EXPECT_FALSE(NeverReachedUpstream(
      UpstreamError(absl::StatusCode::kDeadlineExceeded, kReasonTimeout, "")));
}

TEST(MayHaveCreatedTest, OnlyWhenNoAnswerCameAfterSending) {
  // No answer after the request left: the task may exist.
  EXPECT_TRUE(MayHaveCreated(
      UpstreamError(absl::StatusCode::kDeadlineExceeded, kReasonTimeout, "")));
  EXPECT_TRUE(MayHaveCreated(UpstreamError(absl::StatusCode::kUnavailable,
                                           kReasonTransportError, "")));
  EXPECT_TRUE(MayHaveCreated(
      UpstreamError(absl::StatusCode::kInternal, kReasonBadReply, "")));
  // A proxy's gateway errors hide what the origin did.
  EXPECT_TRUE(MayHaveCreated(MapHttpError(502, "", nullptr, absl::Now())));
  EXPECT_TRUE(MayHaveCreated(MapHttpError(504, "", nullptr, absl::Now())));
  EXPECT_TRUE(MayHaveCreated(MapHttpError(522, "", nullptr, absl::Now())));
  // The upstream's own refusals, and requests that never left.
  EXPECT_FALSE(MayHaveCreated(MapHttpError(400, "", nullptr, absl::Now())));
  EXPECT_FALSE(MayHaveCreated(MapHttpError(429, "", nullptr, absl::Now())));
  EXPECT_FALSE(MayHaveCreated(MapHttpError(500, "", nullptr, absl::Now())));
  EXPECT_FALSE(MayHaveCreated(MapHttpError(503, "", nullptr, absl::Now())));
  EXPECT_FALSE(MayHaveCreated(
      UpstreamError(absl::StatusCode::kUnavailable, kReasonConnectFailed, "")));
  EXPECT_FALSE(MayHaveCreated(absl::InvalidArgumentError("prompt: required")));
  EXPECT_FALSE(MayHaveCreated(absl::OkStatus()));
}

TEST(RedactTest, RemovesExactSecretAndKeyShapes) {
  absl::Status s = UpstreamError(absl::StatusCode::kUnauthenticated, "R",
                                 "key sk-custom-123 and th-abcdefgh rejected");
  absl::Status r = RedactStatus(s, "sk-custom-123");
  EXPECT_EQ(r.message(), "key [redacted] and th-[redacted] rejected");
  EXPECT_EQ(ErrorReason(r), "R");  // details survive
  EXPECT_EQ(RedactSecrets("the-thing th-ab ok"), "the-thing th-ab ok");
}

}  // namespace
}  // namespace seedance::upstream
