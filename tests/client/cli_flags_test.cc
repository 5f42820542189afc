// The `seedance` CLI's command line: flags to CreateVideoRequest fields,
// connection settings from flags and the environment, and usage errors that
// name the flag.
#include "client/cli_flags.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace seedance::client {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CliFlagsTest : public ::testing::Test {
 protected:
  absl::StatusOr<CliCommand> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "seedance");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& a : args) argv.push_back(a.c_str());
    return ParseCommandLine(static_cast<int>(argv.size()), argv.data(),
                            [this](const char* name) -> const char* {
                              auto it = env_.find(name);
                              return it == env_.end() ? nullptr
                                                      : it->second.c_str();
                            });
  }
  std::map<std::string, std::string> env_;
};

TEST_F(CliFlagsTest, CreateFlagsFillTheRequest) {
  auto c = Parse({"create", "--prompt", "a fox", "--duration=8s",
                  "--resolution", "480p", "--image-urls=https://a/1.png?x=1,2",
                  "--image-urls", "https://a/2.png", "--video-duration=5s",
                  "--video-duration", "2.5", "--no-generate-audio",
                  "--watermark", "--content=image:first_frame:https://a/f.png",
                  "--request-id=r-1", "--input-video-duration=12s"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->verb, CliCommand::Verb::kCreate);
  const v1::CreateVideoRequest& r = c->request;
  EXPECT_EQ(r.model(), "doubao-seedance-2.0");
  EXPECT_EQ(r.prompt(), "a fox");
  EXPECT_TRUE(c->prompt_given);
  EXPECT_EQ(r.duration(), 8);
  EXPECT_EQ(r.resolution(), v1::RESOLUTION_480P);
  // Each occurrence is one value, commas and all.
  EXPECT_THAT(r.image_urls(),
              ElementsAre("https://a/1.png?x=1,2", "https://a/2.png"));
  ASSERT_EQ(r.video_durations_size(), 2);
  EXPECT_EQ(r.video_durations(1).seconds(), 2);
  EXPECT_EQ(r.video_durations(1).nanos(), 500000000);
  EXPECT_EQ(r.input_video_duration().seconds(), 12);
  ASSERT_TRUE(r.has_generate_audio());
  EXPECT_FALSE(r.generate_audio());
  EXPECT_TRUE(r.watermark());
  ASSERT_EQ(r.content_size(), 1);
  EXPECT_EQ(r.content(0).role(), v1::CONTENT_ROLE_FIRST_FRAME);
  EXPECT_EQ(r.request_id(), "r-1");
}

TEST_F(CliFlagsTest, FieldsNotGivenStayUnsetAndParsesDoNotLeak) {
  ASSERT_OK(Parse({"create", "--prompt=x", "--image-urls=u", "--watermark",
                   "--duration=5"})
                .status());
  auto c = Parse({"create", "--prompt=y"});
  ASSERT_OK(c.status());
  EXPECT_FALSE(c->request.has_duration());
  EXPECT_FALSE(c->request.has_watermark());
  EXPECT_FALSE(c->request.has_generate_audio());
  EXPECT_TRUE(c->request.image_urls().empty());
  EXPECT_EQ(c->request.resolution(), v1::RESOLUTION_UNSPECIFIED);
  EXPECT_FALSE(c->watch);
  EXPECT_FALSE(c->heartbeat_given);
}

TEST_F(CliFlagsTest, ConnectionFromFlagsAndEnvironment) {
  env_["SEEDANCE_GATEWAY"] = "gw.example:443";
  env_["SEEDANCE_API_KEY"] = "th-from-env";
  env_["MY_KEY"] = "th-other";
  auto c = Parse({"watch", "cgt-1", "--heartbeat=2s", "--timeout", "5"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->verb, CliCommand::Verb::kWatch);
  EXPECT_EQ(c->id, "cgt-1");
  EXPECT_TRUE(c->watch);
  EXPECT_EQ(c->client.target, "gw.example:443");
  EXPECT_EQ(c->client.api_key, "th-from-env");
  EXPECT_FALSE(c->client.tls);
  EXPECT_EQ(c->heartbeat, absl::Seconds(2));
  EXPECT_TRUE(c->heartbeat_given);
  EXPECT_EQ(c->client.timeout, absl::Seconds(5));

  c = Parse({"get", "cgt-1", "--gateway=10.0.0.1:1", "--api-key-env=MY_KEY",
             "--tls-server-name=gw"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->client.target, "10.0.0.1:1");  // the flag beats the variable
  EXPECT_EQ(c->client.api_key, "th-other");
  EXPECT_TRUE(c->client.tls);  // implied
}

TEST_F(CliFlagsTest, KeyFileIsReadAndTrimmed) {
  std::string path = ::testing::TempDir() + "/cli-key";
  std::ofstream(path) << "th-file-key\n";
  auto c = Parse({"get", "cgt-1", "--api-key-file", path});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->client.api_key, "th-file-key");
  std::remove(path.c_str());
  EXPECT_THAT(Parse({"get", "cgt-1", "--api-key-file=/nonexistent/k"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--api-key-file: cannot read")));
}

TEST_F(CliFlagsTest, DownloadImpliesWatchAndDryRunRefusesBoth) {
  auto c = Parse({"create", "--prompt=x", "--download", "out.mp4"});
  ASSERT_OK(c.status());
  EXPECT_TRUE(c->watch);
  EXPECT_THAT(Parse({"create", "--prompt=x", "--dry-run", "--download=o"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--dry-run creates nothing")));
}

TEST_F(CliFlagsTest, UsageErrorsNameTheFlagOrCommand) {
  EXPECT_THAT(Parse({"create", "--no-such-flag"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --no-such-flag")));
  EXPECT_THAT(Parse({"create", "--duration=five"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--duration wants whole seconds")));
  EXPECT_THAT(Parse({"create", "--resolution=4k"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--resolution wants 480p or 720p")));
  EXPECT_THAT(Parse({"watch", "x", "--heartbeat=soon"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--heartbeat: wants a duration")));
  EXPECT_THAT(Parse({"get", "x", "--timeout=0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--timeout wants a positive duration")));
  EXPECT_THAT(Parse({"create", "--content=pdf::u"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--content wants TYPE:ROLE:URL")));
  EXPECT_THAT(Parse({"create", "--prompt"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--prompt needs a value")));
  EXPECT_THAT(Parse({"watch"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("watch wants one task ID")));
  EXPECT_THAT(Parse({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("missing command")));
  EXPECT_THAT(Parse({"delete", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown command delete")));
}

TEST_F(CliFlagsTest, HelpInAnyForm) {
  for (const char* form : {"--help", "-h", "help"}) {
    auto c = Parse({form});
    ASSERT_OK(c.status()) << form;
    EXPECT_EQ(c->verb, CliCommand::Verb::kHelp) << form;
  }
  auto c = Parse({"create", "--bogus", "--help"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->verb, CliCommand::Verb::kHelp);
  std::string help = CliUsage();
  EXPECT_THAT(help, HasSubstr("\n  --[no-]watermark  "));
  EXPECT_THAT(help, HasSubstr("\n  --gateway HOST:PORT  "));
  EXPECT_THAT(help, HasSubstr("\n  --dry-run  "));
}

}  // namespace
}  // namespace seedance::client
