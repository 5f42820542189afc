#include "server/gateway/sequence.h"

#include "gtest/gtest.h"

namespace seedance::gateway {
namespace {

TEST(SequenceTest, KnownStatusesHaveFixedNumbersOnEveryReplica) {
  EXPECT_EQ(NextSequence(0, v1::VIDEO_STATUS_QUEUED), 10);
  EXPECT_EQ(NextSequence(10, v1::VIDEO_STATUS_RUNNING), 20);
  EXPECT_EQ(NextSequence(0, v1::VIDEO_STATUS_RUNNING), 20);  // joined late
  EXPECT_EQ(NextSequence(20, v1::VIDEO_STATUS_SUCCEEDED), 30);
  EXPECT_EQ(NextSequence(10, v1::VIDEO_STATUS_FAILED), 30);
}

TEST(SequenceTest, UnknownStatusesAndStepsBackTakeTheNextNumber) {
  EXPECT_EQ(NextSequence(10, v1::VIDEO_STATUS_UNKNOWN), 11);
  EXPECT_EQ(NextSequence(11, v1::VIDEO_STATUS_UNKNOWN), 12);
  EXPECT_EQ(NextSequence(0, v1::VIDEO_STATUS_UNKNOWN), 1);
  EXPECT_EQ(NextSequence(20, v1::VIDEO_STATUS_QUEUED), 21);  // went back
}

TEST(SequenceTest, StageRunsOutAfterNineExtraSteps) {
  EXPECT_EQ(NextSequence(18, v1::VIDEO_STATUS_UNKNOWN), 19);
  EXPECT_FALSE(NextSequence(19, v1::VIDEO_STATUS_UNKNOWN).has_value());
  EXPECT_EQ(NextSequence(19, v1::VIDEO_STATUS_RUNNING), 20);
}

TEST(SequenceTest, TransitionMeansStatusOrRawStatusChanged) {
  v1::Video a, b;
  a.set_status(v1::VIDEO_STATUS_UNKNOWN);
  a.set_upstream_status("preprocessing");
  b = a;
  EXPECT_FALSE(IsTransition(a, b));
  b.set_upstream_status("postprocessing");
  EXPECT_TRUE(IsTransition(a, b));
}

}  // namespace
}  // namespace seedance::gateway
