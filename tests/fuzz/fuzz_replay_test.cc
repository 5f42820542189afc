// Replays every seed (tests/fuzz/corpus/<target>/) and every input that
// once broke a target (tests/fuzz/regressions/<target>/) through the same
// function the libFuzzer binaries run, so regressions are caught in every
// build (plain, ASan+UBSan, TSan) in well under a second. A broken
// invariant aborts the binary with the invariant and the file named.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != "README.md" && name[0] != '.') {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

// Names the target in test output instead of its bytes.
void PrintTo(const FuzzTarget& target, std::ostream* os) { *os << target.name; }

namespace {

class FuzzReplayTest : public testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplayTest, EverySeedAndRegressionRunsClean) {
  const FuzzTarget& target = GetParam();
  fs::path root(SEEDANCE_FUZZ_DIR);
  std::vector<fs::path> seeds = FilesUnder(root / "corpus" / target.name);
  ASSERT_FALSE(seeds.empty()) << "no seeds in corpus/" << target.name;
  std::vector<fs::path> inputs = seeds;
  for (const fs::path& path : FilesUnder(root / "regressions" / target.name)) {
    inputs.push_back(path);
  }
  for (const fs::path& path : inputs) {
    SCOPED_TRACE(path.string());
    // Printed first, so an abort inside the target still names its input.
    std::fprintf(stderr, "replaying %s\n", path.c_str());
    target.run(ReadFile(path));
  }
}

TEST(FuzzReplayTest, EveryEmptyAndTinyInputRunsClean) {
  for (const FuzzTarget& target : AllFuzzTargets()) {
    SCOPED_TRACE(target.name);
    target.run("");
    target.run(absl::string_view("\0", 1));
    target.run("\n\n");
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplayTest,
                         testing::ValuesIn(AllFuzzTargets().begin(),
                                           AllFuzzTargets().end()),
                         [](const testing::TestParamInfo<FuzzTarget>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace seedance::fuzz
