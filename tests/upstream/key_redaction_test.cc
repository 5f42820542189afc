// Keys never leak: an upstream that echoes the caller's key into any part of
// its reply (error message, code and type, a failed task's error, an unknown
// status, the task id, URLs, headers) must not get that key into anything
// TokenHubClient returns: the status message, any status payload (ErrorInfo
// metadata included) or any field of the Video.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "server/upstream/error_mapping.h"
#include "server/upstream/redaction.h"
#include "server/upstream/task_json.h"
#include "server/upstream/tokenhub_client.h"
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
using ::testing::HasSubstr;
using ::testing::Not;

// The call's key; short enough that only an exact match can catch it after a
// letter (the `th-` pattern inside a word needs a longer tail).
constexpr char kKey[] = "th-Echo5ecret";
constexpr char kBase[] = "https://tokenhub.test/api/v1";

// Everything a caller could see of one outcome, as one string.
std::string Visible(const absl::StatusOr<Video>& result) {
  if (result.ok()) return result->SerializeAsString() + result->DebugString();
  std::string out(result.status().message());
  result.status().ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        absl::StrAppend(&out, " ", url, " ", std::string(payload));
      });
  if (auto info = GetDetail<google::rpc::ErrorInfo>(result.status())) {
    absl::StrAppend(&out, info->DebugString());
  }
  return out;
}

struct EchoCase {
  const char* name;
  int http_status;
  // `$KEY` stands for the call's key.
  const char* body;
  std::vector<std::pair<std::string, std::string>> headers = {};
};

void PrintTo(const EchoCase& c, std::ostream* os) { *os << c.name; }

std::string WithKey(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"$KEY", kKey}});
}

const EchoCase kCases[] = {
    {"ErrorMessage", 401, R"({"error":{"message":"invalid key $KEY"}})"},
    {"ErrorMessageAfterALetter", 401, R"({"error":{"message":"badkey$KEY!"}})"},
    {"ErrorMessageBearer", 401,
     R"({"error":{"message":"Authorization: Bearer $KEY"}})"},
    {"ErrorCodeAfterALetter", 401,
     R"({"error":{"message":"no","code":"code$KEY"}})"},
    {"ErrorCodeAfterADigit", 403,
     R"({"error":{"message":"no","code":"42$KEY"}})"},
    {"ErrorCodeAtTheEnd", 400,
     R"({"error":{"message":"no","code":"key=$KEY"}})"},
    {"ErrorCodeAlone", 400, R"({"error":{"code":"$KEY"}})"},
    {"ErrorType", 401, R"({"error":{"message":"no","type":"type_$KEY"}})"},
    {"ErrorAsString", 500, R"({"error":"x$KEY"})"},
    {"TopLevelMessage", 503, R"({"message":"x-$KEY-y"})"},
    {"NonJsonBody", 502, "<html>bad key:$KEY</html>"},
    {"RetryAfterHeader",
     429,
     R"({"error":{"message":"slow down"}})",
     {{"retry-after", "$KEY"}, {"x-echo", "$KEY"}}},
    {"FailedTaskError", 200,
     R"({"id":"cgt-1","status":"failed","error":{"message":"m$KEY","code":"c$KEY","type":"t$KEY"}})"},
    {"UnknownStatus", 200, R"({"id":"cgt-1","status":"stalled$KEY"})"},
    {"TaskIdWithTheKey", 200, R"({"id":"cgt-$KEY","status":"queued"})"},
    {"TaskIdIsTheKey", 200, R"({"id":"$KEY","status":"queued"})"},
    {"Model", 200, R"({"id":"cgt-1","model":"m$KEY","status":"queued"})"},
    {"Urls", 200,
     R"({"id":"cgt-1","status":"succeeded","data":[{"video_url":"https://cdn.test/v.mp4?k=$KEY","cover_image_url":"https://cdn.test/$KEY.png"}]})"},
};

class KeyRedactionTest : public ::testing::TestWithParam<EchoCase> {
 protected:
  KeyRedactionTest()
      : client_(
            MakeTokenHubClient(Options(), transport_, scheduler_, nullptr)) {}

  static TokenHubClientOptions Options() {
    TokenHubClientOptions options;
    options.base_url = kBase;
    options.api_key = "th-gateway-default-key";
    options.max_get_attempts = 1;
    return options;
  }

  void PushEcho() {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [name, value] : GetParam().headers) {
      headers.emplace_back(name, WithKey(value));
    }
    transport_.Push(Reply(GetParam().http_status, WithKey(GetParam().body),
                          std::move(headers)));
  }

  CallOptions CallerKey() {
    CallOptions options;
    options.api_key = kKey;
    options.retry_transient = false;
    return options;
  }

  FakeScheduler scheduler_;
  FakeHttpTransport transport_;
  std::unique_ptr<TokenHubClient> client_;
};

TEST_P(KeyRedactionTest, GetVideoNeverReturnsTheKey) {
  PushEcho();
  absl::StatusOr<Video> result = absl::UnknownError("not done");
  client_->GetVideo("cgt-1", CallerKey(),
                    [&](absl::StatusOr<Video> v) { result = std::move(v); });
  EXPECT_THAT(Visible(result), Not(HasSubstr(kKey)));
  EXPECT_THAT(Visible(result), Not(HasSubstr("Echo5ecret")));
}

TEST_P(KeyRedactionTest, CreateVideoNeverReturnsTheKey) {
  PushEcho();
  absl::StatusOr<Video> result = absl::UnknownError("not done");
  client_->CreateVideo(MinimalRequest(), CallerKey(),
                       [&](absl::StatusOr<Video> v) { result = std::move(v); });
  EXPECT_THAT(Visible(result), Not(HasSubstr("Echo5ecret")));
}

INSTANTIATE_TEST_SUITE_P(EchoingUpstream, KeyRedactionTest,
                         ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<EchoCase>& info) {
                           return info.param.name;
                         });

// The configured default key is scrubbed just like a caller's.
TEST(KeyRedactionDefaultKeyTest, DefaultKeyEchoedInACodeIsScrubbed) {
  FakeScheduler scheduler;
  FakeHttpTransport transport;
  TokenHubClientOptions options;
  options.base_url = kBase;
  options.api_key = kKey;
  auto client = MakeTokenHubClient(options, transport, scheduler, nullptr);
  transport.Push(
      Reply(401, WithKey(R"({"error":{"message":"no","code":"code$KEY"}})")));
  absl::StatusOr<Video> result = absl::UnknownError("not done");
  client->GetVideo("cgt-1", {},
                   [&](absl::StatusOr<Video> v) { result = std::move(v); });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Visible(result), Not(HasSubstr("Echo5ecret")));
}

// A transport failure whose text names the key (a proxy's message, say).
TEST(KeyRedactionDefaultKeyTest, TransportErrorTextIsScrubbed) {
  FakeScheduler scheduler;
  FakeHttpTransport transport;
  TokenHubClientOptions options;
  options.base_url = kBase;
  options.api_key = kKey;
  options.max_get_attempts = 1;
  auto client = MakeTokenHubClient(options, transport, scheduler, nullptr);
  transport.Push(UpstreamError(
      absl::StatusCode::kUnavailable, kReasonTransportError,
      WithKey("proxy refused x$KEY"), {{"detail", WithKey("x$KEY")}}));
  absl::StatusOr<Video> result = absl::UnknownError("not done");
  client->GetVideo("cgt-1", {},
                   [&](absl::StatusOr<Video> v) { result = std::move(v); });
  EXPECT_THAT(Visible(result), Not(HasSubstr("Echo5ecret")));
  EXPECT_EQ(ErrorReason(result.status()), kReasonTransportError);
}

// Where the key went, the reply keeps what is still useful.
TEST(KeyRedactionParseTest, RedactedFieldsKeepTheirShape) {
  ASSERT_OK_AND_ASSIGN(
      Video v,
      ParseTaskJson(
          WithKey(R"({"id":"cgt-1","status":"failed",)"
                  R"("error":{"message":"bad key $KEY","code":"c$KEY"}})"),
          kKey));
  EXPECT_EQ(v.id(), "cgt-1");
  EXPECT_EQ(v.status(), seedance::v1::VIDEO_STATUS_FAILED);
  EXPECT_EQ(v.error().message(), "bad key [redacted]");
  EXPECT_EQ(v.error().code(), "c[redacted]");
}

TEST(KeyRedactionParseTest, ATaskIdCarryingAKeyIsABadReply) {
  for (const char* id :
       {"cgt-$KEY", "$KEY", "a:$KEY:b", "cgt-th-0ther5ecretKey99"}) {
    EXPECT_THAT(ParseTaskJson(WithKey(absl::StrCat(R"({"id":")", id,
                                                   R"(","status":"queued"})")),
                              kKey),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("task \"id\"")))
        << id;
  }
  // Ids that merely contain `th-` stay valid.
  EXPECT_OK(ParseTaskJson(R"({"id":"cgt-width-1","status":"queued"})", kKey));
}

TEST(KeyRedactionParseTest, ErrorMetadataIsScrubbed) {
  absl::Status s = MapHttpError(
      401,
      WithKey(R"({"error":{"message":"m$KEY","code":"c$KEY","type":"t$KEY"}})"),
      nullptr, absl::UnixEpoch(), kKey);
  auto info = GetDetail<google::rpc::ErrorInfo>(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("upstream_code"), "c[redacted]");
  EXPECT_EQ(info->metadata().at("upstream_type"), "t[redacted]");
  EXPECT_THAT(std::string(s.message()), HasSubstr("m[redacted]"));
}

// A key split by truncation must not leave its start behind.
TEST(KeyRedactionParseTest, KeyAtTheTruncationPointIsStillRemoved) {
  std::string message(kMaxUpstreamMessageBytes - 5, 'a');
  absl::StrAppend(&message, " ", kKey);
  UpstreamErrorBody e = ParseUpstreamError(
      absl::StrCat(R"({"error":{"message":")", message, "\"}}"), kKey);
  EXPECT_THAT(e.message, Not(HasSubstr("th-E")));
  e = ParseUpstreamError(absl::StrCat("<html>", message), kKey);
  EXPECT_THAT(e.message, Not(HasSubstr("th-E")));
}

// Unknown keys are caught by shape, also inside words.
TEST(RedactSecretsTest, KeyShapesAnywhere) {
  EXPECT_EQ(RedactSecrets("codeth-0ther5ecretKey99 x"), "codeth-[redacted] x");
  EXPECT_EQ(RedactSecrets("id=th-abcd"), "id=th-[redacted]");
  EXPECT_EQ(RedactSecrets("42th-0ther5ecretKey99"), "42th-[redacted]");
  EXPECT_EQ(RedactSecrets("xBearer abc"), "xBearer [redacted]");
  // Ordinary words that contain `th-` survive.
  for (const char* text :
       {"the-thing th-ab ok", "width-1280", "path-to-file",
        "a depth-first walk", "https://cdn.test/depth-map-v2/x.mp4"}) {
    EXPECT_EQ(RedactSecrets(text), text);
  }
}

// Whatever surrounds it, and however often it repeats or overlaps itself,
// the known key never survives (seeded, so failures reproduce).
TEST(RedactSecretsTest, TheKnownKeyNeverSurvivesRandomSurroundings) {
  std::mt19937 rng(20261201);
  const std::string alphabet = "th-_=.:/ Bb0a9Zer";
  for (const std::string& key :
       {std::string(kKey), std::string("th-k"), std::string("th-th-kk"),
        std::string("bearer x")}) {
    for (int i = 0; i < 3000; ++i) {
      std::string text;
      int parts = static_cast<int>(rng() % 6);
      for (int p = 0; p < parts; ++p) {
        for (int n = static_cast<int>(rng() % 5); n > 0; --n) {
          text.push_back(alphabet[rng() % alphabet.size()]);
        }
        text += rng() % 2 ? key : key.substr(0, rng() % key.size());
      }
      std::string out = RedactSecrets(text, key);
      EXPECT_THAT(out, Not(HasSubstr(key))) << "in: " << text;
      EXPECT_THAT(RedactSecretsInUrl(text, key), Not(HasSubstr(key))) << text;
      // Redaction is idempotent: a second pass finds nothing.
      EXPECT_EQ(RedactSecrets(out, key), out) << text;
    }
  }
}

TEST(RedactSecretsTest, KnownKeyIsReplacedExactly) {
  EXPECT_EQ(RedactSecrets("abcth-kz", "th-kz"), "abc[redacted]");
  EXPECT_EQ(RedactSecrets("nothing here", "th-kz"), "nothing here");
  EXPECT_EQ(RedactSecrets("sk-1 and sk-1", "sk-1"),
            "[redacted] and [redacted]");
}

}  // namespace
}  // namespace seedance::upstream
