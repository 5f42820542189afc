// ListVideos' request as a store query: page sizes (AIP-158) and filter
// errors that name the field.
#include "server/gateway/list_request.h"

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/status_details.h"
#include "tests/testing/status_matchers.h"

namespace seedance::gateway {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ListQueryForTest, PageSizeDefaultsTo50AndIsCappedAt500) {
  v1::ListVideosRequest request;
  auto query = ListQueryFor(request, "owner-1");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->page_size, 50);
  EXPECT_EQ(query->owner, "owner-1");
  request.set_page_size(10000);
  EXPECT_EQ(ListQueryFor(request, "o")->page_size, 500);
  request.set_page_size(7);
  EXPECT_EQ(ListQueryFor(request, "o")->page_size, 7);
}

TEST(ListQueryForTest, NegativePageSizeIsRefusedNamingIt) {
  v1::ListVideosRequest request;
  request.set_page_size(-3);
  absl::Status s = ListQueryFor(request, "o").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("page_size: must not be negative")));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "page_size");
}

TEST(ListQueryForTest, FilterBecomesConditionsOrANamedError) {
  v1::ListVideosRequest request;
  request.set_filter("status = SUCCEEDED");
  auto query = ListQueryFor(request, "o");
  ASSERT_TRUE(query.ok()) << query.status();
  ASSERT_TRUE(query->status_in.has_value());
  EXPECT_THAT(*query->status_in,
              ::testing::ElementsAre(v1::VIDEO_STATUS_SUCCEEDED));

  request.set_filter("status = SUCCEEDED AND");
  absl::Status s = ListQueryFor(request, "o").status();
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("filter: ")));
  auto bad = GetDetail<google::rpc::BadRequest>(s);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "filter");
}

}  // namespace
}  // namespace seedance::gateway
