#include "server/gateway/gateway_config.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
  for (const ConfigOption& o : GatewayConfigOptions()) {
    EXPECT_THAT(help, HasSubstr("--" + o.name)) << o.name;
    EXPECT_THAT(help, HasSubstr("$" + o.env)) << o.name;
  }
}

}  // namespace
}  // namespace seedance::gateway
