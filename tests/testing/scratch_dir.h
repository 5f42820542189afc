// ScratchDir: a fresh folder under the test's temporary directory, removed
// with everything in it when the object goes.
//
//   ScratchDir dir;
//   ASSERT_FALSE(dir.path().empty());
//   std::string db = dir.path() + "/tasks.db";
#ifndef SEEDANCE_TESTS_TESTING_SCRATCH_DIR_H_
#define SEEDANCE_TESTS_TESTING_SCRATCH_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace seedance::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = absl::StrCat(::testing::TempDir(), "/seedance-XXXXXX");
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~ScratchDir() {
    // A folder left behind in the temporary directory is harmless.
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Empty when the folder could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_SCRATCH_DIR_H_
