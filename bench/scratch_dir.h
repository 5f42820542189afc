// ScratchDir: a fresh directory for the bench's SQLite databases, removed
// with its contents when the object goes (after the gateways using it
// have stopped: declare it before them).
#ifndef SEEDANCE_BENCH_SCRATCH_DIR_H_
#define SEEDANCE_BENCH_SCRATCH_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace seedance::bench {

class ScratchDir {
 public:
  // mkdtemp of PARENT/seedance-bench-XXXXXX.
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Create(
      const std::string& parent);

  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}

  std::string path_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_SCRATCH_DIR_H_
