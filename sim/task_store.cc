// Task bookkeeping and lazy state computation (see task_store.h).
#include "sim/task_store.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"

namespace tokenhub_sim {

std::string TaskStore::Create(TaskSpec spec, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::string id;
  do {
    id = absl::StrFormat("cgt-%016x", id_rng_());
  } while (tasks_.contains(id));
  Task task;
  task.id = id;
  task.spec = std::move(spec);
  task.created = now;
  task.starts.assign(task.spec.timeline.phases.size(), absl::InfiniteFuture());
  task.starts[0] = now;
  Reschedule(task, 0);
  tasks_.emplace(id, std::move(task));
  return id;
}

size_t TaskStore::CurrentPhase(const Task& task, absl::Time now) {
  size_t current = 0;
  while (current + 1 < task.starts.size() && task.starts[current + 1] <= now) {
    ++current;
  }
  return current;
}

void TaskStore::Reschedule(Task& task, size_t from) {
  const std::vector<Phase>& phases = task.spec.timeline.phases;
  for (size_t i = from + 1; i < phases.size(); ++i) {
    task.starts[i] = task.starts[i - 1] + phases[i - 1].duration;
  }
}

void TaskStore::Render(const Task& task, absl::Time now, bool with_request_body,
                       TaskView* view) {
  const std::vector<Phase>& phases = task.spec.timeline.phases;
  size_t current = CurrentPhase(task, now);
  view->id = task.id;
  view->key_label = task.spec.key_label;
  view->model = task.spec.model;
  view->duration_seconds = task.spec.duration_seconds;
  view->resolution = task.spec.resolution;
  if (with_request_body) {
    view->request_body = task.spec.request_body;
  } else {
    view->request_body.clear();
  }
  view->created_unix_seconds = absl::ToUnixSeconds(task.created);
  view->status = phases[current].status;
  view->terminal = current + 1 == phases.size();
  view->error_message = view->terminal && view->status == kFailed
                            ? task.spec.timeline.error_message
                            : std::string();
  view->transitions.clear();
  for (size_t i = 0; i <= current; ++i) {
    view->transitions.emplace_back(phases[i].status, task.starts[i]);
  }
}

bool TaskStore::Get(absl::string_view id, absl::Time now, TaskView* view,
                    bool with_request_body) const {
  absl::MutexLock lock(&mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return false;
  Render(it->second, now, with_request_body, view);
  return true;
}

absl::Status TaskStore::Advance(absl::string_view id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return absl::NotFoundError("no such task");
  Task& task = it->second;
  size_t current = CurrentPhase(task, now);
  if (current + 1 == task.starts.size()) {
    return absl::FailedPreconditionError("task already finished");
  }
  task.starts[current + 1] = now;
  Reschedule(task, current + 1);
  return absl::OkStatus();
}

absl::Status TaskStore::Force(absl::string_view id, absl::string_view status,
                              absl::string_view error_message, absl::Time now) {
  if (status.empty()) return absl::InvalidArgumentError("status is empty");
  absl::MutexLock lock(&mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return absl::NotFoundError("no such task");
  Task& task = it->second;
  std::vector<Phase>& phases = task.spec.timeline.phases;
  size_t current = CurrentPhase(task, now);
  if (current + 1 == phases.size()) {
    return absl::FailedPreconditionError("task already finished");
  }
  size_t next = current + 1;
  if (status == kSucceeded || status == kFailed) {
    phases.resize(next);
    phases.push_back({std::string(status), absl::ZeroDuration()});
    task.spec.timeline.error_message =
        status == kFailed
            ? (error_message.empty() ? std::string(kDefaultFailure)
                                     : std::string(error_message))
            : std::string();
  } else {
    phases.insert(phases.begin() + static_cast<std::ptrdiff_t>(next),
                  {std::string(status), absl::InfiniteDuration()});
  }
  task.starts.resize(phases.size(), absl::InfiniteFuture());
  task.starts[next] = now;
  Reschedule(task, next);
  return absl::OkStatus();
}

void TaskStore::ForEach(absl::Time now,
                        const std::function<void(const TaskView&)>& fn) const {
  absl::MutexLock lock(&mu_);
  TaskView view;
  for (const auto& [id, task] : tasks_) {
    Render(task, now, /*with_request_body=*/false, &view);
    fn(view);
  }
}

void TaskStore::Clear() {
  absl::MutexLock lock(&mu_);
  tasks_.clear();
}

size_t TaskStore::size() const {
  absl::MutexLock lock(&mu_);
  return tasks_.size();
}

}  // namespace tokenhub_sim
