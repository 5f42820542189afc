#include "server/gateway/tenant_limits.h"

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::StatusCodeIs;
using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1764547200);

Tenant WithRate(int64_t per_minute) {
  Tenant t;
  t.name = "team-a";
  t.creates_per_minute = per_minute;
  return t;
}

TEST(CreateRateLimiterTest, FullBucketThenRefusalWithWhenToRetry) {
  CreateRateLimiter rates;
  const Tenant tenant = WithRate(2);
  EXPECT_TRUE(rates.Admit(tenant, kT0).ok());
  EXPECT_TRUE(rates.Admit(tenant, kT0).ok());
  absl::Status refused = rates.Admit(tenant, kT0);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                HasSubstr("creates_per_minute")));
  auto retry = GetDetail<google::rpc::RetryInfo>(refused);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 30);  // one create per 30 s
  auto info = GetDetail<google::rpc::ErrorInfo>(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), kReasonTenantRateLimited);
  // Refilled evenly: one more after 30 s, not two.
  EXPECT_TRUE(rates.Admit(tenant, kT0 + absl::Seconds(30)).ok());
  EXPECT_FALSE(rates.Admit(tenant, kT0 + absl::Seconds(30)).ok());
}

TEST(CreateRateLimiterTest, TenantsHaveTheirOwnBucketsAndNoLimitMeansNone) {
  CreateRateLimiter rates;
  Tenant a = WithRate(1);
  Tenant b = WithRate(1);
  b.name = "team-b";
  Tenant unlimited;
  unlimited.name = "team-c";
  EXPECT_TRUE(rates.Admit(a, kT0).ok());
  EXPECT_TRUE(rates.Admit(b, kT0).ok());
  EXPECT_FALSE(rates.Admit(a, kT0).ok());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(rates.Admit(unlimited, kT0).ok());
}

TEST(CreateRateLimiterTest, ZeroPerMinuteRefusesEveryCreate) {
  CreateRateLimiter rates;
  absl::Status refused = rates.Admit(WithRate(0), kT0);
  EXPECT_THAT(refused, StatusCodeIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetDetail<google::rpc::RetryInfo>(refused)->retry_delay().seconds(),
            60);
}

TEST(QuotaRefusedTest, SaysWhichLimit) {
  absl::Status s = QuotaRefused(
      "team-a",
      store::QuotaRefusal{"daily_budget_micros", "2000000 spent or reserved"});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted,
                          HasSubstr("daily_budget_micros")));
  auto failure = GetDetail<google::rpc::QuotaFailure>(s);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), "tenant:team-a");
  EXPECT_THAT(failure->violations(0).description(),
              HasSubstr("daily_budget_micros"));
}

}  // namespace
}  // namespace seedance::gateway
