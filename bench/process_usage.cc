// ProcessUsage: see process_usage.h.
#include "bench/process_usage.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace seedance::bench {

absl::StatusOr<ProcessUsage> ReadProcessUsage(pid_t pid) {
  ProcessUsage usage;
  usage.taken = absl::Now();
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  bool have_rss = false;
  // "VmRSS:   12345 kB"
  auto kib_after = [&line](std::size_t prefix) {
    std::istringstream fields(line.substr(prefix));
    int64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  };
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      usage.rss_bytes = kib_after(6);
      have_rss = true;
    } else if (line.rfind("VmHWM:", 0) == 0) {
      usage.peak_rss_bytes = kib_after(6);
    }
  }
  if (!have_rss) {
    return absl::NotFoundError(absl::StrCat("no VmRSS for pid ", pid));
  }

  std::ifstream stat_file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(stat_file)),
                   std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: count fields after its ')'.
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/stat"));
  }
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  // After ')' the first field is field 3 (state): utime is 14, stime 15.
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InternalError(absl::StrCat("bad /proc/", pid, "/stat"));
  }
  static const int64_t ticks_per_second = sysconf(_SC_CLK_TCK);
  usage.cpu = absl::Seconds(static_cast<double>(utime + stime) /
                            static_cast<double>(ticks_per_second));
  return usage;
}

double CpuShare(const ProcessUsage& before, const ProcessUsage& after) {
  double wall = absl::ToDoubleSeconds(after.taken - before.taken);
  if (wall <= 0) return 0;
  return absl::ToDoubleSeconds(after.cpu - before.cpu) / wall;
}

}  // namespace seedance::bench
