// The web face's mapping rules without a socket: JSON bodies, HTTP statuses,
// google.rpc.Status bodies, query parameters, SSE frames, and that the
// routes agree with the proto's google.api.http annotations.

#include "server/gateway/http_mapping.h"

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/status_details.h"
#include "server/gateway/sse_stream.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::testing::HasSubstr;

TEST(HttpMappingTest, RoutesAgreeWithTheProtoAnnotations) {
  const auto* service =
      v1::CreateVideoRequest::descriptor()->file()->FindServiceByName(
          "VideoService");
  ASSERT_NE(service, nullptr);
  struct Expected {
    const char* method;
    const char* verb;
    HttpRoute::Kind kind;
  };
  for (const Expected& e :
       {Expected{"CreateVideo", "post", HttpRoute::kCollection},
        Expected{"GetVideo", "get", HttpRoute::kVideo},
        Expected{"ListVideos", "get", HttpRoute::kCollection},
        Expected{"WatchVideo", "get", HttpRoute::kWatch}}) {
    const auto* method = service->FindMethodByName(e.method);
    ASSERT_NE(method, nullptr);
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    const std::string path =
        std::string(e.verb) == "post" ? rule.post() : rule.get();
    ASSERT_FALSE(path.empty()) << e.method << " has no " << e.verb << " rule";
    HttpRoute route = RouteFor(absl::StrReplaceAll(path, {{"{id}", "cgt-1"}}));
    EXPECT_EQ(route.kind, e.kind) << e.method << " " << path;
    EXPECT_THAT(route.allow,
                HasSubstr(std::string(e.verb) == "post" ? "POST" : "GET"));
    if (route.kind == HttpRoute::kVideo || route.kind == HttpRoute::kWatch) {
      EXPECT_EQ(route.id, "cgt-1");
    }
  }
  EXPECT_EQ(RouteFor("/v1/videos/").kind, HttpRoute::kNone);
  EXPECT_EQ(RouteFor("/v1/videosx").kind, HttpRoute::kNone);
  EXPECT_EQ(RouteFor("/").kind, HttpRoute::kPage);
}

TEST(HttpMappingTest, UnknownFieldIsRefusedNamingIt) {
  v1::CreateVideoRequest request;
  absl::Status s =
      ParseJsonBody(R"({"prompt":"x","validate_onyl":true})", request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("'validate_onyl'"));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "validate_onyl");
}

TEST(HttpMappingTest, BothJsonNamesAndFieldNamesAreAccepted) {
  v1::CreateVideoRequest request;
  ASSERT_OK(
      ParseJsonBody(R"({"validate_only":true,"requestId":"r"})", request));
  EXPECT_TRUE(request.validate_only());
  EXPECT_EQ(request.request_id(), "r");
  ASSERT_OK(ParseJsonBody(R"({"resolution":"RESOLUTION_480P"})", request));
  EXPECT_EQ(request.resolution(), v1::RESOLUTION_480P);
}

TEST(HttpMappingTest, MalformedJsonNamesTheBody) {
  v1::CreateVideoRequest request;
  absl::Status s = ParseJsonBody("{\"prompt\": ", request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "body");
  EXPECT_EQ(ParseJsonBody("  ", request).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJsonBody("[1]", request).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpMappingTest, CodesMapAsInGoogleRpcCodeProto) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDeadlineExceeded), 504);
}

TEST(HttpMappingTest, ErrorBodyIsAGoogleRpcStatusWithDetails) {
  absl::Status s = absl::AbortedError("in flight");
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(2);
  AddDetail(s, retry);
  HttpError e = HttpErrorFor(s);
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.retry_after_seconds, 2);
  EXPECT_THAT(e.body, HasSubstr(R"("code":10)"));
  EXPECT_THAT(
      e.body,
      HasSubstr(R"("@type":"type.googleapis.com/google.rpc.RetryInfo")"));
  EXPECT_THAT(e.body, HasSubstr(R"("retryDelay":"2s")"));
  EXPECT_EQ(
      HttpErrorFor(absl::ResourceExhaustedError("full")).retry_after_seconds,
      1);
  EXPECT_EQ(HttpErrorFor(absl::UnavailableError("down")).retry_after_seconds,
            1);
  EXPECT_EQ(HttpErrorFor(absl::NotFoundError("no")).retry_after_seconds, 0);
}

TEST(HttpMappingTest, QueryParametersDecodeAndUnknownOnesAreRefused) {
  auto list = ListRequestFromQuery(
      "page_size=20&filter=status+%3D+SUCCEEDED&page_token=t");
  ASSERT_OK(list.status());
  EXPECT_EQ(list->page_size(), 20);
  EXPECT_EQ(list->filter(), "status = SUCCEEDED");
  EXPECT_EQ(list->page_token(), "t");
  EXPECT_EQ(ListRequestFromQuery("page_size=-1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ListRequestFromQuery("page_size=x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ListRequestFromQuery("size=3").status().message(),
              HasSubstr("'size'"));
  EXPECT_EQ(ListRequestFromQuery("filter=%4").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpMappingTest, LastEventIdIsAfterSequenceAndTheLargerWins) {
  auto w = WatchRequestFrom("cgt-1", "heartbeat=15s", "20");
  ASSERT_OK(w.status());
  EXPECT_EQ(w->id(), "cgt-1");
  EXPECT_EQ(w->after_sequence(), 20);
  EXPECT_EQ(w->heartbeat_interval().seconds(), 15);
  EXPECT_EQ(
      WatchRequestFrom("cgt-1", "after_sequence=30", "10")->after_sequence(),
      30);
  EXPECT_EQ(WatchRequestFrom("cgt-1", "", "ten").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WatchRequestFrom("cgt-1", "heartbeat=soon", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WatchRequestFrom("cgt-1", "since=3", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpMappingTest, SseFramesCarryEventIdAndData) {
  EXPECT_EQ(SseFrame("", 10, "{}"), "id: 10\ndata: {}\n\n");
  EXPECT_EQ(SseFrame("end", absl::nullopt, "{\"code\":0}"),
            "event: end\ndata: {\"code\":0}\n\n");
}

}  // namespace
}  // namespace seedance::gateway
