// ChildProcess: see child_process.h.
#include "bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/common/errno_text.h"

extern char** environ;

namespace seedance::bench {

using ::seedance::ErrnoText;
namespace {

// Closes a spawn file-actions object on every path out of Start.
class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

std::string Basename(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& env,
    const std::string& stderr_path) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat(argv[0], ": not executable (", ErrnoText(errno), ")"));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", ErrnoText(errno)));
  }
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(actions.get(), STDERR_FILENO,
                                   stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);

  // The child's environment: ours, minus the names `env` overrides.
  for (const std::string& item : env) {
    if (item.find('=') == std::string::npos || item[0] == '=') {
      return absl::InvalidArgumentError(absl::StrCat("not NAME=value: ", item));
    }
  }
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    absl::string_view current(*entry);
    bool overridden = false;
    for (const std::string& item : env) {
      // "NAME=" including the '=', so NAME does not match NAME2.
      absl::string_view name =
          absl::string_view(item).substr(0, item.find('=') + 1);
      overridden |= absl::StartsWith(current, name);
    }
    if (!overridden) merged.emplace_back(current);
  }
  merged.insert(merged.end(), env.begin(), env.end());
  std::vector<char*> envp;
  envp.reserve(merged.size() + 1);
  for (std::string& item : merged) envp.push_back(item.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  argp.reserve(args.size() + 1);
  for (std::string& arg : args) argp.push_back(arg.data());
  argp.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawn(&pid, argp[0], actions.get(), nullptr, argp.data(),
                       envp.data());
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return absl::InternalError(
        absl::StrCat("spawn ", argv[0], ": ", ErrnoText(rc)));
  }
  return std::unique_ptr<ChildProcess>(
      new ChildProcess(pid, pipe_fds[0], Basename(argv[0])));
}

ChildProcess::~ChildProcess() {
  Stop().IgnoreError();
  close(stdout_fd_);
}

absl::StatusOr<std::string> ChildProcess::WaitForLine(absl::string_view prefix,
                                                      absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::size_t newline;
    while ((newline = buffered_.find('\n')) != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      absl::string_view rest(line);
      if (absl::ConsumePrefix(&rest, prefix)) return std::string(rest);
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " did not print \"", prefix, "\" in time"));
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready =
        poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends the loop
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat(name_, " exited before printing \"", prefix, "\""));
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

absl::Status ChildProcess::Stop(absl::Duration grace) {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  kill(pid_, SIGTERM);
  absl::Time deadline = absl::Now() + grace;
  int wstatus = 0;
  while (true) {
    pid_t done = waitpid(pid_, &wstatus, WNOHANG);
    if (done == pid_) break;
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", ErrnoText(errno)));
    }
    if (absl::Now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " ignored SIGTERM for ",
                       absl::FormatDuration(grace), ": killed"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      name_, WIFEXITED(wstatus) ? " exited with " : " died of signal ",
      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus)));
}

}  // namespace seedance::bench
