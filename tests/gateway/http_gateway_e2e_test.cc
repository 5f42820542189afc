// The web face end to end: the whole gateway in-process with
// --http-listen on a loopback port, tokenhub-sim as its upstream, and a raw
// HTTP/1.1 client. Every endpoint, every error the face answers, SSE
// resumption, limits and CORS. Tasks are held by the simulator and moved by
// the test; waits are conditions with deadlines.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/gateway/gateway_server.h"
#include "sim/sim_server.h"
#include "tests/gateway/http_test_client.h"
#include "tests/testing/eventually.h"
#include "tests/testing/loopback_stack.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::Eventually;
using ::seedance::testing::Fetch;
using ::seedance::testing::FetchRaw;
using ::seedance::testing::HttpAnswer;
using ::seedance::testing::kBobKey;
using ::seedance::testing::SseEvent;
using ::seedance::testing::SseReader;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kJson[] = "Content-Type: application/json";
constexpr char kCreate[] =
    R"({"model":"doubao-seedance-2.0","prompt":"[sim:hold] a red fox"})";

template <typename T>
T Parse(const std::string& json) {
  T message;
  auto s = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(s.ok()) << s.message() << " in " << json;
  return message;
}

std::vector<std::string> Ids(const std::vector<SseEvent>& events) {
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const SseEvent& e : events) {
    ids.push_back(e.event.empty() ? e.id : e.event);
  }
  return ids;
}

class HttpGatewayE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ::seedance::testing::StartTestSim();
    ASSERT_TRUE(started.ok()) << started.status();
    sim_ = *std::move(started);
    config_ = ::seedance::testing::FastGatewayConfig(*sim_);
    ASSERT_FALSE(dir_.path().empty());
    config_.store = absl::StrCat("sqlite:", dir_.path(), "/tasks.db");
    config_.http_listen = "127.0.0.1:0";
  }

  void StartGateway(GatewayHooks hooks = {}) {
    auto started = GatewayServer::Start(config_, std::move(hooks));
    ASSERT_TRUE(started.ok()) << started.status();
    gateway_ = *std::move(started);
    port_ = gateway_->http_port();
    ASSERT_GT(port_, 0);
  }

  std::string CreateHeld(const std::vector<std::string>& headers = {kJson}) {
    HttpAnswer a = Fetch(port_, "POST", "/v1/videos", kCreate, headers);
    EXPECT_EQ(a.status, 200) << a.body;
    return Parse<v1::CreateVideoResponse>(a.body).video().id();
  }

  google::rpc::Status ErrorOf(const HttpAnswer& a) {
    EXPECT_EQ(a.header("content-type"), "application/json");
    return Parse<google::rpc::Status>(a.body);
  }

  ::seedance::testing::ScratchDir dir_;
  GatewayConfig config_;
  std::unique_ptr<tokenhub_sim::SimServer> sim_;
  std::unique_ptr<GatewayServer> gateway_;
  int port_ = 0;
};

TEST_F(HttpGatewayE2eTest, CreateGetListAndWatchServeTheSameTaskAsGrpc) {
  StartGateway();
  std::string id = CreateHeld();
  ASSERT_FALSE(id.empty());

  HttpAnswer got = Fetch(port_, "GET", absl::StrCat("/v1/videos/", id));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_THAT(got.body, HasSubstr(R"("status":"VIDEO_STATUS_QUEUED")"))
      << "enums as names";
  EXPECT_THAT(got.body, HasSubstr(R"("estimatedMicros":")"))
      << "int64 as strings, JSON names";

  SseReader watch(port_, absl::StrCat("/v1/videos/", id, ":watch"));
  ASSERT_TRUE(watch.WaitForEvents(1)) << watch.head();
  EXPECT_EQ(watch.status(), 200);
  EXPECT_THAT(watch.head(), HasSubstr("Content-Type: text/event-stream"));
  ASSERT_OK(sim_->ForceTask(id, "running"));
  ASSERT_TRUE(watch.WaitForEvents(2));
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(watch.WaitClosed());
  std::vector<SseEvent> events = watch.events();
  EXPECT_THAT(Ids(events), ElementsAre("10", "20", "30", "end"));
  auto last = Parse<v1::WatchVideoResponse>(events[2].data);
  EXPECT_EQ(last.video().status(), v1::VIDEO_STATUS_SUCCEEDED);
  EXPECT_THAT(last.video().video_url(), HasSubstr("/media/"));
  EXPECT_EQ(Parse<google::rpc::Status>(events[3].data).code(), 0);

  HttpAnswer list = Fetch(port_, "GET", "/v1/videos?page_size=10");
  ASSERT_EQ(list.status, 200) << list.body;
  auto page = Parse<v1::ListVideosResponse>(list.body);
  ASSERT_EQ(page.videos_size(), 1);
  EXPECT_EQ(page.videos(0).id(), id);
  EXPECT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; }));
}

TEST_F(HttpGatewayE2eTest, ValidateOnlyAnswersThePriceAndCreatesNothing) {
  StartGateway();
  HttpAnswer a = Fetch(
      port_, "POST", "/v1/videos",
      R"({"model":"doubao-seedance-2.0","prompt":"x","duration":5,"validateOnly":true})",
      {kJson});
  ASSERT_EQ(a.status, 200) << a.body;
  auto video = Parse<v1::CreateVideoResponse>(a.body).video();
  EXPECT_TRUE(video.id().empty());
  EXPECT_GT(video.price().estimated_micros(), 0);
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(HttpGatewayE2eTest, RequestIdMakesCreatesIdempotentAndReuseIs409) {
  StartGateway();
  const std::string first =
      R"({"model":"doubao-seedance-2.0","prompt":"[sim:hold] a fox",)"
      R"("requestId":"5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7c"})";
  HttpAnswer a = Fetch(port_, "POST", "/v1/videos", first, {kJson});
  ASSERT_EQ(a.status, 200) << a.body;
  HttpAnswer again = Fetch(port_, "POST", "/v1/videos", first, {kJson});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Parse<v1::CreateVideoResponse>(again.body).video().id(),
            Parse<v1::CreateVideoResponse>(a.body).video().id());
  HttpAnswer other =
      Fetch(port_, "POST", "/v1/videos",
            R"({"model":"doubao-seedance-2.0","prompt":"[sim:hold] a cat",)"
            R"("requestId":"5d8e3b1c-4c1b-4b7e-9f3a-2a6a1d9e0b7c"})",
            {kJson});
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(ErrorOf(other).code(), 6);
  EXPECT_THAT(other.body, HasSubstr("REQUEST_ID_REUSED"));
  EXPECT_EQ(sim_->stats().creates, 1);
}

TEST_F(HttpGatewayE2eTest, MisspelledFieldIs400NamingItAndNothingIsBilled) {
  StartGateway();
  HttpAnswer a = Fetch(
      port_, "POST", "/v1/videos",
      R"({"model":"doubao-seedance-2.0","prompt":"x","validate_onyl":true})",
      {kJson});
  EXPECT_EQ(a.status, 400);
  google::rpc::Status status = ErrorOf(a);
  EXPECT_EQ(status.code(), 3);
  EXPECT_THAT(status.message(), HasSubstr("validate_onyl"));
  EXPECT_THAT(a.body, HasSubstr("google.rpc.BadRequest"));
  EXPECT_THAT(a.body, HasSubstr(R"("field":"validate_onyl")"));
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(HttpGatewayE2eTest, MalformedOrMissingBodiesAre400AndNonJsonIs415) {
  StartGateway();
  HttpAnswer broken =
      Fetch(port_, "POST", "/v1/videos", R"({"model": )", {kJson});
  EXPECT_EQ(broken.status, 400);
  EXPECT_THAT(ErrorOf(broken).message(), HasSubstr("not a valid JSON"));
  HttpAnswer empty = Fetch(port_, "POST", "/v1/videos", "", {kJson});
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(ErrorOf(empty).message(), HasSubstr("empty"));
  HttpAnswer wrong_type =
      Fetch(port_, "POST", "/v1/videos", R"({"duration":"five"})", {kJson});
  EXPECT_EQ(wrong_type.status, 400);
  HttpAnswer form =
      Fetch(port_, "POST", "/v1/videos", kCreate, {"Content-Type: text/plain"});
  EXPECT_EQ(form.status, 415) << "a cross-site form cannot create tasks";
  HttpAnswer invalid =
      Fetch(port_, "POST", "/v1/videos",
            R"({"model":"doubao-seedance-2.0","prompt":""})", {kJson});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_THAT(invalid.body, HasSubstr("prompt"));
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(HttpGatewayE2eTest, WrongMethodIs405WithAllowAndUnknownPathIs404) {
  StartGateway();
  HttpAnswer del = Fetch(port_, "DELETE", "/v1/videos/cgt-abc");
  EXPECT_EQ(del.status, 405);
  EXPECT_EQ(del.header("allow"), "GET, OPTIONS");
  HttpAnswer put = Fetch(port_, "PUT", "/v1/videos", "{}", {kJson});
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.header("allow"), "GET, POST, OPTIONS");
  HttpAnswer nowhere = Fetch(port_, "GET", "/v2/things");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(ErrorOf(nowhere).code(), 5);
  HttpAnswer deeper = Fetch(port_, "GET", "/v1/videos/a/b");
  EXPECT_EQ(deeper.status, 404);
}

TEST_F(HttpGatewayE2eTest, UnknownTaskIs404AndMalformedIdIs400NamingId) {
  StartGateway();
  HttpAnswer missing = Fetch(port_, "GET", "/v1/videos/cgt-doesnotexist");
  EXPECT_EQ(missing.status, 404) << missing.body;
  SseReader watch(port_, "/v1/videos/cgt-doesnotexist:watch");
  ASSERT_TRUE(watch.WaitClosed());
  EXPECT_EQ(watch.status(), 404) << "a plain error, so EventSource stops";
  HttpAnswer bad = Fetch(port_, "GET", "/v1/videos/not%20an%20id");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr(R"("field":"id")"));
  HttpAnswer bad_param =
      Fetch(port_, "GET", "/v1/videos/cgt-abc:watch?after_sequence=-1");
  EXPECT_EQ(bad_param.status, 400);
  EXPECT_THAT(bad_param.body, HasSubstr("after_sequence"));
  HttpAnswer get_param = Fetch(port_, "GET", "/v1/videos/cgt-abc?x=1");
  EXPECT_EQ(get_param.status, 400);
}

TEST_F(HttpGatewayE2eTest, ListParametersAreCheckedByName) {
  StartGateway();
  HttpAnswer unknown = Fetch(port_, "GET", "/v1/videos?pagesize=3");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("pagesize"));
  HttpAnswer twice = Fetch(port_, "GET", "/v1/videos?filter=a&filter=b");
  EXPECT_EQ(twice.status, 400);
  HttpAnswer bad_filter =
      Fetch(port_, "GET", "/v1/videos?filter=status%20%3D%20MAYBE");
  EXPECT_EQ(bad_filter.status, 400) << bad_filter.body;
  HttpAnswer good =
      Fetch(port_, "GET", "/v1/videos?page_size=5&filter=status+%3D+SUCCEEDED");
  EXPECT_EQ(good.status, 200) << good.body;
  HttpAnswer bad_escape = Fetch(port_, "GET", "/v1/videos?filter=%zz");
  EXPECT_EQ(bad_escape.status, 400);
}

TEST_F(HttpGatewayE2eTest, ListWithoutAStoreIs400FailedPrecondition) {
  config_.store = "none";
  StartGateway();
  HttpAnswer a = Fetch(port_, "GET", "/v1/videos");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(ErrorOf(a).code(), 9);
  EXPECT_THAT(a.body, HasSubstr("NO_TASK_STORE"));
}

TEST_F(HttpGatewayE2eTest, OversizedBodiesAndHeadersAndGarbageAreRefused) {
  config_.max_message_bytes = 4096;
  StartGateway();
  HttpAnswer big =
      Fetch(port_, "POST", "/v1/videos", std::string(8192, ' '), {kJson});
  EXPECT_EQ(big.status, 413);
  HttpAnswer headers =
      Fetch(port_, "GET", "/v1/videos", "",
            {absl::StrCat("X-Big: ", std::string(20000, 'a'))});
  EXPECT_EQ(headers.status, 431);
  HttpAnswer garbage = FetchRaw(port_, "HELLO THERE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(sim_->stats().creates, 0);
}

TEST_F(HttpGatewayE2eTest, BearerKeysFollowTheGrpcRules) {
  StartGateway();
  const std::string bob = absl::StrCat("Authorization: Bearer ", kBobKey);
  std::string id = CreateHeld({kJson, bob});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(
      Fetch(port_, "GET", absl::StrCat("/v1/videos/", id), "", {bob}).status,
      200);
  // Another key (the gateway's own) does not see bob's task.
  EXPECT_EQ(Fetch(port_, "GET", absl::StrCat("/v1/videos/", id)).status, 404);
  HttpAnswer not_bearer = Fetch(port_, "GET", "/v1/videos", "",
                                {"Authorization: Basic Zm9vOmJhcg=="});
  EXPECT_EQ(not_bearer.status, 401);
  EXPECT_EQ(not_bearer.header("www-authenticate"), "Bearer");
  EXPECT_THAT(not_bearer.body, ::testing::Not(HasSubstr("Zm9v")));
}

TEST_F(HttpGatewayE2eTest, CallerKeysRefusedWhenNotAllowedAnd401WithoutKey) {
  config_.allow_caller_keys = false;
  StartGateway();
  HttpAnswer refused = Fetch(port_, "GET", "/v1/videos", "",
                             {absl::StrCat("Authorization: Bearer ", kBobKey)});
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, ::testing::Not(HasSubstr(kBobKey)));
  gateway_.reset();
  config_.api_key.clear();
  StartGateway();
  EXPECT_EQ(Fetch(port_, "GET", "/v1/videos/cgt-abc").status, 401);
}

TEST_F(HttpGatewayE2eTest, LastEventIdResumesWithoutLossOrRepeat) {
  StartGateway();
  std::string id = CreateHeld();
  {
    SseReader first(port_, absl::StrCat("/v1/videos/", id, ":watch"));
    ASSERT_TRUE(first.WaitForEvents(1));
    EXPECT_THAT(Ids(first.events()), ElementsAre("10"));
    first.Cut();  // the connection drops mid-task
  }
  ASSERT_OK(sim_->ForceTask(id, "running"));
  // What EventSource sends when it reconnects.
  SseReader again(port_, absl::StrCat("/v1/videos/", id, ":watch"),
                  {"Last-Event-ID: 10"});
  ASSERT_TRUE(again.WaitForEvents(1));
  ASSERT_OK(sim_->ForceTask(id, "succeeded"));
  ASSERT_TRUE(again.WaitClosed());
  EXPECT_THAT(Ids(again.events()), ElementsAre("20", "30", "end"));
  SseReader by_query(
      port_, absl::StrCat("/v1/videos/", id, ":watch?after_sequence=20"));
  ASSERT_TRUE(by_query.WaitClosed());
  EXPECT_THAT(Ids(by_query.events()), ElementsAre("30", "end"));
}

TEST_F(HttpGatewayE2eTest, RequestedHeartbeatsAreEventsWithoutId) {
  StartGateway();
  std::string id = CreateHeld();
  SseReader watch(port_,
                  absl::StrCat("/v1/videos/", id, ":watch?heartbeat=1s"));
  ASSERT_TRUE(watch.WaitForEvents(2));
  std::vector<SseEvent> events = watch.events();
  EXPECT_EQ(events[1].event, "heartbeat");
  EXPECT_TRUE(events[1].id.empty()) << "Last-Event-ID stays the transition's";
  auto beat = Parse<v1::WatchVideoResponse>(events[1].data);
  EXPECT_EQ(beat.sequence(), 10);
  EXPECT_TRUE(beat.heartbeat().upstream_reachable());
  HttpAnswer bad = Fetch(
      port_, "GET", absl::StrCat("/v1/videos/", id, ":watch?heartbeat=2h"));
  EXPECT_EQ(bad.status, 400);
}

TEST_F(HttpGatewayE2eTest, SseStreamsTakeSlotsOfMaxStreams) {
  config_.max_streams = 1;
  config_.max_streams_per_peer = 0;
  StartGateway();
  std::string id = CreateHeld();
  SseReader first(port_, absl::StrCat("/v1/videos/", id, ":watch"));
  ASSERT_TRUE(first.WaitForEvents(1));
  HttpAnswer second =
      Fetch(port_, "GET", absl::StrCat("/v1/videos/", id, ":watch"));
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.header("retry-after"), "1");
  EXPECT_THAT(second.body, HasSubstr("max-streams"));
  first.Cut();
  // The cut stream's slot comes back.
  EXPECT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; }));
  SseReader third(port_, absl::StrCat("/v1/videos/", id, ":watch"));
  EXPECT_TRUE(third.WaitForEvents(1));
}

TEST_F(HttpGatewayE2eTest, AStalledReaderIsCutWithoutHoldingUpOthers) {
  GatewayHooks hooks;
  hooks.tune_http = [](HttpGatewayOptions& options) {
    // A comment line every millisecond fills a stalled client's buffers in
    // about a second.
    options.sse.comment_interval = absl::Milliseconds(1);
    options.sse.max_buffered_bytes = 4096;
    options.send_buffer_bytes = 4096;
  };
  // Once its buffers are full, the stalled client's write waits; this long.
  config_.write_timeout = absl::Seconds(1);
  StartGateway(std::move(hooks));
  std::string id = CreateHeld();
  const std::string target = absl::StrCat("/v1/videos/", id, ":watch");
  auto stalled = SseReader::Stalled(port_, target);
  SseReader reader(port_, target);
  ASSERT_TRUE(reader.WaitForEvents(1));
  ASSERT_TRUE(Eventually([&] { return gateway_->open_streams() == 2; }));
  // The stalled stream is closed and its slot freed; the reader carries on.
  ASSERT_TRUE(Eventually([&] { return gateway_->open_streams() == 1; }));
  ASSERT_OK(sim_->ForceTask(id, "running"));
  ASSERT_TRUE(reader.WaitForEvents(2));
  EXPECT_THAT(Ids(reader.events()), ElementsAre("10", "20"));
  EXPECT_GT(reader.comments(), 10);
}

TEST_F(HttpGatewayE2eTest, DrainEndsStreamsWithUnavailableSoClientsReconnect) {
  StartGateway();
  std::string id = CreateHeld();
  SseReader watch(port_, absl::StrCat("/v1/videos/", id, ":watch"));
  ASSERT_TRUE(watch.WaitForEvents(1));
  gateway_->Shutdown();
  ASSERT_TRUE(watch.WaitClosed());
  std::vector<SseEvent> events = watch.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event, "end");
  EXPECT_EQ(Parse<google::rpc::Status>(events[1].data).code(), 14);
}

TEST_F(HttpGatewayE2eTest, CorsAllowsOnlyTheConfiguredOrigins) {
  config_.cors_origins = {"https://app.example.com"};
  StartGateway();
  HttpAnswer preflight = Fetch(
      port_, "OPTIONS", "/v1/videos", "",
      {"Origin: https://app.example.com", "Access-Control-Request-Method: POST",
       "Access-Control-Request-Headers: authorization, content-type"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-allow-origin"),
            "https://app.example.com");
  EXPECT_THAT(preflight.header("access-control-allow-headers"),
              HasSubstr("Authorization"));
  EXPECT_EQ(preflight.header("access-control-allow-credentials"), "");
  HttpAnswer stranger = Fetch(port_, "OPTIONS", "/v1/videos", "",
                              {"Origin: https://evil.example"});
  EXPECT_EQ(stranger.status, 403);
  EXPECT_EQ(stranger.header("access-control-allow-origin"), "");
  HttpAnswer get = Fetch(port_, "GET", "/v1/videos", "",
                         {"Origin: https://app.example.com"});
  EXPECT_EQ(get.header("access-control-allow-origin"),
            "https://app.example.com");
  EXPECT_EQ(get.header("vary"), "Origin");
  HttpAnswer other =
      Fetch(port_, "GET", "/v1/videos", "", {"Origin: https://evil.example"});
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
}

TEST_F(HttpGatewayE2eTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartGateway();
  const std::string one = "GET /v1/videos HTTP/1.1\r\nHost: x\r\n\r\n";
  HttpAnswer last =
      FetchRaw(port_, absl::StrCat(one, one,
                                   "GET /v1/videos HTTP/1.1\r\nHost: x\r\n"
                                   "Connection: close\r\n\r\n"));
  // FetchRaw reads the first answer; the connection stayed open for more.
  EXPECT_EQ(last.status, 200);
  EXPECT_NE(last.header("connection"), "close");
}

TEST_F(HttpGatewayE2eTest, ThePageIsServedAtTheRoot) {
  StartGateway();
  HttpAnswer page = Fetch(port_, "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.header("content-type"), HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("<html"));
}

}  // namespace
}  // namespace seedance::gateway
