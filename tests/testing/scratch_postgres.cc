// ScratchPostgres: see scratch_postgres.h.
#include "tests/testing/scratch_postgres.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/common/errno_text.h"

extern char** environ;

namespace seedance::testing {
namespace {

// The longest pg_ctl waits for the server to start or stop.
constexpr const char* kPgCtlTimeoutSeconds = "60";

// Closes a spawn file-actions object on every path out of Run.
class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// A port nobody listens on now: bound to :0, read, released. PostgreSQL
// binds with SO_REUSEADDR, and nothing else on loopback takes ports from
// the ephemeral range by number, so it stays free in practice.
absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket: ", ErrnoText(errno)));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  const int err = errno;
  close(fd);
  if (port < 0) {
    return absl::InternalError(absl::StrCat("bind: ", ErrnoText(err)));
  }
  return port;
}

bool Executable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// True while `pid` runs: exists and is no zombie (a killed test may stay
// one until its parent reaps it).
bool ProcessAlive(int pid) {
  std::ifstream stat_file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(stat_file)),
                   std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return false;
  return stat.substr(paren + 1, 3) != " Z ";
}

// Records which process owns a scratch folder (ReapOrphans reads it).
constexpr const char* kOwnerFile = "/owner.pid";

}  // namespace

bool PostgresRequired() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment, which nothing writes
  const char* value = std::getenv("SEEDANCE_REQUIRE_POSTGRES");
  return value != nullptr && std::string(value) == "1";
}

// A test killed by a timeout (or a crash) runs no destructor: its server
// would run on, holding memory and a port. Each new ScratchPostgres first
// stops and removes those whose owning process is gone.
void ScratchPostgres::ReapOrphans() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", error)) {
    const std::string dir = entry.path();
    if (!absl::StartsWith(dir, "/tmp/seedance-pg-")) continue;
    std::ifstream owner_file(dir + kOwnerFile);
    int owner = 0;
    if (!(owner_file >> owner) || owner <= 0) continue;  // being made now
    if (ProcessAlive(owner)) continue;
    ScratchPostgres orphan(dir, 0);
    // The destructor thaws it (it may have been frozen), stops it and
    // removes the folder.
    absl::StatusOr<std::vector<int>> pids = orphan.ServerPids();
    if (pids.ok()) {
      orphan.frozen_ = *pids;
      orphan.running_ = true;
    }
  }
}

absl::StatusOr<std::unique_ptr<ScratchPostgres>> ScratchPostgres::Create() {
  const std::string bin = kBinDir;
  for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
    if (!Executable(absl::StrCat(bin, "/", program))) {
      return absl::NotFoundError(
          absl::StrCat("PostgreSQL 15 is not installed (no ", bin, "/", program,
                       "; Debian: postgresql-15)"));
    }
  }
  const bool root = geteuid() == 0;
  const passwd* postgres = nullptr;
  if (root) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any server thread needs it
    postgres = getpwnam("postgres");
    if (postgres == nullptr || !Executable("/usr/sbin/runuser")) {
      return absl::NotFoundError(
          "running as root, but there is no `postgres` user (or runuser) to "
          "run PostgreSQL as");
    }
  }
  // /tmp, not $TMPDIR: the `postgres` user must reach the folder, and the
  // socket path must stay short (108 bytes at most).
  std::string tmpl = "/tmp/seedance-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", ErrnoText(errno)));
  }
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(tmpl, ignored);
    return port.status();
  }
  // Owned from here: the destructor removes the folder on every path.
  std::unique_ptr<ScratchPostgres> pg(new ScratchPostgres(tmpl, *port));
  ReapOrphans();
  {
    std::ofstream owner(pg->dir_ + kOwnerFile);
    owner << getpid() << "\n";
  }
  if (root &&
      chown(pg->dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
    return absl::InternalError(
        absl::StrCat("chown ", pg->dir_, ": ", ErrnoText(errno)));
  }
  if (absl::Status s =
          pg->Run({bin + "/initdb", "-D", pg->data_dir(), "-U", "postgres",
                   "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync",
                   "--no-instructions"});
      !s.ok()) {
    return s;
  }
  {
    // Appended: later lines win over initdb's.
    std::ofstream conf(pg->data_dir() + "/postgresql.conf", std::ios::app);
    conf << "\n# ScratchPostgres\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "port = " << pg->port_ << "\n"
         << "unix_socket_directories = '" << pg->dir_ << "'\n"
         << "fsync = off\n"
         << "synchronous_commit = off\n"
         << "full_page_writes = off\n"
         << "shared_buffers = 16MB\n"
         << "max_connections = 50\n"
         << "log_checkpoints = off\n";
    if (!conf.good()) {
      return absl::InternalError("cannot write the scratch postgresql.conf");
    }
  }
  if (absl::Status s = pg->Start(); !s.ok()) return s;
  return pg;
}

ScratchPostgres::~ScratchPostgres() {
  Thaw().IgnoreError();
  if (running_) {
    // Immediate: nothing of a scratch cluster needs to be saved.
    Run({absl::StrCat(kBinDir, "/pg_ctl"), "stop", "-D", data_dir(), "-m",
         "immediate", "-w", "-t", kPgCtlTimeoutSeconds})
        .IgnoreError();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status ScratchPostgres::Start() {
  if (running_) return absl::OkStatus();
  absl::Status s =
      Run({absl::StrCat(kBinDir, "/pg_ctl"), "start", "-D", data_dir(), "-l",
           dir_ + "/server.log", "-w", "-t", kPgCtlTimeoutSeconds});
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), "\n", LogTail()));
  }
  running_ = true;
  return absl::OkStatus();
}

absl::Status ScratchPostgres::Stop() {
  if (!running_) return absl::OkStatus();
  absl::Status s =
      Run({absl::StrCat(kBinDir, "/pg_ctl"), "stop", "-D", data_dir(), "-m",
           "fast", "-w", "-t", kPgCtlTimeoutSeconds});
  if (!s.ok()) return s;
  running_ = false;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> ScratchPostgres::ServerPids() const {
  std::ifstream pid_file(data_dir() + "/postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    return absl::FailedPreconditionError("no postmaster.pid: not running");
  }
  std::vector<int> pids = {postmaster};
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    int pid = 0;
    if (!absl::SimpleAtoi(name, &pid)) continue;
    // /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces.
    std::ifstream stat_file(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)),
                     std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 1));
    std::string state;
    int parent = 0;
    if (rest >> state >> parent && parent == postmaster) pids.push_back(pid);
  }
  if (error) {
    return absl::InternalError(absl::StrCat("/proc: ", error.message()));
  }
  return pids;
}

absl::Status ScratchPostgres::SignalAll(int signal,
                                        const std::vector<int>& pids) const {
  for (int pid : pids) {
    if (kill(pid, signal) != 0 && errno != ESRCH) {
      return absl::InternalError(
          absl::StrCat("kill ", pid, ": ", ErrnoText(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status ScratchPostgres::Freeze() {
  if (!frozen_.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<int>> pids = ServerPids();
  if (!pids.ok()) return pids.status();
  // The postmaster first, so it starts no child that would escape.
  frozen_ = *pids;
  return SignalAll(SIGSTOP, frozen_);
}

absl::Status ScratchPostgres::Thaw() {
  absl::Status s = SignalAll(SIGCONT, frozen_);
  frozen_.clear();
  return s;
}

std::string ScratchPostgres::uri() const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/postgres");
}

std::string ScratchPostgres::LogTail() const {
  std::ifstream log(dir_ + "/server.log");
  std::stringstream all;
  all << log.rdbuf();
  std::string text = all.str();
  constexpr size_t kTail = 2000;
  if (text.size() > kTail) text = text.substr(text.size() - kTail);
  return absl::StrCat("--- ", dir_, "/server.log (tail):\n", text);
}

absl::Status ScratchPostgres::Run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  if (geteuid() == 0) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.insert(argv.end(), args.begin(), args.end());

  // Our environment without libpq's and the server's PG* variables (the
  // pg_virtualenv of `./dev test` sets PGPORT, PGDATA, ...): the scratch
  // server must not pick them up.
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, "PG")) env.emplace_back(*entry);
  }
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& item : env) envp.push_back(item.data());
  envp.push_back(nullptr);
  std::vector<char*> argp;
  argp.reserve(argv.size() + 1);
  for (std::string& arg : argv) argp.push_back(arg.data());
  argp.push_back(nullptr);

  SpawnActions actions;
  const std::string log = dir_ + "/ctl.log";
  posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  // The server outlives this call: it must not inherit the test's sockets
  // and files (a listener it held open would outlive the test's own).
  posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1);
  // A folder the `postgres` user may enter.
  posix_spawn_file_actions_addchdir_np(actions.get(), dir_.c_str());
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argp[0], actions.get(), nullptr, argp.data(),
                       envp.data());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("spawn ", argv[0], ": ", ErrnoText(rc)));
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", ErrnoText(errno)));
    }
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  std::ifstream in(log);
  std::stringstream output;
  output << in.rdbuf();
  return absl::InternalError(absl::StrCat(
      absl::StrJoin(args, " "), ": exit ",
      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus), "\n",
      output.str()));
}

}  // namespace seedance::testing
