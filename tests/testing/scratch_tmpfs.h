// ScratchTmpfs: a small tmpfs of a test's own, to fill up: the real way to
// make a file unwritable to a process running as root (permission bits do
// not stop root; a full disk does).
//
//   std::unique_ptr<ScratchTmpfs> fs;
//   SEEDANCE_MOUNT_SCRATCH_TMPFS_OR_SKIP(fs);
//   ... open a database under fs->dir() ...
//   ASSERT_OK(fs->Fill());   // writes now fail with ENOSPC
//   ASSERT_OK(fs->Free());   // and succeed again
//
// Mounting needs CAP_SYS_ADMIN (root on the project's machines and CI);
// without it the test skips. The destructor unmounts (lazily, so a file a
// test left open does not keep it) and removes the mount point.
#ifndef SEEDANCE_TESTS_TESTING_SCRATCH_TMPFS_H_
#define SEEDANCE_TESTS_TESTING_SCRATCH_TMPFS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace seedance::testing {

class ScratchTmpfs {
 public:
  // Mounts a tmpfs of `size_bytes` on a new folder. PERMISSION_DENIED when
  // this process may not mount.
  static absl::StatusOr<std::unique_ptr<ScratchTmpfs>> Mount(
      int64_t size_bytes = 4 << 20);

  ~ScratchTmpfs();
  ScratchTmpfs(const ScratchTmpfs&) = delete;
  ScratchTmpfs& operator=(const ScratchTmpfs&) = delete;

  const std::string& dir() const { return dir_; }

  // Takes every free byte (a filler file written until ENOSPC).
  absl::Status Fill();
  // Removes the filler: the space is free again.
  absl::Status Free();

 private:
  explicit ScratchTmpfs(std::string dir) : dir_(std::move(dir)) {}

  std::string filler() const { return dir_ + "/filler"; }

  const std::string dir_;
  bool mounted_ = false;
};

}  // namespace seedance::testing

// In a gtest body: mounts a ScratchTmpfs into `fs`, or skips the test when
// this process may not mount (not root).
#define SEEDANCE_MOUNT_SCRATCH_TMPFS_OR_SKIP(fs)                        \
  do {                                                                  \
    auto seedance_mounted = ::seedance::testing::ScratchTmpfs::Mount(); \
    if (absl::IsPermissionDenied(seedance_mounted.status())) {          \
      GTEST_SKIP() << seedance_mounted.status().message();              \
    }                                                                   \
    ASSERT_TRUE(seedance_mounted.ok()) << seedance_mounted.status();    \
    (fs) = *std::move(seedance_mounted);                                \
  } while (0)

#endif  // SEEDANCE_TESTS_TESTING_SCRATCH_TMPFS_H_
