#include "server/gateway/tenant_directory.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_scheduler.h"
#include "tests/testing/scratch_dir.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::FakeScheduler;
using ::seedance::testing::ScratchDir;
using ::seedance::testing::StatusCodeIs;
using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Hex(const std::string& key) {
  KeyDigest d = *CallerKeyDigest(key);
  std::string out;
  for (unsigned char c : d) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

std::string OneTenant(const std::string& name, const std::string& key,
                      const std::string& extra = "") {
  return absl::StrCat(R"({"tenants": [{"name": ")", name,
                      R"(", "key_sha256": [")", Hex(key), "\"]", extra, "}]}");
}

absl::StatusOr<TenantConfig> Parse(const std::string& json,
                                   const std::string& own_key = "th-own") {
  return ParseTenantConfig(
      json,
      [](const std::string& path) -> absl::StatusOr<std::string> {
        if (path == "/keys/a") return std::string("th-team-a-upstream");
        return absl::NotFoundError(absl::StrCat("cannot read ", path));
      },
      own_key);
}

void Write(const std::string& path, const std::string& text) {
  // Written beside and renamed over, as a Secret update swaps files: the
  // reader never sees half a file.
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, path);
}

TEST(TenantConfigTest, FullTenantParses) {
  absl::StatusOr<TenantConfig> config =
      Parse(OneTenant("team-a", "sk-a",
                      R"(, "creates_per_minute": 60, "max_unfinished": 20,
          "daily_budget_micros": 50000000, "upstream_key_file": "/keys/a")"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->tenants.size(), 1u);
  const Tenant& t = config->tenants[0];
  EXPECT_EQ(t.name, "team-a");
  EXPECT_EQ(*t.creates_per_minute, 60);
  EXPECT_EQ(*t.max_unfinished, 20);
  EXPECT_EQ(*t.daily_budget_micros, 50000000);
  EXPECT_EQ(t.upstream_key, "th-team-a-upstream");
}

TEST(TenantConfigTest, LimitsAreOptionalAndTheGatewayKeyIsTheDefault) {
  absl::StatusOr<TenantConfig> config = Parse(OneTenant("b", "sk-b"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->tenants[0].creates_per_minute.has_value());
  EXPECT_FALSE(config->tenants[0].daily_budget_micros.has_value());
  EXPECT_EQ(config->tenants[0].upstream_key, "th-own");
}

TEST(TenantConfigTest, ErrorsNameTheField) {
  struct Case {
    std::string json;
    std::string field;
  };
  const std::string ok_key = Hex("k");
  const Case cases[] = {
      {"[]", "JSON object"},
      {"{\"tenants\": [", "not JSON"},
      {R"({"tenant": []})", "tenant: unknown field"},
      {R"({})", "tenants: is required"},
      {R"({"tenants": {}})", "tenants: must be an array"},
      {R"({"tenants": [{"key_sha256": [")" + ok_key + R"("]}]})",
       "tenants[0].name: is required"},
      {R"({"tenants": [{"name": "Team A", "key_sha256": [")" + ok_key +
           R"("]}]})",
       "tenants[0].name:"},
      {R"({"tenants": [{"name": "a"}]})", "tenants[0].key_sha256: is required"},
      {R"({"tenants": [{"name": "a", "key_sha256": []}]})",
       "tenants[0].key_sha256: must be a non-empty"},
      {R"({"tenants": [{"name": "a", "key_sha256": ["abc"]}]})",
       "tenants[0].key_sha256[0]: must be the SHA-256"},
      {OneTenant("a", "k", R"(, "max_unfinished": -1)"),
       "tenants[0].max_unfinished: must not be negative"},
      {OneTenant("a", "k", R"(, "daily_budget_micros": 1.5)"),
       "tenants[0].daily_budget_micros: must be a whole number"},
      {OneTenant("a", "k", R"(, "creates_per_minute": "60")"),
       "tenants[0].creates_per_minute: must be a whole number"},
      {OneTenant("a", "k", R"(, "daily_budget": 5)"),
       "tenants[0].daily_budget: unknown field"},
      {OneTenant("a", "k", R"(, "upstream_key_file": "/nope")"),
       "tenants[0].upstream_key_file: cannot read /nope"},
      {R"({"tenants": [{"name": "a", "key_sha256": [")" + ok_key +
           R"("]}, {"name": "a", "key_sha256": [")" + Hex("other") + R"("]}]})",
       "tenants[1].name: 'a' appears twice"},
      {R"({"tenants": [{"name": "a", "key_sha256": [")" + ok_key +
           R"("]}, {"name": "b", "key_sha256": [")" + ok_key + R"("]}]})",
       "tenants[1].key_sha256[0]: is listed twice"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Parse(c.json), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr(c.field)))
        << c.json;
  }
}

TEST(TenantConfigTest, WithoutAGatewayKeyEachTenantNeedsItsOwn) {
  EXPECT_THAT(Parse(OneTenant("a", "k"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tenants[0].upstream_key_file: is required")));
}

class TenantDirectoryTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/tenants.json"; }

  absl::StatusOr<std::unique_ptr<FileTenantDirectory>> Open() {
    TenantFileOptions options;
    options.path = Path();
    options.own_key = "th-own";
    options.poll_interval = absl::Seconds(2);
    return FileTenantDirectory::Open(options, scheduler_);
  }

  ScratchDir dir_;
  FakeScheduler scheduler_;
};

TEST_F(TenantDirectoryTest, KnownKeyFindsItsTenant) {
  Write(Path(), OneTenant("team-a", "sk-alpha"));
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<std::shared_ptr<const Tenant>> who =
      (*dir)->Authenticate(std::string("Bearer sk-alpha"));
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ((*who)->name, "team-a");
  EXPECT_EQ((*who)->upstream_key, "th-own");
}

TEST_F(TenantDirectoryTest, MissingMalformedOrUnknownKeysAreUnauthenticated) {
  Write(Path(), OneTenant("team-a", "sk-alpha"));
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_THAT((*dir)->Authenticate(absl::nullopt),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("authorization: Bearer")));
  EXPECT_THAT((*dir)->Authenticate(std::string("sk-alpha")),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT((*dir)->Authenticate(std::string("Bearer ")),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(
      (*dir)->Authenticate(std::string("Bearer ") + std::string(600, 'x')),
      StatusCodeIs(absl::StatusCode::kUnauthenticated));
  absl::StatusOr<std::shared_ptr<const Tenant>> wrong =
      (*dir)->Authenticate(std::string("Bearer sk-guess-1234"));
  EXPECT_THAT(wrong, StatusCodeIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(wrong.status().message()),
              Not(HasSubstr("sk-guess-1234")));
}

TEST_F(TenantDirectoryTest, BadFileAtStartIsAnErrorNamingTheFlag) {
  Write(Path(), R"({"tenants": [{"name": "a", "limit": 1}]})");
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("--tenants-file")));
  std::filesystem::remove(Path());
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("cannot read")));
}

TEST_F(TenantDirectoryTest, AddedTenantWorksAfterOnePollAndRemovedKeyStops) {
  Write(Path(), OneTenant("team-a", "sk-alpha"));
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  (*dir)->Start();
  EXPECT_THAT((*dir)->Authenticate(std::string("Bearer sk-beta")),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));

  Write(Path(), OneTenant("team-b", "sk-beta"));
  // Nothing changes before the next check.
  EXPECT_THAT((*dir)->Authenticate(std::string("Bearer sk-beta")),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));
  scheduler_.AdvanceTime(absl::Seconds(2));
  absl::StatusOr<std::shared_ptr<const Tenant>> who =
      (*dir)->Authenticate(std::string("Bearer sk-beta"));
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ((*who)->name, "team-b");
  EXPECT_THAT((*dir)->Authenticate(std::string("Bearer sk-alpha")),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));
  (*dir)->Stop();
}

TEST_F(TenantDirectoryTest, SymlinkSwapLikeAMountedSecretIsSeen) {
  // Kubernetes: tenants.json -> ..data/tenants.json, ..data -> ..v1; an
  // update makes ..v2 and swaps ..data.
  namespace fs = std::filesystem;
  const std::string root = dir_.path();
  fs::create_directory(root + "/..v1");
  fs::create_directory(root + "/..v2");
  std::ofstream(root + "/..v1/tenants.json") << OneTenant("team-a", "sk-1");
  std::ofstream(root + "/..v2/tenants.json") << OneTenant("team-a", "sk-2");
  fs::create_directory_symlink("..v1", root + "/..data");
  fs::create_symlink("..data/tenants.json", Path());
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  (*dir)->Start();
  fs::create_directory_symlink("..v2", root + "/..data_tmp");
  fs::rename(root + "/..data_tmp", root + "/..data");
  scheduler_.AdvanceTime(absl::Seconds(2));
  EXPECT_TRUE((*dir)->Authenticate(std::string("Bearer sk-2")).ok());
  EXPECT_FALSE((*dir)->Authenticate(std::string("Bearer sk-1")).ok());
}

TEST_F(TenantDirectoryTest, BadReloadKeepsThePreviousTenants) {
  Write(Path(), OneTenant("team-a", "sk-alpha"));
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  Write(Path(), R"({"tenants": [{"name": "team-a", "key_sha256": ["zz"]}]})");
  EXPECT_THAT((*dir)->CheckNow(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tenants[0].key_sha256[0]")));
  EXPECT_TRUE((*dir)->Authenticate(std::string("Bearer sk-alpha")).ok());
  // The same bad file is not re-read (nor re-logged) at every check.
  EXPECT_TRUE((*dir)->CheckNow().ok());
  // A fixed file applies.
  Write(Path(), OneTenant("team-a", "sk-new"));
  EXPECT_TRUE((*dir)->CheckNow().ok());
  EXPECT_TRUE((*dir)->Authenticate(std::string("Bearer sk-new")).ok());
}

TEST_F(TenantDirectoryTest, ChangedUpstreamKeyFileIsReRead) {
  const std::string key_file = dir_.path() + "/upstream";
  Write(key_file, "th-first\n");
  Write(Path(),
        OneTenant("team-a", "sk-alpha",
                  absl::StrCat(R"(, "upstream_key_file": ")", key_file, "\"")));
  auto dir = Open();
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(
      (*(*dir)->Authenticate(std::string("Bearer sk-alpha")))->upstream_key,
      "th-first");
  Write(key_file, "th-second\n");
  EXPECT_TRUE((*dir)->CheckNow().ok());
  EXPECT_EQ(
      (*(*dir)->Authenticate(std::string("Bearer sk-alpha")))->upstream_key,
      "th-second");
}

}  // namespace
}  // namespace seedance::gateway
