// TaskStore: every task the simulator created, with its scripted timeline.
// A task's state is computed lazily from the timeline and the clock at each
// read (no timer per task), so it scales to benchmarks with many tasks.
#ifndef SEEDANCE_SIM_TASK_STORE_H_
#define SEEDANCE_SIM_TASK_STORE_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sim/timeline.h"

namespace tokenhub_sim {

// What a create request asked for (already validated).
struct TaskSpec {
  std::string key_label;
  std::string model;
  double duration_seconds = 5;
  std::string resolution = "720p";
  std::string request_body;  // verbatim, for GET /_sim/tasks/{id}
  Timeline timeline;
};

// A consistent snapshot of one task at one instant.
struct TaskView {
  std::string id;
  std::string key_label;
  std::string model;
  double duration_seconds = 0;
  std::string resolution;
  std::string request_body;  // empty unless asked for
  int64_t created_unix_seconds = 0;
  std::string status;
  bool terminal = false;
  std::string error_message;  // when status is "failed"
  // Each phase entered so far and the scripted instant it began.
  std::vector<std::pair<std::string, absl::Time>> transitions;
};

class TaskStore {
 public:
  explicit TaskStore(uint64_t seed) : id_rng_(seed ^ 0x7a5c0ffee5eedULL) {}

  // Creates a task and returns its id ("cgt-" + 16 hex digits, unique and
  // deterministic from the seed and the order of creates).
  std::string Create(TaskSpec spec, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  // False if there is no such task. The request body (up to the body cap)
  // is copied only when asked for: GETs on the hot path do not need it.
  bool Get(absl::string_view id, absl::Time now, TaskView* view,
           bool with_request_body = false) const ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the current phase now (a held phase included). FailedPrecondition
  // if the task already finished; NotFound if there is no such task.
  absl::Status Advance(absl::string_view id, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Moves the task to `status` now. "succeeded"/"failed" end it (with
  // `error_message` for failed); any other status is held until Advance,
  // which then finishes the task as originally scripted.
  absl::Status Force(absl::string_view id, absl::string_view status,
                     absl::string_view error_message, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Calls fn for every task (views without the request body).
  void ForEach(absl::Time now,
               const std::function<void(const TaskView&)>& fn) const
      ABSL_LOCKS_EXCLUDED(mu_);

  void Clear() ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Task {
    std::string id;
    TaskSpec spec;
    absl::Time created;
    // starts[i]: when phase i begins (InfiniteFuture after a held phase).
    std::vector<absl::Time> starts;
  };

  static size_t CurrentPhase(const Task& task, absl::Time now);
  // Recomputes the start of every phase after `from` from their durations.
  static void Reschedule(Task& task, size_t from);
  static void Render(const Task& task, absl::Time now, bool with_request_body,
                     TaskView* view);

  mutable absl::Mutex mu_;
  std::mt19937_64 id_rng_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Task> tasks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokenhub_sim

#endif  // SEEDANCE_SIM_TASK_STORE_H_
