#include "server/upstream/pricing.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/upstream/test_requests.h"

namespace seedance::upstream {
namespace {

using ::seedance::testing::StatusIs;
using ::seedance::upstream::testing::Millis;
using ::seedance::upstream::testing::MinimalRequest;
using ::seedance::upstream::testing::SetMillis;
using ::seedance::v1::Price;
using ::testing::HasSubstr;

TEST(PricingTest, ContractWorkedExampleIsThreeDollars) {
  // doubao-seedance-2.0 at 720p, 5 s input video + 10 s output = $3.00.
  auto r = MinimalRequest();
  r.set_resolution(seedance::v1::RESOLUTION_720P);
  r.set_duration(10);
  r.set_video_url("https://v/1.mp4");
  SetMillis(5000, r.add_video_durations());
  ASSERT_OK_AND_ASSIGN(Price p, EstimatePrice(r, PriceTable::Default()));
  EXPECT_EQ(p.currency_code(), "USD");
  EXPECT_EQ(p.rate_micros_per_second(), 200'000);
  EXPECT_EQ(p.estimated_micros(), 3'000'000);
  EXPECT_EQ(p.billed_input_video().seconds(), 5);
  EXPECT_FALSE(p.input_video_unpriced());
  EXPECT_FALSE(p.has_actual_micros());
}

struct RateCase {
  const char* model;
  seedance::v1::Resolution resolution;
  int64_t micros;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const RateCase& c, std::ostream* os) {
  *os << c.model << " " << c.resolution;
}

class DefaultTableTest : public ::testing::TestWithParam<RateCase> {};

TEST_P(DefaultTableTest, HasTheContractRate) {
  EXPECT_EQ(PriceTable::Default().RateMicrosPerSecond(GetParam().model,
                                                      GetParam().resolution),
            GetParam().micros);
}

INSTANTIATE_TEST_SUITE_P(
    ContractRows, DefaultTableTest,
    ::testing::Values(
        RateCase{"doubao-seedance-2.0", seedance::v1::RESOLUTION_720P, 200'000},
        RateCase{"doubao-seedance-2.0", seedance::v1::RESOLUTION_480P, 120'000},
        RateCase{"doubao-seedance-2.0", seedance::v1::RESOLUTION_UNSPECIFIED,
                 200'000},
        RateCase{"doubao-seedance-2.0-fast", seedance::v1::RESOLUTION_720P,
                 160'000},
        RateCase{"doubao-seedance-2.0-fast", seedance::v1::RESOLUTION_480P,
                 100'000}));

TEST(PricingTest, DefaultsToFiveSecondsAt720p) {
  ASSERT_OK_AND_ASSIGN(Price p,
                       EstimatePrice(MinimalRequest(), PriceTable::Default()));
  EXPECT_EQ(p.estimated_micros(), 1'000'000);
}

TEST(PricingTest, InputVideoDurationIsAnAlternativeToTheList) {
  auto r = MinimalRequest();
  r.set_model("doubao-seedance-2.0-fast");
  r.set_resolution(seedance::v1::RESOLUTION_480P);
  r.set_duration(4);
  r.add_video_urls("https://v/1");
  SetMillis(2500, r.mutable_input_video_duration());
  ASSERT_OK_AND_ASSIGN(Price p, EstimatePrice(r, PriceTable::Default()));
  EXPECT_EQ(p.estimated_micros(), 650'000);  // 6.5 s x $0.10
}

TEST(PricingTest, VideosWithoutDurationsAreFlaggedUnpriced) {
  auto r = MinimalRequest();
  r.set_video_url("https://v/1");
  ASSERT_OK_AND_ASSIGN(Price p, EstimatePrice(r, PriceTable::Default()));
  EXPECT_TRUE(p.input_video_unpriced());
  EXPECT_EQ(p.estimated_micros(), 1'000'000);
}

TEST(PricingTest, RoundsUpToAWholeMicro) {
  auto table = PriceTable::FromRows({{"m", seedance::v1::RESOLUTION_720P, 3}});
  ASSERT_OK(table.status());
  auto r = MinimalRequest();
  r.set_model("m");
  r.set_video_url("https://v/1");
  SetMillis(1, r.add_video_durations());  // 5.001 s x 3 micros = 15.003
  ASSERT_OK_AND_ASSIGN(Price p, EstimatePrice(r, *table));
  EXPECT_EQ(p.estimated_micros(), 16);
  EXPECT_EQ(MicrosFor(3, 1), 1);
  EXPECT_EQ(MicrosFor(200'000, 15'000), 3'000'000);
  EXPECT_EQ(MicrosFor(PriceTable::kMaxMicrosPerSecond,
                      std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
}

TEST(PricingTest, ApplyUsageSetsActualFromReportedSeconds) {
  auto r = MinimalRequest();
  r.set_duration(10);
  r.set_video_url("https://v/1");
  SetMillis(5000, r.add_video_durations());
  ASSERT_OK_AND_ASSIGN(Price p, EstimatePrice(r, PriceTable::Default()));
  seedance::v1::Usage usage;
  *usage.mutable_video_duration() = Millis(9500);
  ApplyUsage(usage, &p);
  EXPECT_EQ(p.actual_micros(), 2'900'000);  // (5 + 9.5) x $0.20
  ApplyUsage(seedance::v1::Usage(), &p);    // no duration: unchanged
  EXPECT_EQ(p.actual_micros(), 2'900'000);
}

TEST(PricingTest, UnknownModelIsInvalidArgument) {
  auto r = MinimalRequest();
  r.set_model("nope");
  EXPECT_THAT(
      EstimatePrice(r, PriceTable::Default()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no price")));
}

TEST(PriceTableTest, FromJsonForOperators) {
  ASSERT_OK_AND_ASSIGN(
      PriceTable t,
      PriceTable::FromJson(
          R"([{"model":"x","resolution":"480p","micros_per_second":7},
          {"model":"x","resolution":"720p","micros_per_second":9}])"));
  EXPECT_TRUE(t.HasModel("x"));
  EXPECT_FALSE(t.HasModel("doubao-seedance-2.0"));
  EXPECT_EQ(t.RateMicrosPerSecond("x", seedance::v1::RESOLUTION_480P), 7);
}

TEST(PriceTableTest, FromJsonRejectsBadTables) {
  for (const char* bad :
       {"{}", "[1]",
        R"([{"model":"x","resolution":"1080p","micros_per_second":1}])",
        R"([{"model":"x","resolution":"480p","micros_per_second":0}])",
        R"([{"model":"x","resolution":"480p","micros_per_second":1.5}])",
        R"([{"model":"","resolution":"480p","micros_per_second":1}])",
        R"([{"model":"x","resolution":"480p","micros_per_second":1},
            {"model":"x","resolution":"480p","micros_per_second":2}])"}) {
    EXPECT_THAT(
        PriceTable::FromJson(bad),
        ::seedance::testing::StatusCodeIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

}  // namespace
}  // namespace seedance::upstream
