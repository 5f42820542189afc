#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/gateway/gateway_flags.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class GatewayConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<GatewayConfig> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "seedance-gateway");
    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const auto& a : args) argv.push_back(a.c_str());
    return ParseGatewayConfig(static_cast<int>(argv.size()), argv.data(),
                              [this](const char* name) -> const char* {
                                auto it = env_.find(name);
                                return it == env_.end() ? nullptr
                                                        : it->second.c_str();
                              });
  }
  std::map<std::string, std::string> env_;
};

TEST_F(GatewayConfigTest, DefaultsMatchTheDocumentation) {
  auto c = Parse({});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->listen, "0.0.0.0:50051");
  EXPECT_EQ(c->upstream, "https://tokenhub.store/api/v1");
  EXPECT_FALSE(c->allow_caller_keys);
  EXPECT_EQ(c->poll_initial, absl::Seconds(1));
}

TEST_F(GatewayConfigTest, FlagBeatsEnvironmentWhichBeatsDefault) {
  env_["SEEDANCE_LISTEN"] = "127.0.0.1:7000";
  env_["SEEDANCE_POLL_MAX"] = "10s";
  auto c = Parse({"--listen=127.0.0.1:0"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->poll_max, absl::Seconds(10));
}

TEST_F(GatewayConfigTest, FlagFormsAndBooleans) {
  auto c = Parse({"--upstream", "http://127.0.0.1:9/api/v1",
                  "--allow-caller-keys", "--no-log-calls"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->upstream, "http://127.0.0.1:9/api/v1");
  EXPECT_TRUE(c->allow_caller_keys);
  EXPECT_FALSE(c->log_calls);
}

TEST_F(GatewayConfigTest, BadValuesNameTheFlag) {
  EXPECT_THAT(Parse({"--poll-initial=soon"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--poll-initial")));
  EXPECT_THAT(
      Parse({"--max-streams=-4"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--max-streams")));
  EXPECT_THAT(Parse({"--frobnicate"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --frobnicate")));
  env_["SEEDANCE_MAX_STREAMS"] = "many";
  EXPECT_THAT(Parse({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("SEEDANCE_MAX_STREAMS")));
}

TEST_F(GatewayConfigTest, TenantsFileFlagAndItsConflictWithCallerKeys) {
  auto c = Parse({"--tenants-file=/etc/seedance/tenants.json"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tenants_file, "/etc/seedance/tenants.json");
  EXPECT_THAT(Parse({"--tenants-file=/t.json", "--allow-caller-keys"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exclude each other")));
}

TEST_F(GatewayConfigTest, TaskStoreFlags) {
  auto c = Parse({});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->store, "sqlite:seedance-tasks.db");
  EXPECT_EQ(c->track_for, absl::Hours(48));
  EXPECT_EQ(c->poll_unwatched, absl::Seconds(10));
  EXPECT_EQ(c->store_connections, 4);

  c = Parse({"--store=postgresql://gw@db:5432/seedance", "--track-for=24h",
             "--store-connections=8"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->store, "postgresql://gw@db:5432/seedance");
  EXPECT_EQ(c->track_for, absl::Hours(24));
  EXPECT_EQ(c->store_connections, 8);
  EXPECT_OK(Parse({"--store=none"}).status());

  EXPECT_THAT(Parse({"--store=mysql://db"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--store: must be sqlite:PATH")));
  EXPECT_THAT(Parse({"--store=sqlite:"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a file path")));
  EXPECT_THAT(
      Parse({"--track-for=0s"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--track-for")));
}

TEST_F(GatewayConfigTest, StorePasswordComesFromItsFileWithoutTheNewline) {
  std::string path = ::testing::TempDir() + "/store-password";
  {
    std::ofstream out(path);
    out << "s3cret pass\n";
  }
  auto c = Parse({"--store-password-file", path});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->store_password, "s3cret pass");
  EXPECT_THAT(Parse({"--store-password-file=/nonexistent/pw"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--store-password-file: cannot read")));
  std::remove(path.c_str());
}

TEST_F(GatewayConfigTest, StreamSlotLimitsHaveSafeDefaultsAndZeroMeansNone) {
  auto c = Parse({"--max-streams=1000"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->StreamsPerPeer(), 500);  // half of --max-streams
  EXPECT_EQ(c->max_streams_per_connection, 1000);
  EXPECT_EQ(c->write_timeout, absl::Seconds(30));

  env_["SEEDANCE_MAX_STREAMS_PER_PEER"] = "0";
  env_["SEEDANCE_WRITE_TIMEOUT"] = "5s";
  c = Parse({"--max-streams-per-connection=0"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->StreamsPerPeer(), 0);
  EXPECT_EQ(c->max_streams_per_connection, 0);
  EXPECT_EQ(c->write_timeout, absl::Seconds(5));

  EXPECT_THAT(Parse({"--max-streams-per-peer=-1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--max-streams-per-peer")));
  EXPECT_THAT(Parse({"--write-timeout=0s"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--write-timeout")));
}

TEST_F(GatewayConfigTest, InconsistentPollPolicyIsRejected) {
  EXPECT_THAT(
      Parse({"--poll-initial=10s", "--poll-max=1s"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--poll-max")));
}

TEST_F(GatewayConfigTest, KeyFileIsReadAndTrimmed) {
  std::string path = ::testing::TempDir() + "/key";
  std::ofstream(path) << "  th-from-secret-file\n";
  env_["TOKENHUB_API_KEY_FILE"] = path;
  auto c = Parse({});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->api_key, "th-from-secret-file");
  std::remove(path.c_str());
}

TEST_F(GatewayConfigTest, MissingKeyFileIsAnError) {
  EXPECT_THAT(Parse({"--api-key-file=/nonexistent/key"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--api-key-file")));
}

TEST_F(GatewayConfigTest, MalformedKeyIsRejectedWithoutPrintingIt) {
  env_["TOKENHUB_API_KEY"] = "sk-not-a-tokenhub-key";
  auto c = Parse({});
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument,
                          Not(HasSubstr("sk-not-a-tokenhub-key"))));
}

TEST_F(GatewayConfigTest, HelpListsEveryFlagWithItsVariable) {
  std::string help = GatewayUsage();
  for (const FlagDoc& o : GatewayFlags()) {
    EXPECT_THAT(help, HasSubstr(absl::StrCat("\n  --", o.name))) << o.name;
    EXPECT_THAT(help, HasSubstr(absl::StrCat("[$", o.env, "]"))) << o.name;
  }
}

TEST_F(GatewayConfigTest, EachParseStartsFromTheDefaults) {
  // The flags are process-wide Abseil flags: a second parse must not see the
  // first one's values.
  ASSERT_OK(Parse({"--max-streams=7", "--no-log-calls",
                   "--cors-origins=https://a.example"})
                .status());
  auto c = Parse({});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->max_streams, 20000);
  EXPECT_TRUE(c->log_calls);
  EXPECT_TRUE(c->cors_origins.empty());
  EXPECT_EQ(c->max_streams_per_peer, -1);
}

TEST_F(GatewayConfigTest, ValuesOfEveryKindParse) {
  auto c = Parse({"--poll-scaling=2.5", "--log-format", "json",
                  "--log-level=warn", "--max-streams-per-peer=3",
                  "--cors-origins=https://a.example, http://b.example:8080",
                  "--allow-caller-keys=false", "--shutdown-grace=1m30s"});
  ASSERT_OK(c.status());
  EXPECT_EQ(c->poll_scaling, 2.5);
  EXPECT_EQ(c->log_format, LogFormat::kJson);
  EXPECT_EQ(c->log_level, LogLevel::kWarn);
  EXPECT_EQ(c->StreamsPerPeer(), 3);
  EXPECT_THAT(c->cors_origins, ::testing::ElementsAre("https://a.example",
                                                      "http://b.example:8080"));
  EXPECT_FALSE(c->allow_caller_keys);
  EXPECT_EQ(c->shutdown_grace, absl::Seconds(90));
}

TEST_F(GatewayConfigTest, MalformedCommandLinesAreClearErrors) {
  EXPECT_THAT(Parse({"--listen"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--listen needs a value")));
  EXPECT_THAT(Parse({"--no-log-calls=yes"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--no-log-calls takes no value")));
  EXPECT_THAT(Parse({"--no-listen"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --no-listen")));
  EXPECT_THAT(Parse({"serve"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected argument 'serve'")));
  // Abseil's own names (underscores) and built-in flags are not ours.
  EXPECT_THAT(Parse({"--max_streams=5"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --max_streams")));
  EXPECT_THAT(Parse({"--flagfile=/etc/passwd"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --flagfile")));
  EXPECT_THAT(Parse({"--log-calls=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--log-calls: must be true or false")));
  EXPECT_THAT(Parse({"--poll-scaling=11"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--poll-scaling: must be a number from 1")));
  EXPECT_THAT(Parse({"--cors-origins=*"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cors-origins: '*' is not an origin")));
  EXPECT_THAT(
      Parse({"--log-level=loud"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--log-level")));
  env_["SEEDANCE_POLL_SCALING"] = "0.5";
  EXPECT_THAT(Parse({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("SEEDANCE_POLL_SCALING: must be")));
}

TEST_F(GatewayConfigTest, HelpShowsDefaultsAndWrapsTheText) {
  std::string help = GatewayUsage();
  EXPECT_THAT(help, HasSubstr("  --listen=VALUE  [$SEEDANCE_LISTEN]  (default "
                              "0.0.0.0:50051)\n"));
  EXPECT_THAT(help,
              HasSubstr("  --allow-caller-keys  "
                        "[$SEEDANCE_ALLOW_CALLER_KEYS]  (default false)"));
  EXPECT_THAT(help, HasSubstr("(default 30s)"));
  EXPECT_THAT(help, HasSubstr("(default half of --max-streams)"));
  EXPECT_THAT(help, HasSubstr("[$SEEDANCE_POLL_SCALING]  (default 1.25)"));
  EXPECT_THAT(help, HasSubstr("[$SEEDANCE_LOG_LEVEL]  (default info)"));
  for (absl::string_view line : absl::StrSplit(help, '\n')) {
    if (absl::StartsWith(line, "      ")) {
      EXPECT_LE(line.size(), 79u) << line;
    }
  }
}

}  // namespace
}  // namespace seedance::gateway
