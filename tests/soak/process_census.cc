#include "tests/soak/process_census.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace seedance::testing {
namespace {

// Entries of a /proc directory other than "." and ".."; -1 if unreadable.
int CountEntries(const char* path) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return -1;
  int n = 0;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): this thread alone reads this DIR
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

// Inodes of the TCP sockets in /proc/self/net/tcp{,6} with `port` as local
// or remote port. Lines: "sl local_address rem_address st ... inode ...",
// addresses as HEXIP:HEXPORT.
void AddPortInodes(const char* table, int port,
                   absl::flat_hash_set<std::string>& inodes) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 10) continue;
    auto port_of = [](absl::string_view address) {
      size_t colon = address.rfind(':');
      int value = -1;
      if (colon == absl::string_view::npos) return value;
      std::string hex(address.substr(colon + 1));
      uint32_t parsed = 0;
      if (absl::SimpleHexAtoi(hex, &parsed)) value = static_cast<int>(parsed);
      return value;
    };
    if (port_of(f[1]) == port || port_of(f[2]) == port) {
      inodes.insert(std::string(f[9]));
    }
  }
}

}  // namespace

ProcessCensus TakeCensus(int port) {
  ProcessCensus census;
  census.threads = CountEntries("/proc/self/task");
  if (DIR* tasks = ::opendir("/proc/self/task")) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): this thread alone reads this DIR
    while (dirent* e = ::readdir(tasks)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
      std::string name;
      if (std::getline(comm, name)) ++census.thread_names[name];
    }
    ::closedir(tasks);
  }
  std::ifstream self_comm("/proc/self/comm");
  std::string self_name;
  if (std::getline(self_comm, self_name)) {
    auto it = census.thread_names.find(self_name);
    if (it != census.thread_names.end()) census.own_threads = it->second;
  }
  absl::flat_hash_set<std::string> inodes;
  AddPortInodes("/proc/self/net/tcp", port, inodes);
  AddPortInodes("/proc/self/net/tcp6", port, inodes);

  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    census.descriptors = census.port_sockets = -1;
    return census;
  }
  int self = ::dirfd(dir);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): this thread alone reads this DIR
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = 0;
    if (!absl::SimpleAtoi(e->d_name, &fd) || fd == self) continue;
    ++census.descriptors;
    char target[256];
    std::string link = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;  // closed meanwhile
    absl::string_view t(target, static_cast<size_t>(n));
    // "socket:[12345]"
    if (absl::ConsumePrefix(&t, "socket:[") && absl::ConsumeSuffix(&t, "]") &&
        inodes.contains(t)) {
      ++census.port_sockets;
    }
  }
  ::closedir(dir);
  return census;
}

std::string ThreadDifference(const ProcessCensus& before,
                             const ProcessCensus& after) {
  std::map<std::string, int> delta;
  for (const auto& [name, n] : after.thread_names) delta[name] += n;
  for (const auto& [name, n] : before.thread_names) delta[name] -= n;
  std::string out;
  for (const auto& [name, n] : delta) {
    if (n == 0) continue;
    out += (out.empty() ? "" : ", ") + name + (n > 0 ? " +" : " ") +
           std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::ostream& operator<<(std::ostream& os, const ProcessCensus& census) {
  os << "{threads " << census.threads << " (";
  const char* separator = "";
  for (const auto& [name, n] : census.thread_names) {
    os << separator << name << " " << n;
    separator = ", ";
  }
  return os << "), descriptors " << census.descriptors << " of which "
            << census.port_sockets << " on the upstream port}";
}

}  // namespace seedance::testing
