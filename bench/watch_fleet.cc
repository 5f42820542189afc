// WatchFleet; see watch_fleet.h.
#include "bench/watch_fleet.h"

#include "absl/strings/str_cat.h"

namespace seedance::bench {

absl::Duration StreamsTimeout(int count) {
  return absl::Seconds(30) + absl::Milliseconds(10) * count;
}

WatchFleet::~WatchFleet() { CancelAll().IgnoreError(); }

absl::Status WatchFleet::Open(const BenchEnv& env,
                              const std::vector<std::string>& ids, int count) {
  return Open(env.gateway(), ids, count);
}

absl::Status WatchFleet::Open(const GatewayProcess& gateway,
                              const std::vector<std::string>& ids, int count) {
  if (ids.empty()) return absl::InvalidArgumentError("no tasks to watch");
  const std::size_t first = watchers_.size();
  watchers_.reserve(first + static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto index = static_cast<std::size_t>(i);
    watchers_.push_back(
        std::make_unique<Watcher>(&group_, ids[index % ids.size()]));
    watchers_.back()->Start(gateway.stub(index), queues_->queue(first + index));
  }
  if (!group_.WaitStarted(static_cast<int>(watchers_.size()),
                          StreamsTimeout(count))) {
    return absl::DeadlineExceededError(
        absl::StrCat("not all ", count, " streams got their first message"));
  }
  if (group_.failed() > 0) return absl::InternalError(group_.first_error());
  return absl::OkStatus();
}

absl::Status WatchFleet::WaitAllDone(absl::Duration timeout) {
  const int count = static_cast<int>(watchers_.size());
  if (!group_.WaitDone(count, timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        count - group_.done(), " of ", count, " streams never ended"));
  }
  return absl::OkStatus();
}

absl::Status WatchFleet::CancelAll() {
  if (watchers_.empty()) return absl::OkStatus();
  if (CancelAndReap(watchers_, group_, absl::Seconds(60))) {
    return absl::OkStatus();
  }
  // Streams that never ended still have operations on the queues: leak them
  // too, rather than block forever draining them.
  static_cast<void>(queues_.release());
  return absl::DeadlineExceededError("streams did not end after cancel");
}

}  // namespace seedance::bench
