// Task lifecycle through the HTTP API: success with result media, failure,
// prompt markers, control calls, per-key isolation and stats accuracy.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/byte_range.h"
#include "sim/media_assets.h"
#include "tests/sim/sim_fixture.h"

namespace tokenhub_sim::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(SimTest, CreateRepliesWithQueuedTask) {
  HttpResult r = Create(Body("a cat"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  rapidjson::Document doc = Json(r.body);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_TRUE(absl::StartsWith(doc["id"].GetString(), "cgt-"));
  EXPECT_STREQ(doc["object"].GetString(), "video.generation.task");
  EXPECT_STREQ(doc["model"].GetString(), "doubao-seedance-2.0");
  EXPECT_STREQ(doc["status"].GetString(), "queued");
  EXPECT_NEAR(doc["created"].GetInt64(), absl::ToUnixSeconds(absl::Now()), 2);
}

TEST_F(SimTest, TaskSucceedsWithDownloadableMedia) {
  std::string id = CreateId();
  rapidjson::Document doc;
  ASSERT_TRUE(WaitForStatus(id, "succeeded", &doc));
  EXPECT_EQ(doc["usage"]["video_duration"].GetInt(), 5);
  const rapidjson::Value& item = doc["data"][0];
  std::string video = item["video_url"].GetString();
  std::string cover = item["cover_image_url"].GetString();
  EXPECT_EQ(video, Url("/media/" + id + "/video.mp4"));
  HttpResult v = Fetch({"GET", video});
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.headers["content-type"], "video/mp4");
  EXPECT_EQ(v.body, std::string(VideoMp4()));
  EXPECT_EQ(v.body.substr(4, 4), "ftyp");  // a real MP4
  HttpResult c = Fetch({"GET", cover});
  EXPECT_EQ(c.headers["content-type"], "image/jpeg");
  EXPECT_EQ(c.body, std::string(CoverJpeg()));
  HttpResult head = Fetch({"HEAD", video});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], std::to_string(VideoMp4().size()));
  EXPECT_EQ(Fetch({"GET", Url("/media/cgt-nope/video.mp4")}).status, 404);
}

TEST_F(SimTest, MediaHonoursRange) {
  std::string id = CreateId();
  HttpCall call("GET", Url("/media/" + id + "/video.mp4"));
  call.range = "0-99";
  HttpResult r = Fetch(call);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, std::string(VideoMp4().substr(0, 100)));
  EXPECT_EQ(r.headers["content-range"],
            absl::StrCat("bytes 0-99/", VideoMp4().size()));
  call.range = "999999-";
  EXPECT_EQ(Fetch(call).status, 416);
}

TEST(ByteRangeTest, Parses) {
  ByteRange r = ParseByteRange("bytes=-100", 1000);
  EXPECT_EQ(r.kind, ByteRange::Kind::kPartial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = ParseByteRange("bytes=10-", 1000);
  EXPECT_EQ(r.first, 10u);
  EXPECT_EQ(r.last, 999u);
  r = ParseByteRange("bytes=10-5000", 1000);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(ParseByteRange("bytes=1000-", 1000).kind,
            ByteRange::Kind::kUnsatisfiable);
  for (const char* whole :
       {"", "items=1-2", "bytes=1-2,4-5", "bytes=5-1", "bytes=x-", "bytes=-"}) {
    EXPECT_EQ(ParseByteRange(whole, 1000).kind, ByteRange::Kind::kWhole)
        << whole;
  }
}

TEST_F(SimTest, DurationIsReportedAsUsage) {
  HttpResult r = Create(Body("a dog", R"(,"duration":12,"resolution":"480p")"));
  std::string id12 = Json(r.body)["id"].GetString();
  rapidjson::Document doc;
  ASSERT_TRUE(WaitForStatus(id12, "succeeded", &doc));
  EXPECT_EQ(doc["usage"]["video_duration"].GetInt(), 12);
}

TEST_F(SimTest, FailMarkerFailsWithMessage) {
  std::string id = CreateId("a cat [sim:fail=content policy, violated]");
  rapidjson::Document doc;
  ASSERT_TRUE(WaitForStatus(id, "failed", &doc));
  EXPECT_STREQ(doc["error"]["message"].GetString(), "content policy, violated");
  EXPECT_FALSE(doc.HasMember("data"));

  std::string plain = CreateId("[sim:fail] a cat");
  ASSERT_TRUE(WaitForStatus(plain, "failed", &doc));
  EXPECT_THAT(doc["error"]["message"].GetString(), HasSubstr("failed"));
}

TEST_F(SimTest, HoldMarkerWaitsForAdvance) {
  std::string id = CreateId("[sim:hold] a cat");
  // A task created later on the default timeline finishing proves time
  // passed without sleeping a fixed amount.
  ASSERT_TRUE(WaitForStatus(CreateId(), "succeeded"));
  EXPECT_STREQ(Json(Get(id).body)["status"].GetString(), "queued");
  HttpResult r = Fetch({"POST", Url("/_sim/tasks/" + id + "/advance")});
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  EXPECT_EQ(Fetch({"POST", Url("/_sim/tasks/" + id + "/advance")}).status, 409);
  EXPECT_EQ(Fetch({"POST", Url("/_sim/tasks/cgt-none/advance")}).status, 404);
}

TEST_F(SimTest, UnknownStatusPhaseIsServed) {
  std::string id = CreateId("a cat [sim:status=processing,hold=processing]");
  ASSERT_TRUE(WaitForStatus(id, "processing"));
  ASSERT_TRUE(sim_->AdvanceTask(id).ok());
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  std::optional<TaskView> view = sim_->GetTask(id);
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->transitions.size(), 4u);
  EXPECT_EQ(view->transitions[1].first, "processing");
}

TEST_F(SimTest, MarkerDurationsAreNotScaled) {
  std::string id = CreateId("[sim:queued=30ms,running=40ms] a cat");
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  SimStats stats = sim_->stats();
  const auto& t = stats.tasks.at(id).transitions_us;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].second - t[0].second, 30000);
  EXPECT_EQ(t[2].second - t[1].second, 40000);
}

TEST_F(SimTest, BadMarkerIsRejected) {
  HttpResult r = Create(Body("[sim:explode] a cat"));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("explode"));
}

TEST_F(SimTest, ForceControlCall) {
  std::string id = CreateId("[sim:hold] a cat");
  HttpResult r = Fetch({"POST", Url("/_sim/tasks/" + id),
                        R"({"status":"failed","error":"forced"})"});
  EXPECT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc;
  ASSERT_TRUE(WaitForStatus(id, "failed", &doc));
  EXPECT_STREQ(doc["error"]["message"].GetString(), "forced");

  // Running for an hour (marker durations are not scaled): the second
  // advance, not the clock, ends it, however slow the machine.
  std::string other = CreateId("[sim:hold,running=1h] a cat");
  ASSERT_TRUE(sim_->ForceTask(other, "weird_state").ok());
  ASSERT_TRUE(WaitForStatus(other, "weird_state"));
  ASSERT_TRUE(sim_->AdvanceTask(other).ok());
  ASSERT_TRUE(WaitForStatus(other, "running"));
  ASSERT_TRUE(sim_->AdvanceTask(other).ok());
  ASSERT_TRUE(WaitForStatus(other, "succeeded"));
  EXPECT_EQ(Fetch({"POST", Url("/_sim/tasks/" + id), "{}"}).status, 400);
}

TEST_F(SimTest, TransitionTimesAreScriptedInstants) {
  options_.time_scale = 0.01;  // queued 10 ms, running 40 ms
  Restart();
  std::string id = CreateId();
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  HttpResult r = Fetch({"GET", Url("/_sim/stats")});
  rapidjson::Document stats = Json(r.body);
  const rapidjson::Value& t = stats["tasks"][id.c_str()]["transitions"];
  EXPECT_EQ(t["running"].GetInt64() - t["queued"].GetInt64(), 10000);
  EXPECT_EQ(t["succeeded"].GetInt64() - t["running"].GetInt64(), 40000);
  EXPECT_STREQ(stats["tasks"][id.c_str()]["key"].GetString(), "alice");
}

TEST_F(SimTest, TasksAreVisibleOnlyToTheirKey) {
  std::string id = CreateId("a cat", kAliceKey);
  EXPECT_EQ(Get(id, kAliceKey).status, 200);
  HttpResult other = Get(id, kBobKey);
  HttpResult unknown = Get("cgt-0000000000000000", kBobKey);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, unknown.body);
  EXPECT_THAT(other.body, HasSubstr("not_found_error"));
}

TEST_F(SimTest, MissingOrUnknownKeyIs401) {
  std::string id = CreateId();
  for (const std::string& key : {std::string(), std::string("th-wrong")}) {
    HttpResult r = Get(id, key);
    EXPECT_EQ(r.status, 401);
    EXPECT_THAT(r.body, HasSubstr("authentication_error"));
    r = Create(Body("a cat"), key);
    EXPECT_EQ(r.status, 401);
  }
  EXPECT_EQ(sim_->stats().errors_by_kind["401"], 4);
  EXPECT_EQ(sim_->stats().creates, 1);
}

TEST_F(SimTest, TaskIdsAreUniqueAndSeeded) {
  std::string a = CreateId(), b = CreateId();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 20u);
  Restart();  // same seed
  EXPECT_EQ(CreateId(), a);
}

TEST_F(SimTest, StatsCountWhatWasAsked) {
  // Tasks stay queued for the whole test, so the two reads of the stats
  // below (HTTP and in-process) cannot straddle a transition.
  options_.time_scale = 1000;
  Restart();
  std::string a = CreateId("a", kAliceKey);
  std::string b = CreateId("b", kBobKey);
  for (int i = 0; i < 3; ++i) Get(a, kAliceKey);
  Get(a, kBobKey);  // 404, but names an existing task
  Get("cgt-unknown", kBobKey);
  Create(R"({"prompt":"no model"})", kBobKey);  // 400
  SimStats s = sim_->stats();
  EXPECT_EQ(s.creates, 2);
  EXPECT_EQ(s.create_requests, 3);
  EXPECT_EQ(s.gets, 5);
  EXPECT_EQ(s.gets_by_task[a], 4);
  EXPECT_EQ(s.gets_by_task.count(b), 0u);
  EXPECT_EQ(s.requests_by_key["alice"].creates, 1);
  EXPECT_EQ(s.requests_by_key["alice"].gets, 3);
  EXPECT_EQ(s.requests_by_key["bob"].posts, 2);
  EXPECT_EQ(s.requests_by_key["bob"].gets, 2);
  EXPECT_EQ(s.errors_by_kind["404"], 2);
  EXPECT_EQ(s.errors_by_kind["400"], 1);
  EXPECT_EQ(s.tasks.size(), 2u);
  // The JSON says the same; labels appear, keys never do.
  std::string json = Fetch({"GET", Url("/_sim/stats")}).body;
  EXPECT_EQ(json, sim_->StatsJson());
  EXPECT_THAT(json, ::testing::Not(HasSubstr(kAliceKey)));
  rapidjson::Document doc = Json(json);
  EXPECT_EQ(doc["gets_by_task"][a.c_str()].GetInt(), 4);
  EXPECT_EQ(doc["requests_by_key"]["bob"]["posts"].GetInt(), 2);

  EXPECT_EQ(Fetch({"POST", Url("/_sim/reset")}).status, 200);
  s = sim_->stats();
  EXPECT_EQ(s.creates, 0);
  EXPECT_TRUE(s.tasks.empty());
  EXPECT_EQ(Get(a).status, 404);
}

TEST_F(SimTest, ControlEndpoints) {
  EXPECT_EQ(Fetch({"GET", Url("/_sim/health")}).body, R"({"status":"ok"})");
  std::string id = CreateId();
  rapidjson::Document doc = Json(Fetch({"GET", Url("/_sim/tasks/" + id)}).body);
  EXPECT_STREQ(doc["sim_key"].GetString(), "alice");
  EXPECT_STREQ(doc["sim_request"]["prompt"].GetString(), "a cat");
  EXPECT_EQ(Fetch({"GET", Url("/_sim/nope")}).status, 404);
}

TEST_F(SimTest, WrongMethodAndPathAnswered) {
  HttpResult r = Fetch(
      {"DELETE", sim_->base_url() + "/videos/generations", "", kAliceKey});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST");
  r = Fetch({"PUT", sim_->base_url() + "/videos/generations/x", "", kAliceKey});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Fetch({"GET", Url("/nowhere")}).status, 404);
  EXPECT_EQ(Fetch({"GET", sim_->base_url() + "/videos/generations/a/b", "",
                   kAliceKey})
                .status,
            404);
}

}  // namespace
}  // namespace tokenhub_sim::testing
