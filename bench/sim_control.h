// SimControl: seedance-bench's view of tokenhub-sim's control endpoints —
// the accounting (`GET /_sim/stats`: GETs per task, scripted transition
// instants) and `POST /_sim/tasks/{id}/advance` for held tasks.
#ifndef SEEDANCE_BENCH_SIM_CONTROL_H_
#define SEEDANCE_BENCH_SIM_CONTROL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace seedance::bench {

// The parts of /_sim/stats the bench uses.
struct SimSnapshot {
  int64_t gets = 0;
  int64_t create_requests = 0;
  absl::flat_hash_map<std::string, int64_t> gets_by_task;
  // tasks[id].transitions: status -> scripted start, unix µs.
  absl::flat_hash_map<std::string, std::map<std::string, int64_t>> transitions;
};

// Parses the JSON of GET /_sim/stats.
absl::StatusOr<SimSnapshot> ParseSimStats(const std::string& json);

class SimControl {
 public:
  // `root` is http://127.0.0.1:PORT (no /api/v1).
  explicit SimControl(std::string root) : root_(std::move(root)) {}

  absl::StatusOr<SimSnapshot> Stats() const;
  // Ends the current (held) phase of every task now.
  absl::Status Advance(const std::vector<std::string>& ids) const;

  std::string api_base() const { return root_ + "/api/v1"; }

 private:
  std::string root_;
};

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_SIM_CONTROL_H_
