// The stores seedance-bench compares (bench/store_variants.h): the
// PostgreSQL URI is built from libpq's environment names, never holds the
// password, and without PGHOST the variant is skipped with a reason.
#include "bench/store_variants.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace seedance::bench {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(StoreVariantsTest, PgVirtualenvGivesALoopbackUriWithoutThePassword) {
  absl::StatusOr<std::string> uri =
      PostgresUriFromEnv(FakeEnv({{"PGHOST", "localhost"},
                                  {"PGPORT", "5433"},
                                  {"PGUSER", "postgres"},
                                  {"PGDATABASE", "postgres"},
                                  {"PGPASSWORD", "s3cret"}}));
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_EQ(*uri, "postgresql://postgres@localhost:5433/postgres");
}

TEST(StoreVariantsTest, OnlyTheHostIsNeededAndOddCharactersAreEncoded) {
  EXPECT_EQ(*PostgresUriFromEnv(FakeEnv({{"PGHOST", "127.0.0.1"}})),
            "postgresql://127.0.0.1");
  EXPECT_EQ(*PostgresUriFromEnv(
                FakeEnv({{"PGHOST", "/run/postgresql"}, {"PGUSER", "a b@c"}})),
            "postgresql://a%20b%40c@%2Frun%2Fpostgresql");
  EXPECT_EQ(
      *PostgresUriFromEnv(FakeEnv({{"PGHOST", "::1"}, {"PGPORT", "5432"}})),
      "postgresql://[::1]:5432");
}

TEST(StoreVariantsTest, WithoutPgHostPostgresIsSkippedWithAReason) {
  std::vector<StoreVariant> variants =
      StoreVariants("/tmp/scratch", FakeEnv({{"PGPORT", "5433"}}));
  ASSERT_EQ(variants.size(), 3u);
  EXPECT_EQ(variants[0].name, "none");
  EXPECT_EQ(variants[0].spec, "none");
  EXPECT_EQ(variants[1].spec, "sqlite:/tmp/scratch/tasks.db");
  EXPECT_TRUE(variants[1].skipped.empty());
  EXPECT_EQ(variants[2].name, "postgresql");
  EXPECT_NE(variants[2].skipped.find("PGHOST"), std::string::npos);
}

TEST(StoreVariantsTest, WithPgHostAllThreeRun) {
  std::vector<StoreVariant> variants =
      StoreVariants("/d", FakeEnv({{"PGHOST", "localhost"}}));
  ASSERT_EQ(variants.size(), 3u);
  EXPECT_EQ(variants[2].spec, "postgresql://localhost");
  EXPECT_TRUE(variants[2].skipped.empty());
}

}  // namespace
}  // namespace seedance::bench
