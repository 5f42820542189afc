// Owners: the same TokenHub key always maps to the same owner, different
// keys or secrets to different ones, and the key never shows.
#include "server/store/owner_hasher.h"

#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace seedance::store {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(OwnerHasherTest, SameKeySameOwnerOtherKeyOtherOwner) {
  OwnerHasher hasher(std::string(32, 'k'));
  ASSERT_OK_AND_ASSIGN(std::string a, hasher.Owner("th-alice-key-0001"));
  ASSERT_OK_AND_ASSIGN(std::string again, hasher.Owner("th-alice-key-0001"));
  ASSERT_OK_AND_ASSIGN(std::string b, hasher.Owner("th-bob-key-0002"));
  EXPECT_EQ(a, again);
  EXPECT_NE(a, b);
  EXPECT_THAT(a, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_THAT(a, Not(HasSubstr("alice")));
}

TEST(OwnerHasherTest, AnotherSecretGivesOtherOwners) {
  ASSERT_OK_AND_ASSIGN(std::string one,
                       OwnerHasher(std::string(32, 'a')).Owner("th-key"));
  ASSERT_OK_AND_ASSIGN(std::string two,
                       OwnerHasher(std::string(32, 'b')).Owner("th-key"));
  EXPECT_NE(one, two);
}

TEST(OwnerHasherTest, KnownAnswer) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  ASSERT_OK_AND_ASSIGN(std::string owner, OwnerHasher("Jefe").Owner(
                                              "what do ya want for nothing?"));
  EXPECT_EQ(owner,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(OwnerHasherTest, RandomBytesAreFreshEachTime) {
  ASSERT_OK_AND_ASSIGN(std::string one, RandomBytes(32));
  ASSERT_OK_AND_ASSIGN(std::string two, RandomBytes(32));
  EXPECT_EQ(one.size(), 32u);
  EXPECT_NE(one, two);
}

}  // namespace
}  // namespace seedance::store
