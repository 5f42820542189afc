// The TaskStore contract: one suite of scenarios every implementation must
// pass, instantiated once per engine (sqlite_task_store_test.cc,
// postgres_task_store_test.cc) with a factory that opens a fresh, empty
// store (and can reopen the same one, to check durability).
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, TaskStoreContract,
//                            ::testing::Values(&MakeSqliteStores));
#ifndef SEEDANCE_TESTS_STORE_TASK_STORE_CONTRACT_H_
#define SEEDANCE_TESTS_STORE_TASK_STORE_CONTRACT_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/task_store.h"

namespace seedance::store::testing {

// Opens stores on one fresh location for one test.
class StoreLocation {
 public:
  virtual ~StoreLocation() = default;
  // A new connection to this test's store (the same data each time).
  virtual absl::StatusOr<std::unique_ptr<TaskStore>> Open() = 0;
};

// Returns nullptr when the engine is not available (the suite skips; the
// factory records a failure instead where the engine is required).
using StoreLocationFactory = std::unique_ptr<StoreLocation> (*)();

class TaskStoreContract
    : public ::testing::TestWithParam<StoreLocationFactory> {
 protected:
  void SetUp() override;

  std::unique_ptr<StoreLocation> location_;
  std::unique_ptr<TaskStore> store_;
};

// The ListTasks shapes whose plans each engine's test checks: no filter; a
// status filter; a status filter with a create_time condition and a page
// token.
std::vector<ListQuery> ListQueriesOfEveryShape(const std::string& owner);

}  // namespace seedance::store::testing

#endif  // SEEDANCE_TESTS_STORE_TASK_STORE_CONTRACT_H_
