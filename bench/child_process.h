// ChildProcess: one server binary (tokenhub-sim, seedance-gateway) run by
// seedance-bench as a child, owned RAII: the destructor stops it (SIGTERM,
// wait with a deadline, SIGKILL as a last resort) so no error path leaves a
// server behind. Its stdout is a pipe (the "listening on ..." line); its
// stderr goes to a file kept for post-mortems.
#ifndef SEEDANCE_BENCH_CHILD_PROCESS_H_
#define SEEDANCE_BENCH_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace seedance::bench {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv, the current environment plus `env`
  // ("NAME=value" entries, which win), stderr appended to `stderr_path`.
  // posix_spawn, not fork: the bench already runs gRPC threads.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::vector<std::string>& env,
      const std::string& stderr_path);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line starting with `prefix` and returns the rest
  // of that line; fails on EOF (the child died) or after `timeout`.
  absl::StatusOr<std::string> WaitForLine(absl::string_view prefix,
                                          absl::Duration timeout);

  // SIGTERM, then waits up to `grace`, then SIGKILL. Idempotent. Returns an
  // error when the child had to be killed or exited non-zero.
  absl::Status Stop(absl::Duration grace = absl::Seconds(10));

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd, std::string name)
      : pid_(pid), stdout_fd_(stdout_fd), name_(std::move(name)) {}

  pid_t pid_;
  int stdout_fd_;
  std::string name_;
  std::string buffered_;  // stdout read but not yet split into lines
  bool stopped_ = false;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_CHILD_PROCESS_H_
