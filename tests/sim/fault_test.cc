// Fault injection: every kind, rate (seeded, reproducible) and sequence
// firing, method/path filters, and their accounting.
#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/fault_rule.h"
#include "sim/replies.h"
#include "tests/sim/sim_fixture.h"

namespace tokenhub_sim::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

class FaultTest : public SimTest {
 protected:
  void AddFaults(const std::string& specs) {
    HttpResult r = Fetch({"POST", Url("/_sim/faults"), specs});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  int64_t Fired(const std::string& kind) {
    return sim_->stats().errors_by_kind[kind];
  }
};

TEST_F(FaultTest, ErrorStatusesAnswerWithoutProcessing) {
  for (int code : {500, 502, 503, 504}) {
    sim_->Reset();
    AddFaults(absl::StrCat(code, ",next=1"));
    HttpResult r = Create(Body("a cat"));
    EXPECT_EQ(r.status, code);
    rapidjson::Document doc = Json(r.body);
    EXPECT_STREQ(doc["error"]["type"].GetString(), "server_error");
    EXPECT_EQ(sim_->stats().creates, 0) << "a faulted POST must not create";
    EXPECT_EQ(Fired(absl::StrCat("fault_", code)), 1);
    EXPECT_EQ(Create(Body("a cat")).status, 200);  // next=1 is spent
    sim_->ClearFaults();
  }
}

TEST_F(FaultTest, RateLimitWithRetryAfterSeconds) {
  AddFaults("429,retry_after=2,method=POST,next=1");
  HttpResult r = Create(Body("a cat"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "2");
  EXPECT_THAT(r.body, HasSubstr("rate_limit_error"));
  EXPECT_EQ(Fired("fault_429"), 1);
}

TEST_F(FaultTest, RateLimitWithRetryAfterDate) {
  AddFaults("429,retry_after_date=3,method=GET,next=1");
  HttpResult r = Get("whatever");
  ASSERT_EQ(r.status, 429);
  time_t when = curl_getdate(r.headers["retry-after"].c_str(), nullptr);
  EXPECT_NEAR(static_cast<double>(when),
              static_cast<double>(absl::ToUnixSeconds(absl::Now()) + 3), 2);
  EXPECT_THAT(r.headers["retry-after"], HasSubstr(" GMT"));
}

TEST(ImfFixdateTest, FormatsPerRfc9110) {
  EXPECT_EQ(ImfFixdate(absl::FromUnixSeconds(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_F(FaultTest, LatencyDelaysThenAnswers) {
  AddFaults("latency=150ms,method=GET");
  std::string id = CreateId();
  HttpResult r = Get(id);
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(r.elapsed, absl::Milliseconds(150));
  EXPECT_EQ(Fired("fault_latency"), 1);
}

TEST_F(FaultTest, StallOutlastsClientTimeout) {
  AddFaults("stall,next=1");
  HttpCall call{"GET", sim_->base_url() + "/videos/generations/x", "",
                kAliceKey, absl::Milliseconds(200)};
  HttpResult r = Fetch(call);
  EXPECT_EQ(r.curl_code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(Fired("fault_stall"), 1);
  EXPECT_EQ(Get("x").status, 404);  // the server is fine
}

TEST_F(FaultTest, StallWithDurationClosesAfterIt) {
  AddFaults("stall=100ms,next=1");
  HttpResult r = Get("x");
  EXPECT_NE(r.curl_code, CURLE_OK);
  EXPECT_NE(r.curl_code, CURLE_OPERATION_TIMEDOUT);
}

TEST_F(FaultTest, ResetCreatesOnlyAfterCreate) {
  // reset: the request is not processed; reset_after_create: the task is
  // created, then the connection is reset before the reply.
  for (const auto& [kind, creates] :
       {std::pair<std::string, int>{"reset", 0}, {"reset_after_create", 1}}) {
    sim_->Reset();
    AddFaults(kind + ",method=POST,next=1");
    HttpResult r = Create(Body("a cat"));
    EXPECT_THAT(r.curl_code, AnyOf(CURLE_RECV_ERROR, CURLE_GOT_NOTHING));
    EXPECT_EQ(sim_->stats().creates, creates) << kind;
    EXPECT_EQ(Fired("fault_" + kind), 1) << kind;
  }
}

TEST_F(FaultTest, TruncateSendsHalfTheBody) {
  std::string id = CreateId();
  AddFaults("truncate,next=1");
  HttpResult r = Get(id);
  EXPECT_EQ(r.curl_code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(Fired("fault_truncate"), 1);
}

TEST_F(FaultTest, MalformedJson) {
  std::string id = CreateId();
  AddFaults("malformed,next=1");
  HttpResult r = Get(id);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Json(r.body).HasParseError());
}

TEST_F(FaultTest, UnknownStatus) {
  std::string id = CreateId();
  AddFaults("unknown_status=processing_v2,next=1");
  EXPECT_STREQ(Json(Get(id).body)["status"].GetString(), "processing_v2");
  EXPECT_EQ(Fired("fault_unknown_status"), 1);
}

TEST_F(FaultTest, MissingAndExtraFields) {
  std::string id = CreateId();
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  AddFaults("missing_fields,next=1;missing_fields=id+data,seq=2");
  rapidjson::Document doc = Json(Get(id).body);
  EXPECT_FALSE(doc.HasMember("status"));
  EXPECT_TRUE(doc.HasMember("id"));
  doc = Json(Get(id).body);
  EXPECT_FALSE(doc.HasMember("id"));
  EXPECT_FALSE(doc.HasMember("data"));
  EXPECT_TRUE(doc.HasMember("status"));
  EXPECT_EQ(Fired("fault_missing_fields"), 2);

  AddFaults("extra_fields,next=1");
  doc = Json(Get(id).body);
  EXPECT_STREQ(doc["status"].GetString(), "succeeded");
  EXPECT_TRUE(doc.HasMember("sim_extra"));
  EXPECT_TRUE(doc["data"][0].HasMember("resolution"));
}

TEST_F(FaultTest, HugeBody) {
  std::string id = CreateId();
  AddFaults("huge,next=1");
  HttpResult r = Get(id);
  EXPECT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), 8u << 20);
  rapidjson::Document doc = Json(r.body);
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["id"].GetString(), id.c_str());
}

TEST_F(FaultTest, SequenceFiresOnExactlyTheChosenRequests) {
  AddFaults("503,method=GET,seq=2-3+5");
  std::vector<int64_t> statuses;
  statuses.reserve(6);
  for (int i = 0; i < 6; ++i) statuses.push_back(Get("x").status);
  EXPECT_EQ(statuses, (std::vector<int64_t>{404, 503, 503, 404, 503, 404}));
  // POSTs do not match a GET rule and do not advance it.
  EXPECT_EQ(Create(Body("a")).status, 200);
  rapidjson::Document list = Json(Fetch({"GET", Url("/_sim/faults")}).body);
  EXPECT_EQ(list[0]["matched"].GetInt(), 6);
  EXPECT_EQ(list[0]["fired"].GetInt(), 3);
  EXPECT_EQ(Fetch({"DELETE", Url("/_sim/faults")}).status, 200);
  EXPECT_EQ(Get("x").status, 404);
}

std::vector<int64_t> RateRun(uint64_t seed) {
  SimOptions options;
  options.seed = seed;
  options.faults = *ParseFaultRules("503,rate=0.5");
  auto sim = SimServer::Start(options);
  std::vector<int64_t> statuses;
  statuses.reserve(40);
  for (int i = 0; i < 40; ++i) {
    statuses.push_back(
        Fetch({"GET", (*sim)->base_url() + "/videos/generations/x", "",
               std::string(kDefaultKey)})
            .status);
  }
  return statuses;
}

TEST(FaultRateTest, SeededRateIsReproducible) {
  std::vector<int64_t> a = RateRun(7), b = RateRun(7), c = RateRun(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int fired = static_cast<int>(std::count(a.begin(), a.end(), 503));
  EXPECT_GT(fired, 5);
  EXPECT_LT(fired, 35);
}

TEST_F(FaultTest, CountCapsFirings) {
  AddFaults("500,count=2");
  int errors = 0;
  for (int i = 0; i < 5; ++i) errors += Get("x").status == 500;
  EXPECT_EQ(errors, 2);
}

TEST_F(FaultTest, MediaPathFaults) {
  std::string id = CreateId();
  AddFaults("503,next=1");  // api only by default
  AddFaults("truncate,path=media,next=1");
  EXPECT_EQ(Fetch({"GET", Url("/media/" + id + "/video.mp4")}).curl_code,
            CURLE_PARTIAL_FILE);
  EXPECT_EQ(Get(id).status, 503);
}

// echo_key puts the caller's own key where a careless upstream might: a
// gateway must never pass it on (tests/upstream/key_redaction_test.cc and
// tests/gateway/key_redaction_e2e_test.cc check that side).
TEST_F(FaultTest, EchoKeyPutsTheCallersKeyIntoTheReply) {
  AddFaults("echo_key,method=POST,next=1");
  HttpResult r = Create(Body("a cat"), kBobKey);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(sim_->stats().creates, 0) << "echo_key=error processes nothing";
  EXPECT_EQ(r.headers["x-echo-key"], kBobKey);
  rapidjson::Document doc = Json(r.body);
  EXPECT_THAT(doc["error"]["message"].GetString(),
              HasSubstr(absl::StrCat(" ", kBobKey)));
  EXPECT_EQ(doc["error"]["code"].GetString(), absl::StrCat("code", kBobKey));
  EXPECT_EQ(doc["error"]["type"].GetString(), absl::StrCat("42", kBobKey));

  std::string id = CreateId();
  ASSERT_TRUE(WaitForStatus(id, "succeeded"));
  AddFaults("echo_key=task,next=1;echo_key=status,seq=2;echo_key=id,seq=3");
  doc = Json(Get(id).body);
  EXPECT_EQ(doc["error"]["code"].GetString(), absl::StrCat("code", kAliceKey));
  EXPECT_EQ(doc["error"]["type"].GetString(), absl::StrCat("42", kAliceKey));
  EXPECT_THAT(doc["error"]["message"].GetString(), HasSubstr(kAliceKey));
  EXPECT_THAT(doc["model"].GetString(), HasSubstr(kAliceKey));
  EXPECT_THAT(doc["data"][0]["video_url"].GetString(), HasSubstr(kAliceKey));
  EXPECT_STREQ(doc["status"].GetString(), "succeeded");
  EXPECT_EQ(Json(Get(id).body)["status"].GetString(),
            absl::StrCat("succeeded", kAliceKey));
  EXPECT_EQ(Json(Get(id).body)["id"].GetString(), absl::StrCat(id, kAliceKey));
  EXPECT_STREQ(Json(Get(id).body)["id"].GetString(), id.c_str())
      << "rules spent";
  EXPECT_EQ(Fired("fault_echo_key"), 4);
}

TEST_F(FaultTest, JsonFaultListAndBadSpecs) {
  AddFaults(
      R"([{"kind":"502","method":"GET","seq":"1"},"504,method=POST,next=1"])");
  EXPECT_EQ(Get("x").status, 502);
  EXPECT_EQ(Create(Body("a")).status, 504);
  HttpResult bad = Fetch({"POST", Url("/_sim/faults"), "teapot"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("teapot"));
}

TEST(FaultRuleTest, ParsesAndRejects) {
  absl::StatusOr<FaultRule> r =
      ParseFaultRule("429,retry_after_date=2,seq=2-3");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, FaultKind::kRateLimit);
  EXPECT_TRUE(r->retry_after_date);
  EXPECT_EQ(r->sequence.size(), 1u);
  r = ParseFaultRule("latency=200ms,method=get,rate=0.25");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->duration, absl::Milliseconds(200));
  EXPECT_EQ(r->method, FaultMethod::kGet);
  for (const char* bad :
       {"", "latency", "latency=fast", "200", "503,rate=2", "503,seq=3-1",
        "503,rate=0.5,next=1", "reset,retry_after=1", "reset,truncate",
        "503,method=PUT", "503,bogus=1", "huge=-1",
        "unknown_status=", "echo_key=header"}) {
    EXPECT_FALSE(ParseFaultRule(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tokenhub_sim::testing
