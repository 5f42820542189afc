// ChangeFeed: tells this replica, within milliseconds, which tasks another
// replica has just changed in the shared store, so that a watcher here
// sees a transition that replica observed without polling the upstream
// itself (fleet mode, issue 13).
//
//   std::unique_ptr<ChangeFeed> feed = *OpenChangeFeed(spec, options);
//   feed->Start({.changed = [&](std::string task_id) { ... read it ... },
//                .resync = [&] { ... read every task watched here ... }});
//   ...
//   feed->Stop();
//
// Only ids travel: a replica reads the task itself, so what it shows is
// what was committed. A notification can be lost while the feed is
// disconnected: `resync` runs after every (re)connection, and its handler
// reads again everything it cares about.
//
// PostgreSQL: LISTEN/NOTIFY on kTaskChangesChannel (the store sends one
// notification per changed task, at commit). SQLite has no feed: one
// process owns the file.
#ifndef SEEDANCE_SERVER_STORE_CHANGE_FEED_H_
#define SEEDANCE_SERVER_STORE_CHANGE_FEED_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "server/store/task_store.h"

namespace seedance::store {

// The PostgreSQL channel the store notifies on; the payload is the task id.
inline constexpr char kTaskChangesChannel[] = "seedance_task_changes";

class ChangeFeed {
 public:
  struct Handlers {
    // A task (by upstream id) changed in the store. Called on the feed's
    // own thread, one call at a time: must not block for long.
    absl::AnyInvocable<void(const std::string& task_id)> changed;
    // The feed (re)connected: changes made meanwhile were not announced.
    absl::AnyInvocable<void()> resync;
    // The connection failed or broke (the feed retries with backoff); for
    // the log. The message never holds the connection string.
    absl::AnyInvocable<void(const absl::Status& why)> failed;
  };

  virtual ~ChangeFeed() = default;

  // Starts listening (connecting in the background, and again whenever
  // the connection breaks). Once.
  virtual void Start(Handlers handlers) = 0;

  // Stops listening; no handler runs after it returns. Idempotent.
  virtual void Stop() = 0;
};

// The feed of the store named by `spec` (as OpenTaskStore takes it):
// PostgreSQL's, or nullptr for SQLite (no other process shares the file).
absl::StatusOr<std::unique_ptr<ChangeFeed>> OpenChangeFeed(
    const std::string& spec, const StoreOptions& options);

}  // namespace seedance::store

#endif  // SEEDANCE_SERVER_STORE_CHANGE_FEED_H_
