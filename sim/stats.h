// Accounting: what the simulator was asked and what it answered, so tests
// can prove what the gateway did upstream (GET /_sim/stats).
#ifndef SEEDANCE_SIM_STATS_H_
#define SEEDANCE_SIM_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace tokenhub_sim {

struct KeyCounts {
  int64_t creates = 0;  // tasks created with this key
  int64_t posts = 0;    // POST /videos/generations requests with this key
  int64_t gets = 0;     // GET /videos/generations/{id} requests with this key
};

struct TaskStats {
  std::string key_label;
  std::string status;  // at the time of the snapshot
  // Each phase entered so far and its scripted start (unix microseconds).
  std::vector<std::pair<std::string, int64_t>> transitions_us;
};

struct SimStats {
  int64_t requests = 0;         // every HTTP request, control ones excluded
  int64_t creates = 0;          // tasks created
  int64_t create_requests = 0;  // POST /videos/generations received
  int64_t gets = 0;             // GET /videos/generations/{id} received
  int64_t media_gets = 0;       // GET/HEAD /media/... received
  int64_t connections_accepted = 0;
  // GETs naming an existing task id, whoever sent them.
  std::map<std::string, int64_t> gets_by_task;
  // By key LABEL (never the key itself). Requests without a valid key are
  // counted under errors_by_kind["401"] only.
  std::map<std::string, KeyCounts> requests_by_key;
  // "400", "401", "404", "405", "413", "431", "bad_http", "fault_503",
  // "fault_reset", ...: every error reply and every fired fault.
  std::map<std::string, int64_t> errors_by_kind;
  std::map<std::string, TaskStats> tasks;

  std::string ToJson() const;
};

// The thread-safe counters (tasks are filled in from the TaskStore).
class StatsRecorder {
 public:
  void CountRequest() ABSL_LOCKS_EXCLUDED(mu_);
  void CountPost(absl::string_view label) ABSL_LOCKS_EXCLUDED(mu_);
  void CountCreate(absl::string_view label) ABSL_LOCKS_EXCLUDED(mu_);
  // `task_id` empty when the id names no task.
  void CountGet(absl::string_view label, absl::string_view task_id)
      ABSL_LOCKS_EXCLUDED(mu_);
  void CountMediaGet() ABSL_LOCKS_EXCLUDED(mu_);
  void CountError(absl::string_view kind) ABSL_LOCKS_EXCLUDED(mu_);
  void CountConnection() ABSL_LOCKS_EXCLUDED(mu_);

  SimStats Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  void Reset() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  SimStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_STATS_H_
