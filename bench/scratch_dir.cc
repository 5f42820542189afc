// ScratchDir: see scratch_dir.h.
#include "bench/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/errno_text.h"

namespace seedance::bench {

absl::StatusOr<std::unique_ptr<ScratchDir>> ScratchDir::Create(
    const std::string& parent) {
  std::string pattern = absl::StrCat(parent, "/seedance-bench-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", pattern, ": ", seedance::ErrnoText(errno)));
  }
  return std::unique_ptr<ScratchDir>(new ScratchDir(buffer.data()));
}

ScratchDir::~ScratchDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  // A leftover directory is worth a line, not a failed run.
  if (error) {
    std::cerr << "[bench] could not remove " << path_ << ": " << error.message()
              << std::endl;
  }
}

}  // namespace seedance::bench
