#include "server/gateway/caller_key.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::StatusCodeIs;
using ::testing::HasSubstr;
using ::testing::Not;

class CallerKeyTest : public ::testing::Test {
 protected:
  void Send(const std::string& value) {
    storage_ = value;
    metadata_.emplace("authorization", grpc::string_ref(storage_));
  }
  std::string storage_;
  ClientMetadata metadata_;
};

TEST_F(CallerKeyTest, NoMetadataUsesTheGatewayKey) {
  EXPECT_EQ(*ResolveApiKey(metadata_, "th-gateway", false), "th-gateway");
}

TEST_F(CallerKeyTest, NoKeyAnywhereIsUnauthenticated) {
  EXPECT_THAT(ResolveApiKey(metadata_, "", true),
              StatusCodeIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CallerKeyTest, CallerKeyWinsWhenAllowed) {
  Send("Bearer th-caller-secret");
  EXPECT_EQ(*ResolveApiKey(metadata_, "th-gateway", true), "th-caller-secret");
}

TEST_F(CallerKeyTest, CallerKeyRefusedWhenNotAllowedWithoutEchoingIt) {
  Send("Bearer th-caller-secret");
  auto key = ResolveApiKey(metadata_, "th-gateway", false);
  EXPECT_THAT(key, StatusCodeIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(key.status().message()),
              Not(HasSubstr("th-caller-secret")));
}

TEST_F(CallerKeyTest, MalformedAuthorizationIsRejectedWithoutEchoingIt) {
  for (const char* bad : {"th-caller-secret", "Basic abc", "Bearer sk-123",
                          "Bearer th-has space", "Bearer "}) {
    metadata_.clear();
    Send(bad);
    auto key = ResolveApiKey(metadata_, "th-gateway", true);
    EXPECT_THAT(key, StatusCodeIs(absl::StatusCode::kUnauthenticated)) << bad;
    EXPECT_THAT(std::string(key.status().message()), Not(HasSubstr("secret")));
  }
}

}  // namespace
}  // namespace seedance::gateway
