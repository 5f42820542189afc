#include "server/store/async_task_store.h"

#include "absl/strings/str_cat.h"
#include "absl/types/variant.h"

namespace seedance::store {
namespace {

// One posted call. Its callback runs exactly once: with the call's result,
// or, if the executor drops the closure unrun (it stopped), with
// UNAVAILABLE from the destructor.
template <typename T>
class PostedCall {
 public:
  PostedCall(absl::AnyInvocable<absl::StatusOr<T>() &&> call,
             AsyncTaskStore::Callback<T> done, std::atomic<int>& pending)
      : call_(std::move(call)), done_(std::move(done)), pending_(&pending) {}
  PostedCall(PostedCall&& other) noexcept
      : call_(std::move(other.call_)),
        done_(std::move(other.done_)),
        pending_(std::exchange(other.pending_, nullptr)) {}
  PostedCall& operator=(PostedCall&&) = delete;
  ~PostedCall() {
    if (pending_ == nullptr) return;  // moved from, or ran
    Finish(absl::UnavailableError("the task store is shutting down"));
  }

  void operator()() && {
    absl::StatusOr<T> result = std::move(call_)();
    Finish(std::move(result));
  }

 private:
  void Finish(absl::StatusOr<T> result) {
    std::atomic<int>* pending = std::exchange(pending_, nullptr);
    // Counted down first: the callback may post the next call.
    pending->fetch_sub(1, std::memory_order_relaxed);
    std::move(done_)(std::move(result));
  }

  absl::AnyInvocable<absl::StatusOr<T>() &&> call_;
  AsyncTaskStore::Callback<T> done_;
  std::atomic<int>* pending_;
};

}  // namespace

AsyncTaskStore::AsyncTaskStore(TaskStore& store, Executor& executor,
                               int max_pending, int write_batches,
                               int max_batch)
    : store_(store),
      executor_(executor),
      max_pending_(max_pending),
      batcher_(store, executor, write_batches, max_batch) {}

template <typename Done>
bool AsyncTaskStore::Admit(Done& done) {
  if (pending_.fetch_add(1, std::memory_order_relaxed) < max_pending_) {
    return true;
  }
  pending_.fetch_sub(1, std::memory_order_relaxed);
  std::move(done)(absl::UnavailableError(
      absl::StrCat("the task store is overloaded (", max_pending_,
                   " calls waiting); retry later")));
  return false;
}

template <typename T>
void AsyncTaskStore::Post(absl::AnyInvocable<absl::StatusOr<T>() &&> call,
                          Callback<T> done) {
  if (!Admit(done)) return;
  executor_.Run(PostedCall<T>(std::move(call), std::move(done), pending_));
}

template <size_t kIndex, typename Done>
void AsyncTaskStore::Write(WriteCall&& call, Done done) {
  if (!Admit(done)) return;
  writes_before_drain_.fetch_add(1);
  const bool counted = !draining_.load();
  if (!counted) writes_before_drain_.fetch_sub(1);
  batcher_.Submit(std::move(call), [this, counted, done = std::move(done)](
                                       WriteResult result) mutable {
    // Counted down first: the callback may post the next call.
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (counted) writes_before_drain_.fetch_sub(1);
    std::move(done)(absl::get<kIndex>(std::move(result)));
  });
}

void AsyncTaskStore::BeginCreate(NewCreate create, absl::Time now,
                                 Callback<BeginResult> done) {
  Write<0>(BeginCreateCall{std::move(create), now}, std::move(done));
}

void AsyncTaskStore::FinishCreate(int64_t row_id, CreateState outcome,
                                  v1::Video video, absl::Status error,
                                  absl::Time now, StatusCallback done) {
  Write<1>(FinishCreateCall{row_id, outcome, std::move(video), std::move(error),
                            now},
           std::move(done));
}

void AsyncTaskStore::RecordObservation(std::string owner, std::string task_id,
                                       Observation observation,
                                       Callback<TaskRecord> done) {
  Write<2>(RecordObservationCall{std::move(owner), std::move(task_id),
                                 std::move(observation)},
           std::move(done));
}

void AsyncTaskStore::GetTask(std::string owner, std::string task_id,
                             Callback<TaskRecord> done) {
  Post<TaskRecord>(
      [this, owner = std::move(owner), task_id = std::move(task_id)]() {
        return store_.GetTask(owner, task_id);
      },
      std::move(done));
}

void AsyncTaskStore::ListTasks(ListQuery query, Callback<ListPage> done) {
  Post<ListPage>(
      [this, query = std::move(query)]() { return store_.ListTasks(query); },
      std::move(done));
}

void AsyncTaskStore::GetTenantUsage(std::string owner, absl::Time day,
                                    absl::Time now,
                                    Callback<TenantUsage> done) {
  Post<TenantUsage>([this, owner = std::move(owner), day,
                     now]() { return store_.GetTenantUsage(owner, day, now); },
                    std::move(done));
}

}  // namespace seedance::store
