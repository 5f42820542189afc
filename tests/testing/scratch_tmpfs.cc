// ScratchTmpfs: see scratch_tmpfs.h.
#include "tests/testing/scratch_tmpfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/errno_text.h"

namespace seedance::testing {

absl::StatusOr<std::unique_ptr<ScratchTmpfs>> ScratchTmpfs::Mount(
    int64_t size_bytes) {
  std::string tmpl = "/tmp/seedance-tmpfs-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", ErrnoText(errno)));
  }
  std::unique_ptr<ScratchTmpfs> fs(new ScratchTmpfs(tmpl));
  const std::string options = absl::StrCat("size=", size_bytes, ",mode=0755");
  if (mount("tmpfs", fs->dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            options.c_str()) != 0) {
    const int err = errno;
    if (err == EPERM || err == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot mount a tmpfs (", ErrnoText(err), "): needs root"));
    }
    return absl::InternalError(absl::StrCat("mount tmpfs: ", ErrnoText(err)));
  }
  fs->mounted_ = true;
  return fs;
}

ScratchTmpfs::~ScratchTmpfs() {
  if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  rmdir(dir_.c_str());
}

absl::Status ScratchTmpfs::Fill() {
  int fd =
      open(filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("open filler: ", ErrnoText(errno)));
  }
  // Big writes first, then single bytes: tmpfs counts whole pages, but a
  // byte-sized tail makes sure nothing is left.
  const std::vector<char> chunk(64 << 10, 'x');
  for (size_t size : {chunk.size(), size_t{4096}, size_t{1}}) {
    while (true) {
      ssize_t n = write(fd, chunk.data(), size);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == ENOSPC) break;
      const int err = errno;
      close(fd);
      return absl::InternalError(
          absl::StrCat("write filler: ", ErrnoText(err)));
    }
  }
  close(fd);
  return absl::OkStatus();
}

absl::Status ScratchTmpfs::Free() {
  if (unlink(filler().c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(
        absl::StrCat("unlink filler: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

}  // namespace seedance::testing
