// ListVideos filters: what each accepted form selects, and that every
// malformed one is refused with a message saying what and where.
#include "server/store/list_filter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::seedance::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::UnorderedElementsAre;

absl::StatusOr<ListQuery> Parse(absl::string_view filter) {
  ListQuery query;
  if (absl::Status s = ParseListFilter(filter, query); !s.ok()) return s;
  return query;
}

TEST(ListFilterTest, EmptyFilterSelectsEverything) {
  ASSERT_OK_AND_ASSIGN(ListQuery q, Parse("   "));
  EXPECT_FALSE(q.status_in.has_value());
  EXPECT_THAT(q.create_time, IsEmpty());
}

TEST(ListFilterTest, StatusEqualsSelectsOneStatus) {
  ASSERT_OK_AND_ASSIGN(ListQuery q, Parse("status = SUCCEEDED"));
  EXPECT_THAT(q.status_in, Optional(ElementsAre(v1::VIDEO_STATUS_SUCCEEDED)));
  ASSERT_OK_AND_ASSIGN(q, Parse("status=VIDEO_STATUS_FAILED"));
  EXPECT_THAT(q.status_in, Optional(ElementsAre(v1::VIDEO_STATUS_FAILED)));
}

TEST(ListFilterTest, OrJoinsStatusesAndBindsTighterThanAnd) {
  ASSERT_OK_AND_ASSIGN(ListQuery q,
                       Parse("status = QUEUED OR status = RUNNING AND "
                             "create_time > \"2026-11-01T00:00:00Z\""));
  EXPECT_THAT(q.status_in,
              Optional(UnorderedElementsAre(v1::VIDEO_STATUS_QUEUED,
                                            v1::VIDEO_STATUS_RUNNING)));
  ASSERT_EQ(q.create_time.size(), 1u);
  EXPECT_EQ(q.create_time[0].op, TimeCondition::Op::kGreater);
  EXPECT_EQ(q.create_time[0].time, absl::FromUnixSeconds(1793491200));
}

TEST(ListFilterTest, NotEqualsSelectsEveryOtherStatus) {
  ASSERT_OK_AND_ASSIGN(ListQuery q, Parse("status != FAILED"));
  EXPECT_THAT(q.status_in,
              Optional(UnorderedElementsAre(
                  v1::VIDEO_STATUS_QUEUED, v1::VIDEO_STATUS_RUNNING,
                  v1::VIDEO_STATUS_SUCCEEDED, v1::VIDEO_STATUS_UNKNOWN)));
}

TEST(ListFilterTest, AndOfStatusesIntersectsAndMayMatchNothing) {
  ASSERT_OK_AND_ASSIGN(ListQuery q,
                       Parse("(status = QUEUED OR status = RUNNING) AND "
                             "status != QUEUED"));
  EXPECT_THAT(q.status_in, Optional(ElementsAre(v1::VIDEO_STATUS_RUNNING)));
  ASSERT_OK_AND_ASSIGN(q, Parse("status = QUEUED AND status = RUNNING"));
  EXPECT_THAT(q.status_in, Optional(IsEmpty()));
}

TEST(ListFilterTest, CreateTimeWindowWithOffsets) {
  ASSERT_OK_AND_ASSIGN(ListQuery q,
                       Parse("create_time >= \"2026-11-30T13:00:00+01:00\" AND "
                             "create_time < \"2026-12-01T00:00:00Z\""));
  ASSERT_EQ(q.create_time.size(), 2u);
  EXPECT_EQ(q.create_time[0].op, TimeCondition::Op::kGreaterOrEqual);
  EXPECT_EQ(q.create_time[0].time, absl::FromUnixSeconds(1796040000));
  EXPECT_EQ(q.create_time[1].op, TimeCondition::Op::kLess);
}

TEST(ListFilterTest, CreateTimeEqualsIsBothBounds) {
  ASSERT_OK_AND_ASSIGN(ListQuery q,
                       Parse("create_time = \"2026-12-01T00:00:00.5Z\""));
  ASSERT_EQ(q.create_time.size(), 2u);
  EXPECT_EQ(q.create_time[0].op, TimeCondition::Op::kGreaterOrEqual);
  EXPECT_EQ(q.create_time[1].op, TimeCondition::Op::kLessOrEqual);
  EXPECT_EQ(q.create_time[0].time, q.create_time[1].time);
}

struct BadFilter {
  const char* filter;
  const char* message;
};

class ListFilterErrorTest : public ::testing::TestWithParam<BadFilter> {};

TEST_P(ListFilterErrorTest, IsInvalidArgumentSayingWhatAndWhere) {
  EXPECT_THAT(Parse(GetParam().filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ListFilterErrorTest,
    ::testing::Values(
        BadFilter{"model = \"x\"",
                  "unknown field 'model' (status or "
                  "create_time) at position 1"},
        BadFilter{"status = DONE", "unknown status 'DONE'"},
        BadFilter{"status = \"SUCCEEDED\"", "expected a status name"},
        BadFilter{"status < RUNNING", "status takes = or !="},
        BadFilter{"status = QUEUED and status = RUNNING",
                  "expected AND, found 'and'"},
        BadFilter{"status = QUEUED AND", "expected a comparison"},
        BadFilter{"(status = QUEUED OR status = RUNNING",
                  "expected ')' at position 37"},
        BadFilter{"create_time > 2026-12-01", "quoted RFC 3339 timestamp"},
        BadFilter{"create_time > \"yesterday\"", "quoted RFC 3339 timestamp"},
        BadFilter{"create_time != \"2026-12-01T00:00:00Z\"",
                  "create_time takes =, <, <=, > or >="},
        BadFilter{"create_time > \"2026-12-01T00:00:00Z",
                  "unterminated string"},
        BadFilter{"status ! QUEUED", "'!' must be '!='"},
        BadFilter{"status = QUEUED; DROP TABLE tasks",
                  "unexpected character ';'"},
        BadFilter{"status = QUEUED OR create_time > \"2026-12-01T00:00:00Z\"",
                  "unknown field 'create_time'"}));

TEST(ListFilterTest, OverlongFilterIsRefusedBeforeParsing) {
  std::string filter;
  while (filter.size() <= 1024) filter += "status = QUEUED AND ";
  EXPECT_THAT(Parse(filter), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("longer than 1024")));
}

}  // namespace
}  // namespace seedance::store
