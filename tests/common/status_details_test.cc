#include "server/common/status_details.h"

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace seedance {
namespace {

using ::seedance::testing::GrpcStatusIs;
using ::testing::HasSubstr;

google::rpc::BadRequest TwoViolations() {
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("duration");
  v->set_description("must be 4 to 15 seconds, got 20");
  v = bad.add_field_violations();
  v->set_field("prompt");
  v->set_description("is required");
  return bad;
}

TEST(StatusDetailsTest, DetailRoundTripsThroughAbslStatus) {
  absl::Status s = absl::InvalidArgumentError("2 invalid fields");
  AddDetail(s, TwoViolations());
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations_size(), 2);
  EXPECT_FALSE(GetDetail<google::rpc::RetryInfo>(s).has_value());
}

TEST(StatusDetailsTest, OkStatusTakesNoDetail) {
  absl::Status s;
  AddDetail(s, TwoViolations());
  EXPECT_FALSE(GetDetail<google::rpc::BadRequest>(s).has_value());
}

TEST(StatusDetailsTest, GrpcStatusCarriesGoogleRpcStatusWithEveryDetail) {
  absl::Status s = absl::ResourceExhaustedError("rate limited upstream");
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(3);
  AddDetail(s, retry);
  google::rpc::ErrorInfo info;
  info.set_reason("UPSTREAM_RATE_LIMITED");
  info.set_domain("seedance.gateway");
  AddDetail(s, info);

  grpc::Status g = ToGrpcStatus(s);
  EXPECT_THAT(g, GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              HasSubstr("rate limited")));
  google::rpc::Status proto;
  ASSERT_TRUE(proto.ParseFromString(g.error_details()));
  EXPECT_EQ(proto.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(proto.details_size(), 2);

  absl::Status back = FromGrpcStatus(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  auto retry_back = GetDetail<google::rpc::RetryInfo>(back);
  ASSERT_TRUE(retry_back.has_value());
  EXPECT_EQ(retry_back->retry_delay().seconds(), 3);
  EXPECT_EQ(GetDetail<google::rpc::ErrorInfo>(back)->reason(),
            "UPSTREAM_RATE_LIMITED");
}

TEST(StatusDetailsTest, StatusWithoutDetailsHasNoTrailer) {
  grpc::Status g = ToGrpcStatus(absl::NotFoundError("no such task"));
  EXPECT_THAT(g, GrpcStatusIs(grpc::StatusCode::NOT_FOUND, "no such task"));
  EXPECT_TRUE(g.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace seedance
