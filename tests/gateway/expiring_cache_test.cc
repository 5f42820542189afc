#include "server/gateway/expiring_cache.h"

#include <string>

#include "gtest/gtest.h"

namespace seedance::gateway {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

TEST(ExpiringCacheTest, EntryLivesForTheTtlThenGoes) {
  ExpiringCache<std::string, int> cache(absl::Seconds(10), 100);
  cache.Put("a", 1, kT0);
  ASSERT_NE(cache.Get("a", kT0 + absl::Seconds(9)), nullptr);
  EXPECT_EQ(*cache.Get("a", kT0 + absl::Seconds(9)), 1);
  EXPECT_EQ(cache.Get("a", kT0 + absl::Seconds(10)), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ExpiringCacheTest, ReplacingRestartsTheTtl) {
  ExpiringCache<std::string, int> cache(absl::Seconds(10), 100);
  cache.Put("a", 1, kT0);
  cache.Put("a", 2, kT0 + absl::Seconds(5));
  ASSERT_NE(cache.Get("a", kT0 + absl::Seconds(12)), nullptr);
  EXPECT_EQ(*cache.Get("a", kT0 + absl::Seconds(12)), 2);
  EXPECT_EQ(cache.Get("a", kT0 + absl::Seconds(15)), nullptr);
}

TEST(ExpiringCacheTest, CapEvictsTheOldestEntries) {
  ExpiringCache<int, int> cache(absl::Hours(1), 3);
  for (int i = 0; i < 5; ++i) cache.Put(i, i, kT0);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get(0, kT0), nullptr);
  EXPECT_EQ(cache.Get(1, kT0), nullptr);
  EXPECT_NE(cache.Get(4, kT0), nullptr);
}

TEST(ExpiringCacheTest, ManyReplacementsDoNotGrowTheBookkeepingForever) {
  ExpiringCache<int, int> cache(absl::Seconds(1), 10);
  for (int i = 0; i < 100000; ++i) {
    cache.Put(i % 5, i, kT0 + absl::Milliseconds(i));
  }
  EXPECT_LE(cache.size(), 5u);
}

}  // namespace
}  // namespace seedance::gateway
