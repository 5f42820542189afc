// ProcessCensus: what this process holds right now, read from /proc — its
// threads, its descriptors, and which of its TCP sockets belong to the
// connections to one port (the simulator's, whose keep-alive pool is
// bounded but not empty at rest). A soak compares a census after the load
// with one taken before.
#ifndef SEEDANCE_TESTS_SOAK_PROCESS_CENSUS_H_
#define SEEDANCE_TESTS_SOAK_PROCESS_CENSUS_H_

#include <map>
#include <ostream>
#include <string>

namespace seedance::testing {

struct ProcessCensus {
  int threads = 0;  // /proc/self/task entries
  // Threads by name (/proc/self/task/*/comm), to say which ones are extra.
  std::map<std::string, int> thread_names;
  // Threads named like the process (/proc/self/comm): ours, which do not
  // name themselves, as opposed to gRPC's named, self-sizing pools.
  int own_threads = 0;
  int descriptors = 0;  // /proc/self/fd entries
  // TCP sockets with `port` at either end (both ends when in-process).
  int port_sockets = 0;
  // descriptors - port_sockets.
  int other_descriptors() const { return descriptors - port_sockets; }
};

// -1 fields when /proc cannot be read.
ProcessCensus TakeCensus(int port);

// "name +N" / "name -N" for each thread name whose count differs.
std::string ThreadDifference(const ProcessCensus& before,
                             const ProcessCensus& after);

std::ostream& operator<<(std::ostream& os, const ProcessCensus& census);

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_SOAK_PROCESS_CENSUS_H_
