#include "server/gateway/call_log.h"

#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace seedance::gateway {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CallLogTest, OneParseableLinePerCall) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-42", absl::NotFoundError("no such task"),
          absl::Milliseconds(12), "ipv4:127.0.0.1:5000");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, AllOf(HasSubstr("call=GetVideo"), HasSubstr("id=cgt-42"),
                         HasSubstr("code=NOT_FOUND"), HasSubstr("ms=12"),
                         HasSubstr("error=\"no such task\"")));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(CallLogTest, AKeyThatSlipsIntoAMessageIsRedacted) {
  ::testing::internal::CaptureStderr();
  LogUpstreamFailure("poll", "cgt-42",
                     absl::UnauthenticatedError(
                         "upstream said: bad key th-abcdefghijklmnop1234"));
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, AllOf(HasSubstr("upstream_failure=poll"),
                         Not(HasSubstr("th-abcdefghijklmnop1234"))));
}

// Keys glued to other text (after `=`, a letter or a digit) and task ids
// that carry a key are redacted in every field of every kind of line.
TEST(CallLogTest, KeysAnywhereInAnyFieldAreRedacted) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "th-0ther5ecretKey99", absl::OkStatus(),
          absl::Milliseconds(1), "ipv4:127.0.0.1:5000");
  LogCall("CreateVideo", "cgt-th-0ther5ecretKey99",
          absl::UnauthenticatedError("code=codeth-0ther5ecretKey99"),
          absl::Milliseconds(1), "peer");
  LogUpstreamFailure("poll", "cgt-1",
                     absl::UnavailableError("status 42th-0ther5ecretKey99"));
  LogUpstreamFailure("poll th-0ther5ecretKey99", "x", absl::OkStatus());
  LogNotice("Authorization:Bearer th-0ther5ecretKey99");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("0ther5ecret"))) << out;
  EXPECT_THAT(out, HasSubstr("[redacted]"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5);
}

TEST(CallLogTest, CallLinesCanBeTurnedOffButFailuresStay) {
  SetCallLogging(false);
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-1", absl::OkStatus(), absl::ZeroDuration(), "p");
  LogUpstreamFailure("poll", "cgt-1", absl::UnavailableError("down"));
  std::string out = ::testing::internal::GetCapturedStderr();
  SetCallLogging(true);
  EXPECT_THAT(out,
              AllOf(Not(HasSubstr("call=")), HasSubstr("upstream_failure")));
}

// Parses each line of `out` as one JSON object; fails the test otherwise.
std::vector<rapidjson::Document> JsonLines(const std::string& out) {
  std::vector<rapidjson::Document> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    EXPECT_FALSE(doc.HasParseError()) << line;
    EXPECT_TRUE(!doc.HasParseError() && doc.IsObject()) << line;
    lines.push_back(std::move(doc));
  }
  return lines;
}

std::string Str(const rapidjson::Document& doc, const char* key) {
  if (!doc.IsObject() || !doc.HasMember(key) || !doc[key].IsString()) {
    return "<absent>";
  }
  return doc[key].GetString();
}

// Switches the process-wide format to JSON for one test.
class JsonLogTest : public ::testing::Test {
 protected:
  JsonLogTest() { SetLogFormat(LogFormat::kJson); }
  ~JsonLogTest() override {
    SetLogFormat(LogFormat::kText);
    SetLogLevel(LogLevel::kInfo);
  }
};

TEST_F(JsonLogTest, ACallIsOneObjectWithTimeLevelMessageAndItsFields) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-42", absl::NotFoundError("no such task"),
          absl::Milliseconds(12), "ipv4:127.0.0.1:5000");
  std::vector<rapidjson::Document> lines =
      JsonLines(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 1u);
  const rapidjson::Document& line = lines[0];
  EXPECT_THAT(Str(line, "time"),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"));
  EXPECT_EQ(Str(line, "level"), "info");
  EXPECT_EQ(Str(line, "message"), "call");
  EXPECT_EQ(Str(line, "method"), "GetVideo");
  EXPECT_EQ(Str(line, "id"), "cgt-42");
  EXPECT_EQ(Str(line, "code"), "NOT_FOUND");
  EXPECT_EQ(Str(line, "peer"), "ipv4:127.0.0.1:5000");
  EXPECT_EQ(Str(line, "error"), "no such task");
  ASSERT_TRUE(line.HasMember("ms") && line["ms"].IsInt());
  EXPECT_EQ(line["ms"].GetInt(), 12);
}

TEST_F(JsonLogTest, EveryKindOfLineHasItsLevel) {
  ::testing::internal::CaptureStderr();
  LogUpstreamFailure("poll", "cgt-1", absl::UnavailableError("503"));
  LogNotice("draining");
  LogCall("CreateVideo", "", absl::InternalError("bug"), absl::ZeroDuration(),
          "p");
  LogError("cannot listen");
  std::vector<rapidjson::Document> lines =
      JsonLines(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(Str(lines[0], "level"), "warn");
  EXPECT_EQ(Str(lines[0], "what"), "poll");
  EXPECT_EQ(Str(lines[0], "message"), "upstream request failed");
  EXPECT_EQ(Str(lines[1], "level"), "info");
  EXPECT_EQ(Str(lines[1], "message"), "draining");
  EXPECT_EQ(Str(lines[2], "level"), "error");  // the gateway's own fault
  EXPECT_EQ(Str(lines[2], "id"), "<absent>");  // empty fields are left out
  EXPECT_EQ(Str(lines[3], "message"), "cannot listen");
}

TEST_F(JsonLogTest, HostileTextStillMakesOneValidLine) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-\"}\n{\"x\":1",
          absl::InvalidArgumentError(
              std::string("bad \xff\xfe bytes \x01 and \\ \t")),
          absl::ZeroDuration(), "peer");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  std::vector<rapidjson::Document> lines = JsonLines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Str(lines[0], "id"), "cgt-\"}\n{\"x\":1");
}

TEST_F(JsonLogTest, KeysAreRedactedInEveryField) {
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-th-0ther5ecretKey99",
          absl::UnauthenticatedError("bad key th-0ther5ecretKey99"),
          absl::Milliseconds(1), "th-0ther5ecretKey99");
  LogUpstreamFailure("poll th-0ther5ecretKey99", "x",
                     absl::UnavailableError("th-0ther5ecretKey99"));
  LogNotice("Authorization: Bearer th-0ther5ecretKey99");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, Not(HasSubstr("0ther5ecret"))) << out;
  EXPECT_EQ(JsonLines(out).size(), 3u);
}

TEST_F(JsonLogTest, LinesBelowTheLevelAreDropped) {
  SetLogLevel(LogLevel::kWarn);
  ::testing::internal::CaptureStderr();
  LogCall("GetVideo", "cgt-1", absl::OkStatus(), absl::ZeroDuration(), "p");
  LogNotice("start");
  LogUpstreamFailure("poll", "cgt-1", absl::UnavailableError("down"));
  std::vector<rapidjson::Document> lines =
      JsonLines(::testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Str(lines[0], "level"), "warn");
}

TEST(LogSettingsTest, FormatAndLevelNamesAreChecked) {
  EXPECT_TRUE(ParseLogFormat("json").ok());
  EXPECT_TRUE(ParseLogFormat("text").ok());
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_THAT(std::string(ParseLogLevel("verbose").status().message()),
              HasSubstr("debug, info, warn or error"));
}

}  // namespace
}  // namespace seedance::gateway
