#include "server/gateway/tenant_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace seedance::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

Tenant Named(const std::string& name) {
  Tenant t;
  t.name = name;
  return t;
}

TEST(TenantMetricsTest, LimitsCreatesRefusalsAndSpendByTenant) {
  prometheus::Registry registry;
  TenantMetrics metrics(registry);
  TenantConfig config;
  config.tenants.push_back(Named("team-a"));
  config.tenants[0].daily_budget_micros = 5000000;
  config.tenants[0].creates_per_minute = 60;
  metrics.SetTenants(config, {{"owner-hash-a", "team-a"}});
  metrics.Created("team-a", 1000000);
  metrics.Refused("team-a", "daily_budget_micros");
  metrics.Spent("owner-hash-a", 800000);
  // Not a tenant of the file: never a label.
  metrics.Created("team-zz", 1);
  metrics.Spent("owner-hash-unknown", 1);
  const std::string text = Scrape(registry);
  EXPECT_THAT(text, HasSubstr("seedance_tenant_limit{limit=\"daily_budget_"
                              "micros\",tenant=\"team-a\"} 5000000"));
  EXPECT_THAT(text, HasSubstr("seedance_tenant_limit{limit=\"creates_per_"
                              "minute\",tenant=\"team-a\"} 60"));
  EXPECT_THAT(text, Not(HasSubstr("seedance_tenant_limit{limit=\"max_"
                                  "unfinished\"")));
  EXPECT_THAT(text, HasSubstr("seedance_tenant_creates_total{tenant=\"team-a\""
                              "} 1"));
  EXPECT_THAT(text, HasSubstr("seedance_tenant_creates_refused_total{limit="
                              "\"daily_budget_micros\",tenant=\"team-a\"} 1"));
  EXPECT_THAT(text, HasSubstr("seedance_tenant_spend_estimated_usd_micros_"
                              "total{tenant=\"team-a\"} 1000000"));
  EXPECT_THAT(text, HasSubstr("seedance_tenant_spend_actual_usd_micros_total{"
                              "tenant=\"team-a\"} 800000"));
  EXPECT_THAT(text, Not(HasSubstr("team-zz")));
}

TEST(TenantMetricsTest, AReloadDropsTheSeriesOfRemovedTenants) {
  prometheus::Registry registry;
  TenantMetrics metrics(registry);
  TenantConfig both;
  both.tenants = {Named("team-a"), Named("team-b")};
  metrics.SetTenants(both, {});
  metrics.Created("team-a", 5);
  TenantConfig only_a;
  only_a.tenants = {Named("team-a")};
  metrics.SetTenants(only_a, {});
  const std::string text = Scrape(registry);
  EXPECT_THAT(text, Not(HasSubstr("team-b")));
  // team-a's counters carry on.
  EXPECT_THAT(text, HasSubstr("seedance_tenant_creates_total{tenant=\"team-a\""
                              "} 1"));
}

}  // namespace
}  // namespace seedance::gateway
