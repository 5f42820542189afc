// MeasureStoreAlone against a real SQLite store: it writes whole creates
// (begun, then finished) and reports them; a store it cannot open or a bad
// batch is an error, not a figure.
#include "bench/store_alone.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/store/task_store.h"
#include "tests/testing/scratch_dir.h"

namespace seedance::bench {
namespace {

TEST(StoreAloneTest, WritesWholeCreatesAndCountsThem) {
  ::seedance::testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string spec = "sqlite:" + dir.path() + "/alone.db";
  absl::StatusOr<StoreAloneFigures> figures =
      MeasureStoreAlone(spec, /*batch=*/3, absl::Milliseconds(20));
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->batch, 3);
  EXPECT_GE(figures->creates, 3);
  EXPECT_EQ(figures->creates % 3, 0);
  EXPECT_GT(figures->wall_us, 0);
  EXPECT_GE(figures->cpu_us, 0);

  // Every create it counted (and the warm-up's) is in the store, created
  // and final: the same writes as the gateway's create path.
  auto store = store::OpenTaskStore(spec);
  ASSERT_TRUE(store.ok()) << store.status();
  store::ListQuery query;
  query.owner = "seedance-bench-store-alone";
  query.page_size = 1;
  absl::StatusOr<store::ListPage> page = (*store)->ListTasks(query);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->tasks.size(), 1u);
  EXPECT_EQ(page->tasks[0].create_state, store::CreateState::kCreated);
  EXPECT_EQ(page->tasks[0].video.status(), v1::VIDEO_STATUS_SUCCEEDED);
}

TEST(StoreAloneTest, AStoreThatCannotBeOpenedIsAnError) {
  ::seedance::testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  absl::StatusOr<StoreAloneFigures> figures =
      MeasureStoreAlone("sqlite:" + dir.path() + "/missing/folder/alone.db", 1,
                        absl::Milliseconds(10));
  EXPECT_FALSE(figures.ok());
}

TEST(StoreAloneTest, ABatchBelowOneIsInvalid) {
  EXPECT_EQ(MeasureStoreAlone("sqlite:/unused.db", 0, absl::Milliseconds(1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace seedance::bench
