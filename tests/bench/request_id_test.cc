// The bench's request ids (bench/request_id.h) are RFC 4122 version 4
// UUIDs, distinct from one create to the next.
#include "bench/request_id.h"

#include <regex>
#include <set>

#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

TEST(RequestIdTest, IsAVersion4UuidInTextForm) {
  std::mt19937_64 random(42);
  const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId(random);
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
  }
}

TEST(RequestIdTest, EveryCreateGetsItsOwn) {
  std::mt19937_64 random(7);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRequestId(random));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace seedance::bench
